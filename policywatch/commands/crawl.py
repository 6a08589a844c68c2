"""``policywatch crawl`` and ``policywatch parse``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app
from policywatch.errors import PolicywatchError
from policywatch.store import Store, open_store
from policywatch.store.text import shorten


def summarize_run(run: dict) -> str:
    """One line per crawl run: source, status and what it stored."""
    stats = run["stats"]
    source = run["args"].get("source", "?")
    new = stats.get(f"policywatch/{source}/notices/new", 0)
    changed = stats.get(f"policywatch/{source}/notices/new_version", 0)
    unchanged = stats.get(f"policywatch/{source}/notices/unchanged", 0)
    skipped = stats.get("policywatch/requests/skipped_known", 0) + stats.get(
        "policywatch/requests/not_modified", 0)
    attachments = sum(v for k, v in stats.items() if k.startswith("policywatch/attachments/"))
    health = {k.rsplit("/", 1)[1]: v for k, v in stats.items()
              if k.startswith("policywatch/health/")}
    requests = stats.get("downloader/request_count", 0)
    revisits = stats.get("policywatch/revisit/requests", 0)
    deferred = stats.get("policywatch/revisit/deferred", 0)
    line = (f"{source:<10} {run['status']:<11} new {new:>3}  changed {changed:>3}  "
            f"unchanged {unchanged:>3}  skipped-known {skipped:>3}  revisits {revisits:>3}  "
            f"attachments {attachments:>3}  requests {requests:>4}")
    if deferred:
        line += f"  ({deferred} revisits wait for the next run: ceiling)"
    if health:
        line += "  health: " + ", ".join(f"{k}={v}" for k, v in sorted(health.items()))
    return line


def crawl_configuration(config: Path | None) -> tuple[dict[str, Any], list[Any]]:
    """The crawler's revisit settings (``[crawl]``) and the configured sources
    (``[sources.NAME]``) of a configuration file (``--config``, ``$POLICYWATCH_CONFIG`` or
    ``./policywatch.toml``).

    Raises:
        ConfigError: a wrong setting, named by its table and key.
    """
    from policywatch.settings import crawl_settings, load_config, source_settings

    loaded = load_config(config)
    return crawl_settings(loaded).scrapy_settings(), source_settings(loaded)


def _echo_catalogue(catalogue: list[dict[str, Any]]) -> None:
    width = max(len(row["name"]) for row in catalogue)
    for row in catalogue:
        click.echo(f"{row['name']:<{width}}  {row['origin']:<10}  {row['platform']:<12}  "
                   f"{row['title']}")
        for url in row["urls"]:
            click.echo(f"{'':<{width}}  {url}")


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--replay", "--base-url", "replay", metavar="URL",
              help="Fetch every watched host from this local replay instead of the live site.")
@click.option("--jobdir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep resumable crawl state here: a killed crawl resumes where it stopped.")
@click.option("--max-pages", type=click.IntRange(1, 1000), metavar="N",
              help="List pages to walk per column (default: the source's max_pages, else 5).")
@click.option("--refresh", is_flag=True,
              help="Revisit every known page and attachment now, whatever the schedule "
                   "and ceilings say (e.g. after changing a parser).")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML settings with [crawl] (the revisit policy) and [sources.NAME] (sites "
                   "to watch); default $POLICYWATCH_CONFIG or ./policywatch.toml "
                   "(e.g. --config watch.toml).")
@click.option("--list", "list_sources", is_flag=True,
              help="List the sources (built-in and configured) with their URLs and exit.")
@click.option("--frontier", metavar="redis://HOST:PORT/DB",
              help="Share the crawl frontier with other workers through Redis "
                   "(scrapy-redis): run this command in as many processes or machines as "
                   "wanted; each cycle fetches again, a killed worker's requests are "
                   "re-queued.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs log rows as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@pass_app
@main_errors
def crawl(app: AppContext, sources: tuple[str, ...], replay: str | None, jobdir: Path | None,
          max_pages: int | None, refresh: bool, config: Path | None, list_sources: bool,
          frontier: str | None, as_json: bool, verbose: bool) -> None:
    """Run the spiders (all sources, or those named) against the real sites.

    Sources are the built-in spiders and the sites [sources.NAME] tables of the
    configuration describe (platform trs, hanweb, gkmlpt, jpaas, or generic for any other
    site). New notices are fetched at once; known pages and attachments are looked at
    again when the revisit schedule says ([crawl] revisit, revisit_max,
    revisit_max_per_run, revisit_max_per_host): conditionally where the site gave
    validators, in full otherwise, and a version is made only when the content changed.
    Blocks, JavaScript challenges, captchas and layout changes are recorded as
    source-health events, never as "no new notices".

    With --frontier, this process is one worker of a crawl shared through Redis: start
    the same command in more processes on the same database and the workers split the
    requests (README, "A shared frontier").

    Example:

        policywatch crawl govcn miit --max-pages 2
    """
    from policywatch.crawler.frontier import FrontierError
    from policywatch.crawler.run import UnknownSource, run_crawl, source_catalog
    from policywatch.crawler.sources import SourceConfigError

    revisit, configured = crawl_configuration(config)
    try:
        if list_sources:
            catalogue = source_catalog(configured)
            if as_json:
                echo_json(catalogue)
            else:
                _echo_catalogue(catalogue)
            return
        runs = run_crawl(app.db_path, list(sources) or None, replay_base=replay,
                         jobdir=jobdir, progress=not as_json,
                         log_level="INFO" if verbose else "WARNING", max_pages=max_pages,
                         refresh=refresh, settings=revisit, configured=configured,
                         frontier=frontier)
    except UnknownSource as exc:
        raise click.BadParameter(str(exc), param_hint="SOURCES") from None
    except (SourceConfigError, FrontierError) as exc:
        raise PolicywatchError(str(exc)) from None
    if as_json:
        echo_json(runs)
        return
    with open_store(app.db_path) as store:
        for run in runs:
            click.echo(summarize_run(run))
            for cause in health_causes(store, run["id"]):
                click.echo(f"    {cause}")


def health_causes(store: Store, run_id: int, limit: int = 3) -> list[str]:
    """The first few distinct reasons a run's source was unhealthy, readable on one line each
    (a DNS failure, a 403, a captcha page), so a failed crawl says why on screen."""
    rows = store.db.execute(
        "select kind, url, http_status, detail, count(*) from health_events where run_id = ? "
        "group by kind, coalesce(detail, '') order by min(id)", [run_id]).fetchall()
    causes = []
    for kind, url, status, detail, count in rows[:limit]:
        reason = detail or (f"HTTP {status}" if status else kind)
        more = f" (and {count - 1} more)" if count > 1 else ""
        causes.append(f"{kind}: {shorten(reason, 120)} <{url}>{more}")
    if len(rows) > limit:
        causes.append(f"... {len(rows) - limit} other causes (health_events, run {run_id})")
    return causes


@click.command()
@click.option("--source", required=True, metavar="SOURCE",
              help="Whose parser to use: a built-in source, or generic (what a [sources.NAME] "
                   "with platform generic reads; e.g. --source generic).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", metavar="URL", help="The page's address (resolves relative links).")
@click.option("--json", "as_json", is_flag=True, help="Print the item as JSON.")
@main_errors
def parse(source: str, file: Path, url: str | None, as_json: bool) -> None:
    """Parse one saved page with a source's parser and print the item.

    Keys: title, doc_number, issuer, index_number, written_date, published_date (ISO
    dates), body_text, attachments, url.

    Example:

        policywatch parse --source govcn saved/content_5365945.html --json
    """
    from policywatch.crawler.parsers import PARSERS, LayoutMismatch
    from policywatch.crawler.parsers.generic import parse_generic_page

    # generic is a platform, not a source: it reads pages of sites no parser was written for.
    parsers = {**PARSERS, "generic": parse_generic_page}
    parser = parsers.get(source)
    if parser is None:
        raise click.BadParameter(f"no parser for {source!r}; known: {', '.join(sorted(parsers))}",
                                 param_hint="--source")
    try:
        page = parser(file.read_bytes(), url, None)
    except LayoutMismatch as exc:
        raise PolicywatchError(f"{file}: does not look like a {source} page: {exc}") from None
    item = page.as_dict()
    item.pop("body_html")
    if as_json:
        echo_json(item)
        return
    for key in ("title", "doc_number", "issuer", "index_number", "written_date",
                "published_date", "url"):
        click.echo(f"{key:<15} {item.get(key) or ''}")
    for attachment in item["attachments"]:
        click.echo(f"{'attachment':<15} {attachment['name']} <{attachment['url']}>")
    click.echo("")
    click.echo(item["body_text"])
