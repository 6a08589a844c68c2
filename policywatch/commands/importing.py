"""``policywatch import``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app
from policywatch.importer import ImportFailed, import_file
from policywatch.store.identity import canonical_url
from policywatch.store.runs import finish_run, start_run


def _check_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        canonical_url(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", callback=_check_url, metavar="URL",
              help="The page this file is a saved copy of (only with a single PATH); a page "
                   "of a watched site is then read by that site's parser.")
@click.option("--source", metavar="SOURCE",
              help="Read saved pages with this source's parser (govcn, miit, jiangsu, ...) "
                   "whatever their URL.")
@pass_app
@main_errors
def import_command(app: AppContext, paths: tuple[Path, ...], url: str | None,
                   source: str | None) -> None:
    """Add saved files to the store as notices: HTML, TXT, PDF, DOC, DOCX, WPS, XLS, XLSX, OFD, ZIP.

    Prints one JSON line per file: path, notice_id, version_id and status (new,
    new_version or unchanged). A file that cannot be read is reported on stderr and the
    others are still imported; the exit status is then 1. Files over the size or text
    limits ([limits] in policywatch.toml) are refused; files of a format no reader knows
    are kept as bytes and say so.

    Example:

        policywatch import notice.html --url https://www.gov.cn/zhengce/a.htm
    """
    if url and len(paths) > 1:
        raise click.UsageError("--url gives one file one identity: pass a single PATH")
    from policywatch.crawler.parsers import PARSERS
    from policywatch.settings import limit_settings

    if source is not None and source not in PARSERS:
        raise click.BadParameter(f"no parser for {source!r}; known: {', '.join(sorted(PARSERS))}",
                                 param_hint="--source")
    limits = limit_settings()
    store = app.store(create=True)
    run_id = start_run(store.db, "import", {"paths": [str(p) for p in paths], "url": url})
    counts = {"new": 0, "new_version": 0, "unchanged": 0, "failed": 0}
    for path in paths:
        try:
            result = import_file(store, path, url=url, run_id=run_id, source=source,
                                 limits=limits)
        except ImportFailed as exc:
            counts["failed"] += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        counts[result.status] += 1
        echo_json(result.as_dict())
    finish_run(store.db, run_id, "failed" if counts["failed"] else "ok", counts)
    if counts["failed"]:
        sys.exit(1)
