"""The ``policywatch`` command line: a thin click layer over the library.

Every library failure is one exception class; :func:`policywatch.commands.context.main_errors`
turns them into a
one-line message and a non-zero exit, so users never see a traceback.
"""

from __future__ import annotations

import click

from policywatch import __version__
from policywatch.commands.alerts import (
    alerts,
    feed,
    notify,
    serve,
    subscribe,
    test_channel,
    watch,
)
from policywatch.commands.bench import bench
from policywatch.commands.check import check_command, metrics_command
from policywatch.commands.context import AppContext
from policywatch.commands.crawl import crawl, parse
from policywatch.commands.demo import demo
from policywatch.commands.extract import extract_command
from policywatch.commands.importing import import_command
from policywatch.commands.lineage import diff, lineage
from policywatch.commands.notices import notices_command, remove_command
from policywatch.commands.process import process
from policywatch.commands.replay import replay
from policywatch.commands.search import models, search
from policywatch.logs import configure_logging

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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
    configure_logging()
    app = AppContext(db_option)
    ctx.obj = app
    ctx.call_on_close(app.close)


ALL_COMMANDS = [
    demo, crawl, parse, import_command, notices_command, extract_command, process, lineage,
    diff, remove_command, bench,
    search, models, alerts, subscribe, test_channel, notify, feed, serve, watch,
    check_command, metrics_command, replay,
]

for _command in ALL_COMMANDS:
    cli.add_command(_command)
