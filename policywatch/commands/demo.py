"""``policywatch demo``."""

from __future__ import annotations

from pathlib import Path

import click

from policywatch.commands.context import AppContext, main_errors, pass_app
from policywatch.settings import DEMO_DB


@click.command()
@pass_app
@main_errors
def demo(app: AppContext) -> None:
    """Run the main job end to end on the bundled replay of the watched sites.

    Serves the replay on 127.0.0.1, crawls it with the real spiders, lets the sites move
    forward in time and crawls again, then prints what was stored. The live sites are
    never contacted. Writes ./policywatch-demo.db (or the global --db), starting empty.

    Example:

        policywatch demo
    """
    from policywatch.demo import run_demo

    db_path = Path(app.db_option) if app.db_option else Path(DEMO_DB)
    run_demo(db_path, echo=click.echo)
