"""The catalogue of notices: listing them with their latest metadata, and removing one.

Listing reads what the stages left (latest version, extraction, search document, measure);
removal deletes a notice and every row derived from it, across all stages, in one
transaction, so nothing half-removed is ever visible and search stops returning it at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policywatch.store.db import Store
from policywatch.store.errors import StoreError
from policywatch.store.search_index import remove_from_index


class NoticeNotFound(StoreError):
    """No notice has this id."""


@dataclass(frozen=True)
class NoticeFilters:
    """What ``policywatch notices`` narrows the list by; empty fields do not filter."""

    tiers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: str | None = None  # ISO date: published (or first seen) on or after
    include_attachments: bool = False


def list_notices(store: Store, filters: NoticeFilters | None = None,
                 limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Return notices with their latest version's metadata, newest publication first.

    Each row: ``notice_id``, ``version_id`` (the latest), ``versions`` (how many),
    ``source_id``, ``url``, ``title``, ``doc_number``, ``issuer``, ``published``,
    ``language``, ``kind`` (normative, notice, interpretation, news, list, form, other; None
    before ``process``), ``doc_type`` (what the title says: measures, standard, notice, ...),
    ``tiers`` (from the latest extraction), ``measure_id``.

    Args:
        store: the open store.
        filters: tiers (any of), sources (any of), kinds (any of), since (a date).
        limit: at most this many rows (None: all).
        offset: rows to skip, for paging.
    """
    filters = filters or NoticeFilters()
    where = [] if filters.include_attachments else ["n.kind != 'attachment'"]
    params: list[Any] = []
    if filters.sources:
        where.append(f"n.source_id in ({', '.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    if filters.kinds:
        marks = ", ".join("?" * len(filters.kinds))
        where.append(f"(d.doc_kind in ({marks}) or d.doc_type in ({marks}))")
        params.extend([*filters.kinds, *filters.kinds])
    if filters.since:
        where.append("coalesce(v.published_date, substr(n.first_seen_at, 1, 10)) >= ?")
        params.append(filters.since)
    if filters.tiers:
        where.append("exists (select 1 from json_each(e.tiers) t where t.value in "
                     f"({', '.join('?' * len(filters.tiers))}))")
        params.extend(filters.tiers)
    sql = (
        "select n.id as notice_id, n.latest_version_id as version_id, "
        "(select count(*) from versions c where c.notice_id = n.id) as versions, "
        "n.source_id, n.url, coalesce(v.title, n.title) as title, v.doc_number, v.issuer, "
        "v.published_date as published, v.language, coalesce(e.kind, d.doc_kind) as kind, "
        "coalesce(e.doc_type, d.doc_type) as doc_type, e.tiers, "
        "m.measure_id from notices n "
        "left join versions v on v.id = n.latest_version_id "
        "left join search_docs d on d.version_id = v.id "
        "left join notice_measures m on m.notice_id = n.id "
        "left join extractions e on e.id = (select max(x.id) from extractions x "
        "where x.version_id = v.id)"
    )
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by coalesce(v.published_date, '') desc, n.id desc"
    if limit is not None:
        sql += " limit ? offset ?"
        params.extend([limit, offset])
    rows = []
    for row in store.db.query(sql, params):
        row["tiers"] = json.loads(row["tiers"]) if row["tiers"] else []
        rows.append(row)
    return rows


def notice_exists(store: Store, notice_id: int) -> bool:
    """True when a notice has this id."""
    return bool(store.db.execute("select 1 from notices where id = ?", [notice_id]).fetchone())


def _ids(db: Any, sql: str, params: Sequence[Any]) -> list[int]:
    return [row[0] for row in db.execute(sql, list(params))]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def remove_notice(store: Store, notice_id: int) -> dict[str, int]:
    """Delete a notice and everything derived from it; return what went, per table.

    Goes: its versions and their extractions and criteria; its attachments, and the
    attachment notices no other notice names; its search passages (FTS rows and term
    statistics kept in step); lineage rows, edges to and from it and its measure
    membership; changes involving its versions; events that name it and their deliveries;
    raw blobs no remaining version refers to. Embeddings are a cache keyed by content and
    stay (another notice may hold the same text).

    Raises:
        NoticeNotFound: no notice has this id.
    """
    if not notice_exists(store, notice_id):
        raise NoticeNotFound(f"no notice {notice_id} (policywatch notices lists them)")
    db = store.db
    counts: dict[str, int] = {}
    with db.atomic():
        # Attachment notices that belong to this notice alone go with it.
        attached = _ids(db, "select distinct a.notice_id from attachments a "
                        "where a.version_id in (select id from versions where notice_id = ?) "
                        "and a.notice_id is not null and a.notice_id != ? and not exists "
                        "(select 1 from attachments b join versions w on w.id = b.version_id "
                        "where b.notice_id = a.notice_id and w.notice_id != ?)",
                        [notice_id, notice_id, notice_id])
        notice_ids = [notice_id, *attached]
        n_marks = _marks(notice_ids)
        version_ids = _ids(db, f"select id from versions where notice_id in ({n_marks})",
                           notice_ids)
        v_marks = _marks(version_ids) if version_ids else "null"
        blob_hashes = {row[0] for row in db.execute(
            f"select raw_sha256 from versions where notice_id in ({n_marks})", notice_ids)}
        counts["passages"] = remove_from_index(store, notice_ids)
        event_ids = _ids(db, "select distinct e.id from events e, json_each(e.notice_ids) j "
                         f"where j.value in ({n_marks})", notice_ids)
        if version_ids:
            event_ids += _ids(db, "select id from events where change_id in (select id from "
                              f"changes where old_version_id in ({v_marks}) or new_version_id "
                              f"in ({v_marks}))", version_ids * 2)
        event_ids = sorted(set(event_ids))
        steps: list[tuple[str, str, list[Any]]] = []
        if event_ids:
            e_marks = _marks(event_ids)
            steps += [("deliveries", f"event_id in ({e_marks})", event_ids),
                      ("events", f"id in ({e_marks})", event_ids)]
        if version_ids:
            steps += [
                ("changes", f"old_version_id in ({v_marks}) or new_version_id in ({v_marks})",
                 version_ids * 2),
                ("criteria", f"version_id in ({v_marks})", version_ids),
                ("extractions", f"version_id in ({v_marks})", version_ids),
                ("attachments", f"version_id in ({v_marks})", version_ids),
            ]
        steps += [
            ("attachments", f"notice_id in ({n_marks})", notice_ids),
            ("edges", f"source_notice_id in ({n_marks}) or target_notice_id in ({n_marks})",
             notice_ids * 2),
            ("lineage_references", f"notice_id in ({n_marks})", notice_ids),
            ("lineage_notices", f"notice_id in ({n_marks})", notice_ids),
            ("notice_measures", f"notice_id in ({n_marks})", notice_ids),
        ]
        db.execute(f"update notices set latest_version_id = null where id in ({n_marks})",
                   notice_ids)
        steps += [("versions", f"notice_id in ({n_marks})", notice_ids),
                  ("notices", f"id in ({n_marks})", notice_ids)]
        for table, where, params in steps:
            if table not in db.table_names():
                continue
            removed = db.execute(f"delete from {table} where {where}", params).rowcount
            counts[table] = counts.get(table, 0) + removed
        orphans = [digest for digest in blob_hashes if digest and not db.execute(
            "select 1 from versions where raw_sha256 = ? limit 1", [digest]).fetchone()]
        if orphans:
            db.execute(f"delete from blobs where sha256 in ({_marks(orphans)})", orphans)
    for digest in orphans:
        store.blobs.path_for(digest).unlink(missing_ok=True)
    counts["blobs"] = len(orphans)
    return {table: count for table, count in counts.items() if count}
