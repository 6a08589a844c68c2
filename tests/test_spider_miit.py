"""The MIIT spider end to end against the replay: column -> unit API (cookie) -> articles."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from policywatch.crawler.replay import ReplayServer
from policywatch.store import open_store
from tests.crawl_support import crawl_twice, latest_version

pytestmark = pytest.mark.slow
ORIGIN = "https://www.miit.gov.cn"
LITTLE_GIANTS_2025 = ORIGIN + "/jgsj/qyj/wjfb/art/2025/art_8a8bb7cd343aa2ad99b7d762030857a2.html"
PUBLICITY_2025 = ORIGIN + "/jgsj/qyj/wjfb/art/2025/art_693a9fdd4c2fd0700968fba0d07ff3c0.html"
INTERIM_MEASURES = ORIGIN + "/zwgk/zcwj/wjfb/tz/art/2022/art_edbab45572c72a5d9440b40bcc0500c0.html"
FIRST_NOTICE_2018 = "工业和信息化部办公厅关于开展专精特新“小巨人”企业培育工作的通知"  # list page 2


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    return crawl_twice(tmp_path_factory, "miit", then_update=True)


def test_spider_miit_first_run_stores_every_listed_notice(crawls):
    assert crawls.first["status"] == "ok"
    assert crawls.first["stats"]["policywatch/miit/notices/new"] == 27


def test_spider_miit_pagination_reached_page_two(crawls):
    with open_store(crawls.db) as store:
        titles = {row["title"] for row in store.db["notices"].rows_where("source_id = 'miit'")}
    assert FIRST_NOTICE_2018 in titles  # the 25th row of a 24-row page


def test_spider_miit_cookie_protected_column_answered(crawls):
    with open_store(crawls.db) as store:
        assert store.db["health_events"].count == 0
        assert store.db["notices"].count_where("url like ?", [ORIGIN + "/jgsj/qyj/wjfb/art/%"]) \
            == 26  # every row of the column whose unit API needs the cookie


@pytest.mark.parametrize(("field", "expected"), [
    ("title", "工业和信息化部办公厅关于组织开展第七批专精特新“小巨人”企业培育工作的通知"),
    ("doc_number", "工信厅企业函〔2025〕96号"),
    ("issuer", "中小企业局"),
    ("written_date", "2025-05-06"),
    ("published_date", "2025-05-08"),
    ("parser", "crawler.jpaas.v1"),
])
def test_spider_miit_detail_fields_stored(crawls, field, expected):
    assert latest_version(crawls.db, LITTLE_GIANTS_2025)[field] == expected


def test_spider_miit_interim_measures_stored_with_number(crawls):
    row = latest_version(crawls.db, INTERIM_MEASURES)
    assert (row["doc_number"], row["published_date"]) == ("工信部企业〔2022〕63号", "2022-06-09")
    assert "上年度营业收入总额在1000万元以上" in row["text"]


def test_spider_miit_attachments_downloaded_and_linked(crawls):
    with open_store(crawls.db) as store:
        rows = list(store.db.query(
            "select a.name, a.status, a.notice_id from attachments a join notices n "
            "on n.latest_version_id = a.version_id where n.url = ? order by a.position",
            [LITTLE_GIANTS_2025]))
        assert [(r["name"][-4:], r["status"]) for r in rows] == [
            ("docx", "stored"), (".pdf", "stored"), (".rar", "unsupported")]
        pdf = store.db["notices"].get(rows[1]["notice_id"])
        text = store.db["versions"].get(pdf["latest_version_id"])["text"]
        assert "近2年主营业务收入平均增长率不低于5%" in text


def test_spider_miit_iframe_pdf_attachment_stored(crawls):
    with open_store(crawls.db) as store:
        (row,) = store.db.query(
            "select a.status, a.url from attachments a join notices n "
            "on n.latest_version_id = a.version_id where n.url = ?", [PUBLICITY_2025])
    assert row["status"] == "stored" and row["url"].endswith(".pdf")


def test_spider_miit_second_run_fetches_nothing_unchanged(crawls):
    stats = crawls.second["stats"]
    assert "policywatch/versions/new" not in stats
    assert "policywatch/versions/new_version" not in stats
    assert stats.get("policywatch/requests/not_modified", 0) + stats.get(
        "policywatch/requests/skipped_known", 0) == 27


def test_spider_miit_update_layer_brings_2026_notices(crawls):
    stats = crawls.update["stats"]
    assert stats["policywatch/miit/notices/new"] == 3
    assert "policywatch/miit/notices/new_version" not in stats
    with open_store(crawls.db) as store:
        numbers = {r["doc_number"] for r in store.db.query(
            "select v.doc_number from notices n join versions v on v.id = n.latest_version_id "
            "where n.source_id = 'miit'")}
    assert {"工信部企业〔2026〕2号", "工信厅企业函〔2026〕117号"} <= numbers


def test_spider_miit_replay_unit_api_needs_the_column_cookie():
    with ReplayServer() as server:
        column = f"{server.base_url}/www.miit.gov.cn/jgsj/qyj/wjfb/index.html"
        with urllib.request.urlopen(column) as response:
            cookie = response.headers["Set-Cookie"].split(";")[0]
            page = response.read().decode("utf-8")
        page_id = page.split("'pageId':'")[1].split("'")[0]
        api = (f"{server.base_url}/www.miit.gov.cn/api-gateway/jpaas-publish-server/front/page/"
               f"build/unit?pageId={page_id}&parseType=buildstatic")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(api)
        assert refused.value.code == 403
        with urllib.request.urlopen(urllib.request.Request(api, headers={"Cookie": cookie})) as ok:
            assert ok.status == 200 and b"data" in ok.read()
