"""The Jiangsu (Hanweb dataproxy) spider end to end, including the 2026 revised standard."""

from __future__ import annotations

import pytest

from policywatch.store import open_store
from tests.crawl_support import all_versions, crawl_twice

pytestmark = pytest.mark.slow
ORIGIN = "https://gxt.jiangsu.gov.cn"
STANDARD = ORIGIN + "/art/2024/4/26/art_80179_11234501.html"
STANDARD_2026 = ORIGIN + "/art/2026/2/27/art_80179_11801234.html"
PUBLICITY = ORIGIN + "/art/2025/7/10/art_6278_11652210.html"


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    return crawl_twice(tmp_path_factory, "jiangsu", then_update=True)


def test_spider_jiangsu_first_run_stores_both_columns(crawls):
    assert crawls.first["status"] == "ok"
    assert crawls.first["stats"]["policywatch/jiangsu/notices/new"] == 3


@pytest.mark.parametrize(("field", "expected"), [
    ("title", "省工业和信息化厅关于印发《江苏省专精特新中小企业认定标准》的通知"),
    ("doc_number", "苏工信中小〔2024〕108号"),
    ("issuer", "江苏省工业和信息化厅"),
    ("written_date", "2024-04-24"),
    ("published_date", "2024-04-26"),
])
def test_spider_jiangsu_detail_fields_stored(crawls, field, expected):
    assert all_versions(crawls.db, STANDARD)[0][field] == expected


def test_spider_jiangsu_attachments_through_download_script(crawls):
    linked = {}
    with open_store(crawls.db) as store:
        for url in (STANDARD, PUBLICITY):
            first_version = all_versions(crawls.db, url)[0]["id"]
            (row,) = store.db["attachments"].rows_where("version_id = ?", [first_version])
            linked[url] = (row["url"].rsplit("=", 1)[1], row["status"])
    assert linked == {STANDARD: ("2404261530123.docx", "stored"),
                      PUBLICITY: ("2507101700456.pdf", "stored")}


def test_spider_jiangsu_second_run_fetches_nothing_unchanged(crawls):
    stats = crawls.second["stats"]
    assert "policywatch/versions/new" not in stats
    assert stats.get("policywatch/requests/not_modified", 0) + stats.get(
        "policywatch/requests/skipped_known", 0) == 3


def test_spider_jiangsu_revised_standard_is_a_new_notice(crawls):
    assert crawls.update["stats"]["policywatch/jiangsu/notices/new"] == 1
    (revised,) = all_versions(crawls.db, STANDARD_2026)
    assert revised["doc_number"] == "苏工信中小〔2026〕21号"
    assert "第四条 申请认定的企业应当同时满足以下条件" in revised["text"]
    assert "上年度营业收入总额在一千五百万元以上" in revised["text"]


def test_spider_jiangsu_repealed_standard_is_a_new_version_of_the_same_notice(crawls):
    assert crawls.update["stats"]["policywatch/jiangsu/notices/new_version"] == 1
    old, new = all_versions(crawls.db, STANDARD)
    assert "废止" not in old["text"] and "该文件已于2026年4月1日废止" in new["text"]
    assert "上年度营业收入总额在一千万元以上" in old["text"]
