"""Labelled page pairs: every true positive alerts, no false positive does.

Each pair in ``fixtures/changes/<label>-<site>-<what>/`` is a ``before.html`` and an
``after.html`` in a real site's structure. Both go through the real path: the source's
spider parses the page (``parse_detail``), the item pipelines validate, normalize and
store it (``record_capture``), the NLP stage extracts and links, and the alert stage
derives events. A false positive (page chrome: footer, view counter, timestamps, related
links, scripts, whitespace, a mirror host) must create no version and no event; a true
positive must create a version and the events listed here.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from policywatch.alerts.events import derive_events
from policywatch.crawler.items import NoticeItem
from policywatch.crawler.pipelines import NormalizePipeline, StorePipeline, ValidatePipeline
from policywatch.crawler.spiders.govcn import GovcnSpider
from policywatch.crawler.spiders.jiangsu import JiangsuSpider
from policywatch.crawler.spiders.miit import MiitSpider
from policywatch.crawler.storage import close_store, store_for
from policywatch.stages import process_pending
from policywatch.store import open_store
from policywatch.store.notices import upsert_source
from policywatch.store.timeutil import utc_now

PAIRS = Path(__file__).parent / "fixtures" / "changes"
TODAY = date(2026, 1, 20)
MIIT_PATH = "/zwgk/zcwj/wjfb/tz/art/2022/art_edbab45572c72a5d9440b40bcc0500c0.html"
MIIT = "https://www.miit.gov.cn" + MIIT_PATH
MIIT_MIRROR = "https://wap.miit.gov.cn" + MIIT_PATH
GOVCN = "https://www.gov.cn/zhengce/zhengceku/202601/content_7055123.htm"
JIANGSU = "https://gxt.jiangsu.gov.cn/art/2024/4/26/art_80179_11234501.html"
SPIDERS = {"miit": MiitSpider, "govcn": GovcnSpider, "jiangsu": JiangsuSpider}

# fmt: off
# label -> (source, URL of before, URL of after, events the change must raise)
CASES = {
    "falsepos-miit-footer":                    ("miit", MIIT, MIIT, set()),
    "falsepos-miit-view-counter":              ("miit", MIIT, MIIT, set()),
    "falsepos-miit-publication-timestamp":     ("miit", MIIT, MIIT, set()),
    "falsepos-miit-mirror-reprint":            ("miit", MIIT, MIIT_MIRROR, set()),
    "falsepos-govcn-related-links":            ("govcn", GOVCN, GOVCN, set()),
    "falsepos-govcn-indentation":              ("govcn", GOVCN, GOVCN, set()),
    "falsepos-govcn-line-breaks-in-sentences": ("govcn", GOVCN, GOVCN, set()),
    "falsepos-govcn-share-widget-and-scripts": ("govcn", GOVCN, GOVCN, set()),
    "falsepos-jiangsu-view-counter":           ("jiangsu", JIANGSU, JIANGSU, set()),
    "truepos-miit-threshold-changed":     ("miit", MIIT, MIIT, {"new_version", "criteria_changed"}),
    "truepos-miit-clause-repealed":       ("miit", MIIT, MIIT, {"new_version"}),
    "truepos-govcn-criterion-added":      ("govcn", GOVCN, GOVCN, {"new_version", "criteria_changed"}),
    "truepos-govcn-effective-date-moved": ("govcn", GOVCN, GOVCN, {"new_version"}),
    "truepos-jiangsu-threshold-changed":  ("jiangsu", JIANGSU, JIANGSU, {"new_version", "criteria_changed"}),
}
# fmt: on


def next_second() -> None:
    """Wait for the store's clock (second precision) to tick.

    The linking stage finds a notice's new version by ``linked_at < fetched_at``; a version
    stored in the same second as the last linking would be missed, so a test that captures
    right after processing waits for the next second, as a later crawl would.
    """
    start = utc_now()
    while utc_now() == start:
        time.sleep(0.02)


def capture_page(db_path: Path, source: str, url: str, body: bytes) -> str:
    """Parse a saved page with the source's spider and store it through the pipelines;
    return the store's verdict (``new``, ``new_version``, ``unchanged``)."""
    spider_cls = SPIDERS[source]
    crawler = get_crawler(spider_cls, {"POLICYWATCH_DB": str(db_path)})
    spider = spider_cls.from_crawler(crawler)
    crawler.spider = spider
    try:
        upsert_source(store_for(crawler), spider.source_row())
        response = HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html"},
                                request=Request(url, meta={"list_url": None}))
        (item,) = [i for i in spider.parse_detail(response) if isinstance(i, NoticeItem)]
        for pipeline in (ValidatePipeline(crawler), NormalizePipeline(crawler),
                         StorePipeline(crawler)):
            item = pipeline.process_item(item, spider)
        return item.raw_metadata["policywatch_status"]
    finally:
        close_store(crawler)


@pytest.mark.parametrize("label", [label for label in sorted(CASES)
                                   if label.startswith("falsepos-")])
def test_alerts_pair_chrome_makes_no_version(tmp_path, label):
    source, before_url, after_url, _ = CASES[label]
    db_path = tmp_path / "pairs.db"
    capture_page(db_path, source, before_url, (PAIRS / label / "before.html").read_bytes())
    assert capture_page(db_path, source, after_url,
                        (PAIRS / label / "after.html").read_bytes()) == "unchanged"


def test_alerts_pairs_are_labelled_and_complete():
    on_disk = sorted(p.name for p in PAIRS.iterdir() if p.is_dir())
    assert on_disk == sorted(CASES)
    for name in on_disk:
        assert name.split("-", 1)[0] in {"truepos", "falsepos"}
        assert (PAIRS / name / "before.html").is_file() and (PAIRS / name / "after.html").is_file()
    assert sum(n.startswith("falsepos-") for n in CASES) >= 6
    assert sum(n.startswith("truepos-") for n in CASES) >= 4


@pytest.mark.parametrize("label", sorted(CASES))
def test_alerts_pair_verdict(tmp_path, label):
    source, before_url, after_url, expected = CASES[label]
    db_path = tmp_path / "pairs.db"
    folder = PAIRS / label
    assert capture_page(db_path, source, before_url, (folder / "before.html").read_bytes()) \
        == "new"
    with open_store(db_path) as store:
        process_pending(store, derive=False)  # the test derives
        baseline = derive_events(store, today=TODAY)
    assert [e["type"] for e in baseline] == ["new_measure"]
    next_second()
    status = capture_page(db_path, source, after_url, (folder / "after.html").read_bytes())
    with open_store(db_path) as store:
        process_pending(store, derive=False)  # the test derives
        events = derive_events(store, today=TODAY)
        versions = store.db["versions"].count
        changes = store.db["changes"].count
        notice_id = baseline[0]["notice_ids"][0]
    if label.startswith("falsepos-"):
        assert events == [], f"{label} alerted: {[e['summary_en'] for e in events]}"
        assert status == "unchanged", f"{label}: page chrome made a new version"
        assert (versions, changes) == (1, 0)
        return
    assert status == "new_version"
    assert {e["type"] for e in events} == expected, [e["summary_en"] for e in events]
    for event in events:
        assert event["notice_ids"] == [notice_id]
        assert event["summary_zh"] and event["summary_en"]
        assert Path(event["diff_path"]).is_file()
