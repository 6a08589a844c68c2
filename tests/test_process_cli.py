"""``process`` on bad documents: each failure is named and counted, the rest processed,
no traceback on the terminal, and search still answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.cli import cli
from policywatch.store import Capture, open_store, record_capture

GOOD = ("关于印发《某某市专精特新中小企业认定办法》的通知\n第一条 为做好认定工作，制定本办法。\n"
        "第二条 上年度营业收入总额在1000万元以上。\n第三条 本办法自2025年1月1日起施行。")
ODD = "某某市关于开展2025年度中小企业数字化改造试点工作的通知\n各区：现将有关事项通知如下。"


@pytest.fixture
def two_notices(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POLICYWATCH_EMBEDDING_MODEL", "none")
    monkeypatch.setenv("POLICYWATCH_LOG", str(db_path.with_suffix(".log")))
    with open_store(db_path) as store:
        for index, text in enumerate((GOOD, ODD)):
            record_capture(store, Capture(raw=text.encode(), text=text,
                                          url=f"https://city.example.gov.cn/{index}.html"))
    return db_path


def test_a_failing_extraction_is_named_and_the_rest_processed(runner, two_notices, monkeypatch):
    from policywatch.nlp.extract import stage

    real = stage.extract_notice

    def flaky(text, **kwargs):
        if "数字化改造" in text:
            raise RuntimeError("spaCy choked on this text")
        return real(text, **kwargs)

    monkeypatch.setattr(stage, "extract_notice", flaky)
    result = runner.invoke(cli, ["--db", str(two_notices), "process"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "extraction: 1 versions" in result.output and "1 failed" in result.output
    assert "failed: version 2: RuntimeError: spaCy choked on this text" in result.output
    assert f"details in {two_notices.with_suffix('.log')}" in result.output
    assert "spaCy choked" in two_notices.with_suffix(".log").read_text(encoding="utf-8")
    search = runner.invoke(cli, ["--db", str(two_notices), "search", "营业收入", "--mode",
                                 "lexical"])
    assert search.exit_code == 0 and "某某市专精特新中小企业认定办法" in search.output


def test_a_failing_link_is_named_and_the_rest_linked(runner, two_notices, monkeypatch):
    from policywatch.nlp.link import linking

    real = linking.link_notice

    def flaky(store, notice_id, embedder=None):
        if notice_id == 2:
            raise ValueError("odd references")
        return real(store, notice_id, embedder)

    monkeypatch.setattr(linking, "link_notice", flaky)
    result = runner.invoke(cli, ["--db", str(two_notices), "process"])
    assert result.exit_code == 0, result.output
    assert "lineage: 1 notices linked" in result.output and "1 failed" in result.output
    assert "failed: notice 2: ValueError: odd references" in result.output
    assert "Traceback" not in result.output
