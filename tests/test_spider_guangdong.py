"""The Guangdong (gkmlpt) spider end to end against the replay."""

from __future__ import annotations

import pytest

from policywatch.crawler.replay import ReplayServer
from policywatch.store import open_store
from tests.crawl_support import crawl_source, crawl_twice, latest_version

pytestmark = pytest.mark.slow
ORIGIN = "https://gdii.gd.gov.cn"
RULES = ORIGIN + "/gkmlpt/content/4/4459/post_4459794.html"
PUBLICITY = ORIGIN + "/gkmlpt/content/4/4612/post_4612876.html"


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    return crawl_twice(tmp_path_factory, "guangdong")


def test_spider_guangdong_walks_every_category_through_the_api(crawls):
    assert crawls.first["status"] == "ok"
    assert crawls.first["stats"]["policywatch/guangdong/notices/new"] == 3
    for category in (2920, 2923, 2927):
        assert crawls.hits[f"gdii.gd.gov.cn/gkmlpt/api/all/{category}"] == 2  # one per run


@pytest.mark.parametrize(("field", "expected"), [
    ("title", "广东省工业和信息化厅关于印发广东省优质中小企业梯度培育管理实施细则的通知"),
    ("doc_number", "粤工信规字〔2024〕5号"),
    ("issuer", "广东省工业和信息化厅"),
    ("index_number", "006939748/2024-00138"),
    ("written_date", "2024-05-27"),
    ("published_date", "2024-05-29"),
])
def test_spider_guangdong_detail_fields_stored(crawls, field, expected):
    assert latest_version(crawls.db, RULES)[field] == expected


def test_spider_guangdong_attachments_downloaded_and_linked(crawls):
    with open_store(crawls.db) as store:
        rows = list(store.db.query(
            "select n.url as page, a.url, a.status from attachments a join notices n "
            "on n.latest_version_id = a.version_id order by n.url"))
    assert [(r["page"], r["url"].rsplit(".", 1)[1], r["status"]) for r in rows] == [
        (RULES, "pdf", "stored"), (PUBLICITY, "docx", "stored")]


def test_spider_guangdong_second_run_fetches_nothing_unchanged(crawls):
    stats = crawls.second["stats"]
    assert "policywatch/versions/new" not in stats
    assert stats.get("policywatch/requests/not_modified", 0) + stats.get(
        "policywatch/requests/skipped_known", 0) == 3


def test_spider_guangdong_empty_api_answer_is_layout_change(tmp_path):
    with ReplayServer(faults={"gdii.gd.gov.cn/gkmlpt/api/": "empty_list"}) as server:
        run = crawl_source(tmp_path / "empty.db", server, "guangdong")
    assert run["status"] == "degraded"
    assert run["stats"]["policywatch/health/layout_changed"] == 3  # one per category
