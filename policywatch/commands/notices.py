"""``policywatch notices`` (the catalogue) and ``policywatch remove``."""

from __future__ import annotations

import click

from policywatch.commands.context import (
    AppContext,
    echo_json,
    main_errors,
    pass_app,
    tier_ids,
)
from policywatch.store.text import shorten


@click.command("notices")
@click.option("--tier", "tiers", multiple=True, metavar="TIER",
              help="About a tier: srdi_sme, little_giant, innovative_sme (or 专精特新, 小巨人, "
                   "little giant); repeatable.")
@click.option("--source", "sources", multiple=True, metavar="ID",
              help="Only this source (govcn, miit, jiangsu, import, ...); repeatable.")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Document kind (normative, notice, interpretation, news, list, form, other) "
                   "or type (measures, standard, publicity, ...); repeatable.")
@click.option("--since", metavar="DATE", help="Published on or after DATE (YYYY-MM-DD).")
@click.option("--attachments", is_flag=True, help="List attachment files too.")
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="Rows to show.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Rows to skip (paging).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {notice_id, version_id, versions, source_id, url, title, "
                   "doc_number, issuer, published, language, kind, doc_type, tiers, measure_id}.")
@pass_app
@main_errors
def notices_command(app: AppContext, tiers: tuple[str, ...], sources: tuple[str, ...],
                    kinds: tuple[str, ...], since: str | None, attachments: bool, limit: int,
                    offset: int, as_json: bool) -> None:
    """List the notices in the database, newest publication first, with their ids.

    A notice is one document at one address; it has one or more versions (one per
    distinct content). The id to pass to extract, lineage, diff and remove is the notice
    id; the latest version's id is shown beside it.

    Example:

        policywatch --db policywatch-demo.db notices --tier 小巨人 --since 2022-01-01
    """
    from policywatch.store.catalog import NoticeFilters, list_notices

    filters = NoticeFilters(tiers=tuple(tier_ids(tiers)), sources=sources, kinds=kinds,
                            since=since, include_attachments=attachments)
    rows = list_notices(app.store(), filters, limit=limit, offset=offset)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no notices match" + (" (policywatch notices without filters lists all)"
                                          if tiers or sources or kinds or since else ""))
        return
    for row in rows:
        versions = f", {row['versions']} versions" if row["versions"] > 1 else ""
        click.echo(f"notice {row['notice_id']} (version {row['version_id']}{versions})  "
                   f"{row['published'] or '----------'}  [{row['source_id'] or '-'}] "
                   f"{row['kind'] or '-'}")
        click.echo(f"    {shorten(row['title'] or row['url'] or '(untitled)', 90)}"
                   + (f"  {row['doc_number']}" if row["doc_number"] else ""))
    if len(rows) == limit:
        click.echo(f"(first {limit} from {offset}; --limit and --offset show more)")


@click.command("remove")
@click.argument("notice_id", type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
@main_errors
def remove_command(app: AppContext, notice_id: int, yes: bool) -> None:
    """Remove a notice and everything derived from it.

    Its versions, attachments only it holds, extractions and criteria, search passages,
    lineage edges, changes and the alerts that name it are deleted; search no longer
    returns it. A later crawl that finds the page again stores it as new.

    Example:

        policywatch --db policywatch-demo.db remove 12 --yes
    """
    from policywatch.store.catalog import NoticeFilters, list_notices, remove_notice

    store = app.store()
    rows = [row for row in list_notices(store, NoticeFilters(include_attachments=True))
            if row["notice_id"] == notice_id]
    if rows and not yes:
        title = shorten(rows[0]["title"] or rows[0]["url"] or "(untitled)", 70)
        click.confirm(f"Remove notice {notice_id} ({title}) and all derived data?",
                      abort=True)
    removed = remove_notice(store, notice_id)
    parts = ", ".join(f"{count} {table}" for table, count in removed.items())
    click.echo(f"removed notice {notice_id}: {parts}")
