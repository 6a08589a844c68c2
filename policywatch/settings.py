"""Where policywatch keeps its data, resolved the same way by every command."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "policywatch.db"
DEMO_DB = "policywatch-demo.db"
DB_ENV = "POLICYWATCH_DB"


def resolve_db_path(option: str | None) -> Path:
    """Return the database path: ``--db`` wins, then ``$POLICYWATCH_DB``, then ``./policywatch.db``.

    >>> resolve_db_path("x.db").name
    'x.db'
    """
    return Path(option or os.environ.get(DB_ENV) or DEFAULT_DB)
