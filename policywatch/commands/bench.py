"""``policywatch bench``."""

from __future__ import annotations

import click

from policywatch.cli import echo_json, main_errors


@click.command()
@click.argument("name", type=click.Choice(["crawl"]))
@click.option("--pages", type=click.IntRange(20, 100_000), default=300, show_default=True,
              help="Pages in the synthetic replay (crawl benchmark).")
@click.option("--json", "as_json", is_flag=True, help="Also print the figures as JSON.")
@main_errors
def bench(name: str, pages: int, as_json: bool) -> None:
    """Run a benchmark and print its figures next to a same-run baseline.

    crawl: pages/s and requests per new notice against a local replay of gov.cn, with a
    bare HTTP client on the same pages as the baseline, then a second (incremental) crawl.

    Example:

        policywatch bench crawl --pages 300
    """
    from policywatch.bench import BENCHMARKS

    figures = BENCHMARKS[name](click.echo, pages=pages)
    if as_json:
        echo_json(figures)
