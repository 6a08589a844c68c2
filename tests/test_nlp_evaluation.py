"""The labelled set and the benchmark: F1 of criteria, dates, and what the set must hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.bench import read_reference_page
from policywatch.nlp.evaluation.extraction import (
    DEFAULT_FIXTURES,
    HELD_OUT,
    REAL,
    REAL_METADATA,
    format_all,
    load_labelled_set,
    load_real_set,
    real_split,
    run_all,
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


def _metric_ids() -> set[str]:
    return set(json.loads((Path(__file__).parents[1] / "nlp" / "data" / "metrics.json")
                          .read_text(encoding="utf-8"))["metrics"])


def test_nlp_evaluation_labels_use_the_vocabulary():
    metrics = _metric_ids()
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
        if text_path.suffix == ".pdf":
            # A PDF case: made from a reconstructed text of the project (tests/pdf_support.py).
            assert text_path.is_file() and text_path.name in readme, text_path.name
            text_path = (folder / label["made_from"]).resolve()
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


def test_nlp_evaluation_the_heldout_pdf_case_needs_the_page_reader():
    with_reader = {d.name: d for d in load_labelled_set(HELD_OUT, REFERENCE, read_reference_page)}
    pdf = with_reader["little-giant-notice-2022.pdf.zh"]
    assert "\n" in pdf.text and pdf.labels["criteria"]
    without = load_labelled_set(HELD_OUT, REFERENCE)
    assert without.skipped == ["little-giant-notice-2022.pdf.zh"]
    assert "page reader" in without.note()


# -- the real texts (issue 11) ----------------------------------------------------------
def test_nlp_evaluation_real_labels_are_split_by_issuer_and_use_the_vocabulary():
    split = real_split()
    labels = {stem: json.loads((REAL / f"{stem}.json").read_text(encoding="utf-8"))
              for part in split.values() for stem in part}
    assert set(labels) == {p.stem for p in REAL.glob("*.json") if p.name != "split.json"}
    parts = list(split)
    issuers = {part: {labels[stem]["issuer"] for stem in split[part]} for part in split}
    for index, part in enumerate(parts):
        for other in parts[index + 1:]:
            assert not set(split[part]) & set(split[other]), (part, other)
            assert not issuers[part] & issuers[other], f"an issuer in {part} and {other}"
    metrics = _metric_ids() | {"other"}
    folder = {split: f"{split}-texts" for split in ("fresh", "fresh2", "fresh3", "fresh4")}
    for stem, label in labels.items():
        assert label["split"] in split and stem in split[label["split"]]
        assert label["reference"] == f"{folder.get(label['split'], 'real-texts')}/{stem}.txt"
        assert not (REAL / f"{stem}.txt").exists(), "real texts are never copied here"
        for criterion in label["criteria"]:
            assert criterion["metric"] in metrics, (stem, criterion)
            assert criterion["metric"] != "other" or criterion.get("phrase"), (stem, criterion)


def test_nlp_evaluation_real_texts_skip_cleanly_without_the_pack():
    documents = load_real_set("dev", reference=None)
    assert len(documents) == 0 and documents.skipped == real_split()["dev"]
    assert "no reference pack" in documents.note()


@needs_reference
def test_nlp_evaluation_real_development_texts_keep_their_figures():
    """The development part of the real texts, as far as the rules reach on it: every
    criterion (27) and no extra one on any of the 19 texts without criteria, every stated
    date. A rule change that loses one of them fails here."""
    documents = load_real_set("dev", reference=REFERENCE)
    figures = score_documents(documents, REAL_METADATA)
    criteria = figures["criteria"]
    assert (criteria["tp"], criteria["fp"], criteria["fn"]) == (27, 0, 0), figures["errors"]
    assert figures["periods"]["accuracy"] == 1.0, figures["errors"]
    assert figures["conditions"]["accuracy"] == 1.0, figures["errors"]
    assert figures["dates"]["stated"]["exact"], figures["errors"]
    assert figures["dates"]["documents_exact"] == figures["documents"] == 25
    assert figures["tiers"]["accuracy"] == 1.0, figures["errors"]


def test_nlp_evaluation_bench_reports_real_parts_issuers_old_sets_and_throughput():
    figures = run_all(REFERENCE, read_reference_page, repeats=1)
    report = "\n".join(format_all(figures))
    for words in ("real texts, development part", "real texts, held-out part",
                  "older development set", "written alongside the rules",
                  "older held-out set", "bare jieba.lcut", "ratio"):
        assert words in report
    assert figures["throughput"]["ratio"] > 0
    if REFERENCE is None:
        assert "no reference pack" in report
    else:
        assert "real texts per issuer" in report
        assert {row["split"] for row in figures["real"]["issuers"]} == {"dev", "heldout"}
        assert figures["held_out"]["documents"] == len(list(HELD_OUT.glob("*.json")))
