"""``policywatch process``."""

from __future__ import annotations

import click

from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print each step's counts as JSON.")
@pass_app
@main_errors
def process(app: AppContext, as_json: bool) -> None:
    """Run the NLP stage over pending versions: extraction, lineage, search index.

    Only missing work is done: a step skips versions its current producer version has
    already handled, so this is safe to run after every crawl. A document that fails a
    step is named, counted and skipped (the traceback goes to the log file); long steps
    show their progress on stderr.

    Example:

        policywatch process
    """
    from policywatch.stages import process_pending

    figures = process_pending(app.store(), echo=None if as_json else click.echo,
                              progress_echo=lambda line: click.echo(line, err=True))
    if as_json:
        echo_json(figures)
