"""Timestamps as the store writes them: ISO 8601, UTC, second precision."""

from datetime import UTC, datetime


def utc_now() -> str:
    """Return the current UTC time, e.g. ``2026-11-25T12:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
