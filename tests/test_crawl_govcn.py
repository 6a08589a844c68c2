"""The gov.cn spider end to end against the replay: store, incrementality, health, resume."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policywatch.crawler.replay import ReplayServer
from policywatch.crawler.run import run_crawl_subprocess
from policywatch.store import open_store
from tests.conftest import needs_reference

# The replay's State Council pages (10 of the 11 gov.cn notices, and the attachment of the
# 11th) are real pages served from the reference pack: tests that count on them need it.
pytestmark = pytest.mark.slow
INTERIM = "https://www.gov.cn/zhengce/zhengceku/202206/content_5696342.htm"


def crawl(db: Path, server: ReplayServer, **kwargs) -> dict:
    (run,) = run_crawl_subprocess(db, ["govcn"], replay_base=server.base_url, **kwargs)
    return run


@needs_reference
def test_crawl_govcn_stores_notices_with_metadata_and_attachment(db_path, replay):
    run = crawl(db_path, replay)
    assert run["status"] == "ok"
    assert run["stats"]["policywatch/govcn/notices/new"] == 11
    with open_store(db_path) as store:
        notice = next(store.db["notices"].rows_where("identity = ?", [INTERIM]))
        version = store.db["versions"].get(notice["latest_version_id"])
        assert version["doc_number"] == "工信部企业〔2022〕63号"
        assert version["issuer"] == "工业和信息化部"
        assert (version["written_date"], version["published_date"]) == ("2022-06-01",
                                                                        "2022-06-09")
        assert "上年度营业收入总额在1000万元以上" in version["text"]
        assert version["fetched_from"].startswith(replay.base_url)
        assert "主办单位" not in version["text"]  # page footer is not notice text
        (attachment,) = store.db["attachments"].rows_where("version_id = ?", [version["id"]])
        assert attachment["url"].endswith("/202206/files/fj2.docx")
        assert attachment["name"].startswith("附件2")
        raw = store.blobs.get(store.db["versions"].get(
            store.db["notices"].get(attachment["notice_id"])["latest_version_id"])["raw_sha256"])
        assert raw.startswith(b"PK")


@needs_reference
def test_crawl_govcn_second_run_fetches_nothing_unchanged(db_path, replay):
    crawl(db_path, replay)
    detail_hits = {k: v for k, v in replay.site.hits.items() if "/content_" in k}
    second = crawl(db_path, replay)
    stats = second["stats"]
    assert "policywatch/versions/new" not in stats
    assert "policywatch/versions/new_version" not in stats
    assert stats.get("policywatch/requests/not_modified", 0) + stats.get(
        "policywatch/requests/skipped_known", 0) == 11
    with open_store(db_path) as store:
        assert store.db["versions"].count == 12  # 11 pages + 1 attachment, no duplicates
    assert all(replay.site.hits[k] <= 2 * v for k, v in detail_hits.items())


@needs_reference
def test_crawl_govcn_page_stored_without_its_attachment_gets_it_next_run(db_path, replay):
    # What a run killed between storing a page and fetching its file leaves behind.
    crawl(db_path, replay)
    with open_store(db_path) as store:
        (row,) = store.db.query("select a.version_id, a.url, a.notice_id from attachments a")
        with store.db.conn:
            store.db.execute("delete from attachments")
            store.db.execute("update notices set latest_version_id = null where id = ?",
                             [row["notice_id"]])
            store.db.execute("delete from versions where notice_id = ?", [row["notice_id"]])
            store.db.execute("delete from notices where id = ?", [row["notice_id"]])
    second = crawl(db_path, replay)
    assert second["stats"]["policywatch/attachments/resumed"] == 1
    assert "policywatch/versions/new_version" not in second["stats"]
    with open_store(db_path) as store:
        (again,) = store.db.query("select version_id, url, status from attachments")
        assert (again["version_id"], again["url"], again["status"]) == (
            row["version_id"], row["url"], "stored")
        assert store.db["versions"].count == 12
    third = crawl(db_path, replay)
    assert "policywatch/attachments/resumed" not in third["stats"]


def test_crawl_govcn_new_notice_appears_after_sites_move_on(db_path, replay):
    crawl(db_path, replay)
    replay.site.set_layers(["site", "update-2026"])
    run = crawl(db_path, replay)
    assert run["stats"]["policywatch/govcn/notices/new"] == 1
    with open_store(db_path) as store:
        titles = [r["doc_number"] for r in store.db.query(
            "select v.doc_number from versions v join notices n on n.latest_version_id = v.id")]
    assert "工信部企业〔2026〕2号" in titles


@needs_reference
@pytest.mark.parametrize(
    ("fault", "kind"),
    [("403", "blocked"), ("521", "challenge"), ("412", "challenge"), ("captcha", "captcha")],
)
def test_crawl_govcn_block_pages_are_health_events_not_versions(db_path, fault, kind):
    faults = {"www.gov.cn/zhengce/content/": fault}
    with ReplayServer(faults=faults) as server:
        run = crawl(db_path, server)
    assert run["status"] == "degraded"
    assert run["stats"][f"policywatch/health/{kind}"] == 10
    with open_store(db_path) as store:
        assert store.db["notices"].count_where("kind = 'page'") == 1  # the zhengceku page
        events = list(store.db["health_events"].rows)
    assert {e["kind"] for e in events} == {kind}
    assert all(e["source_id"] == "govcn" and e["run_id"] == run["id"] for e in events)


def test_crawl_govcn_empty_listing_is_layout_change_not_no_news(db_path):
    with ReplayServer(faults={"sousuo.www.gov.cn/search-gov/data": "empty_list"}) as server:
        run = crawl(db_path, server)
    assert run["status"] == "degraded"
    assert run["stats"]["policywatch/health/layout_changed"] == 2  # both libraries
    with open_store(db_path) as store:
        (event, _) = list(store.db["health_events"].rows)
        assert "zero items" in event["detail"]
        assert store.db["versions"].count == 0


def test_crawl_govcn_garbage_detail_page_is_layout_change(db_path):
    with ReplayServer(faults={"www.gov.cn/zhengce/content/2019-02/": "garbage"}) as server:
        run = crawl(db_path, server)
    assert run["stats"]["policywatch/health/layout_changed"] >= 1
    with open_store(db_path) as store:
        texts = [r["text"] for r in store.db["versions"].rows]
    assert all("\x00" not in t for t in texts)


@needs_reference
def test_crawl_govcn_huge_and_truncated_attachments_do_not_break_the_crawl(db_path):
    faults = {"www.gov.cn/zhengce/zhengceku/202206/files/": "truncated"}
    with ReplayServer(faults=faults) as server:
        run = crawl(db_path, server)
    assert run["stats"]["policywatch/govcn/notices/new"] == 11
    assert run["stats"].get("policywatch/attachments/failed", 0) == 1
    with open_store(db_path) as store:
        (row,) = store.db["attachments"].rows
        assert row["status"] == "failed" and row["notice_id"] is None


def test_crawl_govcn_response_over_size_cap_is_cut(db_path):
    faults = {"www.gov.cn/zhengce/zhengceku/202206/files/": "huge"}
    with ReplayServer(faults=faults) as server:
        started = time.monotonic()
        run = crawl(db_path, server, settings={"DOWNLOAD_MAXSIZE": 1024 * 1024})
        elapsed = time.monotonic() - started
    assert run["stats"]["policywatch/attachments/too_large"] == 1
    assert elapsed < 30
    with open_store(db_path) as store:
        (row,) = store.db["attachments"].rows
        assert row["status"] == "too_large"


def test_crawl_govcn_keeps_raw_responses_in_warc(db_path, replay):
    from warcio.archiveiterator import ArchiveIterator

    crawl(db_path, replay)
    (warc,) = (db_path.parent / "test.warc").glob("govcn-*.warc.gz")
    with warc.open("rb") as handle:
        records = [r for r in ArchiveIterator(handle) if r.rec_type == "response"]
    urls = {r.rec_headers.get_header("WARC-Target-URI") for r in records}
    assert INTERIM in urls
    record = next(r for r in records if r.rec_headers.get_header("WARC-Target-URI") == INTERIM)
    assert record.rec_headers.get_header("WARC-Policywatch-Fetched-From").startswith(
        "http://127.0.0.1:")


@needs_reference
def test_crawl_govcn_resume_after_kill_loses_and_duplicates_nothing(db_path, tmp_path):
    jobdir = tmp_path / "job"
    with ReplayServer(faults={"www.gov.cn/zhengce/content/": "slow"}) as server:
        command = [sys.executable, "-m", "policywatch.crawler.run", "--db", str(db_path), "--replay",
                   server.base_url, "--jobdir", str(jobdir), "--set", "CONCURRENT_REQUESTS=1",
                   "govcn"]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.3)
            with open_store(db_path) as store:
                if store.db["notices"].count_where("kind = 'page'") >= 2:
                    break
        child.send_signal(signal.SIGKILL)
        child.wait()
        with open_store(db_path) as store:
            partial = store.db["notices"].count_where("kind = 'page'")
        assert 2 <= partial < 11
        resumed = subprocess.run(command, capture_output=True, text=True, check=True)
    (run,) = json.loads(resumed.stdout)
    assert run["status"] == "ok"
    with open_store(db_path) as store:
        assert store.db["notices"].count_where("kind = 'page'") == 11
        assert store.db["versions"].count == 12  # 11 pages + 1 attachment
        duplicates = store.db.execute(
            "select count(*) from (select notice_id, content_hash from versions "
            "group by notice_id, content_hash having count(*) > 1)").fetchone()[0]
        assert duplicates == 0
    # What the killed run stored was not fetched again.
    assert run["stats"]["policywatch/govcn/notices/new"] == 11 - partial


@needs_reference
def test_crawl_govcn_obeys_robots_and_says_who_it_is(db_path):
    robots = {"www.gov.cn": "User-agent: *\nDisallow: /zhengce/content/2019-02/\n"}
    with ReplayServer(robots=robots) as server:
        run = crawl(db_path, server)
        fetched = [k for k in server.site.hits if k.startswith("www.gov.cn/zhengce/content/")]
        agents = server.site.user_agents
    assert fetched and not any("/2019-02/" in k for k in fetched)
    assert run["stats"]["robotstxt/forbidden"] == 3  # the three February 2019 pages
    assert all(agent.startswith("policywatch/") for agent in agents)


@needs_reference
def test_crawl_govcn_page_served_with_wrong_content_type_still_parses(db_path):
    with ReplayServer(faults={"www.gov.cn/zhengce/content/": "wrong_type"}) as server:
        run = crawl(db_path, server)
    assert run["stats"]["policywatch/govcn/notices/new"] == 11
    with open_store(db_path) as store:
        version = next(store.db["versions"].rows_where("content_type = ?",
                                                      ["application/octet-stream"]))
        assert version["title"] and "\ufffd" not in version["text"]
