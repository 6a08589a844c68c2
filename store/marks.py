"""Watermarks (``stage_marks``): how far a stage has read an input, as a row id.

Event derivation keeps the last ``derivation_log`` id it has read; the vector index the
last embedding id it holds. Marks only move up: two runs that read overlapping ranges
leave the higher one.
"""

from __future__ import annotations

from policywatch.store.db import Store
from policywatch.store.timeutil import utc_now


def read_mark(store: Store, name: str) -> int:
    """The watermark ``name``; 0 when the stage has read nothing yet."""
    row = store.db.execute("select value from stage_marks where name = ?", [name]).fetchone()
    return int(row[0]) if row else 0


def advance_mark(store: Store, name: str, value: int) -> None:
    """Move watermark ``name`` up to ``value`` (never down)."""
    with store.db.atomic():
        store.db.execute(
            "insert into stage_marks (name, value, updated_at) values (?, ?, ?) on conflict"
            "(name) do update set value = max(value, excluded.value), "
            "updated_at = excluded.updated_at", [name, value, utc_now()])
