"""The ``policywatch`` command line: a thin click layer over the library.

Every library failure is one exception class; :func:`main_errors` turns them into a
one-line message and a non-zero exit, so users never see a traceback.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from policywatch import __version__
from policywatch.errors import PolicywatchError
from policywatch.settings import resolve_db_path
from store import Store, StoreError, open_store

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--db",
    "db_option",
    metavar="PATH",
    help="Database file (default: $POLICYWATCH_DB or ./policywatch.db).",
)
@click.version_option(__version__, prog_name="policywatch")
@click.pass_context
def cli(ctx: click.Context, db_option: str | None) -> None:
    """Monitor Chinese government policy notices: crawl, extract, diff, alert, search.

    Example:

        policywatch demo
    """
    app = AppContext(db_option)
    ctx.obj = app
    ctx.call_on_close(app.close)


pass_app = click.make_pass_decorator(AppContext)


def echo_json(value: Any) -> None:
    """Print one JSON document (UTF-8, Chinese unescaped)."""
    click.echo(json.dumps(value, ensure_ascii=False, sort_keys=False, default=str))


def _register_commands() -> None:
    # Imported here so ``policywatch --help`` stays fast: each module loads its stage lazily.
    from policywatch.commands import ALL_COMMANDS

    for command in ALL_COMMANDS:
        cli.add_command(command)


_register_commands()
