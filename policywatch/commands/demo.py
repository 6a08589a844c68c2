"""``policywatch demo``."""

from __future__ import annotations

from pathlib import Path

import click

from policywatch.cli import main_errors
from policywatch.settings import DEMO_DB


@click.command()
@click.option("--db", "db_path", default=DEMO_DB, show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where the demo writes (it starts from an empty database).")
@main_errors
def demo(db_path: Path) -> None:
    """Run the main job end to end on the bundled replay of the watched sites.

    Serves the replay on 127.0.0.1, crawls it with the real spiders, lets the sites move
    forward in time and crawls again, then prints what was stored. The live sites are
    never contacted.

    Example:

        policywatch demo
    """
    from policywatch.demo import run_demo

    run_demo(db_path, echo=click.echo, progress=lambda line: click.echo(line, err=True))
