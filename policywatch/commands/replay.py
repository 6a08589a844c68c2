"""``policywatch replay``: serve the bundled replay of the watched sites, to try crawls
offline (one process, several workers, a shared frontier)."""

from __future__ import annotations

import time

import click

from policywatch.commands.context import main_errors
from policywatch.errors import PolicywatchError


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--with-2026", "later", is_flag=True,
              help="Serve the sites as they move on too (the 2026 layer the demo's second "
                   "crawl sees).")
@click.option("--reference", metavar="DIR", default=None,
              help="The reference pack whose real pages the replay serves (default: "
                   "$POLICYWATCH_REFERENCE, else ../shared/reference).")
@main_errors
def replay(port: int, later: bool, reference: str | None) -> None:
    """Serve the bundled replay of the watched sites on 127.0.0.1 until Ctrl-C.

    Every watched host is served under one address; point crawls at it with --replay
    (or --base-url), e.g. policywatch crawl --replay http://127.0.0.1:8765 --frontier
    redis://127.0.0.1:6379/0 in two terminals. The pages are the project's reconstructed
    pages and, with the reference pack, real gov.cn pages read from it.

    Example:

        policywatch replay --port 8765
    """
    from policywatch.crawler.replay import ReplayServer
    from policywatch.crawler.replay.server import DEFAULT_LAYERS
    from policywatch.store.reference import resolve_reference

    layers = [*DEFAULT_LAYERS, "update-2026"] if later else list(DEFAULT_LAYERS)
    try:
        server = ReplayServer(layers, port=port, reference=resolve_reference(reference))
    except OSError as exc:
        raise PolicywatchError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}"
                               ) from None
    with server:
        click.echo(f"replay of the watched sites on {server.base_url} (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")
