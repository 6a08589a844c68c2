"""The Zhejiang (Hanweb column page, pageNum) spider end to end against the replay."""

from __future__ import annotations

import pytest

from policywatch.crawler.replay import ReplayServer
from policywatch.store import open_store
from tests.crawl_support import crawl_source, crawl_twice, latest_version

pytestmark = pytest.mark.slow
ORIGIN = "https://jxt.zj.gov.cn"
RULES = ORIGIN + "/art/2023/9/12/art_1659217_58931087.html"  # the one row of page 2


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    return crawl_twice(tmp_path_factory, "zhejiang")


def test_spider_zhejiang_pagination_reached_page_two(crawls):
    assert crawls.first["status"] == "ok"
    assert crawls.first["stats"]["policywatch/zhejiang/notices/new"] == 6
    assert crawls.hits["jxt.zj.gov.cn/col/col1659217/index.html"] == 4  # 2 pages x 2 runs
    assert latest_version(crawls.db, RULES)["id"]  # listed on page 2 only


@pytest.mark.parametrize(("field", "expected"), [
    ("title", "浙江省经济和信息化厅关于印发《浙江省优质中小企业梯度培育管理实施细则》的通知"),
    ("doc_number", "浙经信企业〔2023〕136号"),
    ("issuer", "浙江省经济和信息化厅"),
    ("written_date", "2023-09-11"),
    ("published_date", "2023-09-12"),
])
def test_spider_zhejiang_detail_fields_stored(crawls, field, expected):
    assert latest_version(crawls.db, RULES)[field] == expected


def test_spider_zhejiang_second_run_fetches_nothing_unchanged(crawls):
    stats = crawls.second["stats"]
    assert "policywatch/versions/new" not in stats
    assert stats.get("policywatch/requests/not_modified", 0) + stats.get(
        "policywatch/requests/skipped_known", 0) == 6


def test_spider_zhejiang_empty_column_is_layout_change_not_no_news(tmp_path):
    with ReplayServer(faults={"jxt.zj.gov.cn/col/": "empty_list"}) as server:
        run = crawl_source(tmp_path / "empty.db", server, "zhejiang")
    assert run["status"] == "degraded"
    assert run["stats"]["policywatch/health/layout_changed"] == 1
    with open_store(tmp_path / "empty.db") as store:
        assert store.db["versions"].count == 0

