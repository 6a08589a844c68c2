"""Lineage in the store: the candidate index, edges, measures and changes.

The store keeps what the linking stage decided; it knows nothing of how (no ``nlp``
import). Candidate retrieval is index lookups (document numbers, title keys, references),
so linking one new notice never scans the corpus pairwise.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from policywatch.store.db import Store
from policywatch.store.doc_numbers import is_doc_number
from policywatch.store.timeutil import utc_now

VERSION_EDGES = ("supersedes", "amends", "translation_of", "same_as")


def notices_pending_linking(store: Store, linker: str) -> list[int]:
    """Page notices never linked by ``linker``, or whose latest version is not the one
    linking read."""
    rows = store.db.execute(
        "select n.id from notices n left join lineage_notices l on l.notice_id = n.id "
        "where n.kind in ('page', 'file') and n.latest_version_id is not null and "
        "(l.notice_id is null or l.linker != ? or l.version_id is null or "
        "l.version_id != n.latest_version_id) order by n.id", [linker]).fetchall()
    return [row[0] for row in rows]


def notice_record(store: Store, notice_id: int) -> dict[str, Any] | None:
    """The fields linking needs about a notice, from its latest version and its source."""
    rows = list(store.db.query(
        "select n.id as notice_id, n.url, n.kind as notice_kind, v.id as version_id, v.title, "
        "v.text, v.doc_number, v.issuer, v.language, "
        "coalesce(v.published_date, v.written_date) as published, s.region, "
        "(select e.kind from extractions e where e.version_id = v.id order by e.id desc "
        "limit 1) as kind, (select e.doc_number from extractions e where e.version_id = v.id "
        "order by e.id desc limit 1) as extracted_doc_number "
        "from notices n join versions v on v.id = n.latest_version_id "
        "left join sources s on s.id = n.source_id where n.id = ?", [notice_id]))
    return rows[0] if rows else None


def save_lineage_notice(store: Store, row: dict[str, Any],
                        references: list[dict[str, Any]]) -> None:
    """Replace a notice's row in the candidate index and its references."""
    db = store.db
    with db.atomic():
        db["lineage_notices"].upsert(dict(row, linked_at=utc_now()), pk="notice_id")
        db.execute("delete from lineage_references where notice_id = ?", [row["notice_id"]])
        if references:
            db["lineage_references"].insert_all(
                [dict(ref, notice_id=row["notice_id"]) for ref in references])


def save_lineage_values(store: Store, notice_id: int, values: list[str]) -> None:
    """Replace a notice's language-free facts (see :func:`translation_candidates`)."""
    db = store.db
    with db.atomic():
        db.execute("delete from lineage_values where notice_id = ?", [notice_id])
        if values:
            db.conn.executemany("insert into lineage_values(notice_id, value) values (?, ?)",
                                [(notice_id, value) for value in sorted(set(values))])


def lineage_values(store: Store, notice_id: int) -> set[str]:
    """A notice's language-free facts."""
    return {row[0] for row in store.db.execute(
        "select value from lineage_values where notice_id = ?", [notice_id])}


def translation_candidates(store: Store, notice_id: int, language: str,
                           minimum: int = 3) -> dict[int, int]:
    """Notices in another language sharing at least ``minimum`` facts: ``{id: shared}``.

    An indexed lookup per fact, so it stays bounded as the corpus grows; facts shared by
    very many notices (a common date) count as well, but only notices that share several
    facts come back.
    """
    rows = store.db.execute(
        "select o.notice_id, count(*) from lineage_values me join lineage_values o "
        "on o.value = me.value and o.notice_id != me.notice_id "
        "join lineage_notices l on l.notice_id = o.notice_id "
        "where me.notice_id = ? and coalesce(l.language, 'zh') != ? "
        "group by o.notice_id having count(*) >= ?", [notice_id, language, minimum])
    return {row[0]: row[1] for row in rows}


def candidate_ids(store: Store, row: dict[str, Any],
                  references: list[dict[str, Any]]) -> dict[str, set[int]]:
    """Notices that may relate to ``row``, by retrieval route (indexed lookups only).

    Returns:
        ``{"cited": ids the notice cites, "citing": ids that cite it, "series": same title
        series, "number": same number key (translations)}``.
    """
    db = store.db
    me = row["notice_id"]
    found: dict[str, set[int]] = {"cited": set(), "citing": set(), "series": set(),
                                  "number": set()}

    def ids(sql: str, params: list[Any]) -> set[int]:
        return {r[0] for r in db.execute(sql, params).fetchall()} - {me}

    for ref in references:
        if ref.get("doc_number"):
            found["cited"] |= ids("select notice_id from lineage_notices where doc_number = ?",
                                  [ref["doc_number"]])
        if ref.get("title_core"):
            found["cited"] |= ids("select notice_id from lineage_notices where title_core = ?",
                                  [ref["title_core"]])
        # The language-free key only for a number written in English: a Chinese number is
        # found by its own spelling above, and "2023-5" alone names many issuers' documents.
        if ref.get("number_key") and not is_doc_number(ref.get("doc_number")):
            found["cited"] |= ids("select notice_id from lineage_notices where number_key = ?",
                                  [ref["number_key"]])
    if row.get("doc_number"):
        found["citing"] |= ids("select notice_id from lineage_references where doc_number = ?",
                               [row["doc_number"]])
    if row.get("title_core"):
        found["citing"] |= ids("select notice_id from lineage_references where title_core = ?",
                               [row["title_core"]])
    if row.get("series_key"):
        found["series"] |= ids("select notice_id from lineage_notices where series_key = ?",
                               [row["series_key"]])
    if row.get("number_key"):
        # Only across languages: "2023-5" is shared by many issuers' documents, but a
        # translation names its original's number (and stays bounded as the corpus grows).
        language = row.get("language") or "zh"
        found["number"] |= ids(
            "select notice_id from lineage_notices where number_key = ? and language != ?",
            [row["number_key"], language])
        found["number"] |= ids(
            "select r.notice_id from lineage_references r join lineage_notices l on "
            "l.notice_id = r.notice_id where r.number_key = ? and l.language != ?",
            [row["number_key"], language])
    return found


def lineage_row(store: Store, notice_id: int) -> dict[str, Any] | None:
    """A notice's row in the candidate index."""
    rows = list(store.db.query("select * from lineage_notices where notice_id = ?",
                               [notice_id]))
    return rows[0] if rows else None


def references_of(store: Store, notice_id: int) -> list[dict[str, Any]]:
    """The references a notice makes, as stored."""
    return list(store.db.query("select * from lineage_references where notice_id = ? "
                               "order by id", [notice_id]))


def save_edge(store: Store, edge: dict[str, Any], linker: str) -> None:
    """Insert or refresh one edge (unique per source, target and type)."""
    store.db.execute(
        "insert into edges (source_notice_id, target_notice_id, type, confidence, evidence, "
        "linker, created_at) values (?, ?, ?, ?, ?, ?, ?) on conflict "
        "(source_notice_id, target_notice_id, type) do update set confidence = "
        "excluded.confidence, evidence = excluded.evidence, linker = excluded.linker",
        [edge["source"], edge["target"], edge["type"], edge["confidence"],
         json.dumps(edge["evidence"], ensure_ascii=False, sort_keys=True), linker, utc_now()])


def edges_of(store: Store, notice_ids: set[int] | list[int]) -> list[dict[str, Any]]:
    """Edges touching any of ``notice_ids``, evidence decoded."""
    ids = list(notice_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = list(store.db.query(
        f"select * from edges where source_notice_id in ({marks}) or target_notice_id in "
        f"({marks}) order by id", ids + ids))
    for row in rows:
        row["evidence"] = json.loads(row["evidence"] or "{}")
    return rows


def version_component(store: Store, notice_id: int) -> set[int]:
    """Notices joined to this one by version edges (supersedes, amends, translation_of)."""
    seen, queue = {notice_id}, deque([notice_id])
    marks = ",".join("?" * len(VERSION_EDGES))
    while queue:
        current = queue.popleft()
        for source, target in store.db.execute(
                f"select source_notice_id, target_notice_id from edges where type in ({marks}) "
                "and (source_notice_id = ? or target_notice_id = ?)",
                [*VERSION_EDGES, current, current]).fetchall():
            for other in (source, target):
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
    return seen


def assign_measure(store: Store, notice_id: int, linker: str) -> str:
    """Put a notice's version component into one measure; return its id (``M<lowest id>``)."""
    component = version_component(store, notice_id)
    measure_id = f"M{min(component)}"
    store.db["notice_measures"].upsert_all(
        [{"notice_id": member, "measure_id": measure_id, "linker": linker}
         for member in component], pk="notice_id")
    return measure_id


def measure_of(store: Store, notice_id: int) -> str | None:
    """The measure a notice belongs to, if linked."""
    row = store.db.execute("select measure_id from notice_measures where notice_id = ?",
                           [notice_id]).fetchone()
    return row[0] if row else None


def measure_members(store: Store, measure_id: str) -> list[dict[str, Any]]:
    """A measure's notices, oldest first, with title, language and published date."""
    return list(store.db.query(
        "select m.notice_id, l.title, l.language, l.published, l.doc_number from "
        "notice_measures m join lineage_notices l on l.notice_id = m.notice_id where "
        "m.measure_id = ? order by coalesce(l.published, ''), m.notice_id", [measure_id]))


def save_change(store: Store, change: dict[str, Any]) -> bool:
    """Record a change (a pair of versions); return False when it was already recorded."""
    existing = store.db.execute(
        "select 1 from changes where old_version_id = ? and new_version_id = ?",
        [change["old_version_id"], change["new_version_id"]]).fetchone()
    if existing:
        return False
    store.db["changes"].insert(dict(change, created_at=utc_now()))
    return True
