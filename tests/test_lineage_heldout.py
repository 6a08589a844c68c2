"""Held-out lineage cases (issue 12), written after the rules: a city standard revised in
place of one band and its revenue floor, its written and machine translations, and a
newspaper report about the revision. Stored through the crawl's write path and processed
by the real NLP stage, without any embedding model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.alerts.events import derive_events
from policywatch.nlp.extract.stage import run_extraction
from policywatch.nlp.link.linking import run_linking
from policywatch.store import Capture, open_store, record_capture
from policywatch.store.notices import upsert_source

HELDOUT = Path(__file__).parent / "fixtures" / "lineage" / "heldout"
SITE = "https://jxj.qingchuan.example.gov.cn/art"
NOTICES = {
    # name: (file, url, language)
    "v2023": ("qingchuan-standard-2023.zh.txt", f"{SITE}/2023/3/1/art_1.html", "zh"),
    "v2025": ("qingchuan-standard-2025.zh.txt", f"{SITE}/2025/5/20/art_2.html", "zh"),
    "written_en": ("qingchuan-standard-2025.en.txt", "https://en.qingchuan.example/m2025.html",
                   "en"),
    "machine_en": ("qingchuan-standard-2025.mt.en.txt", None, "en"),
    "news": ("qingchuan-news-2025.zh.txt", "https://news.qingchuan.example/a/2025-05-22.html",
             "zh"),
}


def _text(name: str) -> str:
    path = HELDOUT / NOTICES[name][0]
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))


@pytest.fixture
def linked(tmp_path: Path):
    """The standards first (as a crawl of the city's site would store them), then the
    translations and the news report imported later; processed after each round."""
    ids: dict[str, int] = {}
    with open_store(tmp_path / "heldout.db") as store:
        upsert_source(store, {"id": "qingchuan", "name": "青川市经信局", "region": "青川市",
                              "language": "zh"})
        upsert_source(store, {"id": "import", "name": "Imported files"})
        for round_names in (["v2023"], ["v2025"], ["written_en", "machine_en", "news"]):
            for name in round_names:
                _, url, language = NOTICES[name]
                text = _text(name)
                result = record_capture(store, Capture(
                    raw=text.encode(), text=text, kind="page" if url else "file", url=url,
                    source_id="qingchuan" if name.startswith("v") else "import",
                    fields={"title": text.splitlines()[0], "language": language}))
                ids[name] = result.notice_id
            run_extraction(store)
            run_linking(store, embedder=None)  # no model: language-free evidence alone
        yield store, ids


def _edges(store, ids):
    names = {v: k for k, v in ids.items()}
    return {(names[e["source_notice_id"]], e["type"], names[e["target_notice_id"]])
            for e in store.db.query("select * from edges")}


def test_the_revision_supersedes_and_its_band_change_is_found(linked):
    store, ids = linked
    assert ("v2025", "supersedes", "v2023") in _edges(store, ids)
    (change,) = store.db.query("select * from changes where kind = 'superseded'")
    criteria = json.loads(change["criteria_changes"])
    found = {(c["tier"], c["metric"], c["change"], (c["old"] or {}).get("value"),
              (c["new"] or {}).get("value")) for c in criteria}
    assert found == {("srdi_sme", "revenue", "changed", 10000000, 15000000),
                     ("srdi_sme", "rd_ratio", "changed", 5, 4.5)}


def test_both_translations_are_linked_without_a_multilingual_model(linked):
    store, ids = linked
    edges = _edges(store, ids)
    assert ("written_en", "translation_of", "v2025") in edges
    assert ("machine_en", "translation_of", "v2025") in edges
    # never to the older version, whose amounts and dates differ
    assert not {e for e in edges if e[1] == "translation_of" and e[2] == "v2023"}
    measure = {row["notice_id"]: row["measure_id"] for row in store.db.query(
        "select * from notice_measures")}
    assert measure[ids["written_en"]] == measure[ids["v2025"]] == measure[ids["machine_en"]]


def test_the_news_report_is_never_a_version(linked):
    store, ids = linked
    news = ids["news"]
    kind = store.db.execute("select kind from lineage_notices where notice_id = ?",
                            [news]).fetchone()[0]
    assert kind == "news"
    version_edges = [e for e in _edges(store, ids) if "news" in (e[0], e[2])
                     and e[1] in {"supersedes", "amends", "translation_of", "same_as"}]
    assert version_edges == []
    measure = dict(store.db.execute("select notice_id, measure_id from notice_measures"))
    assert measure.get(news) not in {measure[ids["v2023"]], measure[ids["v2025"]]}
    news_versions = {row[0] for row in store.db.execute(
        "select id from versions where notice_id = ?", [news])}
    assert not list(store.db.execute(
        "select 1 from changes where old_version_id in ({0}) or new_version_id in ({0})".format(
            ",".join("?" * len(news_versions))), [*news_versions, *news_versions]))
    events = derive_events(store)
    assert not [e for e in events if e["type"] in {"repealed", "criteria_changed",
                                                   "new_version"} and news in e["notice_ids"]]


def test_a_page_that_states_its_repeal_makes_a_repealed_event(tmp_path: Path):
    """The Jiangsu case: a page gains one line "（该文件已于…废止…）" and nothing else; the
    change names that line and the page's notice is repealed, once."""
    url = f"{SITE}/2023/3/1/art_1.html"
    first = _text("v2023")
    lines = first.splitlines()
    second = "\n".join([lines[0], "（该文件已于2026年4月1日废止，现行标准见《青川市专精特新中小企业"
                                  "认定办法（2025年修订）》）", *lines[1:]])
    with open_store(tmp_path / "repeal.db") as store:
        upsert_source(store, {"id": "qingchuan", "name": "青川市经信局", "region": "青川市"})
        for text in (first, second):
            record_capture(store, Capture(raw=text.encode(), text=text, url=url,
                                          source_id="qingchuan",
                                          fields={"title": lines[0], "language": "zh"}))
            run_extraction(store)
            run_linking(store, embedder=None)
        (change,) = store.db.query("select * from changes")
        assert change["summary_zh"].startswith("已废止（2026-04-01起）：该文件已于2026年4月1日废止")
        assert "repealed from 2026-04-01" in change["summary_en"]
        events = derive_events(store)
        repealed = [e for e in events if e["type"] == "repealed"]
        assert len(repealed) == 1
        assert "已于2026-04-01废止" in repealed[0]["summary_zh"]
        assert repealed[0]["payload"]["statement"]["successor"].startswith("青川市专精特新")
        assert derive_events(store) == []  # once


def test_a_little_giant_standard_band_change_keeps_its_tier(tmp_path: Path):
    """A Little Giant standard that names the SRDI tier as a prerequisite: its revision
    changes one R&D band, and the diff files that change under little_giant, alone."""
    texts = {}
    for name in ("linhai-little-giant-2024.zh.txt", "linhai-little-giant-2026.zh.txt"):
        path = HELDOUT / name
        texts[name] = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                                if not line.startswith("#"))
    with open_store(tmp_path / "lg.db") as store:
        upsert_source(store, {"id": "linhai", "name": "临海省工信厅", "region": "临海省"})
        for index, text in enumerate(texts.values()):
            record_capture(store, Capture(raw=text.encode(), text=text,
                                          url=f"https://gxt.linhai.example.gov.cn/{index}.html",
                                          source_id="linhai",
                                          fields={"title": text.splitlines()[0],
                                                  "language": "zh"}))
            run_extraction(store)
            run_linking(store, embedder=None)
        (change,) = store.db.query("select * from changes where kind = 'superseded'")
        criteria = json.loads(change["criteria_changes"])
        assert [(c["tier"], c["metric"], c["change"], c["old"]["value"], c["new"]["value"])
                for c in criteria] == [("little_giant", "rd_ratio", "changed", 6, 5)]
