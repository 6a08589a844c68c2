"""Schema of the policywatch database, evolved only through ordered migrations.

Each function is applied once per database and recorded in ``_sqlite_migrations``; add a
new ``mNNN_*`` function for every change, never edit an applied one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("policywatch")


@migrations()
def m001_initial(db: Database) -> None:
    """Sources, notices, versions, blobs, attachments and the runs log."""
    db["sources"].create(
        {
            "id": str,
            "name": str,
            "platform": str,
            "region": str,
            "language": str,
            "home_url": str,
            "created_at": str,
        },
        pk="id",
    )
    db["runs"].create(
        {
            "id": int,
            "kind": str,  # crawl | import | extract | ...
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | failed | interrupted
            "args": str,  # JSON
            "stats": str,  # JSON: per-source counters
        },
        pk="id",
    )
    db["blobs"].create(
        {"sha256": str, "size": int, "content_type": str, "stored_at": str},
        pk="sha256",
    )
    db["notices"].create(
        {
            "id": int,
            # Stable identity: canonical URL, or "sha256:<content key>" for imported files.
            "identity": str,
            "source_id": str,
            "kind": str,  # page | attachment | file
            "url": str,
            "title": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "latest_version_id": int,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["notices"].create_index(["identity"], unique=True)
    db["versions"].create(
        {
            "id": int,
            "notice_id": int,
            "content_hash": str,  # sha256 of normalized title + text: what "changed" means
            "raw_sha256": str,  # the captured bytes, in the blob store
            "fetched_at": str,
            "fetched_from": str,  # the address actually requested (a replay, a file path)
            "run_id": int,
            "content_type": str,
            "encoding": str,
            "format": str,  # html | txt | pdf | docx | ...
            "language": str,
            "title": str,
            "doc_number": str,
            "issuer": str,
            "index_number": str,
            "written_date": str,
            "published_date": str,
            "text": str,
            "metadata": str,  # JSON: everything else the parser read
            "parser": str,  # producer name and version, e.g. "crawler.govcn.v1"
        },
        pk="id",
        foreign_keys=[
            ("notice_id", "notices", "id"),
            ("raw_sha256", "blobs", "sha256"),
            ("run_id", "runs", "id"),
        ],
    )
    db["versions"].create_index(["notice_id", "id"])
    db["versions"].create_index(["content_hash"])
    db["attachments"].create(
        {
            "id": int,
            "version_id": int,  # the page version that links the file
            "notice_id": int,  # the attachment's own notice (versioned like a page)
            "url": str,
            "name": str,
            "position": int,
            "status": str,  # stored | unsupported | failed | too_large | unsafe
            "detail": str,
        },
        pk="id",
        foreign_keys=[("version_id", "versions", "id"), ("notice_id", "notices", "id")],
    )
    db["attachments"].create_index(["version_id", "url"], unique=True)


@migrations()
def m002_crawl_state(db: Database) -> None:
    """HTTP validators for conditional re-fetching, and source-health events."""
    db["notices"].add_column("http_etag", str)
    db["notices"].add_column("http_last_modified", str)
    db["notices"].add_column("last_checked_at", str)
    db["health_events"].create(
        {
            "id": int,
            "run_id": int,
            "source_id": str,
            "kind": str,  # blocked | challenge | captcha | layout_changed | http_error | ...
            "url": str,
            "http_status": int,
            "detail": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("source_id", "sources", "id")],
    )
    db["health_events"].create_index(["source_id", "created_at"])
