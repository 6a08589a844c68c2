"""``policywatch demo``."""

from __future__ import annotations

from pathlib import Path

import click

from policywatch.commands.context import AppContext, main_errors, pass_app
from policywatch.errors import PolicywatchError
from policywatch.settings import DEMO_DB


@click.command()
@click.option("--reference", metavar="DIR", default=None,
              help="The reference pack whose real gov.cn pages the replay serves (default: "
                   "$POLICYWATCH_REFERENCE, else ../shared/reference from the current "
                   "folder); without one the replay serves its reconstructed pages alone.")
@click.option("--force", is_flag=True,
              help="Start over even when the demo's database holds imports or crawls of the "
                   "live sites (asks first; --yes does not ask).")
@click.option("--yes", "-y", is_flag=True, help="With --force: do not ask.")
@pass_app
@main_errors
def demo(app: AppContext, reference: str | None, force: bool, yes: bool) -> None:
    """Run the main job end to end on the bundled replay of the watched sites.

    Serves the replay on 127.0.0.1, crawls it with the real spiders, lets the sites move
    forward in time and crawls again, then prints what was stored. The live sites are
    never contacted. Writes ./policywatch-demo.db (or the global --db), starting empty.

    Example:

        policywatch demo
    """
    from policywatch.demo import run_demo
    from policywatch.store.reference import resolve_reference

    db_path = Path(app.db_option) if app.db_option else Path(DEMO_DB)
    if not db_path.parent.exists():
        raise PolicywatchError(f"folder {db_path.parent} does not exist (the demo writes "
                               f"{db_path.name} there)")
    if force and db_path.exists() and not yes:
        click.confirm(f"Delete {db_path} and everything stored in it?", abort=True)
    run_demo(db_path, echo=click.echo, reference=resolve_reference(reference), force=force)
