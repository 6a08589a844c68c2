"""When to look at a known page or attachment again: the revisit schedule.

Every notice the crawler stored (pages and attachments) carries ``next_check_at`` and
``unchanged_streak``. After each look the schedule sets the next one:

- a notice seen for the first time, or found unchanged, waits
  ``clamp(age / 10, min, max) * 1.5 ** streak`` (at most ``max``): a notice published a week
  ago is looked at again within a day, one published a year ago every two weeks, and each
  look that finds nothing new makes the wait half as long again (on the synthetic site of
  ``policywatch bench revisit``, 1.5 caught 29 of 42 revisions where doubling caught 21,
  for 6 % more requests);
- a notice found changed resets its streak and is looked at again after ``min``: pages that
  change tend to change again (a correction follows a revision).

``age`` runs from the notice's published date (an attachment's from its page's), else from
when the store first saw it. Each wait is spread by up to ±10 % (fixed per notice), so a
thousand pages stored in one run do not all fall due in the same later run. A notice never
scheduled (stored before the schedule existed) is due at once.

``min = 0`` (``[crawl] revisit = "0s"``) means every known notice is due on every run.
The ceilings (``max_per_run``, ``max_per_host``) are enforced by the crawler, which asks
:func:`due_for_revisit` for the most overdue notices first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlite_utils import Database

Outcome = Literal["new", "changed", "unchanged", "failed"]
TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"
AGE_DIVISOR = 10  # a notice is looked at about ten times per doubling of its age
GROWTH = 1.5  # each unchanged look makes the next wait this much longer
MAX_STEPS = 12
JITTER = 0.1


@dataclass(frozen=True)
class RevisitPolicy:
    """How often known notices are looked at again, and how many looks one run may make.

    Attributes:
        min_interval_s: the shortest wait (``[crawl] revisit``); 0 makes everything due on
            every run.
        max_interval_s: the longest wait (``[crawl] revisit_max``).
        max_per_run: at most this many requests for known pages and attachments per
            source and run (``[crawl] revisit_max_per_run``).
        max_per_host: at most this many of them per host (``[crawl] revisit_max_per_host``).
    """

    min_interval_s: int = 6 * 3600
    max_interval_s: int = 14 * 86400
    max_per_run: int = 500
    max_per_host: int = 200

    @property
    def everything(self) -> bool:
        """True when every known notice is due on every run (``revisit = "0s"``)."""
        return self.min_interval_s <= 0


def timestamp(moment: datetime) -> str:
    """The store's form of a UTC moment.

    >>> timestamp(datetime(2026, 1, 20, 6, 0, tzinfo=UTC))
    '2026-01-20T06:00:00Z'
    """
    return moment.astimezone(UTC).strftime(TIMESTAMP)


def parse_moment(text: str | None) -> datetime | None:
    """A store timestamp (``2026-01-20T06:00:00Z``) or ISO date (``2026-01-20``) as UTC.

    >>> parse_moment("2026-01-20").isoformat()
    '2026-01-20T00:00:00+00:00'
    >>> parse_moment("soon") is None
    True
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _spread(identity: str) -> float:
    """A factor in [0.9, 1.1], fixed per identity, that keeps due times apart."""
    digest = hashlib.sha256(identity.encode("utf-8")).digest()
    return 1 - JITTER + 2 * JITTER * (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF)


def revisit_interval(policy: RevisitPolicy, age_s: float, streak: int,
                     identity: str = "") -> int:
    """Seconds to wait before the next look at a notice ``age_s`` old, unchanged
    ``streak`` looks in a row.

    >>> policy = RevisitPolicy(min_interval_s=6 * 3600, max_interval_s=14 * 86400)
    >>> revisit_interval(policy, 2 * 86400, 0) / 3600        # two days old: the minimum
    6.0
    >>> revisit_interval(policy, 30 * 86400, 0) / 86400      # a month old: three days
    3.0
    >>> revisit_interval(policy, 30 * 86400, 2) / 86400      # ... unchanged twice: 6.75
    6.75
    >>> revisit_interval(policy, 400 * 86400, 0) / 86400     # older than 140 days: the maximum
    14.0
    """
    low, high = policy.min_interval_s, max(policy.max_interval_s, policy.min_interval_s)
    base = min(max(age_s / AGE_DIVISOR, low), high)
    wait = min(base * GROWTH ** min(max(streak, 0), MAX_STEPS), high)
    return int(wait * _spread(identity)) if identity else int(wait)


@dataclass
class DueNotice:
    """A known page or attachment whose time has come, with what a request for it needs."""

    notice_id: int
    kind: str  # page | attachment
    url: str
    next_check_at: str | None
    parent_url: str | None = None  # attachments: the page that links the file
    name: str | None = None
    position: int = 0
    list_url: str | None = None  # pages: the list they were found on
    listing: dict[str, Any] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def _age_basis(db: Database, notice_id: int) -> tuple[str | None, str | None]:
    """(published date, first seen) of a notice; an attachment's date is its page's."""
    row = db.execute(
        "select coalesce(v.published_date, (select pv.published_date from attachments a "
        "join versions pv on pv.id = a.version_id where a.notice_id = n.id "
        "order by a.version_id desc limit 1)), n.first_seen_at from notices n "
        "left join versions v on v.id = n.latest_version_id where n.id = ?",
        [notice_id]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def record_check(db: Database, identity: str, outcome: Outcome, now: datetime,
                 policy: RevisitPolicy, *, commit: bool = True) -> str | None:
    """Schedule the next look at the notice with ``identity`` after one at ``now``.

    ``new`` and ``changed`` reset the streak (``changed`` also waits only the minimum);
    ``unchanged`` (a 304 or the same content) and ``failed`` (a 404, a timeout) lengthen
    the wait. Returns the new ``next_check_at`` (None when no notice has the identity).
    """
    row = db.execute("select id, coalesce(unchanged_streak, 0) from notices "
                     "where identity = ?", [identity]).fetchone()
    if row is None:
        return None
    notice_id, streak = row
    if outcome == "changed":
        streak, wait = 0, policy.min_interval_s
    else:
        streak = 0 if outcome == "new" else streak + 1
        published, first_seen = _age_basis(db, notice_id)
        born = parse_moment(published) or parse_moment(first_seen) or now
        age_s = max((now - born).total_seconds(), 0.0)
        # A new notice waits its base interval; each unchanged look lengthens it.
        wait = revisit_interval(policy, age_s, streak, identity)
    next_at = timestamp(now + timedelta(seconds=wait))
    db.execute("update notices set next_check_at = ?, unchanged_streak = ?, "
               "last_checked_at = ? where id = ?",
               [next_at, streak, timestamp(now), notice_id])
    if commit:
        db.conn.commit()
    return next_at


def is_due(next_check_at: str | None, now: datetime) -> bool:
    """True when a notice scheduled for ``next_check_at`` should be looked at ``now``.

    >>> is_due(None, datetime(2026, 1, 1, tzinfo=UTC))
    True
    >>> is_due("2026-01-02T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC))
    False
    """
    return next_check_at is None or next_check_at <= timestamp(now)


def due_for_revisit(db: Database, source_id: str, now: datetime, policy: RevisitPolicy,
                    *, everything: bool = False, ceilings: bool = True) -> list[DueNotice]:
    """The known pages and attachments of a source to look at in a run at ``now``.

    Most overdue first (never scheduled before all), at most ``max_per_run`` in all and
    ``max_per_host`` per host (unless ``ceilings`` is False). An attachment is revisited
    only while its page's latest version still links it.

    Args:
        db: the store's database.
        source_id: the source (spider) name.
        now: the run's clock.
        policy: the schedule and ceilings.
        everything: every known notice is due (``revisit = "0s"``, ``crawl --refresh``).
        ceilings: apply ``max_per_run`` and ``max_per_host``.
    """
    where = "" if everything or policy.everything else \
        "and (n.next_check_at is null or n.next_check_at <= ?)"
    params: list[Any] = [source_id] + ([] if where == "" else [timestamp(now)])
    rows = db.execute(
        "select n.id, n.kind, n.url, n.next_check_at, v.metadata from notices n "
        "left join versions v on v.id = n.latest_version_id "
        "where n.source_id = ? and n.kind in ('page', 'attachment') and n.url is not null "
        f"{where} order by coalesce(n.next_check_at, ''), n.id", params).fetchall()
    chosen: list[DueNotice] = []
    per_host: dict[str, int] = {}
    for notice_id, kind, url, next_at, metadata in rows:
        item = DueNotice(notice_id, kind, url, next_at)
        if kind == "attachment":
            parent = db.execute(
                "select p.url, a.name, a.position from attachments a "
                "join notices p on p.latest_version_id = a.version_id "
                "where a.notice_id = ? order by a.version_id desc limit 1",
                [notice_id]).fetchone()
            if parent is None or not parent[0]:
                continue  # no page links it any more: nothing to attach a new version to
            item.parent_url, item.name, item.position = parent[0], parent[1], parent[2] or 0
        else:
            stored = json.loads(metadata or "{}")
            item.list_url = stored.get("list_url")
            item.listing = stored.get("listing") or {}
        if ceilings:
            if len(chosen) >= policy.max_per_run:
                break
            if per_host.get(item.host, 0) >= policy.max_per_host:
                continue
        per_host[item.host] = per_host.get(item.host, 0) + 1
        chosen.append(item)
    return chosen
