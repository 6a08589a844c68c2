"""The revisit schedule in the store: waits, order of due notices, ceilings, attachments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from policywatch.store import Capture, record_capture
from policywatch.store.identity import canonical_url
from policywatch.store.notices import upsert_source
from policywatch.store.revisit import (
    RevisitPolicy,
    due_for_revisit,
    record_check,
    revisit_interval,
    timestamp,
)

NOW = datetime(2026, 1, 20, tzinfo=UTC)
POLICY = RevisitPolicy(min_interval_s=6 * 3600, max_interval_s=14 * 86400,
                       max_per_run=3, max_per_host=2)


def page(store, url: str, published: str, text: str = "第一条 正文。") -> int:
    result = record_capture(store, Capture(raw=text.encode(), text=text, url=url,
                                           source_id="city", fields={
                                               "title": url, "published_date": published},
                                           metadata={"list_url": "L", "listing": {"t": 1}}))
    return result.notice_id


def test_revisit_interval_grows_with_age_and_unchanged_looks_and_is_spread():
    day = 86400
    waits = [revisit_interval(POLICY, age * day, 0) for age in (1, 10, 50, 1000)]
    assert waits == [6 * 3600, day, 5 * day, 14 * day]
    assert [revisit_interval(POLICY, 10 * day, s) / day for s in range(4)] == [1, 1.5, 2.25,
                                                                             3.375]
    assert revisit_interval(POLICY, 10 * day, 12) == 14 * day
    spread = {revisit_interval(POLICY, 10 * day, 0, f"https://x/{i}") for i in range(50)}
    assert len(spread) > 40 and min(spread) >= 0.9 * day and max(spread) <= 1.1 * day


def test_revisit_changed_notice_waits_the_minimum(store):
    upsert_source(store, {"id": "city", "name": "city"})
    page(store, "https://x.gov.cn/a.html", "2020-01-01")
    identity = canonical_url("https://x.gov.cn/a.html")
    unchanged = record_check(store.db, identity, "unchanged", NOW, POLICY)
    # Six years old: the longest wait, 14 days, spread by at most 10 %.
    assert timestamp(NOW + timedelta(days=12.6)) <= unchanged <= \
        timestamp(NOW + timedelta(days=15.4))
    assert record_check(store.db, identity, "changed", NOW, POLICY) == "2026-01-20T06:00:00Z"
    row = store.db.execute("select unchanged_streak, last_checked_at from notices").fetchone()
    assert row == (0, "2026-01-20T00:00:00Z")


def test_revisit_due_most_overdue_first_within_ceilings(store):
    upsert_source(store, {"id": "city", "name": "city"})
    ids = [page(store, f"https://{host}/{n}.html", "2025-12-01", f"正文{n}")
           for n, host in enumerate(["a.gov.cn", "a.gov.cn", "a.gov.cn", "b.gov.cn",
                                     "b.gov.cn"])]
    for offset, notice_id in zip([5, 1, 4, 2, 3], ids, strict=True):
        store.db.execute("update notices set next_check_at = ? where id = ?",
                         [timestamp(NOW - timedelta(hours=offset)), notice_id])
    store.db.execute("update notices set next_check_at = ? where id = ?",
                     [timestamp(NOW + timedelta(hours=1)), ids[4]])  # not due yet
    due = due_for_revisit(store.db, "city", NOW, POLICY)
    # a.gov.cn/0 (5 h overdue), a/2 (4 h), then a's ceiling of two: b/3 (2 h).
    assert [d.url for d in due] == ["https://a.gov.cn/0.html", "https://a.gov.cn/2.html",
                                    "https://b.gov.cn/3.html"]
    assert due[0].list_url == "L" and due[0].listing == {"t": 1}
    everything = due_for_revisit(store.db, "city", NOW, POLICY, everything=True,
                                 ceilings=False)
    assert len(everything) == 5
    assert due_for_revisit(store.db, "other", NOW, POLICY) == []


def test_revisit_attachment_only_while_its_page_links_it(store):
    upsert_source(store, {"id": "city", "name": "city"})
    parent = page(store, "https://x.gov.cn/a.html", "2025-12-01")
    attachment = record_capture(store, Capture(raw=b"%PDF", text="附件正文", kind="attachment",
                                               url="https://x.gov.cn/f.pdf", source_id="city",
                                               fields={"title": "附件"})).notice_id
    version = store.db["notices"].get(parent)["latest_version_id"]
    store.db["attachments"].insert({"version_id": version, "notice_id": attachment,
                                    "url": "https://x.gov.cn/f.pdf", "name": "附件.pdf",
                                    "position": 0, "status": "stored"})
    due = {d.url: d for d in due_for_revisit(store.db, "city", NOW, POLICY)}
    assert due["https://x.gov.cn/f.pdf"].parent_url == "https://x.gov.cn/a.html"
    assert due["https://x.gov.cn/f.pdf"].name == "附件.pdf"
    page(store, "https://x.gov.cn/a.html", "2025-12-01", "第一条 新正文。")  # no link now
    due = {d.url for d in due_for_revisit(store.db, "city", NOW, POLICY)}
    assert due == {"https://x.gov.cn/a.html"}
