"""Delivering events: match them to subscriptions, send what is due, retry with backoff.

Bookkeeping is what makes the guarantees:

- *exactly once*: a ``deliveries`` row per (subscription, event), created once (unique
  pair) and marked ``sent`` as soon as its channel took it; a sent row is never claimed
  again, so a repeated ``notify`` sends nothing. Rows are claimed with a lease, so two
  ``notify`` runs at the same time never send the same row. Webhook requests carry the
  delivery id (``X-Policywatch-Delivery``) for receivers that want to be sure;
- *nothing lost*: a failed send leaves the row ``failed`` with its error and the time of
  the next attempt (base, 2 x base, 4 x base, ..., capped); later ``notify`` runs retry it.
  Once a channel fails, the rest of that subscription's rows in this run are deferred to
  the same time instead of hammering a channel that is down;
- *digest*: a digest subscription gets one message per run with every due event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from policywatch.alerts.channels import (
    DeliveryFailed,
    atom_feed,
    email_message,
    event_document,
    post_webhook,
    send_email,
    write_file_atomically,
)
from policywatch.alerts.subscriptions import describe_filters, explain_match, select_events
from policywatch.settings import AlertSettings, SmtpSettings, alert_settings, smtp_settings
from policywatch.store import Store
from policywatch.store.alerts import (
    claim_due_deliveries,
    defer,
    events_after,
    events_by_ids,
    get_subscription,
    list_subscriptions,
    mark_failed,
    mark_sent,
    queue_deliveries,
    release,
    sent_events_of,
)
from policywatch.store.db import sidecar_path

LEASE = timedelta(minutes=15)
FEED_ENTRIES = 100


def stamp(moment: datetime) -> str:
    """A datetime in the store's format.

    >>> stamp(datetime(2026, 1, 19, 10, 30, tzinfo=UTC))
    '2026-01-19T10:30:00Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def backoff_seconds(attempts: int, base: int, cap: int) -> int:
    """Seconds to wait after the ``attempts``-th failure: base, 2 x base, 4 x base, ... cap.

    >>> [backoff_seconds(n, 60, 600) for n in range(1, 6)]
    [60, 120, 240, 480, 600]
    """
    return int(min(cap, base * 2 ** max(attempts - 1, 0)))


@dataclass
class NotifyReport:
    """What a ``notify`` run did; ``problems`` has one entry per channel that failed."""

    new_events: int = 0
    queued: int = 0
    sent: int = 0
    messages: int = 0
    failed: int = 0
    deferred: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def feed_path_for(db_path: Path) -> Path:
    """The feed file of a ``--feed`` subscription: ``<db stem>.feed.xml`` beside the db."""
    return sidecar_path(db_path, ".feed.xml")


def default_feed_path(store: Store) -> Path:
    """:func:`feed_path_for` the open store's database."""
    return feed_path_for(store.path)


def match_subscriptions(store: Store) -> int:
    """Queue a pending delivery for every new event each active subscription takes.

    Returns:
        How many deliveries were queued.
    """
    queued = 0
    for subscription in list_subscriptions(store, active_only=True):
        start = max(subscription["since_event_id"] or 0, subscription["last_event_id"] or 0)
        events = events_after(store, start)
        if not events:
            continue
        chosen = select_events(subscription["filters"], events)
        queued += queue_deliveries(store, subscription["id"], [e["id"] for e, _ in chosen],
                                   events[-1]["id"])
    return queued


class _Sender:
    """Sends one subscription's due events through its channel."""

    def __init__(self, store: Store, settings: AlertSettings,
                 smtp: Callable[[], SmtpSettings]) -> None:
        self.store = store
        self.settings = settings
        self.smtp = smtp

    def webhook(self, subscription: dict[str, Any], rows: list[dict[str, Any]],
                items: list[tuple[dict[str, Any], dict[str, list[str]]]]) -> None:
        public = self.settings.public_url
        if len(items) == 1 and not subscription["digest"]:
            (event, reason), row = items[0], rows[0]
            document: dict[str, Any] = {
                "subscription_id": subscription["id"], "delivery_id": row["id"],
                "attempt": row["attempts"] + 1,
                "event": event_document(event, reason=reason, public_url=public)}
            kind = event["type"]
        else:
            document = {
                "subscription_id": subscription["id"], "digest": True,
                "delivery_ids": [r["id"] for r in rows],
                "events": [event_document(e, reason=r, public_url=public) for e, r in items]}
            kind = "digest"
        post_webhook(subscription["target"], document, secret=subscription["secret"],
                     timeout=self.settings.webhook_timeout_s,
                     headers={"X-Policywatch-Event": kind,
                              "X-Policywatch-Delivery": ",".join(str(r["id"]) for r in rows)})

    def email(self, subscription: dict[str, Any], rows: list[dict[str, Any]],
              items: list[tuple[dict[str, Any], dict[str, list[str]]]]) -> None:
        settings = self.smtp()
        message = email_message(settings, subscription["target"], items,
                                public_url=self.settings.public_url,
                                subscription_id=subscription["id"],
                                delivery_ids=[r["id"] for r in rows])
        send_email(settings, message)

    def feed(self, subscription: dict[str, Any], rows: list[dict[str, Any]],
             items: list[tuple[dict[str, Any], dict[str, list[str]]]]) -> None:
        new_ids = {event["id"] for event, _ in items}
        earlier = [e for e in sent_events_of(self.store, subscription["id"], FEED_ENTRIES)
                   if e["id"] not in new_ids]
        events = sorted([e for e, _ in items] + earlier, key=lambda e: e["id"],
                        reverse=True)[:FEED_ENTRIES]
        title = (f"policywatch alerts: subscription #{subscription['id']} "
                 f"({describe_filters(subscription['filters'])})")
        data = atom_feed(events, title=title,
                         feed_id=f"tag:policywatch.invalid,2026:subscription/"
                                 f"{subscription['id']}",
                         public_url=self.settings.public_url)
        write_file_atomically(Path(subscription["target"]), data)


def _describe_channel(subscription: dict[str, Any]) -> str:
    return f"{subscription['channel']} {subscription['target']} (subscription " \
           f"#{subscription['id']})"


def deliver_pending(store: Store, *, settings: AlertSettings | None = None,
                    smtp: SmtpSettings | None = None, now: datetime | None = None,
                    ignore_backoff: bool = False) -> NotifyReport:
    """Send every due delivery; record each outcome; return the counts.

    Args:
        store: the open store.
        settings: retry backoff, webhook timeout, public URL for diff links.
        smtp: SMTP settings (read from the config file and environment when needed).
        now: the current time (tests move it forward to pass a backoff).
        ignore_backoff: retry failed deliveries now rather than at their next attempt.
    """
    settings = settings or alert_settings()
    moment = now or datetime.now(UTC)
    cached: list[SmtpSettings] = [smtp] if smtp else []

    def smtp_once() -> SmtpSettings:
        if not cached:
            cached.append(smtp_settings())
        return cached[0]

    sender = _Sender(store, settings, smtp_once)
    report = NotifyReport()
    rows = claim_due_deliveries(store, stamp(moment), stamp(moment + LEASE),
                                ignore_backoff=ignore_backoff)
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["subscription_id"], []).append(row)
    for subscription_id, group in groups.items():
        subscription = get_subscription(store, subscription_id)
        events = {e["id"]: e for e in events_by_ids(store, [r["event_id"] for r in group])}
        remaining = list(group)
        try:
            if subscription is None:
                continue
            send = getattr(sender, subscription["channel"], None)
            if send is None:
                raise DeliveryFailed(f"unknown channel {subscription['channel']!r}")
            items = [(events[r["event_id"]],
                      explain_match(subscription["filters"], events[r["event_id"]]) or {})
                     for r in group]
            together = subscription["digest"] or subscription["channel"] == "feed"
            batches = [list(range(len(group)))] if together else [[i] for i in
                                                                  range(len(group))]
            for batch in batches:
                batch_rows = [group[i] for i in batch]
                try:
                    send(subscription, batch_rows, [items[i] for i in batch])
                except DeliveryFailed as exc:
                    _record_failure(store, report, settings, moment, subscription,
                                    batch_rows, remaining, str(exc))
                    break
                except Exception as exc:  # noqa: BLE001 - a bug must not lose the row
                    _record_failure(store, report, settings, moment, subscription,
                                    batch_rows, remaining,
                                    f"internal error: {type(exc).__name__}: {exc}")
                    break
                mark_sent(store, [r["id"] for r in batch_rows], stamp(moment))
                report.sent += len(batch_rows)
                report.messages += 1
                sent = {r["id"] for r in batch_rows}
                remaining = [r for r in remaining if r["id"] not in sent]
        finally:
            release(store, [r["id"] for r in group])
    return report


def _record_failure(store: Store, report: NotifyReport, settings: AlertSettings,
                    moment: datetime, subscription: dict[str, Any],
                    failed_rows: list[dict[str, Any]], remaining: list[dict[str, Any]],
                    error: str) -> None:
    attempts = max(r["attempts"] for r in failed_rows) + 1
    retry_at = stamp(moment + timedelta(seconds=backoff_seconds(
        attempts, settings.retry_base_s, settings.retry_max_s)))
    failed_ids = {r["id"] for r in failed_rows}
    mark_failed(store, failed_ids, error, retry_at)
    rest = [r["id"] for r in remaining if r["id"] not in failed_ids]
    defer(store, rest, f"deferred: {error}", retry_at)
    report.failed += len(failed_ids)
    report.deferred += len(rest)
    report.problems.append({
        "subscription_id": subscription["id"], "channel": subscription["channel"],
        "target": subscription["target"], "error": error, "retry_at": retry_at,
        "waiting": len(failed_ids) + len(rest), "description": _describe_channel(subscription)})


def notify(store: Store, *, settings: AlertSettings | None = None,
           smtp: SmtpSettings | None = None, now: datetime | None = None,
           today: date | None = None, ignore_backoff: bool = False,
           derive: bool = True) -> NotifyReport:
    """Derive new events, match them to subscriptions, deliver what is due.

    Never raises for a channel that is down: the report's ``problems`` say which one and
    when it will be retried.
    """
    from policywatch.alerts.events import derive_events

    settings = settings or alert_settings()
    new_events = derive_events(store, settings=settings, today=today) if derive else []
    queued = match_subscriptions(store)
    report = deliver_pending(store, settings=settings, smtp=smtp, now=now,
                             ignore_backoff=ignore_backoff)
    report.new_events = len(new_events)
    report.queued = queued
    return report
