"""Alerts in the store: events, subscriptions and deliveries.

The store keeps what the alert stage decided and the bookkeeping that makes delivery
exactly-once: one ``deliveries`` row per (subscription, event), claimed by a lease while a
``notify`` run sends it, ``sent`` for good once a channel took it.

A delivery is ``pending`` (never tried, or put off because its channel failed on an
earlier row of the same run: *deferred*, it has an error but no attempt of its own),
``failed`` (tried and retried from ``next_attempt_at``), ``sent`` or ``dead`` (failed
``[alerts] max_attempts`` times; retried only when asked). How events are derived,
matched and sent lives in :mod:`policywatch.alerts`; nothing here imports it.

Timestamps are the store's ISO strings (``2026-11-25T12:00:00Z``), which sort as text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from policywatch.store.db import Store
from policywatch.store.timeutil import utc_now

EVENT_JSON = ("notice_ids", "payload")
DELIVERY_STATES = ("pending", "sent", "failed", "dead")
#: What ``notify`` and ``alerts`` count, in the order they print it: ``deferred`` is a
#: pending delivery with an error (its channel failed on another row of the same run).
COUNT_KEYS = ("sent", "failed", "deferred", "pending", "dead")
DUE_STATES = ("pending", "failed")


def _decode_event(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["notice_ids"] = json.loads(row["notice_ids"] or "[]")
    row["payload"] = json.loads(row["payload"] or "{}")
    return row


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# -- events ------------------------------------------------------------------------------
def save_event(store: Store, event: dict[str, Any]) -> int | None:
    """Record an event unless its ``dedup_key`` exists; return the new id, or None.

    ``event`` has ``type``, ``dedup_key``, ``title``, ``notice_ids`` (list), ``measure_id``,
    ``change_id``, ``source_id``, ``summary_zh``, ``summary_en``, ``diff_path``, ``payload``
    (dict) and ``producer``.
    """
    row = {
        "type": event["type"],
        "dedup_key": event["dedup_key"],
        "title": event.get("title"),
        "notice_ids": _dumps(list(event.get("notice_ids") or [])),
        "measure_id": event.get("measure_id"),
        "change_id": event.get("change_id"),
        "source_id": event.get("source_id"),
        "summary_zh": event.get("summary_zh"),
        "summary_en": event.get("summary_en"),
        "diff_path": event.get("diff_path"),
        "payload": _dumps(event.get("payload") or {}),
        "producer": event.get("producer"),
        "created_at": event.get("created_at") or utc_now(),
    }
    db = store.db
    with db.atomic():
        cursor = db.conn.execute(
            f"insert or ignore into events ({', '.join(row)}) values "
            f"({', '.join('?' * len(row))})", list(row.values()))
    return int(cursor.lastrowid) if cursor.rowcount else None


def events_by_ids(store: Store, event_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Events with these ids, oldest first, JSON decoded."""
    ids = list(event_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [_decode_event(r) for r in store.db.query(
        f"select * from events where id in ({marks}) order by id", ids)]


def events_after(store: Store, event_id: int, limit: int | None = None
                 ) -> list[dict[str, Any]]:
    """Events with an id above ``event_id``, oldest first, JSON decoded."""
    sql = "select * from events where id > ? order by id"
    params: list[Any] = [event_id]
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return [_decode_event(r) for r in store.db.query(sql, params)]


def recent_events(store: Store, limit: int = 50, types: Iterable[str] | None = None
                  ) -> list[dict[str, Any]]:
    """The latest events, newest first, JSON decoded, each with its delivery counts."""
    sql = "select * from events"
    params: list[Any] = []
    chosen = list(types or [])
    if chosen:
        sql += f" where type in ({','.join('?' * len(chosen))})"
        params += chosen
    sql += " order by id desc limit ?"
    params.append(limit)
    events = [_decode_event(r) for r in store.db.query(sql, params)]
    if events:
        marks = ",".join("?" * len(events))
        counts: dict[int, dict[str, int]] = {}
        for row in store.db.query(
                f"select event_id, status, count(*) as n from deliveries where event_id in "
                f"({marks}) group by event_id, status", [e["id"] for e in events]):
            counts.setdefault(row["event_id"], {})[row["status"]] = row["n"]
        for event in events:
            event["deliveries"] = counts.get(event["id"], {})
    return events


def last_event_id(store: Store) -> int:
    """The highest event id (0 when there is none)."""
    return int(store.db.execute("select coalesce(max(id), 0) from events").fetchone()[0])


# -- subscriptions -----------------------------------------------------------------------
def add_subscription(store: Store, *, channel: str, target: str | None,
                     filters: dict[str, Any], secret: str | None = None,
                     secret_env: str | None = None, digest: bool = False,
                     name: str | None = None, backfill: bool = False,
                     target_for_id: Callable[[int], str] | None = None) -> int:
    """Create an active subscription and return its id.

    Without ``backfill`` it concerns only events recorded after it was created. With
    ``target_for_id`` the target is made from the new id (a feed file per subscription),
    in the same transaction.
    """
    with store.db.atomic():  # the last event id and the insert, with no event in between
        since = 0 if backfill else last_event_id(store)
        cursor = store.db.conn.execute(
            "insert into subscriptions (name, filters, channel, target, secret, secret_env, "
            "digest, active, since_event_id, last_event_id, created_at) values "
            "(?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
            [name, _dumps(filters), channel, target, secret, secret_env, int(digest), since,
             since, utc_now()])
        subscription_id = int(cursor.lastrowid)
        if target_for_id is not None:
            store.db.conn.execute("update subscriptions set target = ? where id = ?",
                                  [target_for_id(subscription_id), subscription_id])
    return subscription_id


def update_subscription_channel(store: Store, subscription_id: int, *, channel: str,
                                target: str, secret: str | None = None,
                                secret_env: str | None = None) -> int:
    """Send an active subscription's alerts somewhere else (a receiver that moved, a key
    that changed); its filters and history stay. Every delivery not sent yet (failed,
    deferred, dead) starts afresh: due at the next ``notify``, attempts counted from zero.

    Returns:
        How many undelivered deliveries are due again.

    Raises:
        KeyError: no active subscription has this id.
    """
    with store.db.atomic():
        cursor = store.db.conn.execute(
            "update subscriptions set channel = ?, target = ?, secret = ?, secret_env = ?, "
            "updated_at = ? where id = ? and active = 1",
            [channel, target, secret, secret_env, utc_now(), subscription_id])
        if not cursor.rowcount:
            raise KeyError(subscription_id)
        revived = store.db.conn.execute(
            "update deliveries set status = 'pending', attempts = 0, next_attempt_at = null, "
            "last_error = null, dead_at = null, lease_until = null "
            "where subscription_id = ? and status != 'sent'", [subscription_id])
    return int(revived.rowcount)


def subscriptions_writing(store: Store, target: str, *, exclude: int | None = None
                          ) -> list[int]:
    """Active feed subscriptions that write the file ``target`` (oldest first)."""
    return [row[0] for row in store.db.execute(
        "select id from subscriptions where channel = 'feed' and active = 1 and target = ? "
        "and id != ? order by id", [target, exclude if exclude is not None else -1])]


def _decode_subscription(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["filters"] = json.loads(row["filters"] or "{}")
    row["digest"] = bool(row["digest"])
    row["active"] = bool(row["active"])
    return row


def get_subscription(store: Store, subscription_id: int) -> dict[str, Any] | None:
    """One subscription, filters decoded, or None."""
    rows = list(store.db.query("select * from subscriptions where id = ?", [subscription_id]))
    return _decode_subscription(rows[0]) if rows else None


def list_subscriptions(store: Store, *, active_only: bool = True) -> list[dict[str, Any]]:
    """Subscriptions, oldest first, with their delivery counts by status."""
    where = "where active = 1 " if active_only else ""
    subscriptions = [_decode_subscription(r) for r in store.db.query(
        f"select * from subscriptions {where}order by id")]
    counts: dict[int, dict[str, int]] = {}
    for row in store.db.query("select subscription_id, status, count(*) as n from deliveries "
                              "group by subscription_id, status"):
        counts.setdefault(row["subscription_id"], {})[row["status"]] = row["n"]
    for subscription in subscriptions:
        subscription["deliveries"] = counts.get(subscription["id"], {})
    return subscriptions


def deactivate_subscription(store: Store, subscription_id: int) -> bool:
    """Stop a subscription (its delivery history stays); False when there is no such one."""
    with store.db.atomic():
        cursor = store.db.conn.execute(
            "update subscriptions set active = 0 where id = ? and active = 1", [subscription_id])
    return bool(cursor.rowcount)


def delete_unused_subscription(store: Store, subscription_id: int) -> None:
    """Take back a subscription that never had a delivery (``subscribe --test`` whose sample
    did not arrive); one that has deliveries is only stopped, its history kept."""
    with store.db.atomic():
        cursor = store.db.conn.execute(
            "delete from subscriptions where id = ? and not exists "
            "(select 1 from deliveries where subscription_id = ?)",
            [subscription_id, subscription_id])
    if not cursor.rowcount:
        deactivate_subscription(store, subscription_id)


# -- deliveries --------------------------------------------------------------------------
def queue_deliveries(store: Store, subscription_id: int, event_ids: Iterable[int],
                     matched_through: int) -> int:
    """Add pending deliveries (ignoring pairs that exist) and move the subscription's
    matched-through mark, in one transaction; return how many rows were added."""
    now = utc_now()
    added = 0
    with store.db.atomic():
        for event_id in event_ids:
            cursor = store.db.conn.execute(
                "insert or ignore into deliveries (subscription_id, event_id, status, attempts, "
                "next_attempt_at, created_at) values (?, ?, 'pending', 0, null, ?)",
                [subscription_id, event_id, now])
            added += cursor.rowcount
        store.db.conn.execute(
            "update subscriptions set last_event_id = max(coalesce(last_event_id, 0), ?) "
            "where id = ?", [matched_through, subscription_id])
    return added


def _due_condition(ignore_backoff: bool) -> str:
    backoff = "" if ignore_backoff else ("and (d.next_attempt_at is null or "
                                         "d.next_attempt_at <= :now) ")
    return ("s.active = 1 and d.status in ('pending', 'failed') " + backoff +
            "and (d.lease_until is null or d.lease_until <= :now)")


def due_subscription_ids(store: Store, now: str, *, ignore_backoff: bool = False
                         ) -> list[int]:
    """Active subscriptions that have a delivery due and not leased, oldest first."""
    return [row[0] for row in store.db.execute(
        "select distinct d.subscription_id from deliveries d join subscriptions s on "
        f"s.id = d.subscription_id where {_due_condition(ignore_backoff)} "
        "order by d.subscription_id", {"now": now})]


def claim_due_deliveries(store: Store, now: str, lease_until: str, *,
                         ignore_backoff: bool = False, owner: str | None = None,
                         subscription_id: int | None = None) -> list[dict[str, Any]]:
    """Lease the due deliveries (of one subscription, or all) to run ``owner``; return them.

    Due: pending or failed (never sent, never dead), of an active subscription, not leased
    by another run (or its lease has run out), and ``next_attempt_at`` reached (or any
    time with ``ignore_backoff``). One ``UPDATE ... RETURNING`` in an immediate
    transaction claims them, so two ``notify`` runs never claim the same row. Rows come
    back oldest event first.
    """
    which = "" if subscription_id is None else "and d.subscription_id = :subscription "
    with store.db.atomic():
        claimed = [r[0] for r in store.db.conn.execute(
            "update deliveries set lease_until = :until, lease_owner = :owner where id in "
            "(select d.id from deliveries d join subscriptions s on s.id = d.subscription_id "
            f"where {_due_condition(ignore_backoff)} {which}) returning id",
            {"until": lease_until, "owner": owner, "now": now,
             "subscription": subscription_id}).fetchall()]
    if not claimed:
        return []
    marks = ",".join("?" * len(claimed))
    return list(store.db.query(
        f"select * from deliveries where id in ({marks}) order by subscription_id, event_id",
        claimed))


def renew_leases(store: Store, delivery_ids: Iterable[int], owner: str, lease_until: str
                 ) -> set[int]:
    """Extend run ``owner``'s leases on these deliveries; return the ids it still holds.

    A row is held while the lease is ours and it is not sent: if our lease ran out and
    another run claimed the row, it is that run's now and we must not send it. (A lease
    that ran out on a row nobody claimed since is simply ours again.)
    """
    ids = list(delivery_ids)
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    with store.db.atomic():
        return {row[0] for row in store.db.conn.execute(
            f"update deliveries set lease_until = ? where id in ({marks}) and lease_owner = ? "
            "and status in ('pending', 'failed') returning id",
            [lease_until, *ids, owner]).fetchall()}


def mark_sent(store: Store, delivery_ids: Iterable[int], sent_at: str | None = None) -> None:
    """Record deliveries as sent (for good) and release their lease."""
    ids = list(delivery_ids)
    if not ids:
        return
    when = sent_at or utc_now()
    with store.db.atomic():
        store.db.conn.executemany(
            "update deliveries set status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "last_error = null, lease_until = null, lease_owner = null where id = ?",
            [(when, i) for i in ids])


def mark_failed(store: Store, delivery_ids: Iterable[int], error: str, next_attempt_at: str
                ) -> None:
    """Record a failed attempt: ``failed``, one more attempt, retry from ``next_attempt_at``."""
    with store.db.atomic():
        store.db.conn.executemany(
            "update deliveries set status = 'failed', attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = ?, lease_until = null where id = ? and status != 'sent'",
            [(error[:2000], next_attempt_at, i) for i in delivery_ids])


def mark_dead(store: Store, delivery_ids: Iterable[int], error: str, dead_at: str) -> None:
    """Record a last failed attempt: ``dead``, retried only by ``notify --retry-dead``."""
    with store.db.atomic():
        store.db.conn.executemany(
            "update deliveries set status = 'dead', attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = null, dead_at = ?, lease_until = null "
            "where id = ? and status != 'sent'",
            [(error[:2000], dead_at, i) for i in delivery_ids])


def revive_dead(store: Store) -> int:
    """Make the dead deliveries of active subscriptions due now, for one more attempt each
    (a failure makes them dead again); return how many."""
    with store.db.atomic():
        cursor = store.db.conn.execute(
            "update deliveries set status = 'failed', next_attempt_at = null, dead_at = null "
            "where status = 'dead' and subscription_id in "
            "(select id from subscriptions where active = 1)")
    return int(cursor.rowcount)


def defer(store: Store, delivery_ids: Iterable[int], reason: str, next_attempt_at: str) -> None:
    """Put deliveries off without an attempt (their channel failed earlier in this run)."""
    with store.db.atomic():
        store.db.conn.executemany(
            "update deliveries set last_error = ?, next_attempt_at = ?, lease_until = null "
            "where id = ? and status != 'sent'",
            [(reason[:2000], next_attempt_at, i) for i in delivery_ids])


def release(store: Store, delivery_ids: Iterable[int], owner: str | None = None) -> None:
    """Give leased deliveries back untouched (a run that stopped before sending them).

    With ``owner``, only the rows that run still holds: a row another run claimed after
    our lease ran out keeps that run's lease.
    """
    mine = "" if owner is None else "and lease_owner = ? "
    with store.db.atomic():
        store.db.conn.executemany(
            f"update deliveries set lease_until = null, lease_owner = null where id = ? {mine}"
            "and status != 'sent'",
            [(i,) if owner is None else (i, owner) for i in delivery_ids])


def delivery_failures(store: Store, limit: int | None = 50) -> list[dict[str, Any]]:
    """Deliveries not sent that have an error (failed, deferred, dead), newest error first,
    with their channel and target (raw: callers mask it)."""
    sql = ("select d.id, d.subscription_id, d.event_id, d.status, d.attempts, "
           "d.next_attempt_at, d.dead_at, d.last_error, s.channel, s.target, "
           "e.type as event_type, e.title as event_title from deliveries d join subscriptions s "
           "on s.id = d.subscription_id join events e on e.id = d.event_id where "
           "d.status != 'sent' and d.last_error is not null "
           "order by coalesce(d.dead_at, d.next_attempt_at) desc, d.id desc")
    params: list[Any] = []
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return list(store.db.query(sql, params))


def delivery_counts(store: Store) -> dict[str, int]:
    """Deliveries by what ``notify`` and ``alerts`` call them (:data:`COUNT_KEYS`): ``sent``,
    ``failed``, ``deferred`` (pending with an error), ``pending`` (not tried yet), ``dead``.
    The failed, deferred and dead ones are exactly the rows :func:`delivery_failures`
    lists."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for status, has_error, n in store.db.execute(
            "select status, last_error is not null, count(*) from deliveries "
            "group by status, last_error is not null").fetchall():
        key = "deferred" if status == "pending" and has_error else status
        counts[key] = counts.get(key, 0) + n
    return counts


def sent_events_of(store: Store, subscription_id: int, limit: int = 100
                   ) -> list[dict[str, Any]]:
    """Events already delivered to a subscription, newest first (for its feed file)."""
    return [_decode_event(r) for r in store.db.query(
        "select e.* from deliveries d join events e on e.id = d.event_id where "
        "d.subscription_id = ? and d.status = 'sent' order by e.id desc limit ?",
        [subscription_id, limit])]


# -- work not processed yet --------------------------------------------------------------
def unprocessed_counts(store: Store) -> dict[str, int]:
    """What ``policywatch process`` has not seen yet: versions without any extraction and
    notices never linked or linked before their latest version. Events come from those
    stages, so ``notify`` processes first when either is above zero."""
    versions = store.db.execute(
        "select count(*) from versions v where not exists "
        "(select 1 from extractions e where e.version_id = v.id)").fetchone()[0]
    notices = store.db.execute(
        "select count(*) from notices n join versions v on v.id = n.latest_version_id "
        "left join lineage_notices l on l.notice_id = n.id where n.kind in ('page', 'file') "
        "and (l.notice_id is null or l.linked_at < v.fetched_at)").fetchone()[0]
    return {"versions": int(versions), "notices": int(notices)}
