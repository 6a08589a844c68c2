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
from policywatch.settings import resolve_db_path
from policywatch.store import Store, StoreError, open_store

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    """Carries the ``--db`` choice; the store opens only when a command needs it."""

    def __init__(self, db_option: str | None) -> None:
        self.db_option = db_option
        self._store: Store | None = None

    @property
    def db_path(self) -> Path:
        return resolve_db_path(self.db_option)

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.db_path)
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
