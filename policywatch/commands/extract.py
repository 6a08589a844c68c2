"""``policywatch extract``: tiers, criteria, dates and clauses of a notice."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app
from policywatch.errors import PolicywatchError

# Keys in the order the JSON output lists them.
OUTPUT_KEYS = ("title", "doc_number", "issuer", "dates", "tiers", "criteria", "clauses",
               "scoring", "extractor")


class ExtractFailed(PolicywatchError):
    """The notice or file to extract cannot be found or read."""


@click.command("extract")
@click.argument("target", required=False, metavar="FILE|NOTICE_ID")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.option("--pending", is_flag=True,
              help="Extract every stored version that has no current extraction yet.")
@pass_app
@main_errors
def extract_command(app: AppContext, target: str | None, as_json: bool, pending: bool) -> None:
    """Extract tiers, criteria, dates and clauses from a notice.

    NOTICE_ID (a number) extracts the notice's latest stored version and saves the result;
    FILE (HTML, TXT) is read and extracted without touching the store. With --pending and
    no argument, every stored version without a current extraction is processed, with a
    progress line on stderr.

    Example:

        policywatch extract 12 --json
    """
    if pending:
        if target is not None:
            raise click.UsageError("--pending takes no FILE|NOTICE_ID")
        _run_pending(app, as_json)
        return
    if target is None:
        raise click.UsageError("give a FILE or NOTICE_ID, or --pending")
    result = _extract_notice_id(app, int(target)) if target.isdigit() else _extract_file(
        Path(target))
    output = {key: result.get(key) for key in OUTPUT_KEYS}
    if as_json:
        echo_json(output)
    else:
        click.echo(_summary(output))


def _extract_notice_id(app: AppContext, notice_id: int) -> dict[str, Any]:
    from policywatch.nlp.extract.stage import (
        extract_and_save,  # spaCy loads only when a command needs it
    )
    from policywatch.store.notices import latest_version

    store = app.store()
    version = latest_version(store, notice_id)
    if version is None:
        raise ExtractFailed(f"no stored version for notice {notice_id}")
    return extract_and_save(store, version["id"])


def _extract_file(path: Path) -> dict[str, Any]:
    from policywatch.crawler.documents import DocumentError, read_document
    from policywatch.nlp.extract.notice import extract_notice

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExtractFailed(f"{path}: no such file (a notice id is a number)") from None
    except IsADirectoryError:
        raise ExtractFailed(f"{path}: is a directory") from None
    except OSError as exc:
        raise ExtractFailed(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        document = read_document(data, filename=path.name)
    except DocumentError as exc:
        raise ExtractFailed(f"{path}: {exc}") from None
    if not document.text.strip():
        raise ExtractFailed(f"{path}: no text found in the {document.format} file")
    return extract_notice(document.text, title=document.title)


def _run_pending(app: AppContext, as_json: bool) -> None:
    from policywatch.nlp.extract.stage import run_extraction

    def progress(done: int, total: int, version_id: int) -> None:
        click.echo(f"\rextracting {done}/{total} (version {version_id})", err=True, nl=False)

    counts = run_extraction(app.store(), progress=progress)
    if counts["pending"]:
        click.echo("", err=True)
    if as_json:
        echo_json(counts)
    else:
        click.echo(f"{counts['extracted']} of {counts['pending']} pending versions extracted "
                   f"({counts['criteria']} criteria, {counts['failed']} failed) "
                   f"by {counts['extractor']}")
    if counts["failed"]:
        sys.exit(1)


def _summary(result: dict[str, Any]) -> str:
    dates = ", ".join(f"{k} {v}" for k, v in (result["dates"] or {}).items() if v) or "-"
    lines = [
        f"title:      {result['title'] or '-'}",
        f"doc number: {result['doc_number'] or '-'}",
        f"issuer:     {result['issuer'] or '-'}",
        f"dates:      {dates}",
        f"tiers:      {', '.join(result['tiers']) or '-'}",
        f"criteria:   {len(result['criteria'])}",
    ]
    for criterion in result["criteria"]:
        period = f" [{criterion['period']}]" if criterion["period"] else ""
        condition = " (conditional)" if criterion["condition"] else ""
        tier = criterion["tier"] or "-"
        if criterion.get("tier_inferred"):
            tier += " (inferred: the text names no subject tier)"
        lines.append(f"  {tier}: {criterion['metric']} {criterion['op']} "
                     f"{criterion['value']:,} {criterion['unit'] or ''}{period}{condition}")
    lines.append(f"scoring:    {len(result['scoring'])} rows; clauses: {len(result['clauses'])}")
    return "\n".join(lines)
