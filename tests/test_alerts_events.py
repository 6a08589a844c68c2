"""Deriving events: one per change of a measure, per repeal, per new measure, per date
window and per broken-source streak; never twice."""

from __future__ import annotations

import json
from datetime import date

import pytest

from policywatch.alerts.events import derive_events, diff_folder
from policywatch.settings import AlertSettings
from policywatch.store import open_store
from policywatch.store.alerts import recent_events
from policywatch.store.notices import upsert_source
from policywatch.store.runs import finish_run, start_run
from policywatch.store.timeutil import utc_now
from tests.alerts_support import REVENUE_EN, REVENUE_ZH, TODAY, copy_of_template
from tests.conftest import needs_reference


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    path = copy_of_template(tmp_path_factory, tmp_path_factory.mktemp("derived") / "events.db")
    with open_store(path) as store:
        events = derive_events(store, today=TODAY)
        yield store, events


def by_type(events, event_type):
    return [e for e in events if e["type"] == event_type]


def test_alerts_events_new_measure_only_for_originals(derived):
    store, events = derived
    titles = sorted(e["title"] for e in by_type(events, "new_measure"))
    # the 2022 Measures (not its gov.cn copy, not its English translation) and the 2023
    # provincial standard; the 2026 texts supersede them, so they are changes instead
    assert titles == ["关于印发《某某省专精特新中小企业认定标准》的通知",
                      "工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知"]
    national = next(e for e in by_type(events, "new_measure") if "暂行办法" in e["title"])
    assert national["source_id"] == "miit"
    assert set(national["payload"]["sources"]) >= {"miit", "govcn"}


def test_alerts_events_one_criteria_change_per_measure_change(derived):
    store, events = derived
    assert store.db["changes"].count_where("kind = 'superseded'") == 5  # 4 national + 1
    national = [e for e in by_type(events, "criteria_changed") if "〔2026〕2号" in e["summary_zh"]]
    (event,) = national
    assert REVENUE_ZH in event["summary_zh"] and REVENUE_EN in event["summary_en"]
    assert event["payload"]["tiers"] == ["srdi_sme"]
    assert "revenue" in event["payload"]["metrics"]
    assert event["payload"]["kind"] == "superseded"
    assert any(c["metric"] == "debt_ratio" and c["change"] == "added"
               for c in event["payload"]["criteria_changes"])
    assert len([e for e in by_type(events, "new_version") if "〔2026〕2号" in e["summary_zh"]]) \
        == 1


def test_alerts_events_full_diff_written_next_to_database(derived):
    store, events = derived
    (event,) = [e for e in by_type(events, "criteria_changed") if "〔2026〕2号" in e["summary_zh"]]
    html = diff_folder(store) / f"{event['change_id']}.html"
    assert event["diff_path"] == str(html.resolve())
    assert diff_folder(store).name == "events.diffs"
    assert "1500万元" in html.read_text(encoding="utf-8")
    assert "1500万元" in html.with_suffix(".md").read_text(encoding="utf-8")


def test_alerts_events_repealed_names_old_and_new(derived):
    store, events = derived
    national = next(e for e in by_type(events, "repealed") if "〔2022〕63号" in e["summary_zh"])
    assert "已废止" in national["summary_zh"] and "is repealed" in national["summary_en"]
    assert "工信部企业〔2026〕2号" in national["summary_en"]
    assert national["payload"]["evidence"]
    assert len(by_type(events, "repealed")) == 2


def test_alerts_events_rerun_derives_nothing(derived):
    store, _ = derived
    before = store.db["events"].count
    assert derive_events(store, today=TODAY) == []
    assert store.db["events"].count == before


def test_alerts_events_effective_soon_within_window(tmp_path_factory, tmp_path):
    path = copy_of_template(tmp_path_factory, tmp_path / "soon.db")
    with open_store(path) as store:
        first = derive_events(store, today=date(2026, 1, 20),
                              settings=AlertSettings(effective_soon_days=30))
        assert by_type(first, "effective_soon") == []  # 1 April is 71 days away
        later = derive_events(store, today=date(2026, 3, 15),
                              settings=AlertSettings(effective_soon_days=30))
    soon = by_type(later, "effective_soon")
    national = [e for e in soon if "〔2026〕2号" in e["summary_zh"]]
    assert len(national) == 1  # the MIIT and gov.cn copies are one event
    (event,) = national
    assert event["payload"]["date"] == "2026-04-01"
    assert event["payload"]["days_left"] == 17
    assert "将于2026-04-01起施行（还有17天）" in event["summary_zh"]
    assert "takes effect on 2026-04-01 (in 17 days)" in event["summary_en"]
    assert set(event["notice_ids"]) == {n["id"] for n in event["payload"]["notices"]}
    assert {e["type"] for e in later} == {"effective_soon"}


def test_alerts_events_effective_soon_outside_window_is_quiet(tmp_path_factory, tmp_path):
    path = copy_of_template(tmp_path_factory, tmp_path / "quiet.db")
    with open_store(path) as store:
        events = derive_events(store, today=date(2026, 3, 15),
                               settings=AlertSettings(effective_soon_days=7))
    assert by_type(events, "effective_soon") == []


def crawl_run(store, source: str, status: str, health: list[str] = ()) -> int:
    run_id = start_run(store.db, "crawl", {"source": source, "replay": None})
    for kind in health:
        store.db["health_events"].insert({
            "run_id": run_id, "source_id": source, "kind": kind,
            "url": f"https://{source}.example/list", "http_status": 403,
            "detail": f"{kind} on the list page", "created_at": utc_now()})
    finish_run(store.db, run_id, status, {})
    return run_id


def test_alerts_events_source_broken_after_threshold(store):
    upsert_source(store, {"id": "miit", "name": "工业和信息化部", "region": "national",
                          "language": "zh"})
    settings = AlertSettings(source_broken_runs=3)
    crawl_run(store, "miit", "ok")
    crawl_run(store, "miit", "degraded", ["blocked"])
    crawl_run(store, "miit", "degraded", ["challenge"])
    assert derive_events(store, settings=settings) == []  # two in a row: not yet
    crawl_run(store, "miit", "interrupted")  # neither breaks nor counts
    third = crawl_run(store, "miit", "failed", ["blocked", "http_error"])
    (event,) = derive_events(store, settings=settings)
    assert event["type"] == "source_broken" and event["source_id"] == "miit"
    assert event["payload"]["runs"][0] == third and len(event["payload"]["runs"]) == 3
    assert event["payload"]["health"] == {"blocked": 2, "challenge": 1, "http_error": 1}
    assert "连续3次抓取异常" in event["summary_zh"]
    assert "3 crawl runs in a row" in event["summary_en"]
    crawl_run(store, "miit", "degraded", ["blocked"])
    assert derive_events(store, settings=settings) == []  # the same streak: heard once
    crawl_run(store, "miit", "ok")
    for _ in range(3):
        crawl_run(store, "miit", "degraded", ["layout_changed"])
    (again,) = derive_events(store, settings=settings)  # a new streak after recovery
    assert again["dedup_key"] != event["dedup_key"]
    assert again["payload"]["health"] == {"layout_changed": 3}


@needs_reference  # the ten blocked pages are the replay's real gov.cn pages
def test_alerts_events_source_broken_from_real_blocked_crawls(db_path):
    from policywatch.crawler.replay import ReplayServer
    from policywatch.crawler.run import run_crawl_subprocess

    settings = AlertSettings(source_broken_runs=2)
    with ReplayServer(faults={"www.gov.cn/zhengce/content/": "403"}) as server:
        statuses = [run_crawl_subprocess(db_path, ["govcn"], replay_base=server.base_url)[0][
            "status"] for _ in range(2)]
    assert statuses == ["degraded", "degraded"]
    with open_store(db_path) as store:
        broken = [e for e in derive_events(store, settings=settings, today=TODAY)
                  if e["type"] == "source_broken"]
    (event,) = broken
    assert event["source_id"] == "govcn" and event["payload"]["health"]["blocked"] >= 10
    assert "govcn" in event["summary_en"] and "连续2次抓取异常" in event["summary_zh"]


def test_alerts_events_other_sources_do_not_count(store):
    for source in ("govcn", "miit"):
        upsert_source(store, {"id": source, "name": source, "region": "national"})
    settings = AlertSettings(source_broken_runs=2)
    crawl_run(store, "govcn", "degraded", ["blocked"])
    crawl_run(store, "miit", "degraded", ["blocked"])
    crawl_run(store, "govcn", "ok")
    crawl_run(store, "miit", "ok")
    assert derive_events(store, settings=settings) == []


def test_alerts_events_recent_events_decode_payload(derived):
    store, _ = derived
    (latest,) = recent_events(store, limit=1)
    assert isinstance(latest["payload"], dict) and isinstance(latest["notice_ids"], list)
    assert latest["deliveries"] == {}
    assert json.loads(store.db["events"].get(latest["id"])["payload"]) == latest["payload"]
