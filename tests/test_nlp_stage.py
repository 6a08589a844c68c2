"""The extraction stage in the store: pending versions, saving, re-running, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.cli import cli
from policywatch.nlp.evaluation.extraction import DEFAULT_FIXTURES, labelled_text
from policywatch.nlp.extract import stage as extraction_stage
from policywatch.nlp.extract.notice import EXTRACTOR_VERSION
from policywatch.nlp.extract.stage import extract_version, run_extraction
from policywatch.store import Capture, open_store, record_capture
from policywatch.store.extractions import (
    extractor_family,
    latest_extraction,
    save_extraction,
    versions_pending_extraction,
)


def _text(name: str) -> str:
    """A text of the labelled set, through the library (real ones from the reference pack)."""
    text = labelled_text(name)
    if text is None:
        pytest.skip(f"{name} is a real text of the reference pack, absent here")
    return text


def _capture(store, name: str, **fields) -> int:
    text = _text(name)
    result = record_capture(store, Capture(raw=text.encode(), text=text, kind="file",
                                           fields={"title": text.splitlines()[0], **fields}))
    return result.version_id


RESULT = {"title": "t", "doc_number": None, "issuer": None, "language": "zh",
          "dates": {"written": None, "published": None, "effective": None, "expires": None},
          "tiers": ["srdi_sme"], "clauses": [], "scoring": [],
          "criteria": [{"tier": "srdi_sme", "metric": "revenue", "op": ">=", "value": 10_000_000,
                        "unit": "yuan", "period": "last_year", "condition": None,
                        "text": "…", "clause": "s1.i3"}]}


def test_nlp_stage_migration_creates_the_tables(store):
    assert {"extractions", "criteria"} <= set(store.db.table_names())
    indexes = {tuple(i.columns): i.unique for i in store.db["extractions"].indexes}
    assert indexes[("version_id", "extractor")] == 1


def test_nlp_stage_save_replaces_same_and_older_versions_only(store):
    version_id = _capture(store, "srdi-sme-conditions-2022.zh.txt")
    save_extraction(store, version_id, "policywatch.extract.v1", RESULT)
    save_extraction(store, version_id, "other.tool.v1", RESULT)
    save_extraction(store, version_id, "policywatch.extract.v3", RESULT)
    save_extraction(store, version_id, "policywatch.extract.v2", RESULT)
    save_extraction(store, version_id, "policywatch.extract.v2", RESULT)
    extractors = sorted(r["extractor"] for r in store.db["extractions"].rows)
    assert extractors == ["other.tool.v1", "policywatch.extract.v2", "policywatch.extract.v3"]
    assert store.db["criteria"].count == 3  # one per remaining extraction
    assert {r["extractor"] for r in store.db["criteria"].rows} == set(extractors)


def test_nlp_stage_pending_is_per_extractor(store):
    version_id = _capture(store, "srdi-sme-conditions-2022.zh.txt")
    assert [r["id"] for r in versions_pending_extraction(store, "policywatch.extract.v1")] == [
        version_id]
    save_extraction(store, version_id, "policywatch.extract.v1", RESULT)
    assert versions_pending_extraction(store, "policywatch.extract.v1") == []
    assert len(versions_pending_extraction(store, "policywatch.extract.v2")) == 1


def test_nlp_stage_latest_extraction_decodes_json(store):
    version_id = _capture(store, "srdi-sme-conditions-2022.zh.txt")
    save_extraction(store, version_id, EXTRACTOR_VERSION, RESULT)
    extraction = latest_extraction(store, version_id)
    assert extraction["tiers"] == ["srdi_sme"]
    assert extraction["dates"]["written"] is None
    assert extraction["criteria"][0]["value"] == 10_000_000
    assert extraction["criteria"][0]["clause_id"] == "s1.i3"
    assert latest_extraction(store, version_id + 100) is None


def test_nlp_stage_run_then_rerun_then_bump(store, monkeypatch):
    first = _capture(store, "srdi-sme-conditions-2022.zh.txt")
    second = _capture(store, "little-giant-standard-2022.en.txt")
    seen = []
    counts = run_extraction(store, progress=lambda done, total, vid: seen.append((done, total)))
    assert (counts["pending"], counts["extracted"], counts["failed"]) == (2, 2, 0)
    assert counts["criteria"] == 11 + 12
    assert seen == [(1, 2), (2, 2)]
    assert store.db["criteria"].count_where("version_id = ?", [first]) == 11
    assert latest_extraction(store, second)["language"] == "en"
    run = list(store.db.query("select * from runs where kind = 'extract'"))[-1]
    assert run["status"] == "ok" and json.loads(run["stats"])["extracted"] == 2

    assert run_extraction(store)["pending"] == 0  # nothing new: nothing to do

    bumped = "policywatch.extract.v999"
    monkeypatch.setattr(extraction_stage, "EXTRACTOR_VERSION", bumped)
    counts = run_extraction(store)
    assert counts["pending"] == 2
    assert {r["extractor"] for r in store.db["extractions"].rows} == {bumped}
    assert {r["extractor"] for r in store.db["criteria"].rows} == {bumped}


def test_nlp_stage_page_metadata_fills_only_the_gaps(store):
    version_id = _capture(store, "little-giant-notice-2022.zh.txt",
                          published_date="2022-06-13", doc_number="工信部企业〔2022〕99号")
    version = dict(store.db["versions"].get(version_id))
    result = extract_version(version)
    assert result["dates"]["published"] == "2022-06-13"  # not in the text: from the page
    assert result["doc_number"] == "工信部企业〔2022〕63号"  # in the text: the text wins


def test_nlp_stage_cli_extract_file_json(runner, tmp_path):
    path = tmp_path / "standard.txt"
    path.write_text(_text("srdi-standard-2026.zh.txt"), encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(tmp_path / "x.db"), "extract", str(path), "--json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert list(output)[:7] == ["title", "doc_number", "issuer", "dates", "tiers", "criteria",
                                "clauses"]
    assert output["doc_number"] == "工信部企业〔2026〕2号"
    assert {"metric": "revenue", "op": ">=", "value": 15_000_000} in [
        {k: c[k] for k in ("metric", "op", "value")} for c in output["criteria"]]
    assert not (tmp_path / "x.db").exists()  # a file is extracted without the store


def test_nlp_stage_cli_extract_notice_id_saves(runner, tmp_path):
    db = str(tmp_path / "x.db")
    path = tmp_path / "conditions.txt"
    path.write_text(_text("srdi-sme-conditions-2022.zh.txt"), encoding="utf-8")
    assert runner.invoke(cli, ["--db", db, "import", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "extract", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["criteria"]) == 11
    pending = runner.invoke(cli, ["--db", db, "extract", "--pending", "--json"])
    assert pending.exit_code == 0
    assert json.loads(pending.output.splitlines()[-1])["pending"] == 0
    text = runner.invoke(cli, ["--db", db, "extract", "1"])
    assert "revenue >= 10,000,000 yuan [last_year]" in text.output


def test_nlp_stage_cli_extract_pending_shows_progress(runner, tmp_path):
    db = str(tmp_path / "x.db")
    for name in ("srdi-sme-conditions-2022.zh.txt", "srdi-standard-2026.en.txt"):
        path = tmp_path / name
        path.write_text(_text(name), encoding="utf-8")
        assert runner.invoke(cli, ["--db", db, "import", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "extract", "--pending"])
    assert result.exit_code == 0, result.output
    assert "extracting 2/2" in result.output
    assert "2 of 2 pending versions extracted" in result.output


@pytest.mark.parametrize(("args", "code", "message"), [
    (["extract", "999"], 1, "no stored version for notice 999"),
    (["extract", "missing.txt"], 1, "no such file"),
    (["extract"], 2, "give a FILE or NOTICE_ID"),
    (["extract", "1", "--pending"], 2, "--pending takes no"),
])
def test_nlp_stage_cli_extract_errors_are_one_line(runner, tmp_path, args, code, message):
    open_store(tmp_path / "x.db").close()
    result = runner.invoke(cli, ["--db", str(tmp_path / "x.db"), *args])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_nlp_stage_extractor_family():
    family, number = extractor_family(EXTRACTOR_VERSION)
    assert family == "policywatch.extract" and isinstance(number, int) and number >= 1


def test_nlp_stage_fixture_paths_exist():
    assert Path(DEFAULT_FIXTURES).is_dir()


def test_nlp_stage_one_failing_version_does_not_stop_the_stage(store, monkeypatch):
    broken = _capture(store, "srdi-sme-conditions-2022.zh.txt")
    fine = _capture(store, "srdi-standard-2026.en.txt")
    real = extraction_stage.extract_notice

    def flaky(text, **kwargs):
        if "专精特新中小企业认定" in text:
            raise RuntimeError("rule bug")
        return real(text, **kwargs)

    monkeypatch.setattr(extraction_stage, "extract_notice", flaky)
    counts = run_extraction(store)
    assert (counts["extracted"], counts["failed"]) == (1, 1)
    assert [r["id"] for r in versions_pending_extraction(store, EXTRACTOR_VERSION)] == [broken]
    assert latest_extraction(store, fine) is not None
    run = list(store.db.query("select * from runs where kind = 'extract'"))[-1]
    assert run["status"] == "failed"
    assert json.loads(run["stats"])["failed_versions"] == [broken]
