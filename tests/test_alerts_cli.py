"""The alert commands: subscribe, notify, alerts, feed, serve, watch; no tracebacks."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import click
import feedparser
import pytest

from policywatch.alerts import demo_alerts
from policywatch.cli import cli
from policywatch.commands.alerts import parse_duration
from policywatch.store import open_store
from policywatch.web.server import make_server
from tests.alerts_support import (
    REVENUE_EN,
    REVENUE_ZH,
    Receiver,
    free_port,
)


def invoke(runner, db, *args):
    result = runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(("args", "message"), [
    ([], "give exactly one channel"),
    (["--webhook", "http://127.0.0.1:9/h", "--email", "a@example.org"], "exactly one channel"),
    (["--webhook", "ftp://example.org/h"], "not an http(s) URL"),
    (["--email", "nobody"], "not an e-mail address"),
    (["--email", "a@example.org", "--secret", "x"], "signs webhook bodies only"),
    (["--feed-file", "x.xml", "--email", "a@example.org"], "--feed-file goes with --feed"),
    (["--tier", "medium", "--feed"], "unknown tier 'medium'"),
    (["--metric", "profit", "--feed"], "unknown metric 'profit'"),
    (["--url", "https://example.org/hook"], "is not a URL Apprise can send to (a plain web"),
    (["--url", "dingtalk://not_a_token!/"], "An invalid DingTalk API Token (no…n!)"),
    (["--url", "json://127.0.0.1:9/h", "--secret", "k"], "signs webhook bodies only"),
    (["--webhook", "http://127.0.0.1:9/h", "--secret", "k", "--secret-env", "K"],
     "give the key once"),
    (["--webhook", "http://127.0.0.1:9/h", "--secret-env", "PW_UNSET_VARIABLE"],
     "PW_UNSET_VARIABLE is not set"),
    (["--update", "1", "--feed", "--tier", "srdi_sme"], "--update changes where alerts go"),
])
def test_alerts_cli_subscribe_rejects_bad_input(runner, db_path, args, message):
    result = invoke(runner, db_path, "subscribe", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_alerts_cli_subscribe_list_and_remove(runner, db_path, tmp_path):
    result = invoke(runner, db_path, "subscribe", "--tier", "专精特新", "--metric",
                    "营业收入", "--region", "江苏", "--keyword", "认定标准", "--event",
                    "criteria_changed", "--webhook", "http://127.0.0.1:9/hook", "--secret",
                    "k", "--json")
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["filters"] == {"types": ["criteria_changed"], "tiers": ["srdi_sme"],
                                  "metrics": ["revenue"], "regions": ["江苏"],
                                  "keywords": ["认定标准"]}
    assert created["signed"] is True
    feed = tmp_path / "mine.xml"
    assert invoke(runner, db_path, "subscribe", "--feed", "--feed-file", str(feed),
                  "--digest").exit_code == 0
    listed = invoke(runner, db_path, "subscribe", "--list")
    assert "webhook  http://127.0.0.1:9/hook signed" in listed.output
    assert "tiers=srdi_sme" in listed.output and str(feed) in listed.output
    as_json = json.loads(invoke(runner, db_path, "subscribe", "--list", "--json").output)
    assert [s["secret"] for s in as_json] == [True, False]  # never printed
    assert invoke(runner, db_path, "subscribe", "--remove", str(created["id"])).exit_code == 0
    assert "hook" not in invoke(runner, db_path, "subscribe", "--list").output
    again = invoke(runner, db_path, "subscribe", "--remove", str(created["id"]))
    assert again.exit_code == 1 and again.output.startswith("Error: no active subscription")


def test_alerts_cli_notify_channel_down_exits_zero_and_alerts_shows_it(runner, measures_db):
    port = free_port()
    invoke(runner, measures_db, "subscribe", "--webhook", f"http://127.0.0.1:{port}/hook",
           "--event", "repealed")
    result = invoke(runner, measures_db, "notify")
    assert result.exit_code == 0, result.output
    assert "0 sent" in result.output and "1 failed" in result.output
    assert f"channel down: webhook http://127.0.0.1:{port}/hook" in result.output
    assert "will be retried from" in result.output
    listing = invoke(runner, measures_db, "alerts", "--limit", "50")
    assert listing.exit_code == 0
    assert "failed: event #" in listing.output and "unreachable" in listing.output
    document = json.loads(invoke(runner, measures_db, "alerts", "--json").output)
    assert {f["status"] for f in document["failures"]} == {"failed", "pending"}
    back = Receiver(port=port)
    try:
        retried = invoke(runner, measures_db, "notify", "--retry-now", "--json")
    finally:
        back.stop()
    assert json.loads(retried.output)["sent"] == 2
    assert json.loads(invoke(runner, measures_db, "alerts", "--json").output)["failures"] == []


def test_alerts_cli_alerts_only_reads_and_says_when_events_are_stale(runner, measures_db):
    before = invoke(runner, measures_db, "alerts")
    assert "No events yet" in before.output
    assert "events may be stale" in before.output and "changes" in before.output
    assert json.loads(invoke(runner, measures_db, "alerts", "--json").output)["not_derived"]
    with open_store(measures_db) as store:
        assert store.db.execute("select count(*) from events").fetchone()[0] == 0
    invoke(runner, measures_db, "notify")  # derives (nothing to send: no subscription)
    after = invoke(runner, measures_db, "alerts")
    assert "No events yet" not in after.output and "stale" not in after.output


def test_alerts_cli_alerts_lists_events_with_both_summaries(runner, measures_db):
    invoke(runner, measures_db, "notify")  # derives the events (alerts only reads)
    result = invoke(runner, measures_db, "alerts", "--type", "criteria_changed")
    assert result.exit_code == 0, result.output
    assert REVENUE_ZH in result.output and REVENUE_EN in result.output
    assert "full diff: " in result.output and ".diffs/" in result.output
    document = json.loads(invoke(runner, measures_db, "alerts", "--json", "--limit",
                                 "3").output)
    assert len(document["events"]) == 3
    event = document["events"][0]
    assert set(event) >= {"id", "type", "summary", "notices", "diff", "deliveries"}


def test_alerts_cli_feed_file_is_valid_atom(runner, measures_db, tmp_path):
    invoke(runner, measures_db, "notify")  # derives the events (feed only reads)
    output = tmp_path / "alerts.xml"
    result = invoke(runner, measures_db, "feed", "-o", str(output))
    assert result.exit_code == 0, result.output
    parsed = feedparser.parse(output.read_bytes())
    assert not parsed.bozo and parsed.version == "atom10"
    assert any(REVENUE_ZH in e.summary for e in parsed.entries)
    invoke(runner, measures_db, "subscribe", "--feed", "--region", "某某")
    mine = tmp_path / "mine.xml"
    assert invoke(runner, measures_db, "feed", "-o", str(mine), "--subscription",
                  "1").exit_code == 0
    entries = feedparser.parse(mine.read_bytes()).entries
    assert entries and all("某某省" in e.summary for e in entries)


def test_alerts_cli_bad_config_is_one_line(runner, measures_db, tmp_path):
    config = tmp_path / "policywatch.toml"
    config.write_text("[smtp]\nport = 'twenty-five'\n", encoding="utf-8")
    result = invoke(runner, measures_db, "notify", "--config", str(config))
    assert result.exit_code == 1
    assert result.output.startswith("Error: [smtp] port: 'twenty-five' is not a valid int")
    missing = invoke(runner, measures_db, "notify", "--config", str(tmp_path / "none.toml"))
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_alerts_cli_smtp_settings_from_config_and_environment(tmp_path, monkeypatch):
    from policywatch.settings import load_config, smtp_settings

    config = tmp_path / "policywatch.toml"
    config.write_text("[smtp]\nhost = 'mail.example.org'\nport = 587\nstarttls = true\n"
                      "sender = 'alerts@example.org'\n", encoding="utf-8")
    settings = smtp_settings(load_config(config), env={})
    assert (settings.host, settings.port, settings.starttls) == ("mail.example.org", 587, True)
    overridden = smtp_settings(load_config(config), env={"POLICYWATCH_SMTP_PORT": "2525",
                                                         "POLICYWATCH_SMTP_PASSWORD": "pw"})
    assert (overridden.port, overridden.password) == (2525, "pw")


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers["Content-Type"]


def test_alerts_cli_serve_publishes_feed_alerts_and_diffs(runner, measures_db):
    invoke(runner, measures_db, "notify")  # derive the events and their diffs
    server = make_server(measures_db, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        status, body, kind = fetch(base + "/feed.xml")
        assert status == 200 and kind.startswith("application/atom+xml")
        parsed = feedparser.parse(body)
        assert not parsed.bozo and parsed.entries
        diff_links = [e.link for e in parsed.entries if "/diffs/" in e.link]
        assert diff_links and all(link.startswith(base + "/diffs/") for link in diff_links)
        status, body, _ = fetch(diff_links[0])
        assert status == 200 and "<del>" in body.decode("utf-8")
        status, body, _ = fetch(base + "/alerts.json?limit=5")
        assert status == 200 and len(json.loads(body)["events"]) == 5
        status, body, _ = fetch(base + "/")
        assert status == 200 and "/feed.xml" in body.decode("utf-8")
        for bad in ("/diffs/../alerts.db", "/diffs/%2e%2e%2falerts.db", "/diffs/9999.html",
                    "/etc/passwd"):
            assert fetch(base + bad)[0] == 404
    finally:
        server.shutdown()
        server.server_close()


def test_alerts_cli_serve_busy_port_is_one_line(runner, store, db_path):
    holder = Receiver()
    try:
        result = invoke(runner, db_path, "serve", "--port", str(holder.port))
    finally:
        holder.stop()
    assert result.exit_code == 1 and result.output.startswith("Error: cannot listen on")


def test_alerts_cli_parse_duration():
    assert parse_duration("1d") == 86400 and parse_duration("90s") == 90
    for bad in ("6", "h", "6 hours", "0m", "-1h"):
        with pytest.raises(click.BadParameter):
            parse_duration(bad)


def test_alerts_cli_demo_alerts_prints_events_and_diff_paths(measures_db):
    lines: list[str] = []
    with open_store(measures_db) as store:
        events = demo_alerts(store, lines.append)
    text = "\n".join(lines)
    assert lines[0].startswith(f"Alerts: {len(events)} events")
    assert REVENUE_ZH[:20] in text and "full diff: " in text
    assert "认定条件变化 / criteria changed" in text


@pytest.mark.slow
def test_alerts_cli_watch_once_crawls_processes_and_notifies(runner, replay, tmp_path,
                                                             receiver):
    db = tmp_path / "watch.db"
    first = invoke(runner, db, "watch", "--once", "--replay", replay.base_url, "miit",
                   "govcn")
    assert first.exit_code == 0, first.output
    assert "round 1: crawl" in first.output and "lineage:" in first.output
    invoke(runner, db, "subscribe", "--webhook", receiver.url, "--tier", "srdi_sme")
    replay.site.set_layers([*[layer.name for layer in replay.site.layers], "update-2026"])
    second = invoke(runner, db, "watch", "--once", "--replay", replay.base_url, "miit",
                    "govcn")
    assert second.exit_code == 0, second.output
    types = sorted(e["type"] for e in receiver.events())
    assert "criteria_changed" in types and "repealed" in types, second.output
    change = next(e for e in receiver.events() if e["type"] == "criteria_changed")
    assert REVENUE_ZH in change["summary"]["zh"]
    assert "0 sent" in invoke(runner, db, "notify").output
