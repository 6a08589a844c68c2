"""What every command shares: the ``--db`` context, the error boundary and JSON output.

Kept apart from :mod:`policywatch.cli` so each command module imports on its own (the CLI
imports the commands, never the other way round).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from policywatch.errors import PolicywatchError
from policywatch.settings import DEMO_DB, resolve_db_path
from policywatch.store import Store, StoreError, open_store

F = TypeVar("F", bound=Callable[..., Any])


class MissingDatabase(PolicywatchError):
    """A command that reads was pointed at a database that does not exist."""


def missing_database_message(path: Path) -> str:
    """Say which database is missing and where the data probably is.

    >>> missing_database_message(Path("/nonexistent/x.db")).split(" (")[0]
    'no database at /nonexistent/x.db'
    """
    hint = "crawl, import or demo create one; --db or $POLICYWATCH_DB name another"
    demo = Path(DEMO_DB)
    if demo.exists() and demo.resolve() != path.resolve():
        hint = f"the demo's database is {demo}: policywatch --db {demo} ..."
    return f"no database at {path} ({hint})"


class AppContext:
    """Carries the ``--db`` choice; the store opens only when a command needs it."""

    def __init__(self, db_option: str | None) -> None:
        self.db_option = db_option
        self._store: Store | None = None

    @property
    def db_path(self) -> Path:
        return resolve_db_path(self.db_option)

    def store(self, *, create: bool = False) -> Store:
        """Open the database once per command.

        Args:
            create: commands that collect data (crawl, import, demo, subscribe) make a new
                database; every other command needs one that exists, so a mistyped
                ``--db`` is an error instead of an empty database and "0 versions".

        Raises:
            MissingDatabase: ``create`` is False and there is no file at the path.
        """
        if self._store is None:
            path = self.db_path
            if not create and not path.exists():
                raise MissingDatabase(missing_database_message(path))
            self._store = open_store(path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def main_errors(func: F) -> F:
    """Convert library exceptions to one-line ``click`` errors at the CLI boundary."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (PolicywatchError, StoreError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


pass_app = click.make_pass_decorator(AppContext)


def echo_json(value: Any) -> None:
    """Print one JSON document (UTF-8, Chinese unescaped)."""
    click.echo(json.dumps(value, ensure_ascii=False, sort_keys=False, default=str))


def tier_ids(values: tuple[str, ...]) -> list[str]:
    """Tier ids from what a user typed after ``--tier`` (专精特新, little giant, srdi_sme),
    as search reads them; an unknown name is a usage error that lists the known ones."""
    if not values:
        return []
    from policywatch.nlp.retrieval.search import FilterError, resolve_tiers

    try:
        return list(resolve_tiers(values))
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint="--tier") from None
