"""A site described only in policywatch.toml, served without validators, watched end to end.

The site (``fixtures/generic-site/``, reconstructed test pages of an invented city's
industry bureau: header, navigation, breadcrumb, a dated list with a pager, articles with
发布日期/来源/浏览次数, related links and a footer) is on no platform the crawler knows:
``platform = "generic"`` and two list URLs are all the configuration says. The replay
serves it on 127.0.0.1 with no ``ETag`` or ``Last-Modified`` and never answers 304, so
every revision must be found by fetching again and comparing content; ``[crawl] revisit =
"0s"`` makes every run look at everything. The pages are edited in place between crawls,
as a CMS does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from policywatch.alerts.events import derive_events
from policywatch.crawler.replay import ReplayServer
from policywatch.stages import process_pending
from policywatch.store import open_store
from tests.crawl_support import (
    APPLICATION,
    ATTACHMENT,
    MEASURES,
    ORIGIN,
    GenericSite,
    all_versions,
    store_counts,
)

pytestmark = pytest.mark.slow
POLICYWATCH = str(Path(sys.executable).with_name("policywatch"))
TODAY = date(2025, 8, 1)
CONFIG = f"""
[crawl]
revisit = "0s"

[sources.shiyan_gxj]
platform = "generic"
list_urls = ["{ORIGIN}/tzgg/index.html"]
region = "示例市"
issuer = "示例市工业和信息化局"
max_pages = 3
"""


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generic")
    site = GenericSite(folder / "site")
    config = folder / "policywatch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with ReplayServer(layers=[str(site.root)], reference=None, validators=False) as server:
        yield site, server, config, folder / "watch.db"


def crawl(watched, *extra: str) -> dict:
    """``policywatch crawl`` of the configured source, as a user runs it."""
    _, server, config, db = watched
    done = subprocess.run([POLICYWATCH, "--db", str(db), "crawl", "--config", str(config),
                           "--replay", server.base_url, "--json", *extra, "shiyan_gxj"],
                          capture_output=True, text=True, check=True)
    (run,) = json.loads(done.stdout)
    return run


def process_and_derive(db: Path) -> list[dict]:
    with open_store(db) as store:
        process_pending(store, derive=False)  # the test derives
        return derive_events(store, today=TODAY)


@pytest.fixture(scope="module")
def history(watched):
    """The site's life, crawl by crawl: first crawl, chrome-only edits, a threshold revised
    in place, nothing, the attachment replaced at the same URL."""
    site, server, _, db = watched
    steps = {}
    steps["first"] = crawl(watched)
    steps["first_counts"] = store_counts(db)
    steps["first_events"] = process_and_derive(db)
    for url in site.articles():
        site.edit(url, '<em id="hits">1532</em>', '<em id="hits">2877</em>')
        site.edit(url, "页面生成时间：2026-01-20 10:00:01", "页面生成时间：2026-02-03 08:41:17")
        site.edit(url, "      <li><a href=\"/gzdt/202505/t20250506_3001.html\"",
                  "      <li><a href=\"/gzdt/202601/t20260115_3101.html\" target=\"_blank\">"
                  "市工业和信息化局召开2026年全市工业经济工作会议</a></li>\n"
                  "      <li><a href=\"/gzdt/202505/t20250506_3001.html\"")
    steps["chrome"] = crawl(watched)
    steps["chrome_counts"] = store_counts(db)
    steps["chrome_events"] = process_and_derive(db)
    site.edit(MEASURES, "上年度营业收入总额在1000万元以上，或上年度营业收入总额在1000万元以下",
              "上年度营业收入总额在1500万元以上，或上年度营业收入总额在1500万元以下")
    steps["revised"] = crawl(watched)
    steps["revised_counts"] = store_counts(db)
    steps["revised_events"] = process_and_derive(db)
    steps["unchanged"] = crawl(watched)
    steps["unchanged_counts"] = store_counts(db)
    steps["unchanged_events"] = process_and_derive(db)
    site.write_attachment([*APPLICATION[:2], "二、上年度营业收入（万元，不低于1500）：",
                           APPLICATION[3], "四、近2年新增股权融资总额（万元）："])
    steps["replaced"] = crawl(watched)
    steps["replaced_counts"] = store_counts(db)
    with open_store(db) as store:
        steps["measures_id"] = store.db.execute(
            "select id from notices where url = ?", [MEASURES]).fetchone()[0]
    return steps


def test_generic_first_crawl_stores_every_notice_and_the_attachment(history, watched):
    run = history["first"]
    assert run["status"] == "ok"
    assert run["stats"]["policywatch/shiyan_gxj/notices/new"] == 7  # both list pages
    assert history["first_counts"] == {"versions": 8, "pages": 7, "attachments": 1,
                                       "health": 0}
    page = all_versions(watched[3], MEASURES)[0]  # before the revision later tests make
    assert (page["title"], page["doc_number"], page["issuer"], page["published_date"],
            page["written_date"], page["parser"]) == (
        "示例市工业和信息化局关于印发《示例市专精特新中小企业认定办法》的通知",
        "示工信规〔2025〕3号", "示例市工业和信息化局", "2025-03-20", "2025-03-18",
        "crawler.generic.v1")
    assert "上年度营业收入总额在1000万元以上" in page["text"]
    for chrome in ("浏览次数", "相关链接", "上一篇", "主办单位", "当前位置", "打印本页", "首页"):
        assert chrome not in page["text"]
    attachment = all_versions(watched[3], ATTACHMENT)[0]
    assert "示例市专精特新中小企业认定申请书" in attachment["text"]


def test_generic_site_sends_no_validators_and_the_store_kept_none(history, watched):
    with open_store(watched[3]) as store:
        kept = store.db.execute("select count(*) from notices where http_etag is not null "
                                "or http_last_modified is not null").fetchone()[0]
        scheduled = store.db.execute("select count(*) from notices where next_check_at is "
                                     "null").fetchone()[0]
    assert kept == 0 and scheduled == 0
    assert history["chrome"]["stats"].get("policywatch/requests/not_modified", 0) == 0


def test_generic_chrome_only_changes_make_no_version(history):
    run = history["chrome"]
    assert run["stats"]["policywatch/revisit/requests"] == 8  # 7 pages + the attachment
    assert run["stats"]["policywatch/shiyan_gxj/notices/unchanged"] == 7
    assert "policywatch/versions/new_version" not in run["stats"]
    assert history["chrome_counts"] == history["first_counts"]
    assert history["chrome_events"] == []


def test_generic_threshold_revised_in_place_is_one_version_and_alerts_name_it(history, watched):
    run = history["revised"]
    assert run["stats"]["policywatch/shiyan_gxj/notices/new_version"] == 1
    assert history["revised_counts"]["versions"] == history["first_counts"]["versions"] + 1
    old, new = all_versions(watched[3], MEASURES)
    assert "1000万元以上" in old["text"] and "1500万元以上" in new["text"]
    events = history["revised_events"]
    # The revision is one new version; its alerts are the version with its criteria diff
    # and the criteria change, both naming this notice and nothing else.
    assert sorted(e["type"] for e in events) == ["criteria_changed", "new_version"]
    assert all(e["notice_ids"] == [history["measures_id"]] for e in events), events
    changed = next(e for e in events if e["type"] == "criteria_changed")
    assert "1500万元" in changed["summary_zh"] and "15 million yuan" in changed["summary_en"]


def test_generic_unchanged_run_makes_nothing(history):
    run = history["unchanged"]
    assert "policywatch/versions/new_version" not in run["stats"]
    assert "policywatch/versions/new" not in run["stats"]
    assert history["unchanged_counts"] == history["revised_counts"]
    assert history["unchanged_events"] == []


def test_generic_attachment_replaced_at_the_same_url_is_a_new_version(history, watched):
    run = history["replaced"]
    assert run["stats"]["policywatch/versions/new_version"] == 1
    assert history["replaced_counts"]["versions"] == history["unchanged_counts"]["versions"] + 1
    old, new = all_versions(watched[3], ATTACHMENT)
    assert "不低于1500" in new["text"] and "不低于1500" not in old["text"]
    with open_store(watched[3]) as store:
        linked = store.db.execute(
            "select a.notice_id from attachments a join notices p on p.latest_version_id = "
            "a.version_id where p.url = ?", [MEASURES]).fetchone()[0]
        assert store.db["notices"].get(linked)["latest_version_id"] == new["id"]


def test_watch_once_crawls_the_configured_site_and_sees_a_revision(runner, tmp_path):
    from policywatch.cli import cli

    site = GenericSite(tmp_path / "site")
    config = tmp_path / "policywatch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    db = str(tmp_path / "watch.db")
    with ReplayServer(layers=[str(site.root)], reference=None, validators=False) as server:
        first = runner.invoke(cli, ["--db", db, "watch", "--once", "--config", str(config),
                                    "--replay", server.base_url, "shiyan_gxj"])
        assert first.exit_code == 0, first.output
        site.edit(MEASURES, "自2025年5月1日起施行", "自2025年7月1日起施行")
        second = runner.invoke(cli, ["--db", db, "watch", "--once", "--config", str(config),
                                     "--replay", server.base_url, "shiyan_gxj"])
    assert second.exit_code == 0, second.output
    (line,) = [x for x in first.output.splitlines() if x.strip().startswith("shiyan_gxj")]
    assert line.split()[1:4] == ["ok", "new", "7"]
    (line,) = [x for x in second.output.splitlines() if x.strip().startswith("shiyan_gxj")]
    assert "changed   1" in line and "revisits   8" in line, line
