"""The labelled set and the benchmark: F1 of criteria, dates, and what the set must hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.bench import read_reference_page
from policywatch.nlp.evaluation.extraction import (
    DEFAULT_FIXTURES,
    HELD_OUT,
    load_labelled_set,
    run_benchmark,
    score_documents,
)
from tests.conftest import REFERENCE, needs_reference

RECONSTRUCTED = "reconstructed for testing, not an official text"


def labelled_set(folder: Path | None = None):
    """The labelled set as the benchmark reads it: real texts from the reference pack."""
    return load_labelled_set(folder, REFERENCE, read_reference_page)


@pytest.fixture(scope="module")
def figures():
    return score_documents(labelled_set())


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
    documents = labelled_set()
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
    for document in labelled_set():
        for criterion in document.labels["criteria"]:
            assert criterion["metric"] in metrics, (document.name, criterion)
            assert criterion["op"] in {">=", "<=", ">", "<", "=="}
            assert criterion["tier"] in {"innovative_sme", "srdi_sme", "little_giant"}
            assert isinstance(criterion["value"], int | float)


@pytest.mark.parametrize("folder", [DEFAULT_FIXTURES, HELD_OUT], ids=["development", "held-out"])
def test_nlp_evaluation_every_text_says_where_it_comes_from(folder):
    """Texts beside the labels are the project's own (reconstructed, and say so); a real text
    is named in its label as a file of the reference pack, never copied into the project."""
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for label_path in sorted(folder.glob("*.json")):
        label = json.loads(label_path.read_text(encoding="utf-8"))
        assert ("file" in label) != ("reference" in label), label_path.name
        if "reference" in label:
            assert label["source"] == "real", label_path.name
            assert not label_path.with_suffix(".txt").exists(), label_path.name
            assert f"`{label['reference']}`" in readme, f"{label['reference']} not in the README"
            if REFERENCE is not None:
                assert (REFERENCE / label["reference"]).is_file(), label["reference"]
            continue
        text_path = folder / label["file"]
        header = text_path.read_text(encoding="utf-8").splitlines()[0]
        assert label["source"].startswith("reconstructed"), label_path.name
        assert RECONSTRUCTED in header, text_path.name
        assert text_path.name in readme, f"{text_path.name} is not listed in the README"
    names = {p.stem for p in folder.glob("*.json")}
    assert {p.stem for p in folder.glob("*.txt")} <= names, "a text without labels"


@needs_reference
def test_nlp_evaluation_reads_real_texts_from_the_reference_pack():
    documents = {d.name: d for d in labelled_set()}
    conditions = documents["srdi-sme-conditions-2022.zh"]
    assert conditions.text == (REFERENCE / "texts" / "2022-attachment2-srdi-sme-certification"
                               "-conditions.zh.txt").read_text(encoding="utf-8")
    page = documents["govcn-5365341.zh"].text
    assert page.startswith("国务院关于印发国家职业教育改革\n实施方案的通知\n国发〔2019〕4号")
    assert len(documents) == len(list(DEFAULT_FIXTURES.glob("*.json")))


def test_nlp_evaluation_skips_real_texts_without_the_pack():
    documents = load_labelled_set(reference=None)
    real = sorted(p.stem for p in DEFAULT_FIXTURES.glob("*.json")
                  if "reference" in json.loads(p.read_text(encoding="utf-8")))
    assert real and documents.skipped == real
    assert all("reference" not in d.labels for d in documents)
    assert "no reference pack" in documents.note()
    if REFERENCE is not None:  # the pack but no page reader: only the gov.cn pages wait
        without_reader = load_labelled_set(reference=REFERENCE)
        assert without_reader.skipped and all(
            name.startswith("govcn-") for name in without_reader.skipped)


def test_nlp_evaluation_benchmark_reports_every_figure():
    figures = run_benchmark(repeats=1, reference=REFERENCE, read_page=read_reference_page)
    assert bool(figures["skipped"]) == (REFERENCE is None)
    speed = figures["throughput"]
    assert speed["extract_chars_per_s"] > 0 and speed["jieba_chars_per_s"] > 0
    assert speed["ratio"] == pytest.approx(
        speed["extract_chars_per_s"] / speed["jieba_chars_per_s"])
    for key in ("criteria", "dates", "tiers", "metadata", "clauses", "periods", "conditions"):
        assert key in figures
