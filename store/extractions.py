"""Extraction results in the store: pending versions, saving, reading back.

The store does not know how extraction works (it imports neither ``nlp`` nor spaCy): it
keeps whatever dict the stage hands it, one row per (version, extractor) in
``extractions`` and one row per threshold in ``criteria``. The extractor tag carries a
version (``policywatch.extract.v2``): a version is pending until a row with the current tag
exists, and saving replaces the rows of the same extractor at that or an older version,
never those of another extractor or of a newer version.
"""

from __future__ import annotations

import json
import re
from typing import Any

from policywatch.store.db import Store
from policywatch.store.timeutil import utc_now

_TAG = re.compile(r"^(?P<family>.+)\.v(?P<number>[0-9]+)$")
_JSON_COLUMNS = ("dates", "tiers", "clauses", "scoring")


def extractor_family(extractor: str) -> tuple[str, int | None]:
    """Split a producer tag into its family and version number.

    >>> extractor_family("policywatch.extract.v12")
    ('policywatch.extract', 12)
    >>> extractor_family("handmade")
    ('handmade', None)
    """
    match = _TAG.match(extractor)
    if match is None:
        return extractor, None
    return match.group("family"), int(match.group("number"))


def versions_pending_extraction(store: Store, extractor: str,
                                limit: int | None = None) -> list[dict[str, Any]]:
    """Return the versions that have no extraction row by ``extractor``, oldest first.

    Rows carry the version's id, notice and parsed metadata but not its text (load that one
    version at a time with :func:`version_for_extraction`).

    Args:
        store: the open store.
        extractor: the current extractor tag, e.g. ``policywatch.extract.v1``.
        limit: at most this many versions.
    """
    sql = (
        "select v.id, v.notice_id, v.title, v.language, v.doc_number, v.issuer, "
        "v.written_date, v.published_date from versions v "
        "where not exists (select 1 from extractions e "
        "where e.version_id = v.id and e.extractor = ?) order by v.id"
    )
    params: list[Any] = [extractor]
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return list(store.db.query(sql, params))


def version_for_extraction(store: Store, version_id: int) -> dict[str, Any] | None:
    """Return one version row with its text, or None."""
    rows = list(store.db.query(
        "select id, notice_id, title, language, doc_number, issuer, written_date, "
        "published_date, text from versions where id = ?", [version_id]))
    return rows[0] if rows else None


def save_extraction(store: Store, version_id: int, extractor: str,
                    result: dict[str, Any]) -> int:
    """Store one extraction result and its criteria; return the extraction's id.

    Rows for this version made by the same extractor at this or an older version are
    replaced (with their criteria); rows by other extractors, or by a newer version of
    this one, stay.

    Args:
        store: the open store.
        version_id: the version the result was read from.
        extractor: the producer tag.
        result: ``title``, ``doc_number``, ``issuer``, ``language``, ``dates``, ``tiers``,
            ``clauses``, ``scoring`` and ``criteria`` (dicts with ``tier``, ``metric``,
            ``op``, ``value``, ``unit``, ``period``, ``condition``, ``text``, ``clause``).
    """
    db = store.db
    family, number = extractor_family(extractor)
    with db.atomic():
        replaced = []
        for row in db.query("select id, extractor from extractions where version_id = ?",
                            [version_id]):
            other_family, other_number = extractor_family(row["extractor"])
            same = row["extractor"] == extractor
            older = (other_family == family and number is not None and other_number is not None
                     and other_number <= number)
            if same or older:
                replaced.append(row["id"])
        for extraction_id in replaced:
            db.execute("delete from criteria where extraction_id = ?", [extraction_id])
            db.execute("delete from extractions where id = ?", [extraction_id])
        row = {
            "version_id": version_id,
            "extractor": extractor,
            "created_at": utc_now(),
            "language": result.get("language"),
            "title": result.get("title"),
            "doc_number": result.get("doc_number"),
            "issuer": result.get("issuer"),
            "kind": result.get("kind"),
            "doc_type": result.get("doc_type"),
        }
        for column in _JSON_COLUMNS:
            row[column] = _dumps(result.get(column))
        extraction_id = int(db["extractions"].insert(row).last_pk)
        criteria = [
            {
                "extraction_id": extraction_id,
                "version_id": version_id,
                "tier": criterion.get("tier"),
                "metric": criterion["metric"],
                "op": criterion["op"],
                "value": float(criterion["value"]),
                "unit": criterion.get("unit"),
                "period": criterion.get("period"),
                "condition": _dumps(criterion.get("condition")),
                "text": criterion.get("text"),
                "clause_id": criterion.get("clause"),
                "phrase": criterion.get("phrase"),
                "tier_inferred": int(bool(criterion.get("tier_inferred"))),
                "extractor": extractor,
            }
            for criterion in result.get("criteria", [])
        ]
        if criteria:
            db["criteria"].insert_all(criteria)
    return extraction_id


def latest_extraction(store: Store, version_id: int) -> dict[str, Any] | None:
    """Return the newest extraction of a version, JSON decoded, with its ``criteria``."""
    rows = list(store.db.query(
        "select * from extractions where version_id = ? order by id desc limit 1",
        [version_id]))
    if not rows:
        return None
    extraction = rows[0]
    for column in _JSON_COLUMNS:
        extraction[column] = json.loads(extraction[column]) if extraction[column] else None
    criteria = list(store.db.query(
        "select * from criteria where extraction_id = ? order by id", [extraction["id"]]))
    for criterion in criteria:
        criterion["condition"] = json.loads(criterion["condition"]) if criterion["condition"] \
            else None
    extraction["criteria"] = criteria
    return extraction


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=False)
