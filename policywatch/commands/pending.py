"""Commands whose stage is not built yet.

Each says so plainly and exits with status 3: the CLI never pretends a stage ran. When a
stage lands, its command moves to its own module and its row leaves this table.
"""

from __future__ import annotations

import click

from policywatch.errors import NotBuiltYet

# name -> (one-line summary, usage example, issue that builds it)
PENDING = {
    "alerts": ("List recent change events and delivery failures.",
               "policywatch alerts --json", 6),
    "subscribe": ("Subscribe to change events by tier, metric, issuer or keyword.",
                  "policywatch subscribe --tier srdi_sme --email me@example.org", 6),
    "notify": ("Deliver pending alerts to every subscription.", "policywatch notify", 6),
    "feed": ("Write the Atom feed of recent events.", "policywatch feed -o alerts.xml", 6),
    "serve": ("Serve the web view and the Atom feed.", "policywatch serve --port 8000", 6),
    "watch": ("Crawl, process and notify on a schedule.", "policywatch watch --every 6h", 6),
}


def _pending_command(name: str, summary: str, example: str, issue: int) -> click.Command:
    def callback(**_: object) -> None:
        try:
            raise NotBuiltYet(
                f"'policywatch {name}' is not built yet (issue #{issue}); nothing was run."
            )
        except NotBuiltYet as exc:
            click.echo(f"Error: {exc}", err=True)
            raise SystemExit(3) from exc

    return click.Command(
        name,
        callback=callback,
        help=f"{summary}\n\nNot built yet (issue #{issue}).\n\nExample:\n\n    {example}",
        short_help=f"{summary} [not built yet]",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                          "help_option_names": ["-h", "--help"]},
    )


PENDING_COMMANDS = [_pending_command(name, *row) for name, row in PENDING.items()]
