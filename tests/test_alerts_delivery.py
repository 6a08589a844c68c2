"""Delivery end to end: a real SMTP server (aiosmtpd), a real HTTP receiver and a feed
parser, all on 127.0.0.1; exactly once, retries after a channel comes back, digests."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from policywatch.settings import SmtpSettings
from policywatch.store import open_store
from policywatch.store.alerts import delivery_failures, recent_events
from tests.alerts_support import (
    REVENUE_EN,
    REVENUE_ZH,
    Receiver,
    free_port,
    run_notify,
    subscribe,
)


# -- tests -------------------------------------------------------------------------------
def test_alerts_email_reaches_real_smtp_server_with_both_languages(measures_db, smtp_server):
    inbox, smtp = smtp_server
    subscribe(measures_db, channel="email", target="researcher@example.org",
              filters={"tiers": ["srdi_sme"], "metrics": ["revenue"]})
    report = run_notify(measures_db, smtp=smtp)
    assert report.failed == 0 and report.sent >= 1
    subjects = [m["Subject"] for m in inbox.messages]
    (change,) = [m for m in inbox.messages if "认定条件变化" in m["Subject"]
                 and "梯度培育管理办法" in m["Subject"]]
    body = change.get_content()
    assert REVENUE_ZH in body and REVENUE_EN in body
    assert "Full diff / 完整对比: file://" in body
    assert "metric revenue" in body  # the reason
    assert inbox.envelopes[0].rcpt_tos == ["researcher@example.org"]
    assert change["From"] == "policywatch@example.org"
    assert all(m["Message-ID"].startswith("<delivery-") for m in inbox.messages)
    assert len({m["Message-ID"] for m in inbox.messages}) == len(inbox.messages)
    assert len(inbox.messages) == report.messages, subjects
    again = run_notify(measures_db, smtp=smtp)
    assert (again.sent, again.queued, again.new_events) == (0, 0, 0)
    assert len(inbox.messages) == report.messages


def readme_verifier():
    """The receiver's check as the README prints it (so the documentation is what works)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (code,) = [block.split("```", 1)[0] for block in readme.split("```python\n")[1:]
               if "def verify(" in block]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify"], namespace["time"]


def test_alerts_webhook_json_and_hmac_signature(measures_db, receiver):
    subscribe(measures_db, channel="webhook", target=receiver.url, secret="s3cret",
              filters={"types": ["criteria_changed", "repealed"]})
    report = run_notify(measures_db)
    assert report.failed == 0
    assert len(receiver.requests) == report.messages >= 3
    verify, _ = readme_verifier()
    for request in receiver.requests:
        headers = request["headers"]
        timestamp = headers["X-Policywatch-Timestamp"]
        assert abs(time.time() - int(timestamp)) < 60
        expected = "sha256=" + hmac.new(b"s3cret", timestamp.encode() + b"." + request["body"],
                                        hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Policywatch-Signature"], expected)
        assert verify(request["body"], headers, "s3cret")
        assert not verify(request["body"], headers, "wrong key")
        assert headers["Content-Type"].startswith("application/json")
        event = request["json"]["event"]
        assert headers["X-Policywatch-Event"] == event["type"]
        assert headers["X-Policywatch-Delivery"] == str(request["json"]["delivery_id"])
        assert event["summary"]["zh"] and event["summary"]["en"]
        assert event["reason"]["filters"] == {"types": [event["type"]]}
        assert event["notices"] and all(n["url"] for n in event["notices"])
    (national,) = [r["json"]["event"] for r in receiver.requests
                   if r["json"]["event"]["type"] == "criteria_changed"
                   and "工信部企业〔2026〕2号" in r["json"]["event"]["summary"]["zh"]]
    assert REVENUE_EN in national["summary"]["en"] and REVENUE_ZH in national["summary"]["zh"]
    national = [national]
    assert Path(national[0]["diff"]["html"]).is_file()
    assert "1500万元" in Path(national[0]["diff"]["markdown"]).read_text(encoding="utf-8")


def test_alerts_webhook_tampered_or_replayed_request_fails_verification(
        measures_db, receiver, monkeypatch):
    subscribe(measures_db, channel="webhook", target=receiver.url, secret="k",
              filters={"types": ["repealed"]})
    run_notify(measures_db)
    request = receiver.requests[0]
    verify, clock = readme_verifier()
    assert verify(request["body"], request["headers"], "k")
    tampered = request["body"].replace(b"repealed", b"REPEALED", 1)
    assert not verify(tampered, request["headers"], "k")
    restamped = dict(request["headers"], **{
        "X-Policywatch-Timestamp": str(int(request["headers"]["X-Policywatch-Timestamp"]) + 1)})
    assert not verify(request["body"], restamped, "k")  # the timestamp is signed too
    later = clock.time() + 6 * 60  # the same request, captured and replayed 6 minutes on
    monkeypatch.setattr(clock, "time", lambda: later)
    assert not verify(request["body"], request["headers"], "k")


def test_alerts_webhook_key_from_the_environment(measures_db, receiver, monkeypatch):
    monkeypatch.setenv("PW_HOOK_KEY", "from-env")
    subscribe(measures_db, channel="webhook", target=receiver.url, secret_env="PW_HOOK_KEY",
              filters={"types": ["repealed"]})
    assert run_notify(measures_db).sent == 2
    verify, _ = readme_verifier()
    assert all(verify(r["body"], r["headers"], "from-env") for r in receiver.requests)
    with open_store(measures_db) as store:
        assert store.db.execute("select secret from subscriptions").fetchone()[0] is None


def test_alerts_webhook_down_mid_run_every_event_delivered_once_after_it_returns(
        measures_db):
    port = free_port()
    first = Receiver(port=port, down_after=1)
    subscribe(measures_db, channel="webhook", target=f"http://127.0.0.1:{port}/hook")
    started = datetime.now(UTC)
    report = run_notify(measures_db, now=started)
    first.stop()
    matched = report.queued
    assert matched >= 5
    assert (report.sent, report.failed, report.deferred) == (1, 1, matched - 2)
    assert report.problems and "unreachable" in report.problems[0]["error"]
    with open_store(measures_db) as store:
        failures = delivery_failures(store)
    assert len(failures) == matched - 1
    assert {f["status"] for f in failures} == {"failed", "pending"}

    second = Receiver(port=port)  # the receiver is back, same address
    try:
        early = run_notify(measures_db, now=started + timedelta(seconds=30))
        assert early.sent == 0  # still backing off: 60 s after the first failure
        late = run_notify(measures_db, now=started + timedelta(seconds=61))
        assert (late.sent, late.failed) == (matched - 1, 0)
        again = run_notify(measures_db, now=started + timedelta(hours=2))
        assert again.sent == 0
    finally:
        second.stop()
    delivered = [e["id"] for e in first.events() + second.events()]
    assert len(delivered) == len(set(delivered)) == matched
    with open_store(measures_db) as store:
        assert delivery_failures(store) == []
        assert store.db.execute("select count(*) from deliveries where status = 'sent'"
                                ).fetchone()[0] == matched


def test_alerts_failed_channel_backs_off_exponentially(measures_db):
    port = free_port()  # nothing listens there
    subscribe(measures_db, channel="webhook", target=f"http://127.0.0.1:{port}/hook",
              filters={"types": ["repealed"]})
    start = datetime(2026, 1, 20, 8, 0, tzinfo=UTC)
    waits = []
    for minutes in (0, 1, 3, 7):
        report = run_notify(measures_db, now=start + timedelta(minutes=minutes))
        assert report.failed == 1
        retry = datetime.strptime(report.problems[0]["retry_at"], "%Y-%m-%dT%H:%M:%SZ")
        waits.append((retry.replace(tzinfo=UTC) - start - timedelta(minutes=minutes)).seconds)
    assert waits == [60, 120, 240, 480]


def test_alerts_digest_sends_one_message_per_run(measures_db, receiver, smtp_server):
    inbox, smtp = smtp_server
    subscribe(measures_db, channel="webhook", target=receiver.url, digest=True)
    subscribe(measures_db, channel="email", target="digest@example.org", digest=True,
              filters={"tiers": ["srdi_sme"]})
    report = run_notify(measures_db, smtp=smtp)
    assert report.messages == 2 and report.sent > 2
    (request,) = receiver.requests
    document = request["json"]
    assert document["digest"] is True and request["headers"]["X-Policywatch-Event"] == "digest"
    assert len(document["events"]) == len(document["delivery_ids"]) > 3
    (message,) = inbox.messages
    assert "alerts:" in message["Subject"]
    assert message.get_content().count("Why you get this") > 1
    assert run_notify(measures_db, smtp=smtp).messages == 0


def test_alerts_feed_subscription_is_valid_atom(measures_db, tmp_path):
    feed_path = tmp_path / "alerts.xml"
    subscribe(measures_db, channel="feed", target=str(feed_path))
    report = run_notify(measures_db)
    assert report.sent > 3 and report.messages == 1
    parsed = feedparser.parse(feed_path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == report.sent
    change = next(e for e in parsed.entries if REVENUE_EN in e.summary)
    assert REVENUE_ZH in change.summary
    assert change.link.startswith("file://") and change.link.endswith(".html")
    assert {t.term for t in change.tags} >= {"criteria_changed", "srdi_sme"}
    assert len({e.id for e in parsed.entries}) == len(parsed.entries)


def test_alerts_smtp_down_is_recorded_not_raised(measures_db):
    smtp = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)
    subscribe(measures_db, channel="email", target="x@example.org",
              filters={"types": ["repealed"]})
    report = run_notify(measures_db, smtp=smtp)
    assert report.sent == 0 and report.failed == 1
    assert "unreachable" in report.problems[0]["error"]
    with open_store(measures_db) as store:
        failures = delivery_failures(store)
    assert {f["channel"] for f in failures} == {"email"}
    assert sorted((f["status"], f["attempts"]) for f in failures) == [("failed", 1),
                                                                       ("pending", 0)]
    assert all("unreachable" in f["last_error"] for f in failures)


def test_alerts_unconfigured_smtp_is_a_delivery_failure(measures_db):
    subscribe(measures_db, channel="email", target="x@example.org",
              filters={"types": ["repealed"]})
    report = run_notify(measures_db, smtp=SmtpSettings())
    assert report.failed == 1 and "no SMTP server configured" in report.problems[0]["error"]


def test_alerts_subscription_hears_only_later_events_unless_backfilled(measures_db, receiver):
    run_notify(measures_db)  # events exist before anyone subscribed
    subscribe(measures_db, channel="webhook", target=receiver.url)
    assert run_notify(measures_db).queued == 0
    subscribe(measures_db, channel="webhook", target=receiver.url, backfill=True,
              filters={"types": ["repealed"]})
    assert run_notify(measures_db).sent == 2  # the national and the provincial repeal


def test_alerts_one_change_is_one_alert(measures_db, receiver):
    subscribe(measures_db, channel="webhook", target=receiver.url)
    run_notify(measures_db)
    events = receiver.events()
    keys = [e["dedup_key"] for e in events]
    assert len(keys) == len(set(keys))
    national = [e for e in events if "工信部企业〔2026〕2号" in (e["summary"]["zh"] or "")]
    # four stored changes (2 sites x 2 sites) -> one criteria_changed, and its new_version
    # is not sent to a subscription that takes criteria_changed
    assert sorted(e["type"] for e in national) == ["criteria_changed", "repealed"]
    with open_store(measures_db) as store:
        assert store.db["changes"].count_where("kind = 'superseded'") >= 4
        assert len(recent_events(store, types=["new_version"])) >= 1


def test_alerts_email_resent_after_a_crash_keeps_its_message_id(measures_db, smtp_server,
                                                                 monkeypatch):
    # The one window exactly-once cannot close: the server took the message, then the
    # process died before recording it. The resend carries the same Message-ID.
    from policywatch.alerts import delivery

    inbox, smtp = smtp_server
    subscribe(measures_db, channel="email", target="researcher@example.org",
              filters={"types": ["repealed"]}, digest=True)
    real_mark_sent = delivery.mark_sent

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed after the SMTP server accepted")

    monkeypatch.setattr(delivery, "mark_sent", crash)
    with pytest.raises(KeyboardInterrupt):
        run_notify(measures_db, smtp=smtp)
    monkeypatch.setattr(delivery, "mark_sent", real_mark_sent)
    report = run_notify(measures_db, smtp=smtp)
    assert report.sent >= 1 and len(inbox.messages) == 2
    first, second = inbox.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert run_notify(measures_db, smtp=smtp).sent == 0
