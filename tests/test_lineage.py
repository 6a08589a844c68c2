"""Lineage: typed edges with evidence between realistic notices, and no false links."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.linking import notice_lineage, run_linking
from nlp.stage import run_extraction
from store import Capture, open_store, record_capture
from store.notices import upsert_source
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "crawler" / "replay" / "texts"
LINEAGE = Path(__file__).parent / "fixtures" / "lineage"

# name -> (file, url, source, title, doc number, issuer, published, language)
NOTICES = {
    "measures_2022": (TEXTS / "2022-interim-measures.zh.txt",
                      "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2022/art_a1.html", "miit",
                      "工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知",
                      "工信部企业〔2022〕63号", "工业和信息化部", "2022-06-09", "zh"),
    "measures_2026": (TEXTS / "2026-measures.zh.txt",
                      "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2026/art_b2.html", "miit",
                      "工业和信息化部关于印发《优质中小企业梯度培育管理办法》的通知",
                      "工信部企业〔2026〕2号", "工业和信息化部", "2026-01-19", "zh"),
    "translation": (SHARED / "reference" / "texts" / "2022-measures-articles-1-2.en.txt",
                    "https://english.www.gov.cn/policies/latestreleases/202206/10/content_X.html",
                    "govcn_en", "Interim Measures for the Graded Cultivation of High-Quality SMEs",
                    None, "Ministry of Industry and Information Technology", "2022-06-10", "en"),
    "interpretation": (LINEAGE / "interpretation.zh.txt",
                       "https://www.miit.gov.cn/jgsj/qyj/gzdt/art/2022/art_c3.html", "miit",
                       "《优质中小企业梯度培育管理暂行办法》解读", None, "中小企业局",
                       "2022-06-10", "zh"),
    "list_notice": (LINEAGE / "list-notice.zh.txt",
                    "https://www.miit.gov.cn/zwgk/wjgs/art/2022/art_d4.html", "miit",
                    "关于第四批专精特新“小巨人”企业名单的公示", None, "工业和信息化部",
                    "2022-08-01", "zh"),
    "province_v1": (LINEAGE / "province-standard-v1.zh.txt",
                    "https://gxt.example.gov.cn/art/2023/3/1/art_1.html", "province",
                    "关于印发《某某省专精特新中小企业认定标准》的通知", "某工信规字〔2023〕3号",
                    "某某省工业和信息化厅", "2023-03-01", "zh"),
    "province_v2": (LINEAGE / "province-standard-v2.zh.txt",
                    "https://gxt.example.gov.cn/art/2026/3/1/art_2.html", "province",
                    "关于印发《某某省专精特新中小企业认定标准（2026年修订）》的通知",
                    "某工信规字〔2026〕1号", "某某省工业和信息化厅", "2026-03-01", "zh"),
    "unrelated": (LINEAGE / "unrelated-standard.zh.txt",
                  "https://kjt.example.gov.cn/art/2023/6/1/art_9.html", "province",
                  "某某省高新技术企业认定管理办法", "某科规〔2023〕7号", "某某省科学技术厅",
                  "2023-06-01", "zh"),
}
SOURCES = {"miit": "national", "govcn_en": "national", "province": "某某省"}


def _text(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("lineage") / "lineage.db"
    ids: dict[str, int] = {}
    with open_store(db_path) as store:
        for source, region in SOURCES.items():
            upsert_source(store, {"id": source, "name": source, "region": region})
        for name, (path, url, source, title, number, issuer, published, language) in \
                NOTICES.items():
            text = _text(path)
            result = record_capture(store, Capture(
                raw=text.encode(), text=text, url=url, source_id=source,
                fields={"title": title, "doc_number": number, "issuer": issuer,
                        "published_date": published, "language": language}))
            ids[name] = result.notice_id
        run_extraction(store)
        counts = run_linking(store)
        yield store, ids, counts


def edges_between(store, source: int, target: int) -> list[dict]:
    return list(store.db.query(
        "select type, confidence, evidence from edges where source_notice_id = ? and "
        "target_notice_id = ?", [source, target]))


@pytest.mark.parametrize(
    ("source", "target", "kind", "evidence"),
    [
        ("measures_2026", "measures_2022", "supersedes", "工信部企业〔2022〕63号"),
        ("province_v2", "province_v1", "supersedes", "某某省专精特新中小企业"),
        ("translation", "measures_2022", "translation_of", "title_concepts_shared"),
        ("interpretation", "measures_2022", "interprets", "工信部企业〔2022〕63号"),
        ("list_notice", "measures_2022", "cites", "工信部企业〔2022〕63号"),
        ("province_v1", "measures_2022", "implements", "工信部企业〔2022〕63号"),
        ("province_v2", "measures_2026", "implements", "工信部企业〔2026〕2号"),
    ],
)
def test_lineage_typed_edge_with_evidence(linked, source, target, kind, evidence):
    store, ids, _ = linked
    (edge,) = [e for e in edges_between(store, ids[source], ids[target]) if e["type"] == kind]
    assert 0.5 <= edge["confidence"] <= 1
    assert evidence in edge["evidence"]


def test_lineage_unrelated_standard_is_not_linked(linked):
    store, ids, _ = linked
    touching = store.db.execute(
        "select count(*) from edges where source_notice_id = ? or target_notice_id = ?",
        [ids["unrelated"], ids["unrelated"]]).fetchone()[0]
    assert touching == 0


def test_lineage_measure_groups_versions_and_translation(linked):
    store, ids, _ = linked
    view = notice_lineage(store, ids["measures_2026"])
    members = [v["notice_id"] for v in view["versions"]]
    assert members == [ids["measures_2022"], ids["translation"], ids["measures_2026"]]
    assert view["measure_id"] == notice_lineage(store, ids["measures_2022"])["measure_id"]
    interp = notice_lineage(store, ids["interpretation"])
    assert interp["measure_id"] != view["measure_id"]  # an interpretation is not a version


def test_lineage_change_recorded_with_criteria_diff(linked):
    store, ids, counts = linked
    assert counts["changes"] >= 2
    v2022 = store.db["notices"].get(ids["measures_2022"])["latest_version_id"]
    v2026 = store.db["notices"].get(ids["measures_2026"])["latest_version_id"]
    (change,) = store.db["changes"].rows_where(
        "old_version_id = ? and new_version_id = ?", [v2022, v2026])
    assert change["kind"] == "superseded"
    assert "revenue threshold >= 10 million yuan (last year) -> >= 15 million yuan" in \
        change["summary_en"]
    assert "营业收入：≥ 1000万元（上年度） → ≥ 1500万元（上年度）" in change["summary_zh"]


def test_lineage_relinking_is_idempotent(linked):
    store, _, _ = linked
    before = store.db["edges"].count, store.db["changes"].count
    again = run_linking(store)
    assert again == {"notices": 0, "edges": 0, "changes": 0}
    assert (store.db["edges"].count, store.db["changes"].count) == before
