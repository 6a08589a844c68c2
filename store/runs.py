"""The runs log: one row per crawl, import or processing run, with its counters."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from policywatch.store.timeutil import utc_now


def start_run(db: Database, kind: str, args: dict[str, Any] | None = None) -> int:
    """Insert a ``running`` row and return its id."""
    return int(db["runs"].insert(
        {
            "kind": kind,
            "started_at": utc_now(),
            "status": "running",
            "args": json.dumps(args or {}, ensure_ascii=False, sort_keys=True),
            "stats": "{}",
        }
    ).last_pk)


def finish_run(db: Database, run_id: int, status: str, stats: dict[str, Any]) -> None:
    """Close a run with its final status (``ok``, ``failed``, ``interrupted``) and counters."""
    db["runs"].update(
        run_id,
        {
            "finished_at": utc_now(),
            "status": status,
            "stats": json.dumps(stats, ensure_ascii=False, sort_keys=True, default=str),
        },
    )


def recent_runs(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """Return the latest runs, newest first, with ``args`` and ``stats`` decoded."""
    rows = list(db["runs"].rows_where(order_by="id desc", limit=limit))
    for row in rows:
        row["args"] = json.loads(row["args"] or "{}")
        row["stats"] = json.loads(row["stats"] or "{}")
    return rows
