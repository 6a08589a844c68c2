"""Opening the policywatch database: WAL, foreign keys, migrations, blob folder."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from policywatch.store.blobs import BlobStore
from policywatch.store.errors import DatabaseUnavailable
from policywatch.store.migrations import migrations

#: Seconds a write waits for another process's write lock before SQLITE_BUSY.
BUSY_TIMEOUT_S = 60


class StoreDatabase(Database):
    """sqlite-utils' ``Database`` whose write transactions take the write lock first.

    ``atomic()`` (which sqlite-utils' own writes use too) opens ``BEGIN IMMEDIATE`` instead
    of a plain ``BEGIN``: a deferred transaction that reads and then writes cannot take the
    write lock while another process writes, and SQLite fails it at once with
    SQLITE_BUSY (the busy timeout does not apply to that upgrade), so ``watch`` overlapping a
    manual ``process`` or ``notify`` would fail. An immediate transaction waits up to the
    busy timeout for the lock instead, then reads and writes with nobody in between.
    Nested blocks stay savepoints.
    """

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """A write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT`` (a savepoint when
        nested); rolled back on any exception."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise


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
        # timeout: the busy timeout, how long a write waits for another process's lock.
        conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_S)
        # The transactions Python's sqlite3 opens itself (before an INSERT, UPDATE or DELETE
        # outside atomic()) are immediate too.
        conn.isolation_level = "IMMEDIATE"
        db = StoreDatabase(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        if migrate:
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnavailable(
            f"cannot open {db_path} as a policywatch database: {exc}") from exc
    return Store(db=db, blobs=BlobStore(blob_root_for(db_path)), path=db_path)
