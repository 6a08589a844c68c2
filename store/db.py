"""Opening the policywatch database: WAL, foreign keys, migrations, blob folder."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from policywatch.store.blobs import BlobStore
from policywatch.store.errors import DatabaseUnavailable
from policywatch.store.migrations import migrations


@dataclass
class Store:
    """An open database and the blob folder that goes with it."""

    db: Database
    blobs: BlobStore
    path: Path

    def close(self) -> None:
        """Close the SQLite connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sidecar_path(db_path: Path, suffix: str) -> Path:
    """Return a file or folder that belongs to ``db_path``: its stem plus ``suffix``.

    >>> sidecar_path(Path("data/pw.db"), ".diffs").as_posix()
    'data/pw.diffs'
    """
    return db_path.with_name(db_path.stem + suffix)


def blob_root_for(db_path: Path) -> Path:
    """Return the blob folder that belongs to ``db_path`` (``x.db`` -> ``x.blobs/``)."""
    return sidecar_path(db_path, ".blobs")


def open_store(path: str | os.PathLike[str], *, migrate: bool = True) -> Store:
    """Open (creating if needed) a policywatch database and apply pending migrations.

    Args:
        path: the SQLite file; its blobs live beside it in ``<stem>.blobs/``.
        migrate: apply pending migrations (tools that only read may pass False).

    Returns:
        A :class:`Store`; use it as a context manager to close it.

    Raises:
        DatabaseUnavailable: the file cannot be opened or is not a SQLite database.

    >>> import tempfile, pathlib
    >>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "t.db") as s:
    ...     "versions" in s.db.table_names()
    True
    """
    db_path = Path(path)
    if db_path.exists() and db_path.is_dir():
        raise DatabaseUnavailable(f"{db_path} is a directory, not a database file")
    if not db_path.parent.exists():
        raise DatabaseUnavailable(f"folder {db_path.parent} does not exist")
    try:
        conn = sqlite3.connect(str(db_path), timeout=30)
        db = Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        if migrate:
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnavailable(
            f"cannot open {db_path} as a policywatch database: {exc}") from exc
    return Store(db=db, blobs=BlobStore(blob_root_for(db_path)), path=db_path)
