"""Writing captures: a notice per identity, a version only when its content changes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from policywatch.store.db import Store
from policywatch.store.identity import canonical_url, content_key
from policywatch.store.text import content_hash
from policywatch.store.timeutil import utc_now

Status = Literal["new", "new_version", "unchanged"]

# Version columns a capture may fill directly; anything else goes into ``metadata``.
VERSION_FIELDS = (
    "content_type", "encoding", "format", "language", "title", "doc_number", "issuer",
    "index_number", "written_date", "published_date", "parser",
)


@dataclass
class Capture:
    """One fetched or imported document, as the store receives it.

    ``url`` gives the notice its identity; without it the content does. ``fields`` holds
    parsed metadata (keys of :data:`VERSION_FIELDS`), ``metadata`` anything else.
    """

    raw: bytes
    text: str
    kind: str = "page"
    url: str | None = None
    source_id: str | None = None
    fetched_from: str | None = None
    run_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordResult:
    """What :func:`record_capture` did."""

    notice_id: int
    version_id: int
    status: Status


def record_capture(store: Store, capture: Capture) -> RecordResult:
    """Store a capture: raw bytes by hash, a notice per identity, a version per change.

    Writing the same content twice creates nothing new: the second call returns the
    existing ids with status ``unchanged`` and only refreshes ``last_seen_at``. Content
    that differs from the notice's latest version becomes a new version, even when it
    equals an older one (a reverted page is a change worth seeing).

    Args:
        store: the open store.
        capture: the document.

    Returns:
        The notice id, version id and whether the version is new.
    """
    db = store.db
    raw_sha = store.blobs.put(capture.raw)
    title = capture.fields.get("title")
    digest = content_hash(title, capture.text, raw_sha)
    identity = canonical_url(capture.url) if capture.url else content_key(digest)
    now = utc_now()
    with db.atomic():
        db["blobs"].insert(
            {"sha256": raw_sha, "size": len(capture.raw),
             "content_type": capture.fields.get("content_type"), "stored_at": now},
            ignore=True,
        )
        existing = db.execute(
            "select id, latest_version_id from notices where identity = ?", [identity]
        ).fetchone()
        if existing:
            notice_id, latest_id = existing
            latest_hash = None
            if latest_id is not None:
                latest_hash = db.execute(
                    "select content_hash from versions where id = ?", [latest_id]
                ).fetchone()[0]
            if latest_hash == digest:
                db["notices"].update(notice_id, {"last_seen_at": now})
                return RecordResult(notice_id, latest_id, "unchanged")
            status: Status = "new_version" if latest_id is not None else "new"
        else:
            notice_id = int(db["notices"].insert(
                {
                    "identity": identity,
                    "source_id": capture.source_id,
                    "kind": capture.kind,
                    "url": capture.url,
                    "title": title,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
            ).last_pk)
            status = "new"
        row: dict[str, Any] = {
            "notice_id": notice_id,
            "content_hash": digest,
            "raw_sha256": raw_sha,
            "fetched_at": now,
            "fetched_from": capture.fetched_from,
            "run_id": capture.run_id,
            "text": capture.text,
            "metadata": json.dumps(capture.metadata, ensure_ascii=False, sort_keys=True,
                                   default=str),
        }
        row.update({k: capture.fields.get(k) for k in VERSION_FIELDS})
        version_id = int(db["versions"].insert(row).last_pk)
        db["notices"].update(
            notice_id,
            {"latest_version_id": version_id, "last_seen_at": now, "title": title},
        )
    return RecordResult(notice_id, version_id, status)


def latest_version(store: Store, notice_id: int) -> dict[str, Any] | None:
    """Return the latest version row of a notice, or None."""
    rows = list(store.db.query(
        "select v.* from versions v join notices n on n.latest_version_id = v.id "
        "where n.id = ?", [notice_id]))
    return rows[0] if rows else None


def versions_of(store: Store, notice_id: int) -> list[dict[str, Any]]:
    """Return every version of a notice, oldest first."""
    return list(store.db["versions"].rows_where("notice_id = ?", [notice_id], order_by="id"))


def upsert_source(store: Store, source: dict[str, Any]) -> None:
    """Create or update a row in ``sources`` (keys: id, name, platform, region, ...)."""
    row = dict(source)
    row.setdefault("created_at", utc_now())
    existing = store.db["sources"].count_where("id = ?", [row["id"]])
    if existing:
        row.pop("created_at")
        store.db["sources"].update(row["id"], row)
    else:
        store.db["sources"].insert(row)
