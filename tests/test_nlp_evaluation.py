"""The labelled set and the benchmark: F1 of criteria, dates, and what the set must hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.nlp.evaluation.extraction import (
    DEFAULT_FIXTURES,
    load_labelled_set,
    run_benchmark,
    score_documents,
)

RECONSTRUCTED = "reconstructed for testing, not an official text"


@pytest.fixture(scope="module")
def figures():
    return score_documents(load_labelled_set())


def test_nlp_evaluation_criteria_f1_on_the_labelled_set(figures):
    criteria = figures["criteria"]
    assert criteria["f1"] >= 0.95, figures["errors"]
    for language, counts in criteria["by_language"].items():
        assert counts["f1"] >= 0.95, (language, figures["errors"])


def test_nlp_evaluation_dates_exact(figures):
    assert figures["dates"]["accuracy"] == 1.0, figures["errors"]


def test_nlp_evaluation_tiers_metadata_and_clause_ids(figures):
    assert figures["tiers"]["accuracy"] == 1.0, figures["errors"]
    assert figures["metadata"]["accuracy"] >= 0.95, figures["errors"]
    assert figures["clauses"]["accuracy"] >= 0.95, figures["errors"]
    assert figures["scoring"]["accuracy"] == 1.0, figures["errors"]


def test_nlp_evaluation_labelled_set_size(figures):
    documents = load_labelled_set()
    assert len(documents) >= 8
    assert figures["labelled_criteria"] >= 60
    languages = {d.labels["language"] for d in documents}
    assert languages == {"zh", "en"}
    for language in languages:
        labelled = sum(len(d.labels["criteria"]) for d in documents
                       if d.labels["language"] == language)
        assert labelled >= 20, language


def test_nlp_evaluation_labels_use_the_vocabulary():
    metrics = json.loads((Path(__file__).parents[1] / "nlp" / "data" / "metrics.json")
                         .read_text(encoding="utf-8"))["metrics"]
    for document in load_labelled_set():
        for criterion in document.labels["criteria"]:
            assert criterion["metric"] in metrics, (document.name, criterion)
            assert criterion["op"] in {">=", "<=", ">", "<", "=="}
            assert criterion["tier"] in {"innovative_sme", "srdi_sme", "little_giant"}
            assert isinstance(criterion["value"], int | float)


def test_nlp_evaluation_every_text_says_where_it_comes_from():
    readme = (DEFAULT_FIXTURES / "README.md").read_text(encoding="utf-8")
    for text_path in sorted(DEFAULT_FIXTURES.glob("*.txt")):
        header = text_path.read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith("# "), text_path.name
        assert text_path.name in readme, f"{text_path.name} is not listed in the README"
        label = json.loads(text_path.with_suffix(".json").read_text(encoding="utf-8"))
        if label["source"].startswith("reconstructed"):
            assert RECONSTRUCTED in header, text_path.name
        else:
            assert header.startswith("# source: /work/shared/reference/"), text_path.name


def test_nlp_evaluation_benchmark_reports_every_figure():
    figures = run_benchmark(repeats=1)
    speed = figures["throughput"]
    assert speed["extract_chars_per_s"] > 0 and speed["jieba_chars_per_s"] > 0
    assert speed["ratio"] == pytest.approx(
        speed["extract_chars_per_s"] / speed["jieba_chars_per_s"])
    for key in ("criteria", "dates", "tiers", "metadata", "clauses", "periods", "conditions"):
        assert key in figures
