"""Delivering events: match them to subscriptions, send what is due, retry with backoff.

Bookkeeping is what makes the guarantees:

- *exactly once*: a ``deliveries`` row per (subscription, event), created once (unique
  pair) and marked ``sent`` as soon as its channel took it; a sent row is never claimed
  again, so a repeated ``notify`` sends nothing. Rows are claimed with a lease, so two
  ``notify`` runs at the same time never send the same row (each run claims one
  subscription's rows just before sending them and renews its lease before each message,
  so a long backlog never outlives its lease). Webhook requests carry the
  delivery id (``X-Policywatch-Delivery``) for receivers that want to be sure;
- *nothing lost*: a failed send leaves the row ``failed`` with its error and the time of
  the next attempt (base, 2 x base, 4 x base, ..., capped); later ``notify`` runs retry it.
  Once a channel fails, the rest of that subscription's rows in this run are deferred to
  the same time instead of hammering a channel that is down. A row that fails
  ``max_attempts`` times is ``dead``: kept with its error, shown by ``alerts``, retried
  only by ``notify --retry-dead`` or when ``subscribe --update`` points it elsewhere;
- *nothing sent twice by mistake*: a redirect is a failure, never followed (a POST would
  arrive as a bodiless GET and the final 200 would look like a delivery);
- *digest*: a digest subscription gets one message per run with every due event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from policywatch.alerts.channels import (
    DeliveryFailed,
    atom_feed,
    cleartext_warning,
    email_message,
    event_document,
    post_webhook,
    send_email,
    write_file_atomically,
)
from policywatch.alerts.subscriptions import describe_filters, explain_match, select_events
from policywatch.alerts.targets import MissingSecret, expand_env, mask_target, redact
from policywatch.settings import AlertSettings, SmtpSettings, alert_settings, smtp_settings
from policywatch.store import Store
from policywatch.store.alerts import (
    claim_due_deliveries,
    defer,
    delivery_counts,
    due_subscription_ids,
    events_after,
    events_by_ids,
    get_subscription,
    list_subscriptions,
    mark_dead,
    mark_failed,
    mark_sent,
    queue_deliveries,
    release,
    renew_leases,
    revive_dead,
    sent_events_of,
    subscriptions_writing,
)
from policywatch.store.db import sidecar_path

LEASE = timedelta(minutes=15)
FEED_ENTRIES = 100
CHANNELS = ("webhook", "email", "feed", "apprise")


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
    """What a ``notify`` run did.

    ``sent``, ``failed``, ``deferred`` and ``dead`` count deliveries of this run (``dead``:
    failed for the last time); ``problems`` has one entry per channel that failed;
    ``totals`` are the ledger's counts afterwards, the ones ``alerts`` prints.
    """

    new_events: int = 0
    queued: int = 0
    sent: int = 0
    messages: int = 0
    failed: int = 0
    deferred: int = 0
    dead: int = 0
    revived: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def feed_path_for(db_path: Path, subscription_id: int | None = None) -> Path:
    """A feed file beside the database: ``<db stem>.feed-<id>.xml`` for subscription
    ``id`` (each ``--feed`` subscription has its own), ``<db stem>.feed.xml`` without one.

    >>> feed_path_for(Path("data/pw.db"), 3).as_posix()
    'data/pw.feed-3.xml'
    """
    suffix = f".feed-{subscription_id}.xml" if subscription_id is not None else ".feed.xml"
    return sidecar_path(db_path, suffix)


def default_feed_path(store: Store, subscription_id: int | None = None) -> Path:
    """:func:`feed_path_for` the open store's database."""
    return feed_path_for(store.path, subscription_id)


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


Items = list[tuple[dict[str, Any], dict[str, list[str]] | None]]


def subscription_secret(subscription: dict[str, Any]) -> str | None:
    """A webhook's HMAC key: stored, or read now from the variable ``secret_env`` names.

    Raises:
        DeliveryFailed: the variable is not set.
    """
    name = subscription.get("secret_env")
    if not name:
        return subscription.get("secret")
    try:
        return expand_env("${" + name + "}")
    except MissingSecret as exc:
        raise DeliveryFailed(f"webhook signing key: {exc}") from None


class _Sender:
    """Sends one subscription's due events (or a sample) through its channel; each method
    returns what the channel answered and raises :class:`DeliveryFailed` when it did not
    take the message."""

    def __init__(self, store: Store, settings: AlertSettings,
                 smtp: Callable[[], SmtpSettings], report: NotifyReport | None = None) -> None:
        self.store = store
        self.settings = settings
        self.smtp = smtp
        self.report = report

    def webhook(self, subscription: dict[str, Any], ids: list[int], attempt: int,
                items: Items, kind: str) -> str:
        public = self.settings.public_url
        if kind == "test":
            (event, _), = items
            document: dict[str, Any] = {
                "subscription_id": subscription["id"], "test": True,
                "event": event_document(event, public_url=public)}
        elif len(items) == 1 and not subscription["digest"]:
            (event, reason), = items
            document = {
                "subscription_id": subscription["id"], "delivery_id": ids[0],
                "attempt": attempt, "event": event_document(event, reason=reason,
                                                            public_url=public)}
        else:
            document = {
                "subscription_id": subscription["id"], "digest": True, "delivery_ids": ids,
                "events": [event_document(e, reason=r, public_url=public) for e, r in items]}
        try:
            url = expand_env(subscription["target"])
        except MissingSecret as exc:
            raise DeliveryFailed(f"webhook: {exc}") from None
        return post_webhook(url, document, secret=subscription_secret(subscription),
                            timeout=self.settings.webhook_timeout_s,
                            shown=mask_target("webhook", subscription["target"]),
                            headers={"X-Policywatch-Event": kind,
                                     "X-Policywatch-Delivery":
                                         ",".join(str(i) for i in ids) or "test"})

    def email(self, subscription: dict[str, Any], ids: list[int], attempt: int,
              items: Items, kind: str) -> str:
        settings = self.smtp()
        warning = cleartext_warning(settings)
        if warning and self.report is not None and warning not in self.report.warnings:
            self.report.warnings.append(warning)
        message = email_message(settings, subscription["target"], items,
                                public_url=self.settings.public_url,
                                subscription_id=subscription["id"], delivery_ids=ids or None)
        return send_email(settings, message)

    def feed(self, subscription: dict[str, Any], ids: list[int], attempt: int,
             items: Items, kind: str) -> str:
        path = Path(subscription["target"])
        holders = subscriptions_writing(self.store, subscription["target"],
                                        exclude=subscription["id"])
        earlier = [h for h in holders if h < subscription["id"]]
        if earlier:
            raise DeliveryFailed(
                f"feed {path} is written by subscription #{earlier[0]} too; give this one its "
                f"own file: policywatch subscribe --update {subscription['id']} --feed PATH")
        new_ids = {event["id"] for event, _ in items} if kind != "test" else set()
        delivered = [e for e in sent_events_of(self.store, subscription["id"], FEED_ENTRIES)
                     if e["id"] not in new_ids]
        fresh = [e for e, _ in items] if kind != "test" else []
        events = sorted(fresh + delivered, key=lambda e: e["id"], reverse=True)[:FEED_ENTRIES]
        title = (f"policywatch alerts: subscription #{subscription['id']} "
                 f"({describe_filters(subscription['filters'])})")
        data = atom_feed(events, title=title,
                         feed_id=f"tag:policywatch.invalid,2026:subscription/"
                                 f"{subscription['id']}",
                         public_url=self.settings.public_url)
        write_file_atomically(path, data)
        return f"wrote {path} ({len(events)} entries, world-readable)"

    def apprise(self, subscription: dict[str, Any], ids: list[int], attempt: int,
                items: Items, kind: str) -> str:
        from policywatch.alerts.push import send

        return send(subscription["target"], items, public_url=self.settings.public_url,
                    delivery_ids=ids, subscription_id=subscription["id"],
                    timeout=self.settings.webhook_timeout_s, event_kind=kind)

    def send(self, subscription: dict[str, Any], ids: list[int], attempt: int,
             items: Items, kind: str) -> str:
        channel = subscription["channel"]
        if channel not in CHANNELS:
            raise DeliveryFailed(f"unknown channel {channel!r}")
        return getattr(self, channel)(subscription, ids, attempt, items, kind)


def describe_channel(subscription: dict[str, Any], *, public: bool = False) -> str:
    """``webhook https://x.org/h?k=ab…12 (subscription #3)``: credentials masked."""
    target = mask_target(subscription["channel"], subscription["target"], public=public)
    return f"{subscription['channel']} {target} (subscription #{subscription['id']})"


def _smtp_cache(smtp: SmtpSettings | None) -> Callable[[], SmtpSettings]:
    cached: list[SmtpSettings] = [smtp] if smtp else []

    def smtp_once() -> SmtpSettings:
        if not cached:
            cached.append(smtp_settings())
        return cached[0]

    return smtp_once


def deliver_pending(store: Store, *, settings: AlertSettings | None = None,
                    smtp: SmtpSettings | None = None, now: datetime | None = None,
                    ignore_backoff: bool = False, report: NotifyReport | None = None
                    ) -> NotifyReport:
    """Send every due delivery; record each outcome; return the counts.

    Args:
        store: the open store.
        settings: retry backoff and attempts, webhook timeout, public URL for diff links.
        smtp: SMTP settings (read from the config file and environment when needed).
        now: the current time (tests move it forward to pass a backoff).
        ignore_backoff: retry failed deliveries now rather than at their next attempt.
        report: add to this report instead of a new one.
    """
    settings = settings or alert_settings()
    moment = now or datetime.now(UTC)
    report = report or NotifyReport()
    sender = _Sender(store, settings, _smtp_cache(smtp), report)
    owner = uuid.uuid4().hex  # this run, in the lease of every row it claims

    def lease_end() -> str:
        # Time passes while a run sends (unless the caller fixed the clock).
        return stamp((now or datetime.now(UTC)) + LEASE)

    # One subscription at a time, each claimed just before its sends and its lease renewed
    # before every message: a backlog that takes longer to send than the lease never lets
    # a second run claim rows this run is still going to send.
    for subscription_id in due_subscription_ids(store, stamp(moment),
                                                ignore_backoff=ignore_backoff):
        group = claim_due_deliveries(store, stamp(moment), lease_end(),
                                     ignore_backoff=ignore_backoff, owner=owner,
                                     subscription_id=subscription_id)
        if group:
            try:
                _deliver_group(store, sender, settings, report, moment, owner, lease_end,
                               subscription_id, group)
            finally:
                release(store, [r["id"] for r in group], owner)
    return report


def _deliver_group(store: Store, sender: _Sender, settings: AlertSettings,
                   report: NotifyReport, moment: datetime, owner: str,
                   lease_end: Callable[[], str], subscription_id: int,
                   group: list[dict[str, Any]]) -> None:
    """Send one subscription's claimed rows: one message each, or one digest."""
    subscription = get_subscription(store, subscription_id)
    if subscription is None:
        return
    events = {e["id"]: e for e in events_by_ids(store, [r["event_id"] for r in group])}
    remaining = list(group)
    items = [(events[r["event_id"]],
              explain_match(subscription["filters"], events[r["event_id"]]) or {})
             for r in group]
    together = subscription["digest"] or subscription["channel"] == "feed"
    batches = [list(range(len(group)))] if together else [[i] for i in range(len(group))]
    for batch in batches:
        # Renewing every row still to send keeps the whole group ours for another lease
        # while messages go out; a row we no longer hold went to another run, which sends it.
        held = renew_leases(store, [r["id"] for r in remaining], owner, lease_end())
        remaining = [r for r in remaining if r["id"] in held]
        batch = [i for i in batch if group[i]["id"] in held]
        if not batch:
            continue
        batch_rows = [group[i] for i in batch]
        batch_items = [items[i] for i in batch]
        kind = "digest" if len(batch) > 1 or subscription["digest"] else \
            batch_items[0][0]["type"]
        try:
            sender.send(subscription, [r["id"] for r in batch_rows],
                        max(r["attempts"] for r in batch_rows) + 1, batch_items, kind)
        except DeliveryFailed as exc:
            _record_failure(store, report, settings, moment, subscription,
                            batch_rows, remaining, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the row
            _record_failure(store, report, settings, moment, subscription,
                            batch_rows, remaining,
                            f"internal error: {type(exc).__name__}: {exc}")
            return
        mark_sent(store, [r["id"] for r in batch_rows], stamp(moment))
        report.sent += len(batch_rows)
        report.messages += 1
        sent = {r["id"] for r in batch_rows}
        remaining = [r for r in remaining if r["id"] not in sent]


def _record_failure(store: Store, report: NotifyReport, settings: AlertSettings,
                    moment: datetime, subscription: dict[str, Any],
                    failed_rows: list[dict[str, Any]], remaining: list[dict[str, Any]],
                    error: str) -> None:
    # Errors are stored and shown: never with a credential of the target in them.
    error = redact(error, subscription["channel"], subscription["target"])
    attempts = max(r["attempts"] for r in failed_rows) + 1
    retry_at = stamp(moment + timedelta(seconds=backoff_seconds(
        attempts, settings.retry_base_s, settings.retry_max_s)))
    failed_ids = {r["id"] for r in failed_rows}
    dying = {r["id"] for r in failed_rows if r["attempts"] + 1 >= max(settings.max_attempts, 1)}
    mark_dead(store, dying, error, stamp(moment))
    mark_failed(store, failed_ids - dying, error, retry_at)
    rest = [r["id"] for r in remaining if r["id"] not in failed_ids]
    defer(store, rest, f"deferred: {error}", retry_at)
    report.failed += len(failed_ids - dying)
    report.dead += len(dying)
    report.deferred += len(rest)
    report.problems.append({
        "subscription_id": subscription["id"], "channel": subscription["channel"],
        "target": mask_target(subscription["channel"], subscription["target"]),
        "error": error, "retry_at": retry_at, "waiting": len(failed_ids - dying) + len(rest),
        "dead": len(dying), "attempts": attempts, "description": describe_channel(subscription)})


def send_test(store: Store, subscription: dict[str, Any], *,
              settings: AlertSettings | None = None, smtp: SmtpSettings | None = None
              ) -> str:
    """Send the sample alert through a subscription's channel now (``subscribe --test``,
    ``test-channel``); nothing is recorded. Returns what the channel answered.

    Raises:
        DeliveryFailed: the channel did not take it; the message says why.
    """
    from policywatch.alerts.messages import sample_event

    settings = settings or alert_settings()
    report = NotifyReport()
    sender = _Sender(store, settings, _smtp_cache(smtp), report)
    sample = sample_event(subscription.get("id"))
    try:
        answer = sender.send(subscription, [], 1, [(sample, None)], "test")
    except DeliveryFailed as exc:
        raise DeliveryFailed(redact(str(exc), subscription["channel"],
                                    subscription["target"])) from None
    answer = redact(answer, subscription["channel"], subscription["target"])
    return "; ".join([answer, *report.warnings])


def notify(store: Store, *, settings: AlertSettings | None = None,
           smtp: SmtpSettings | None = None, now: datetime | None = None,
           today: date | None = None, ignore_backoff: bool = False,
           derive: bool = True, retry_dead: bool = False) -> NotifyReport:
    """Derive new events, match them to subscriptions, deliver what is due.

    Never raises for a channel that is down: the report's ``problems`` say which one and
    when it will be retried (or that a delivery is dead after ``max_attempts``).

    Args:
        retry_dead: give every dead delivery of an active subscription one more attempt.
    """
    from policywatch.alerts.events import derive_events

    settings = settings or alert_settings()
    new_events = derive_events(store, settings=settings, today=today) if derive else []
    queued = match_subscriptions(store)
    report = NotifyReport(new_events=len(new_events), queued=queued)
    if retry_dead:
        report.revived = revive_dead(store)
    deliver_pending(store, settings=settings, smtp=smtp, now=now,
                    ignore_backoff=ignore_backoff, report=report)
    report.totals = delivery_counts(store)
    return report
