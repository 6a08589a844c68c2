"""The revisit schedule in real crawls of the generic test site, on an injected clock.

Without validators a known page is fetched again only when it is due; a run makes at most
``max_per_run`` (and ``max_per_host``) requests for known URLs, most overdue first, and the
rest wait for the next run. With validators the pages a run's list pages show are asked
for conditionally on every run (a 304 carries no body), so an in-place revision is seen at
once. ``--refresh`` looks at everything. A page the generic platform cannot read is a
source-health event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policywatch.crawler.replay import ReplayServer
from policywatch.crawler.run import run_crawl_subprocess
from policywatch.crawler.sources import source_definition
from policywatch.store import open_store
from tests.crawl_support import MEASURES, ORIGIN, GenericSite, all_versions, store_counts

pytestmark = pytest.mark.slow
T0 = datetime(2025, 8, 1, tzinfo=UTC)
SOURCE = source_definition("shiyan_gxj", {"platform": "generic",
                                          "list_urls": [f"{ORIGIN}/tzgg/index.html"],
                                          "issuer": "示例市工业和信息化局"})


def crawl_at(db, server, when: datetime, source=SOURCE, refresh: bool = False, **policy):
    """One crawl of the configured source with the schedule's clock at ``when``."""
    settings = {"POLICYWATCH_NOW": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "POLICYWATCH_REFRESH_KNOWN": refresh,
                **{f"POLICYWATCH_REVISIT_{k.upper()}": v for k, v in policy.items()}}
    (run,) = run_crawl_subprocess(db, [source.name], replay_base=server.base_url,
                                  settings=settings, configured=[source])
    return run["stats"]


@pytest.fixture
def site(tmp_path):
    return GenericSite(tmp_path / "site")


def test_revisit_without_validators_waits_then_respects_the_ceilings(site, tmp_path):
    db = tmp_path / "r.db"
    with ReplayServer(layers=[str(site.root)], reference=None, validators=False) as server:
        first = crawl_at(db, server, T0)
        soon = crawl_at(db, server, T0 + timedelta(hours=1))
        later = T0 + timedelta(days=60)  # past every wait (at most 14 days)
        capped = [crawl_at(db, server, later, max_per_run=3) for _ in range(3)]
        done = crawl_at(db, server, later, max_per_run=3)
        hosted = crawl_at(db, server, later + timedelta(days=60), max_per_host=2)
    assert first["policywatch/shiyan_gxj/notices/new"] == 7
    # An hour later nothing is due: no known page is fetched, only robots.txt and the lists.
    assert soon["policywatch/requests/skipped_known"] == 7
    assert "policywatch/revisit/requests" not in soon
    assert soon["downloader/request_count"] == 3
    # Sixty days later all eight (7 pages, 1 attachment) are due, three a run.
    assert [s.get("policywatch/revisit/requests", 0) for s in capped] == [3, 3, 2]
    assert capped[0]["policywatch/revisit/deferred"] >= 1
    assert "policywatch/revisit/requests" not in done  # each was looked at once
    assert hosted["policywatch/revisit/requests"] == 2  # one host, two looks
    assert store_counts(db)["versions"] == 8  # nothing changed, nothing new


def test_revisit_schedule_grows_the_wait_of_unchanged_notices(site, tmp_path):
    db = tmp_path / "r.db"
    with ReplayServer(layers=[str(site.root)], reference=None, validators=False) as server:
        crawl_at(db, server, T0)
        with open_store(db) as store:
            first = store.db.execute("select next_check_at, unchanged_streak from notices "
                                     "where url = ?", [MEASURES]).fetchone()
        crawl_at(db, server, T0 + timedelta(days=60))
        with open_store(db) as store:
            second = store.db.execute("select next_check_at, unchanged_streak from notices "
                                      "where url = ?", [MEASURES]).fetchone()
        site.edit(MEASURES, "自2025年5月1日起施行", "自2025年6月1日起施行")
        crawl_at(db, server, T0 + timedelta(days=120))
        with open_store(db) as store:
            third = store.db.execute("select next_check_at, unchanged_streak from notices "
                                     "where url = ?", [MEASURES]).fetchone()
    # Published 2025-03-20, looked at 2025-08-01 (134 days old): a tenth of its age.
    assert first[1] == 0 and first[0].startswith("2025-08-1")
    assert second[1] == 1  # unchanged: twice the wait, capped at 14 days
    assert third == ("2025-11-29T06:00:00Z", 0)  # changed: the minimum, six hours
    assert len(all_versions(db, MEASURES)) == 2


def test_revisit_with_validators_asks_listed_pages_conditionally_every_run(site, tmp_path):
    db = tmp_path / "r.db"
    with ReplayServer(layers=[str(site.root)], reference=None) as server:
        crawl_at(db, server, T0)
        again = crawl_at(db, server, T0 + timedelta(hours=1))
        site.edit(MEASURES, "1000万元以上，或", "1200万元以上，或")
        changed = crawl_at(db, server, T0 + timedelta(hours=2))
        refreshed = crawl_at(db, server, T0 + timedelta(hours=3), refresh=True)
    assert again["policywatch/requests/not_modified"] == 7  # 304s, no bodies
    assert "policywatch/versions/new_version" not in again
    assert changed["policywatch/versions/new_version"] == 1
    # Its attachment was looked at with it (the page changed in this run): a 304.
    assert changed["policywatch/requests/not_modified"] == 7
    assert refreshed["policywatch/revisit/requests"] == 8  # --refresh: everything
    with open_store(db) as store:
        (etag,) = store.db.execute("select http_etag from notices where kind = "
                                   "'attachment'").fetchone()
    assert etag  # attachments keep their validators too


def test_generic_unreadable_list_and_empty_article_are_health_events(site, tmp_path):
    db = tmp_path / "r.db"
    broken = source_definition("shiyan_broken", {
        "platform": "generic",
        "list_urls": [f"{ORIGIN}/gywm/index.html", f"{ORIGIN}/zcjd/index.html"]})
    with ReplayServer(layers=[str(site.root)], reference=None, validators=False) as server:
        (run,) = run_crawl_subprocess(db, ["shiyan_broken"], replay_base=server.base_url,
                                      configured=[broken])
    assert run["status"] == "degraded"
    assert run["stats"]["policywatch/health/layout_changed"] == 2
    with open_store(db) as store:
        events = {e["url"]: e["detail"] for e in store.db["health_events"].rows}
        assert store.db["versions"].count == 0
    assert "zero items" in events[f"{ORIGIN}/gywm/index.html"]
    assert "no title" in events[f"{ORIGIN}/zcjd/202503/t20250321_2001.html"]


def test_bench_revisit_compares_both_strategies_on_a_synthetic_site():
    from policywatch.revisit_bench import bench_revisit

    lines: list[str] = []
    figures = bench_revisit(lines.append, pages=60, runs=3, changes_per_day=2)
    everything, policy = figures["fetch everything"], figures["revisit policy"]
    assert figures["synthetic"] and "synthetic site" in lines[0]
    assert everything["requests_per_run"] > 60  # every page, every list page, robots.txt
    assert policy["requests_per_run"] < everything["requests_per_run"] / 3
    assert everything["revisions_caught"] == figures["revisions"] > 0
    assert everything["new_notices"] == policy["new_notices"] == 2  # one a simulated day
    assert any(line.startswith("  revisit policy") for line in lines)
