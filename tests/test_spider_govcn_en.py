"""The english.www.gov.cn spider end to end against the replay."""

from __future__ import annotations

import pytest

from policywatch.store import open_store
from tests.crawl_support import crawl_twice, latest_version

pytestmark = pytest.mark.slow
ORIGIN = "https://english.www.gov.cn/policies/latestreleases"
INTERIM = ORIGIN + "/202206/09/content_WS62a1b3c4c6d02e533532b6e1.html"  # page 2 only
MEASURES_2026 = ORIGIN + "/202601/19/content_WS696d8a37c6d00ca5f9a08c12.html"


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    return crawl_twice(tmp_path_factory, "govcn_en", then_update=True)


def test_spider_govcn_en_pagination_reached_page_two(crawls):
    assert crawls.first["status"] == "ok"
    assert crawls.first["stats"]["policywatch/govcn_en/notices/new"] == 3
    assert latest_version(crawls.db, INTERIM)["published_date"] == "2022-06-09"


@pytest.mark.parametrize(("field", "expected"), [
    ("title", "China issues interim measures to cultivate high-quality SMEs"),
    ("language", "en"),
    ("issuer", "english.gov.cn"),
    ("published_date", "2022-06-09"),
])
def test_spider_govcn_en_detail_fields_stored(crawls, field, expected):
    assert latest_version(crawls.db, INTERIM)[field] == expected


def test_spider_govcn_en_source_row_is_english(crawls):
    with open_store(crawls.db) as store:
        assert store.db["sources"].get("govcn_en")["language"] == "en"


def test_spider_govcn_en_second_run_fetches_nothing_unchanged(crawls):
    stats = crawls.second["stats"]
    assert "policywatch/versions/new" not in stats
    assert stats.get("policywatch/requests/not_modified", 0) + stats.get(
        "policywatch/requests/skipped_known", 0) == 3


def test_spider_govcn_en_update_layer_brings_2026_measures(crawls):
    # The 2026 release and the English translation of the Measures (update-2026 layer).
    assert crawls.update["stats"]["policywatch/govcn_en/notices/new"] == 2
    row = latest_version(crawls.db, MEASURES_2026)
    assert row["title"] == "China unveils measures for graded cultivation of high-quality SMEs"
    assert "17,600 little giants" in row["text"]
