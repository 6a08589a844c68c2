"""What the eligibility check reads and keeps: versions of measures with their extraction,
attachments, stated repeals, and the profiles of ``subscribe --profile`` subscriptions.

The store does not know how eligibility is decided (:mod:`policywatch.eligibility` does);
it hands out rows and keeps a subscription's profile as JSON (migration m011).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from policywatch.store.db import Store


def _marks(values: list[Any]) -> str:
    return ",".join("?" * len(values)) or "null"


def measure_version_rows(store: Store) -> list[dict[str, Any]]:
    """Every version of every linked page or file notice, oldest first, with its measure,
    its source's region and language, and its latest extraction (id, kind, dates)."""
    rows = list(store.db.query(
        "select v.id as version_id, v.notice_id, m.measure_id, n.latest_version_id, "
        "n.source_id, s.region, coalesce(v.language, s.language) as language, v.title, "
        "v.doc_number, v.issuer, v.published_date, v.written_date, v.fetched_at, "
        "e.id as extraction_id, e.kind, e.dates from versions v "
        "join notices n on n.id = v.notice_id "
        "join notice_measures m on m.notice_id = n.id "
        "left join sources s on s.id = n.source_id "
        "left join extractions e on e.id = (select max(x.id) from extractions x "
        "where x.version_id = v.id) "
        "where n.kind in ('page', 'file') order by v.notice_id, v.id"))
    for row in rows:
        row["dates"] = json.loads(row["dates"]) if row["dates"] else {}
    return rows


def attachment_extractions(store: Store, version_ids: Iterable[int]
                           ) -> dict[int, list[dict[str, Any]]]:
    """The attachments of each version: the attachment notice, its latest version and that
    version's latest extraction (id and kind); ``{parent version id: [rows]}``."""
    ids = list(version_ids)
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    for row in store.db.query(
            "select a.version_id as parent_version_id, a.notice_id, n.latest_version_id as "
            "version_id, e.id as extraction_id, e.kind from attachments a "
            "join notices n on n.id = a.notice_id "
            "left join extractions e on e.id = (select max(x.id) from extractions x "
            "where x.version_id = n.latest_version_id) "
            f"where a.version_id in ({_marks(ids)}) order by a.version_id, a.position, a.id",
            ids):
        found.setdefault(row["parent_version_id"], []).append(row)
    return found


def criteria_by_extraction(store: Store, extraction_ids: Iterable[int]
                           ) -> dict[int, list[dict[str, Any]]]:
    """The criteria of each extraction in document order, conditions decoded."""
    ids = sorted({int(i) for i in extraction_ids if i is not None})
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    for row in store.db.query(
            "select extraction_id, version_id, tier, metric, op, value, unit, period, "
            "condition, text, clause_id as clause from criteria "
            f"where extraction_id in ({_marks(ids)}) order by extraction_id, id", ids):
        row["condition"] = json.loads(row["condition"]) if row["condition"] else None
        found.setdefault(row["extraction_id"], []).append(row)
    return found


def stated_repeals(store: Store) -> list[dict[str, Any]]:
    """Changes whose new version states its own repeal: the notice, the repeal (date,
    successor, words) and the new version's publication date."""
    rows = list(store.db.query(
        "select c.new_version_id, v.notice_id, c.repeal, v.published_date, v.fetched_at "
        "from changes c join versions v on v.id = c.new_version_id "
        "where c.repeal is not null order by c.id"))
    for row in rows:
        row["repeal"] = json.loads(row["repeal"])
    return rows


def last_version_id(store: Store) -> int:
    """The highest version id (0 when there is none)."""
    return int(store.db.execute("select coalesce(max(id), 0) from versions").fetchone()[0])


# -- profile subscriptions ---------------------------------------------------------------
def set_subscription_profile(store: Store, subscription_id: int, profile: dict[str, Any],
                             since_version_id: int, filters: dict[str, Any]) -> None:
    """Keep a company profile on a subscription, with the filters that name it and the
    highest version id it has seen (only versions after it can flip a status for it).

    Raises:
        KeyError: no subscription has this id.
    """
    with store.db.conn:
        cursor = store.db.conn.execute(
            "update subscriptions set profile = ?, profile_since_version_id = ?, filters = ? "
            "where id = ?",
            [json.dumps(profile, ensure_ascii=False, sort_keys=True), since_version_id,
             json.dumps(filters, ensure_ascii=False, sort_keys=True), subscription_id])
    if not cursor.rowcount:
        raise KeyError(subscription_id)


def profile_subscriptions(store: Store) -> list[dict[str, Any]]:
    """Active subscriptions that hold a profile, oldest first, profile and filters decoded."""
    rows = list(store.db.query(
        "select id, name, filters, profile, profile_since_version_id from subscriptions "
        "where active = 1 and profile is not null order by id"))
    for row in rows:
        row["profile"] = json.loads(row["profile"])
        row["filters"] = json.loads(row["filters"] or "{}")
    return rows


def change_between(store: Store, old_version_id: int, new_version_id: int) -> int | None:
    """The id of the recorded change from one version to another, if there is one."""
    row = store.db.execute("select id from changes where old_version_id = ? and "
                           "new_version_id = ?", [old_version_id, new_version_id]).fetchone()
    return int(row[0]) if row else None
