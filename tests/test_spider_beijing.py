"""The Beijing (TRS WCM, GBK) spider end to end: createPageHTML paging, no mojibake."""

from __future__ import annotations

import pytest

from policywatch.store import open_store
from tests.crawl_support import crawl_twice, latest_version

pytestmark = pytest.mark.slow
ORIGIN = "https://jxj.beijing.gov.cn"
CALL = ORIGIN + "/jxdt/tzgg/202503/t20250320_4061234.html"
PUBLICITY = ORIGIN + "/jxdt/tzgg/202504/t20250428_4078812.html"
RULES = ORIGIN + "/jxdt/tzgg/202211/t20221125_2866123.html"  # listed on page 2 only


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    return crawl_twice(tmp_path_factory, "beijing")


def test_spider_beijing_pagination_reached_page_two(crawls):
    assert crawls.first["status"] == "ok"
    assert crawls.first["stats"]["policywatch/beijing/notices/new"] == 5
    assert crawls.hits["jxj.beijing.gov.cn/jxdt/tzgg/index_1.html"] == 2  # once per run
    assert latest_version(crawls.db, RULES)["doc_number"] == "京经信发〔2022〕108号"


@pytest.mark.parametrize(("url", "field", "expected"), [
    (CALL, "title", "北京市经济和信息化局关于开展2025年第一批专精特新中小企业资质申报工作的通知"),
    (CALL, "issuer", "北京市经济和信息化局"),
    (CALL, "published_date", "2025-03-20"),
    (PUBLICITY, "title", "关于北京市2025年第一批专精特新中小企业名单的公示"),
    (PUBLICITY, "encoding", "gb18030"),
    (RULES, "written_date", "2022-11-23"),
])
def test_spider_beijing_detail_fields_stored(crawls, url, field, expected):
    assert latest_version(crawls.db, url)[field] == expected


@pytest.mark.parametrize("url", [CALL, PUBLICITY])
def test_spider_beijing_gbk_text_stored_without_mojibake(crawls, url):
    text = latest_version(crawls.db, url)["text"]
    assert "北京镕智精密仪器有限公司" in text
    assert "\ufffd" not in text and "鍖椾含" not in text  # no replacement chars, no UTF-8 misread


def test_spider_beijing_listing_titles_from_gbk_list_pages(crawls):
    with open_store(crawls.db) as store:
        titles = {r["title"] for r in store.db["notices"].rows_where("kind = 'page'")}
    assert "《北京市优质中小企业梯度培育管理实施细则》政策解读" in titles  # undeclared page 2


def test_spider_beijing_attachments_downloaded_and_linked(crawls):
    with open_store(crawls.db) as store:
        rows = list(store.db.query(
            "select a.name, a.status from attachments a join notices n "
            "on n.latest_version_id = a.version_id where n.url = ? order by a.position", [CALL]))
    assert [(r["name"], r["status"]) for r in rows] == [
        ("1.2025年第一批专精特新中小企业申报指南.pdf", "stored"),
        ("2.企业申报承诺书.docx", "stored")]


def test_spider_beijing_second_run_fetches_nothing_unchanged(crawls):
    stats = crawls.second["stats"]
    assert "policywatch/versions/new" not in stats
    assert stats.get("policywatch/requests/not_modified", 0) + stats.get(
        "policywatch/requests/skipped_known", 0) == 5
