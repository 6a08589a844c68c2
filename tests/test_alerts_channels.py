"""Channels through Apprise and what surrounds them, against receivers on 127.0.0.1 that
the tests start: an Apprise ``json://`` target (the webhook receiver), DingTalk-, WeCom-
and Feishu-shaped robot endpoints over TLS (their real host names resolved to 127.0.0.1
for the test, nothing else resolved at all), SMTP with STARTTLS. Redirects, a kill between
send and mark, import then notify, dead letters, masking, feed files, secrets from the
environment, the --email and --test checks, and the schema migration."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from policywatch.cli import cli
from policywatch.settings import SmtpSettings
from policywatch.store import open_store
from policywatch.store.alerts import delivery_failures
from tests.alerts_support import (
    REVENUE_EN,
    REVENUE_ZH,
    Receiver,
    free_port,
    route_robot_hosts,
    run_notify,
    subscribe,
)
from tests.conftest import DINGTALK_TOKEN, FEISHU_TOKEN, WECOM_KEY

FOOTER = re.compile(r"投递 / delivery ((?:#\d+(?:, )?)+)")
NATIONAL = "工信部企业〔2026〕2号"


def invoke(runner, db, *args):
    result = runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def delivery_ids_of(text: str) -> list[int]:
    (found,) = FOOTER.findall(text)
    return [int(i) for i in re.findall(r"\d+", found)]


def ledger(db: Path, subscription_id: int) -> dict[int, int]:
    """delivery id -> event id of one subscription."""
    with open_store(db) as store:
        return {r[0]: r[1] for r in store.db.execute(
            "select id, event_id from deliveries where subscription_id = ?",
            [subscription_id]).fetchall()}


# -- the channels, each event once, in their formats ---------------------------------------
def test_alerts_channels_json_dingtalk_wecom_feishu_get_each_event_once(measures_db, receiver,
                                                                         robots):
    wanted = {"types": ["criteria_changed", "repealed"]}
    ids = {
        "json": subscribe(measures_db, channel="apprise", target=receiver.apprise_url,
                          filters=wanted),
        "dingtalk": subscribe(measures_db, channel="apprise",
                              target=f"dingtalk://{DINGTALK_TOKEN}/", filters=wanted),
        "wecom": subscribe(measures_db, channel="apprise", target=f"wecombot://{WECOM_KEY}",
                           filters=wanted),
        "feishu": subscribe(measures_db, channel="apprise",
                            target=f"feishu://{FEISHU_TOKEN}", filters=wanted),
    }
    report = run_notify(measures_db)
    assert report.failed == 0 and report.problems == []
    expected = {name: ledger(measures_db, sid) for name, sid in ids.items()}
    assert all(len(rows) == 4 for rows in expected.values())  # 2 criteria changes, 2 repeals
    assert report.sent == report.messages == 16

    # Apprise's JSON: {version, title, message, type}, our headers, Markdown message
    bodies = [r["json"] for r in receiver.requests]
    assert all(set(b) >= {"version", "title", "message", "type"} for b in bodies)
    got = [delivery_ids_of(b["message"])[0] for b in bodies]
    assert sorted(got) == sorted(expected["json"])  # each delivery once
    for request, delivery in zip(receiver.requests, got, strict=True):
        assert request["headers"]["X-Policywatch-Delivery"] == str(delivery)
        assert request["headers"]["X-Policywatch-Event"] in {"criteria_changed", "repealed"}
    national = next(b for b in bodies if NATIONAL in b["message"] and "认定条件变化" in b["title"])
    assert national["title"].startswith("[认定条件变化 / criteria changed] ")
    message = national["message"]
    assert message.index(REVENUE_ZH) < message.index(REVENUE_EN)  # Chinese first
    assert "\n> Criteria changed in" in message  # English second, quoted
    assert "- [工业和信息化部关于印发《优质中小企业梯度培育管理办法》的通知](https://" in message
    assert "订阅条件 / Why: event type criteria_changed" in message
    assert "file://" not in message  # no server path in a chat

    # DingTalk: msgtype markdown, the title repeated as a heading, Chinese summary first
    dingtalk = robots.of("dingtalk")
    assert [r["verdict"] for r in dingtalk] == [{"errcode": 0, "errmsg": "ok"}] * 4
    assert {r["credential"] for r in dingtalk} == {DINGTALK_TOKEN}
    assert sorted(delivery_ids_of(r["json"]["markdown"]["text"])[0] for r in dingtalk) == \
        sorted(expected["dingtalk"])
    for request in dingtalk:
        body = request["json"]
        assert body["msgtype"] == "markdown" and body["at"] == {"atMobiles": [],
                                                                  "isAtAll": False}
        title, text = body["markdown"]["title"], body["markdown"]["text"]
        assert text.startswith(f"# {title}\n")
        first = text.split("\n")[1]
        assert re.search(r"[\u4e00-\u9fff]", first), first  # the summary in Chinese leads
    change = next(r["json"]["markdown"]["text"] for r in dingtalk
                  if NATIONAL in r["json"]["markdown"]["text"]
                  and "criteria changed" in r["json"]["markdown"]["title"])
    assert change.index(REVENUE_ZH) < change.index(REVENUE_EN)

    # WeCom: text only (no Markdown asterisks), within its 2,048 bytes, Chinese first
    wecom = robots.of("wecom")
    assert [r["verdict"]["errcode"] for r in wecom] == [0] * 4
    assert sorted(delivery_ids_of(r["json"]["text"]["content"])[0] for r in wecom) == \
        sorted(expected["wecom"])
    for request in wecom:
        assert request["json"]["msgtype"] == "text"
        content = request["json"]["text"]["content"]
        assert len(content.encode("utf-8")) <= 2048
        assert "**" not in content and "](" not in content
        summary = content.split("\r\n", 1)[1]
        zh = re.search(r"[\u4e00-\u9fff]", summary).start()
        en = summary.index("\n", zh)
        assert zh < en and re.search(r"[A-Za-z]{3}", summary[en:])

    # Feishu: an interactive card whose lark_md holds the Markdown
    feishu = robots.of("feishu")
    assert [r["verdict"]["code"] for r in feishu] == [0] * 4
    card = feishu[0]["json"]
    assert card["msg_type"] == "interactive"
    assert card["card"]["elements"][0]["text"]["tag"] == "lark_md"

    again = run_notify(measures_db)
    assert (again.sent, again.queued) == (0, 0)
    assert len(receiver.requests) == 4 and len(robots.requests) == 12


def test_alerts_channels_feishu_refusal_is_a_recorded_failure(measures_db, robots):
    subscribe(measures_db, channel="apprise", target="feishu://not-the-bot-token",
              filters={"types": ["repealed"]})
    report = run_notify(measures_db)
    assert (report.sent, report.failed, report.deferred) == (0, 1, 1)
    assert "code=19001" in report.problems[0]["error"]
    assert "not-the-bot-token" not in json.dumps(report.as_dict())


def test_alerts_channels_digest_to_wecom_fits_and_names_every_delivery(measures_db, robots):
    sid = subscribe(measures_db, channel="apprise", target=f"wecombot://{WECOM_KEY}",
                    digest=True)
    report = run_notify(measures_db)
    assert report.messages == 1 and report.sent == len(ledger(measures_db, sid)) > 3
    (request,) = robots.of("wecom")
    content = request["json"]["text"]["content"]
    assert request["verdict"]["errcode"] == 0 and len(content.encode("utf-8")) <= 2048
    assert sorted(delivery_ids_of(content)) == sorted(ledger(measures_db, sid))


# -- redirects ---------------------------------------------------------------------------
def test_alerts_channels_webhook_moved_is_a_failure_until_the_subscription_is_fixed(
        runner, measures_db):
    moved = Receiver(status=301, location="https://new.example.org/hook")
    fixed = Receiver()
    try:
        invoke(runner, measures_db, "subscribe", "--webhook", moved.url, "--event", "repealed")
        first = invoke(runner, measures_db, "notify")
        assert "1 failed" in first.output and "0 sent" in first.output
        assert "moved to https://new.example.org/hook (HTTP 301)" in first.output
        assert "update the subscription" in first.output
        assert [r["method"] for r in moved.requests] == ["POST"]  # never followed
        with open_store(measures_db) as store:
            assert store.db.execute("select count(*) from deliveries where status = 'sent'"
                                    ).fetchone()[0] == 0
            (failed,) = [f for f in delivery_failures(store) if f["status"] == "failed"]
        assert "moved to https://new.example.org/hook" in failed["last_error"]
        listing = invoke(runner, measures_db, "alerts")
        assert "failed: event #" in listing.output and "moved to" in listing.output

        updated = invoke(runner, measures_db, "subscribe", "--update", "1", "--webhook",
                         fixed.url)
        assert updated.exit_code == 0, updated.output
        assert "2 undelivered deliveries are due again" in updated.output
        later = invoke(runner, measures_db, "notify")  # no --retry-now: due at once
        assert "2 sent" in later.output and "0 failed" in later.output
    finally:
        moved.stop()
        fixed.stop()
    assert sorted(e["type"] for e in fixed.events()) == ["repealed", "repealed"]
    assert len(moved.requests) == 1


def test_alerts_channels_apprise_target_moved_is_a_failure(measures_db):
    moved = Receiver(status=302, location="http://127.0.0.1:9/elsewhere")
    try:
        subscribe(measures_db, channel="apprise", target=moved.apprise_url,
                  filters={"types": ["repealed"]})
        report = run_notify(measures_db)
    finally:
        moved.stop()
    assert (report.sent, report.failed) == (0, 1)
    assert "moved to another address (HTTP 302" in report.problems[0]["error"]
    assert [r["method"] for r in moved.requests] == ["POST"]


# -- a kill between send and mark ----------------------------------------------------------
def test_alerts_channels_kill_between_send_and_mark_resends_once_with_the_same_id(
        measures_db, tmp_path):
    """The receiver has the message; the sender is killed (SIGKILL, no cleanup) before it
    reads the answer, so nothing is marked sent. After the lease expires the next notify
    sends that delivery again, once, with the same id, and everything else once."""
    victim: dict[str, subprocess.Popen] = {}
    killed = threading.Event()
    target = Receiver()
    original = target.server.RequestHandlerClass.do_POST

    def do_post(handler):
        if not killed.is_set() and "process" in victim:
            body = handler.rfile.read(int(handler.headers["Content-Length"]))
            target.requests.append({"method": "POST", "path": handler.path,
                                    "headers": dict(handler.headers), "body": body,
                                    "json": json.loads(body)})
            os.kill(victim["process"].pid, signal.SIGKILL)
            killed.set()
            return  # no answer: the sender died waiting for it
        original(handler)

    target.server.RequestHandlerClass.do_POST = do_post
    sid = subscribe(measures_db, channel="apprise", target=target.apprise_url,
                    filters={"types": ["criteria_changed", "repealed"]})
    env = dict(os.environ, POLICYWATCH_LOG=str(tmp_path / "pw.log"), HF_HUB_OFFLINE="1")
    try:
        victim["process"] = subprocess.Popen(
            [str(Path(sys.executable).with_name("policywatch")), "--db", str(measures_db),
             "notify", "--no-process"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        victim["process"].communicate(timeout=120)
        assert victim["process"].returncode == -signal.SIGKILL and killed.is_set()
        assert len(target.requests) == 1
        with open_store(measures_db) as store:
            assert store.db.execute("select count(*) from deliveries where status = 'sent'"
                                    ).fetchone()[0] == 0
        after_lease = datetime.now(UTC) + timedelta(minutes=16)
        report = run_notify(measures_db, now=after_lease)
        assert report.sent == 4 and report.failed == 0
        assert run_notify(measures_db, now=after_lease + timedelta(minutes=1)).sent == 0
    finally:
        target.stop()
    ids = [r["headers"]["X-Policywatch-Delivery"] for r in target.requests]
    assert len(ids) == 5 and sorted(set(ids)) == sorted(str(i) for i in ledger(measures_db, sid))
    (duplicate,) = [i for i in set(ids) if ids.count(i) == 2]
    first, second = [r for r in target.requests
                     if r["headers"]["X-Policywatch-Delivery"] == duplicate]
    assert first["json"]["message"] == second["json"]["message"]  # same alert, same id
    assert delivery_ids_of(second["json"]["message"]) == [int(duplicate)]


def test_alerts_channels_crash_after_send_keeps_the_delivery_id(measures_db, receiver,
                                                                monkeypatch):
    # The same window in-process: the receiver took it, marking it sent raised.
    from policywatch.alerts import delivery

    subscribe(measures_db, channel="apprise", target=receiver.apprise_url,
              filters={"types": ["repealed"]})
    real_mark_sent = delivery.mark_sent

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed after the receiver took it")

    monkeypatch.setattr(delivery, "mark_sent", crash)
    with pytest.raises(KeyboardInterrupt):
        run_notify(measures_db)
    monkeypatch.setattr(delivery, "mark_sent", real_mark_sent)
    assert run_notify(measures_db).sent == 2
    ids = [r["headers"]["X-Policywatch-Delivery"] for r in receiver.requests]
    assert len(ids) == 3 and ids[0] == ids[1] != ids[2]


# -- import, then notify ---------------------------------------------------------------
def test_alerts_channels_import_then_notify_delivers_the_imports_events(runner, tmp_path,
                                                                        receiver):
    from tests.measures_support import LINEAGE, notice_text

    db = tmp_path / "imported.db"
    saved = tmp_path / "standard.txt"
    saved.write_text(notice_text(LINEAGE / "province-standard-v1.zh.txt"), encoding="utf-8")
    assert invoke(runner, db, "subscribe", "--url", receiver.apprise_url).exit_code == 0
    assert invoke(runner, db, "import", str(saved)).exit_code == 0
    skipped = invoke(runner, db, "notify", "--no-process")
    assert "1 versions and 1 notices are not processed yet" in skipped.output
    assert "0 new" in skipped.output and not receiver.requests
    result = invoke(runner, db, "notify")
    assert result.exit_code == 0, result.output
    assert "processing first what no `policywatch process` has seen (1 versions, 1 notices)" \
        in result.output
    assert "1 sent" in result.output
    (request,) = receiver.requests
    assert request["headers"]["X-Policywatch-Event"] == "new_measure"
    assert "某某省专精特新中小企业认定标准" in request["json"]["message"]
    assert "0 sent" in invoke(runner, db, "notify").output


# -- dead letters ------------------------------------------------------------------------
def _summary_line(output: str) -> str:
    (line,) = [x for x in output.splitlines() if x.startswith("deliveries: ")]
    return line


def _listed(output: str) -> dict[str, int]:
    kinds = re.findall(r"^  (failed|deferred|dead): event #", output, re.M)
    return {k: kinds.count(k) for k in ("failed", "deferred", "dead")}


def test_alerts_channels_dead_letters_after_max_attempts_and_retry_dead(runner, measures_db,
                                                                        monkeypatch):
    monkeypatch.setenv("POLICYWATCH_ALERTS_MAX_ATTEMPTS", "2")
    port = free_port()
    invoke(runner, measures_db, "subscribe", "--url", f"json://127.0.0.1:{port}/hook",
           "--event", "repealed")
    outputs = []
    for flags in ([], ["--retry-now"], ["--retry-now"], ["--retry-now"]):
        output = invoke(runner, measures_db, "notify", *flags).output
        outputs.append(output)
        # notify and alerts count the same, and alerts lists every one it counts
        listing = invoke(runner, measures_db, "alerts").output
        assert _summary_line(output) == _summary_line(listing)
        counts = {k: int(n) for n, k in re.findall(r"(\d+) (\w+)", _summary_line(output))}
        assert _listed(listing) == {k: counts[k] for k in ("failed", "deferred", "dead")}
    assert "gave up: apprise json://127.0.0.1:" in outputs[1]
    assert "1 deliveries dead after 2 attempts" in outputs[1]
    assert _summary_line(outputs[0]).endswith("0 sent, 1 failed, 1 deferred, 0 pending, 0 dead")
    final = invoke(runner, measures_db, "alerts", "--json")
    document = json.loads(final.output)
    assert document["deliveries"]["dead"] == 2
    assert {f["state"] for f in document["failures"]} == {"dead"}
    assert "notify --retry-dead" in invoke(runner, measures_db, "alerts").output

    back = Receiver(port=port)
    try:
        assert "0 sent" in invoke(runner, measures_db, "notify", "--retry-now").output
        retried = invoke(runner, measures_db, "notify", "--retry-dead")
    finally:
        back.stop()
    assert "2 sent" in retried.output and "(2 dead ones retried)" in retried.output
    assert _summary_line(retried.output) == ("deliveries: 2 sent, 0 failed, 0 deferred, "
                                             "0 pending, 0 dead")
    assert len(back.requests) == 2


def test_alerts_channels_retry_dead_that_fails_again_is_dead_again(measures_db):
    from dataclasses import replace

    from tests.alerts_support import SETTINGS

    settings = replace(SETTINGS, max_attempts=1)
    subscribe(measures_db, channel="apprise", target=f"json://127.0.0.1:{free_port()}/h",
              filters={"types": ["repealed"]}, digest=True)
    first = run_notify(measures_db, settings=settings)
    assert (first.dead, first.failed, first.totals["dead"]) == (2, 0, 2)
    again = run_notify(measures_db, settings=settings, retry_dead=True)
    assert (again.revived, again.dead, again.totals["dead"]) == (2, 2, 2)


# -- secrets: masked everywhere, read from the environment ---------------------------------
def test_alerts_channels_no_secret_and_no_server_path_in_any_output(
        runner, measures_db, tmp_path, monkeypatch, tls_certificate):
    from tests.test_alerts_cli import fetch

    token = "a1b2c3d4e5f6a7b8c9d0"
    query_token = "qq11ww22ee33rr44"
    route_robot_hosts(monkeypatch, free_port(), tls_certificate[0])  # DingTalk: refused
    blocked = tmp_path / "not-a-file"
    blocked.mkdir()
    invoke(runner, measures_db, "subscribe", "--url", f"dingtalk://{token}/", "--event",
           "repealed")
    invoke(runner, measures_db, "subscribe", "--webhook",
           f"http://127.0.0.1:{free_port()}/hook?access_token={query_token}", "--event",
           "repealed")
    invoke(runner, measures_db, "subscribe", "--feed", str(blocked), "--event", "repealed")
    outputs = [invoke(runner, measures_db, "notify").output,
               invoke(runner, measures_db, "alerts").output,
               invoke(runner, measures_db, "alerts", "--json").output,
               invoke(runner, measures_db, "subscribe", "--list").output,
               invoke(runner, measures_db, "subscribe", "--list", "--json").output]
    text = "\n".join(outputs)
    assert "dingtalk://a1…d0/" in text and "access_token=qq…44" in text
    assert token not in text and query_token not in text

    from policywatch.web.server import make_server

    server = make_server(measures_db, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        pages = [fetch(base + path)[1].decode("utf-8")
                 for path in ("/alerts.json?limit=1000", "/", "/feed.xml")]
    finally:
        server.shutdown()
        server.server_close()
    document = json.loads(pages[0])
    targets = {f["target"] for f in document["failures"]}
    assert {"dingtalk://a1…d0/", "not-a-file"} < targets
    assert any(t.endswith("/hook?access_token=qq…44") for t in targets)
    assert any("feed not-a-file: cannot write" in f["last_error"]
               for f in document["failures"])
    for page in pages:
        assert token not in page and query_token not in page
        assert str(tmp_path) not in page and "file://" not in page
    assert all(e["diff"]["url"] is None or e["diff"]["url"].startswith(base)
               for e in document["events"])


def test_alerts_channels_url_reads_its_token_from_the_environment(runner, measures_db, robots,
                                                                  monkeypatch):
    refused = invoke(runner, measures_db, "subscribe", "--url", "dingtalk://${PW_DT_TOKEN}/")
    assert refused.exit_code == 2 and "PW_DT_TOKEN is not set" in refused.output
    monkeypatch.setenv("PW_DT_TOKEN", DINGTALK_TOKEN)
    native = "https://oapi.dingtalk.com/robot/send?access_token=${PW_DT_TOKEN}"
    created = invoke(runner, measures_db, "subscribe", "--url", native, "--event", "repealed")
    assert created.exit_code == 0, created.output
    assert "apprise dingtalk://${PW_DT_TOKEN}/" in created.output
    with open_store(measures_db) as store:
        assert store.db.execute("select target from subscriptions").fetchone()[0] == \
            "dingtalk://${PW_DT_TOKEN}/"
    assert "2 sent" in invoke(runner, measures_db, "notify").output
    assert {r["credential"] for r in robots.of("dingtalk")} == {DINGTALK_TOKEN}
    monkeypatch.delenv("PW_DT_TOKEN")
    unset = invoke(runner, measures_db, "test-channel", "1")
    assert unset.exit_code == 1 and "PW_DT_TOKEN is not set" in unset.output


def test_alerts_channels_webhook_for_a_chat_robot_points_at_url(runner, db_path):
    result = invoke(runner, db_path, "subscribe", "--webhook",
                    "https://oapi.dingtalk.com/robot/send?access_token=abc")
    assert result.exit_code == 2 and "subscribe with --url" in result.output


# -- --test and test-channel -------------------------------------------------------------
def test_alerts_channels_subscribe_test_and_test_channel(runner, measures_db, receiver, robots):
    created = invoke(runner, measures_db, "subscribe", "--url", receiver.apprise_url, "--test")
    assert created.exit_code == 0, created.output
    assert "test alert: Sent JSON POST notification" in created.output
    (sample,) = receiver.requests
    assert sample["json"]["title"].startswith("[测试 / test]")
    assert sample["headers"]["X-Policywatch-Delivery"] == "test"
    assert "这是一条测试提醒" in sample["json"]["message"]
    again = invoke(runner, measures_db, "test-channel", "1")
    assert again.exit_code == 0 and "test alert to apprise json://127.0.0.1:" in again.output
    assert len(receiver.requests) == 2
    robot = invoke(runner, measures_db, "subscribe", "--url", f"dingtalk://{DINGTALK_TOKEN}/",
                   "--test")
    assert "test alert: Sent DingTalk notification" in robot.output
    assert robots.of("dingtalk")[0]["json"]["msgtype"] == "markdown"
    with open_store(measures_db) as store:
        assert store.db.execute("select count(*) from deliveries").fetchone()[0] == 0

    dead_port = free_port()
    failed = invoke(runner, measures_db, "subscribe", "--url",
                    f"json://127.0.0.1:{dead_port}/hook", "--test")
    assert failed.exit_code == 1
    assert "test alert not delivered, nothing saved" in failed.output
    assert "Connection error" in failed.output
    listed = invoke(runner, measures_db, "subscribe", "--list").output
    assert str(dead_port) not in listed and len(listed.strip().splitlines()) == 2
    assert invoke(runner, measures_db, "test-channel", "9").exit_code == 1


def test_alerts_channels_email_test_goes_through_starttls(runner, measures_db, smtp_server,
                                                         monkeypatch):
    inbox, smtp = smtp_server
    monkeypatch.setenv("POLICYWATCH_SMTP_HOST", smtp.host)
    monkeypatch.setenv("POLICYWATCH_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("POLICYWATCH_SMTP_CAFILE", smtp.cafile)
    result = invoke(runner, measures_db, "subscribe", "--email", "me@example.org", "--test")
    assert result.exit_code == 0, result.output
    assert f"127.0.0.1:{smtp.port} (STARTTLS) accepted" in result.output
    (message,) = inbox.messages
    assert "测试" in message["Subject"]


# -- e-mail settings ---------------------------------------------------------------------
def test_alerts_channels_email_refused_without_smtp(runner, db_path, monkeypatch):
    for name in ("POLICYWATCH_SMTP_HOST", "POLICYWATCH_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    refused = invoke(runner, db_path, "subscribe", "--email", "me@example.org")
    assert refused.exit_code == 2
    assert "--email needs an SMTP server" in refused.output and "mailtos://" in refused.output
    monkeypatch.setenv("POLICYWATCH_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("POLICYWATCH_SMTP_STARTTLS", "false")
    warned = invoke(runner, db_path, "subscribe", "--email", "me@example.org")
    assert warned.exit_code == 0
    assert "warning: e-mail to smtp.example.org:587 goes out in clear text" in warned.output


def test_alerts_channels_smtp_defaults_to_starttls_never_clear_text(measures_db):
    from aiosmtpd.controller import Controller

    from tests.alerts_support import Inbox

    inbox = Inbox()
    plain = Controller(inbox, hostname="127.0.0.1", port=free_port())  # no STARTTLS offered
    plain.start()
    try:
        subscribe(measures_db, channel="email", target="x@example.org",
                  filters={"types": ["repealed"]})
        report = run_notify(measures_db, smtp=SmtpSettings(host="127.0.0.1", port=plain.port,
                                                           timeout=5))
    finally:
        plain.stop()
    assert report.failed == 1 and not inbox.messages
    assert "STARTTLS" in report.problems[0]["error"]


def test_alerts_channels_smtp_password_never_in_clear_to_another_machine():
    from policywatch.alerts.channels import DeliveryFailed, send_email

    settings = SmtpSettings(host="smtp.example.org", starttls=False, username="u",
                            password="pw")
    with pytest.raises(DeliveryFailed, match="will not send the SMTP password in clear"):
        send_email(settings, None)  # refused before any connection


# -- feed files --------------------------------------------------------------------------
def test_alerts_channels_one_feed_file_per_subscription_world_readable(runner, measures_db,
                                                                       tmp_path):
    old = os.umask(0o077)  # a strict umask must not hide what is published
    try:
        one = invoke(runner, measures_db, "subscribe", "--feed", "--event", "repealed")
        two = invoke(runner, measures_db, "subscribe", "--feed", "--digest")
        assert one.exit_code == two.exit_code == 0
        invoke(runner, measures_db, "notify")
    finally:
        os.umask(old)
    first = measures_db.with_name("alerts.feed-1.xml")
    second = measures_db.with_name("alerts.feed-2.xml")
    assert str(first) in one.output and str(second) in two.output
    for path in (first, second):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert first.read_bytes() != second.read_bytes()
    diffs = list(measures_db.with_name("alerts.diffs").glob("*.html"))
    assert diffs and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in diffs)

    mine = tmp_path / "mine.xml"
    assert invoke(runner, measures_db, "subscribe", "--feed", str(mine)).exit_code == 0
    clash = invoke(runner, measures_db, "subscribe", "--feed", "--feed-file", str(mine))
    assert clash.exit_code == 2 and "already written by subscription #3" in clash.output
    db_itself = invoke(runner, measures_db, "subscribe", "--feed", str(measures_db))
    assert db_itself.exit_code == 2 and "is the database" in db_itself.output


def test_alerts_channels_feed_shared_by_old_subscriptions_fails_the_later_one(measures_db,
                                                                              tmp_path):
    shared = str(tmp_path / "shared.xml")  # as every --feed subscription got before
    subscribe(measures_db, channel="feed", target=shared, filters={"types": ["repealed"]})
    subscribe(measures_db, channel="feed", target=shared,
              filters={"types": ["criteria_changed"]})
    report = run_notify(measures_db)
    assert report.sent == 2 and report.failed == 2  # the second's one batch (a feed)
    assert "is written by subscription #1 too" in report.problems[0]["error"]
    assert "subscribe --update 2 --feed PATH" in report.problems[0]["error"]


# -- the schema ------------------------------------------------------------------------
def test_alerts_channels_m008_adds_columns_and_keeps_rows(db_path):
    from sqlite_utils import Database

    from policywatch.store.migrations import migrations

    old = Database(db_path)
    migrations.apply(old, stop_before="m008_alert_channels")
    old["subscriptions"].insert({"id": 1, "filters": "{}", "channel": "webhook",
                                 "target": "http://127.0.0.1:9/h", "digest": 0, "active": 1})
    old.close()
    with open_store(db_path) as store:
        columns = {c.name for c in store.db["subscriptions"].columns}
        assert {"secret_env", "updated_at"} <= columns
        assert "dead_at" in {c.name for c in store.db["deliveries"].columns}
        assert store.db["subscriptions"].get(1)["target"] == "http://127.0.0.1:9/h"
