"""The extraction stage: every version without a current extraction gets one.

Rerunning is cheap and safe: a version is pending only until a row by the current
:data:`~nlp.extract.EXTRACTOR_VERSION` exists. Bumping that tag after a rule change makes
every version pending again, and each new row replaces only the older tag's rows.
"""

from __future__ import annotations

import logging
from typing import Any

from policywatch.nlp.extract.kinds import document_kind
from policywatch.nlp.extract.notice import EXTRACTOR_VERSION, extract_notice
from policywatch.store.db import Store
from policywatch.store.extractions import (
    save_extraction,
    version_for_extraction,
    versions_pending_extraction,
)
from policywatch.store.reporting import Progress
from policywatch.store.runs import finish_run, start_run

logger = logging.getLogger(__name__)

# Fields the page parser may know better than the text (gov.cn's table holds the
# publication date, which the body text never states).
_VERSION_FALLBACKS = {"doc_number": "doc_number", "issuer": "issuer"}
_DATE_FALLBACKS = {"written": "written_date", "published": "published_date"}


def extract_version(version: dict[str, Any]) -> dict[str, Any]:
    """Extract one stored version (a row with ``text``, ``title``, ``language``, ...).

    The text decides; metadata the page parser stored on the version fills only the
    fields the text leaves empty.
    """
    language = version.get("language") if version.get("language") in ("zh", "en") else None
    result = extract_notice(version.get("text") or "", title=version.get("title") or None,
                            language=language)
    for field, column in _VERSION_FALLBACKS.items():
        if not result.get(field) and version.get(column):
            result[field] = version[column]
    for field, column in _DATE_FALLBACKS.items():
        if not result["dates"].get(field) and version.get(column):
            result["dates"][field] = str(version[column])[:10]
    kind = document_kind(result.get("title") or version.get("title"), version.get("text"),
                         language=result.get("language"), doc_number=result.get("doc_number"))
    result["kind"], result["doc_type"] = kind.kind, kind.doc_type
    return result


def extract_and_save(store: Store, version_id: int) -> dict[str, Any]:
    """Extract one version, store the result and return it.

    Raises:
        LookupError: no version with that id.
    """
    version = version_for_extraction(store, version_id)
    if version is None:
        raise LookupError(f"no version {version_id}")
    result = extract_version(version)
    save_extraction(store, version_id, EXTRACTOR_VERSION, result)
    return result


def run_extraction(store: Store, progress: Progress | None = None,
                   limit: int | None = None) -> dict[str, Any]:
    """Extract every pending version and record the run in the runs log.

    Args:
        store: the open store.
        progress: called after each version with (done, total, version_id).
        limit: process at most this many versions.

    Returns:
        Counts: ``pending``, ``extracted``, ``criteria`` (rows written), ``failed`` (with
        ``errors``: version id and a one-line reason each; the traceback is logged) and the
        ``extractor`` tag.
    """
    pending = versions_pending_extraction(store, EXTRACTOR_VERSION, limit=limit)
    counts: dict[str, Any] = {"extractor": EXTRACTOR_VERSION, "pending": len(pending),
                              "extracted": 0, "criteria": 0, "failed": 0}
    run_id = start_run(store.db, "extract", {"extractor": EXTRACTOR_VERSION, "limit": limit})
    status = "failed"
    failed_ids: list[int] = []
    try:
        for done, row in enumerate(pending, start=1):
            try:
                result = extract_and_save(store, row["id"])
            except Exception as exc:  # noqa: BLE001 - one odd text must not stop the stage
                logger.exception("extraction failed for version %s", row["id"])
                counts["failed"] += 1
                failed_ids.append(row["id"])
                counts.setdefault("errors", []).append(
                    {"version_id": row["id"], "error": f"{type(exc).__name__}: {exc}"[:200]})
            else:
                counts["extracted"] += 1
                counts["criteria"] += len(result["criteria"])
            if progress is not None:
                progress(done, len(pending), row["id"])
        status = "failed" if counts["failed"] else "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        finish_run(store.db, run_id, status, {**counts, "failed_versions": failed_ids[:100]})
    return counts
