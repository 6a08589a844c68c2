"""``policywatch alerts``, ``subscribe``, ``notify``, ``feed``, ``serve`` and ``watch``."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import click

from policywatch.alerts.events import EVENT_TYPES
from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app
from policywatch.errors import PolicywatchError

_DURATION = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: ``alerts`` cuts summaries here (a 14-criteria diff runs to 1,500 characters); --json and
#: the full diff have everything.
SUMMARY_WIDTH = 400
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_duration(text: str) -> int:
    """Seconds in ``90s``, ``30m``, ``6h``, ``1d`` or ``1h30m``.

    >>> parse_duration("1h30m"), parse_duration("6h"), parse_duration("45s")
    (5400, 21600, 45)
    """
    compact = text.replace(" ", "")
    matches = list(_DURATION.finditer(compact))
    if not matches or "".join(m.group(0) for m in matches) != compact:
        raise click.BadParameter(f"{text!r} is not a duration like 30m, 6h, 1d or 1h30m")
    seconds = sum(int(m.group(1)) * _UNITS[m.group(2).lower()] for m in matches)
    if seconds <= 0:
        raise click.BadParameter("the interval must be longer than zero")
    return seconds


def _settings(config: Path | None) -> tuple[Any, Any]:
    from policywatch.settings import alert_settings, load_config, smtp_settings

    loaded = load_config(config)
    return alert_settings(loaded), smtp_settings(loaded)


def _config_option(func: Any) -> Any:
    return click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
                        help="TOML settings ([smtp], [alerts]); default $POLICYWATCH_CONFIG "
                        "or ./policywatch.toml.")(func)


def _metric_ids(values: tuple[str, ...]) -> list[str]:
    """Metric ids from ids or display names in Chinese or English (营业收入, revenue)."""
    from policywatch.nlp.extract.lexicon import display_names

    names: dict[str, str] = {}
    for key, entry in display_names("metrics").items():
        names.update({str(name).casefold(): key for name in (key, *entry.values())})
    ids = []
    for value in values:
        key = names.get(value.strip().casefold())
        if key is None:
            known = ", ".join(sorted(set(names.values())))
            raise click.BadParameter(f"unknown metric {value!r}; known: {known}",
                                     param_hint="--metric")
        ids.append(key)
    return ids


def _tier_ids(values: tuple[str, ...]) -> list[str]:
    """Tier ids from what was typed (专精特新, little giant, srdi_sme), as search reads them."""
    from policywatch.nlp.retrieval.search import FilterError, resolve_tiers

    try:
        return resolve_tiers(values)
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint="--tier") from None


def _print_report(report: Any) -> None:
    click.echo(f"events: {report.new_events} new; deliveries: {report.queued} queued, "
               f"{report.sent} sent in {report.messages} messages, {report.failed} failed, "
               f"{report.deferred} deferred")
    for problem in report.problems:
        click.echo(f"channel down: {problem['description']}: {problem['error']}; "
                   f"{problem['waiting']} deliveries will be retried from "
                   f"{problem['retry_at']}")


# -- alerts ------------------------------------------------------------------------------
@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print events and failures as JSON.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True,
              help="How many recent events.")
@click.option("--type", "types", multiple=True, type=click.Choice(EVENT_TYPES),
              help="Only events of this type (repeatable).")
@_config_option
@pass_app
@main_errors
def alerts(app: AppContext, as_json: bool, limit: int, types: tuple[str, ...],
           config: Path | None) -> None:
    """List recent change events and delivery failures.

    New events are derived first from what ``policywatch process`` stored (changes,
    repeals, new measures, dates, source health); nothing is sent (that is ``notify``).
    Each event has its summary in Chinese and English (cut at 400 characters; --json has
    all of it) and the path of its full diff.

    Example:

        policywatch alerts --json --limit 5
    """
    from policywatch.alerts import clip
    from policywatch.alerts.channels import type_label
    from policywatch.alerts.events import derive_events
    from policywatch.alerts.web import alerts_document
    from policywatch.store.alerts import delivery_counts, delivery_failures, recent_events

    settings, _ = _settings(config)
    store = app.store()
    derive_events(store, settings=settings)
    if as_json:
        document = alerts_document(store, limit=limit, public_url=settings.public_url)
        if types:
            document["events"] = [e for e in document["events"] if e["type"] in types]
        echo_json(document)
        return
    events = recent_events(store, limit=limit, types=types)
    if not events:
        click.echo("No events yet (crawl, then `policywatch process`).")
    for event in events:
        sent = event["deliveries"]
        status = ", ".join(f"{n} {s}" for s, n in sorted(sent.items())) or "not delivered"
        click.echo(f"#{event['id']:<5} {event['created_at']}  [{type_label(event['type'])}]"
                   f"  ({status})")
        click.echo(f"       {clip(event['summary_zh'], SUMMARY_WIDTH)}")
        click.echo(f"       {clip(event['summary_en'], SUMMARY_WIDTH)}")
        if event.get("diff_path"):
            click.echo(f"       full diff: {event['diff_path']}")
    failures = delivery_failures(store, limit=limit)
    counts = delivery_counts(store)
    click.echo(f"deliveries: {counts['sent']} sent, {counts['pending']} pending, "
               f"{counts['failed']} failed")
    for failure in failures:
        click.echo(f"  failed: event #{failure['event_id']} -> {failure['channel']} "
                   f"{failure['target']} (subscription #{failure['subscription_id']}), "
                   f"{failure['attempts']} attempts, next {failure['next_attempt_at']}: "
                   f"{failure['last_error']}")


# -- subscribe ---------------------------------------------------------------------------
@click.command()
@click.option("--tier", "tiers", multiple=True, metavar="TIER",
              help="innovative_sme, srdi_sme, little_giant, or a name: 创新型, 专精特新, 小巨人, "
                   "little giant.")
@click.option("--metric", "metrics", multiple=True, metavar="METRIC",
              help="A criteria metric: revenue, rd_ratio, debt_ratio, ...")
@click.option("--issuer", "issuers", multiple=True, metavar="TEXT",
              help="Part of the issuer's name, e.g. 工业和信息化部.")
@click.option("--region", "regions", multiple=True, metavar="TEXT",
              help="Part of a region: 江苏, 广东省, national.")
@click.option("--source", "sources", multiple=True, metavar="SOURCE",
              help="A source id: miit, govcn, jiangsu, ...")
@click.option("--keyword", "keywords", multiple=True, metavar="TEXT",
              help="Contained in a title, a summary or a document number.")
@click.option("--language", "languages", multiple=True, type=click.Choice(["zh", "en"]),
              help="A language the notices exist in.")
@click.option("--event", "types", multiple=True, type=click.Choice(EVENT_TYPES),
              help="Event types (default: all).")
@click.option("--webhook", metavar="URL", help="POST each event as JSON to this URL.")
@click.option("--secret", metavar="SECRET",
              help="Sign webhook bodies: X-Policywatch-Signature: sha256=<HMAC-SHA256 hex>.")
@click.option("--email", metavar="ADDRESS", help="Mail each event (SMTP from the config).")
@click.option("--feed", is_flag=True, help="Add events to an Atom feed file.")
@click.option("--feed-file", type=click.Path(dir_okay=False, path_type=Path),
              help="The feed file of --feed (default <db stem>.feed.xml).")
@click.option("--digest", is_flag=True, help="One message per notify run, not one per event.")
@click.option("--backfill", is_flag=True,
              help="Also deliver matching events recorded before subscribing.")
@click.option("--name", metavar="TEXT", help="A label for --list.")
@click.option("--list", "list_all", is_flag=True, help="List active subscriptions and exit.")
@click.option("--remove", "remove_id", type=int, metavar="ID", help="Stop subscription ID.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
@main_errors
def subscribe(app: AppContext, tiers: tuple[str, ...], metrics: tuple[str, ...],
              issuers: tuple[str, ...], regions: tuple[str, ...], sources: tuple[str, ...],
              keywords: tuple[str, ...], languages: tuple[str, ...], types: tuple[str, ...],
              webhook: str | None, secret: str | None, email: str | None, feed: bool,
              feed_file: Path | None, digest: bool, backfill: bool, name: str | None,
              list_all: bool, remove_id: int | None, as_json: bool) -> None:
    """Subscribe to change events by tier, metric, issuer, region, source or keyword.

    Filters combine with AND; repeat an option for OR (--tier srdi_sme --tier
    little_giant). Each event reaches a subscription once, with the reason it matched.
    Channels: --webhook URL (JSON POST, optionally signed with --secret), --email ADDRESS
    (SMTP settings from policywatch.toml or POLICYWATCH_SMTP_* variables) or --feed (an
    Atom file). `policywatch notify` delivers.

    Example:

        policywatch subscribe --tier srdi_sme --email me@example.org
    """
    from policywatch.alerts.delivery import default_feed_path
    from policywatch.alerts.subscriptions import describe_filters, normalize_filters
    from policywatch.store.alerts import (
        add_subscription,
        deactivate_subscription,
        list_subscriptions,
    )

    store = app.store(create=True)
    if list_all:
        rows = list_subscriptions(store)
        if as_json:
            for row in rows:
                row["secret"] = bool(row["secret"])
            echo_json(rows)
            return
        if not rows:
            click.echo("No subscriptions.")
        for row in rows:
            counts = ", ".join(f"{n} {s}" for s, n in sorted(row["deliveries"].items()))
            click.echo(f"#{row['id']:<4} {row['channel']:<8} {row['target']}"
                       f"{' (digest)' if row['digest'] else ''}"
                       f"{' signed' if row['secret'] else ''}  "
                       f"{describe_filters(row['filters'])}"
                       f"{'  ' + row['name'] if row['name'] else ''}"
                       f"{'  [' + counts + ']' if counts else ''}")
        return
    if remove_id is not None:
        if not deactivate_subscription(store, remove_id):
            raise PolicywatchError(f"no active subscription {remove_id}")
        click.echo(f"subscription #{remove_id} stopped")
        return
    channels = [c for c, given in (("webhook", webhook), ("email", email), ("feed", feed))
                if given]
    if len(channels) != 1:
        raise click.UsageError("give exactly one channel: --webhook URL, --email ADDRESS or "
                               "--feed (or --list / --remove ID)")
    channel = channels[0]
    if secret and channel != "webhook":
        raise click.BadParameter("--secret signs webhook bodies only", param_hint="--secret")
    if feed_file and channel != "feed":
        raise click.BadParameter("--feed-file goes with --feed", param_hint="--feed-file")
    if channel == "webhook":
        assert webhook is not None
        if not re.match(r"^https?://[^\s/]+", webhook):
            raise click.BadParameter(f"{webhook!r} is not an http(s) URL",
                                     param_hint="--webhook")
        target = webhook
    elif channel == "email":
        assert email is not None
        if not _EMAIL.match(email):
            raise click.BadParameter(f"{email!r} is not an e-mail address",
                                     param_hint="--email")
        target = email
    else:
        target = str((feed_file or default_feed_path(store)).resolve())
    filters = normalize_filters(
        types=list(types), tiers=_tier_ids(tiers),
        metrics=_metric_ids(metrics),
        issuers=list(issuers), regions=list(regions), sources=list(sources),
        keywords=list(keywords), languages=list(languages))
    subscription_id = add_subscription(store, channel=channel, target=target, filters=filters,
                                       secret=secret, digest=digest, name=name,
                                       backfill=backfill)
    if as_json:
        echo_json({"id": subscription_id, "channel": channel, "target": target,
                   "filters": filters, "digest": digest, "signed": bool(secret)})
        return
    click.echo(f"subscription #{subscription_id}: {channel} {target}"
               f"{' (digest)' if digest else ''}; {describe_filters(filters)}")


# -- notify ------------------------------------------------------------------------------
@click.command()
@click.option("--retry-now", is_flag=True,
              help="Retry failed deliveries now instead of waiting for their backoff.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@_config_option
@pass_app
@main_errors
def notify(app: AppContext, retry_now: bool, as_json: bool, config: Path | None) -> None:
    """Deliver pending alerts to every subscription.

    Derives new events, matches them to subscriptions and sends what is due. Each
    (subscription, event) is sent once: running it again sends nothing new. A channel
    that is down is reported and retried on later runs with exponential backoff; the exit
    status stays 0.

    Example:

        policywatch notify
    """
    from policywatch.alerts.delivery import notify as run_notify

    settings, smtp = _settings(config)
    report = run_notify(app.store(), settings=settings, smtp=smtp, ignore_backoff=retry_now)
    if as_json:
        echo_json(report.as_dict())
        return
    _print_report(report)


# -- feed --------------------------------------------------------------------------------
@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The Atom file to write.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="Entries in the feed.")
@click.option("--subscription", "subscription_id", type=int, metavar="ID",
              help="Only the events this subscription takes.")
@_config_option
@pass_app
@main_errors
def feed(app: AppContext, output: Path, limit: int, subscription_id: int | None,
         config: Path | None) -> None:
    """Write the Atom feed of recent events.

    Atom 1.0: one entry per event with both summaries, links to the notices and to the
    full diff (a URL when [alerts] public_url is set, else a file:// path).

    Example:

        policywatch feed -o alerts.xml
    """
    from policywatch.alerts.channels import atom_feed, write_file_atomically
    from policywatch.alerts.events import derive_events
    from policywatch.alerts.subscriptions import select_events
    from policywatch.store.alerts import get_subscription, recent_events

    settings, _ = _settings(config)
    store = app.store()
    derive_events(store, settings=settings)
    if subscription_id is not None:
        subscription = get_subscription(store, subscription_id)
        if subscription is None:
            raise PolicywatchError(f"no subscription {subscription_id}")
        events = [e for e, _ in select_events(subscription["filters"],
                                              sorted(recent_events(store, limit=100_000),
                                                     key=lambda e: e["id"]))][-limit:]
    else:
        events = recent_events(store, limit=limit)
    write_file_atomically(output, atom_feed(events, public_url=settings.public_url))
    click.echo(f"wrote {output} ({len(events)} entries)")


# -- serve -------------------------------------------------------------------------------
@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0 picks a free one).")
@_config_option
@pass_app
@main_errors
def serve(app: AppContext, host: str, port: int, config: Path | None) -> None:
    """Serve the web view and the Atom feed.

    Read-only: /feed.xml (Atom), /alerts.json (events and delivery failures) and
    /diffs/<change>.html (full diffs). Binds to 127.0.0.1 unless --host says otherwise.

    Example:

        policywatch serve --port 8000
    """
    from policywatch.alerts.web import make_server

    settings, _ = _settings(config)
    app.store()  # fails on a missing database; migrates an old one before serving it
    try:
        server = make_server(app.db_path, host, port, settings.public_url)
    except OSError as exc:
        raise PolicywatchError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                               ) from None
    bound_host, bound_port = server.server_address[:2]
    click.echo(f"serving {app.db_path} on http://{bound_host}:{bound_port}/ "
               "(/feed.xml, /alerts.json, /diffs/); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()


# -- watch -------------------------------------------------------------------------------
@click.command()
@click.argument("sources", nargs=-1)
@click.option("--every", "every", default="6h", show_default=True, metavar="DURATION",
              help="Time between rounds: 30m, 6h, 1d, 1h30m.")
@click.option("--once", is_flag=True, help="Run one round and exit.")
@click.option("--replay", "--base-url", "replay", metavar="URL",
              help="Crawl this local replay instead of the live sites.")
@click.option("--max-pages", type=click.IntRange(1, 1000), metavar="N",
              help="List pages to walk per column.")
@_config_option
@pass_app
@main_errors
def watch(app: AppContext, sources: tuple[str, ...], every: str, once: bool,
          replay: str | None, max_pages: int | None, config: Path | None) -> None:
    """Crawl, process and notify on a schedule.

    Each round crawls every source (or those named), runs the NLP stage and delivers
    alerts; a round that fails is reported and the next one still runs.

    Example:

        policywatch watch --every 6h
    """
    from policywatch.alerts.delivery import notify as run_notify
    from policywatch.commands.crawl import summarize_run
    from policywatch.crawler.run import run_crawl_subprocess
    from policywatch.stages import process_pending

    interval = parse_duration(every)
    settings, smtp = _settings(config)
    round_number = 0
    while True:
        round_number += 1
        started = time.monotonic()
        click.echo(f"round {round_number}: crawl")
        try:
            runs = run_crawl_subprocess(app.db_path, list(sources) or None, replay_base=replay,
                                        max_pages=max_pages)
            for run in runs:
                click.echo("  " + summarize_run(run))
        except (RuntimeError, OSError, ValueError) as exc:
            click.echo(f"  crawl failed: {exc}", err=True)
        store = app.store(create=True)
        try:
            process_pending(store, echo=lambda line: click.echo("  " + line))
            report = run_notify(store, settings=settings, smtp=smtp)
            _print_report(report)
        except PolicywatchError as exc:
            click.echo(f"  round failed: {exc}", err=True)
        if once:
            return
        wait = max(0.0, interval - (time.monotonic() - started))
        click.echo(f"next round in {int(wait)}s (Ctrl-C stops)")
        try:
            time.sleep(wait)
        except KeyboardInterrupt:
            click.echo("stopped")
            return
