"""``policywatch alerts``, ``subscribe``, ``notify``, ``feed``, ``serve`` and ``watch``."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import click

from policywatch.alerts.events import EVENT_TYPES
from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app, tier_ids
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
                        help="TOML settings ([smtp], [alerts]; watch also [crawl] and "
                        "[sources.NAME]); default $POLICYWATCH_CONFIG or ./policywatch.toml.")(func)


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


def describe_totals(counts: dict[str, int]) -> str:
    """The ledger's line, the same in ``notify`` and ``alerts``.

    >>> describe_totals({"sent": 9, "failed": 1, "deferred": 2, "pending": 0, "dead": 1})
    'deliveries: 9 sent, 1 failed, 2 deferred, 0 pending, 1 dead'
    """
    from policywatch.store.alerts import COUNT_KEYS

    return "deliveries: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in COUNT_KEYS)


def _print_report(report: Any) -> None:
    click.echo(f"events: {report.new_events} new; this run: {report.queued} queued, "
               f"{report.sent} sent in {report.messages} messages, {report.failed} failed, "
               f"{report.deferred} deferred, {report.dead} dead"
               + (f" ({report.revived} dead ones retried)" if report.revived else ""))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        if problem["waiting"]:
            click.echo(f"channel down: {problem['description']}: {problem['error']}; "
                       f"{problem['waiting']} deliveries will be retried from "
                       f"{problem['retry_at']}")
        if problem["dead"]:
            click.echo(f"gave up: {problem['description']}: {problem['dead']} deliveries dead "
                       f"after {problem['attempts']} attempts: {problem['error']} "
                       "(policywatch notify --retry-dead once it is fixed)")
    if report.totals:
        click.echo(describe_totals(report.totals))


def _pending_note(store: Any) -> str | None:
    """How many versions wait for the NLP stage (events come from it), or None."""
    from policywatch.store.alerts import unprocessed_counts

    pending = unprocessed_counts(store)
    if not (pending["versions"] or pending["notices"]):
        return None
    return (f"{pending['versions']} versions and {pending['notices']} notices are not "
            "processed yet; their events come after `policywatch process`")


def _stale_note(store: Any) -> str | None:
    """What event derivation has not read yet (read-only commands never derive), or None."""
    from policywatch.alerts.events import pending_derivation

    pending = pending_derivation(store)
    if not pending:
        return None
    what = ", ".join(f"{count} {name}" for name, count in (
        ("changes", pending.get("changes", 0)), ("links", pending.get("edges", 0)),
        ("notices linked", pending.get("lineage_notices", 0)),
        ("crawl runs", pending.get("runs", 0))) if count)
    return (f"events may be stale: {what} stored since events were last derived "
            "(`policywatch process` or `notify` derives them)")


# -- alerts ------------------------------------------------------------------------------
@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print events and failures as JSON.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True,
              help="How many recent events (and failed deliveries).")
@click.option("--type", "types", multiple=True, type=click.Choice(EVENT_TYPES),
              help="Only events of this type (repeatable).")
@_config_option
@pass_app
@main_errors
def alerts(app: AppContext, as_json: bool, limit: int, types: tuple[str, ...],
           config: Path | None) -> None:
    """List recent change events and the deliveries that did not go out.

    Reads only: events are derived by ``policywatch process`` and ``notify`` (changes,
    repeals, new measures, dates, source health), and a line says when rows stored since
    then wait for derivation; nothing is sent (that is ``notify``).
    Each event has its summary in Chinese and English (cut at 400 characters; --json has
    all of it) and the path of its full diff. Then the ledger's counts (the line
    ``notify`` prints) and one line per failed, deferred and dead delivery; targets show
    no credentials.

    Example:

        policywatch alerts --json --limit 5
    """
    from policywatch.alerts import clip
    from policywatch.alerts.channels import type_label
    from policywatch.alerts.events import pending_derivation
    from policywatch.alerts.report import alerts_document
    from policywatch.alerts.targets import mask_target
    from policywatch.store.alerts import delivery_counts, delivery_failures, recent_events

    settings, _ = _settings(config)
    store = app.store()
    if as_json:
        document = alerts_document(store, limit=limit, public_url=settings.public_url)
        if types:
            document["events"] = [e for e in document["events"] if e["type"] in types]
        document["not_derived"] = pending_derivation(store)
        echo_json(document)
        return
    events = recent_events(store, limit=limit, types=types)
    if not events:
        click.echo("No events yet (crawl or import, then `policywatch process`).")
    for event in events:
        sent = event["deliveries"]
        status = ", ".join(f"{n} {s}" for s, n in sorted(sent.items())) or "not delivered"
        click.echo(f"#{event['id']:<5} {event['created_at']}  [{type_label(event['type'])}]"
                   f"  ({status})")
        click.echo(f"       {clip(event['summary_zh'], SUMMARY_WIDTH)}")
        click.echo(f"       {clip(event['summary_en'], SUMMARY_WIDTH)}")
        if event.get("diff_path"):
            click.echo(f"       full diff: {event['diff_path']}")
    note = _pending_note(store)
    if note:
        click.echo(f"note: {note} (`policywatch notify` processes them first)")
    stale = _stale_note(store)
    if stale:
        click.echo(f"note: {stale}")
    counts = delivery_counts(store)
    click.echo(describe_totals(counts))
    failures = delivery_failures(store, limit=None)
    for failure in failures[:limit]:
        label = "deferred" if failure["status"] == "pending" else failure["status"]
        error = (failure["last_error"] or "").removeprefix("deferred: ")
        target = mask_target(failure["channel"], failure["target"])
        when = (f"dead since {failure['dead_at']}" if label == "dead"
                else f"next {failure['next_attempt_at']}")
        click.echo(f"  {label}: event #{failure['event_id']} -> {failure['channel']} {target} "
                   f"(subscription #{failure['subscription_id']}), {failure['attempts']} "
                   f"attempts, {when}: {error}")
    if len(failures) > limit:
        click.echo(f"  ... and {len(failures) - limit} more (policywatch alerts --limit "
                   f"{len(failures)})")
    if counts.get("dead"):
        click.echo("dead deliveries are retried by `policywatch notify --retry-dead`")


# -- subscribe ---------------------------------------------------------------------------
def _channel(store: Any, url: str | None, webhook: str | None, email: str | None,
             feed: str | None, feed_file: Path | None, secret: str | None,
             secret_env: str | None) -> tuple[str, str | None]:
    """The channel the options name and its target (None: the default feed file, named
    after the subscription's id); every mistake is a usage error."""
    from policywatch.alerts.push import InvalidTarget, check_url
    from policywatch.alerts.targets import (
        MissingSecret,
        expand_env,
        native_to_apprise,
        robot_host,
    )

    if feed_file is not None and feed is None:
        raise click.BadParameter("--feed-file goes with --feed", param_hint="--feed-file")
    channels = [c for c, given in (("apprise", url), ("webhook", webhook), ("email", email),
                                   ("feed", feed is not None)) if given]
    if len(channels) != 1:
        raise click.UsageError("give exactly one channel: --url APPRISE-URL, --webhook URL, "
                               "--email ADDRESS or --feed [PATH] (or --list / --remove ID)")
    channel = channels[0]
    if (secret or secret_env) and channel != "webhook":
        raise click.BadParameter("--secret signs webhook bodies only", param_hint="--secret")
    if secret and secret_env:
        raise click.BadParameter("give the key once: --secret or --secret-env",
                                 param_hint="--secret-env")
    try:
        if secret_env:
            expand_env("${" + secret_env + "}")
        if channel == "apprise":
            assert url is not None
            target = native_to_apprise(url.strip())
            check_url(target)
            return channel, target
        if channel == "webhook":
            assert webhook is not None
            if not re.match(r"^https?://[^\s/]+", webhook):
                raise click.BadParameter(f"{webhook!r} is not an http(s) URL",
                                         param_hint="--webhook")
            host = robot_host(webhook)
            if host:
                raise click.BadParameter(
                    f"{host} is a chat robot: it takes its own message format, not "
                    "policywatch's JSON; subscribe with --url and the same address",
                    param_hint="--webhook")
            expand_env(webhook)
            return channel, webhook
    except (MissingSecret, InvalidTarget) as exc:
        hint = "--url" if url else ("--secret-env" if secret_env and secret_env in str(exc)
                                    else "--webhook")
        raise click.BadParameter(str(exc), param_hint=hint) from None
    if channel == "email":
        assert email is not None
        if not _EMAIL.match(email):
            raise click.BadParameter(f"{email!r} is not an e-mail address",
                                     param_hint="--email")
        return channel, email
    path = feed_file or (Path(feed) if feed else None)
    if path is None:
        return channel, None
    resolved = path.resolve()
    database = store.path.resolve()
    if resolved in {database, Path(f"{database}-wal"), Path(f"{database}-shm")}:
        raise click.BadParameter(f"{path} is the database", param_hint="--feed")
    return channel, str(resolved)


def _refuse_feed_clash(store: Any, target: str, exclude: int | None = None) -> None:
    from policywatch.store.alerts import subscriptions_writing

    holders = subscriptions_writing(store, target, exclude=exclude)
    if holders:
        raise click.UsageError(f"feed file {target} is already written by subscription "
                               f"#{holders[0]}; give this one its own: --feed PATH")


def _check_smtp(smtp: Any) -> None:
    """Refuse --email when no SMTP server is configured: said now, at the keyboard, rather
    than as a failed delivery at the next ``notify``; warn when mail would go out in clear
    text."""
    from policywatch.alerts.channels import cleartext_warning

    if not smtp.configured:
        raise click.UsageError(
            "--email needs an SMTP server: set [smtp] host in policywatch.toml (or "
            "POLICYWATCH_SMTP_HOST, or --config FILE) and subscribe again, or send through "
            "Apprise: --url 'mailtos://USER:${SMTP_PASSWORD}@smtp.example.org/?to=ADDRESS'")
    warning = cleartext_warning(smtp)
    if warning:
        click.echo(f"warning: {warning}", err=True)


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
              help="Event types (default: all; with --profile: eligibility_changed).")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A company profile (TOML or JSON, see `policywatch check`): hear when a "
                   "new version flips its status for a tier (eligibility_changed), e.g. "
                   "--profile company.toml --feed.")
@click.option("--url", metavar="APPRISE-URL",
              help="Send through Apprise to any URL it knows; ${NAME} is read from the "
                   "environment at each send, e.g. --url 'dingtalk://${DINGTALK_TOKEN}/'.")
@click.option("--webhook", metavar="URL",
              help="POST each event as policywatch's JSON, e.g. --webhook "
                   "https://example.org/hook.")
@click.option("--secret", metavar="SECRET",
              help="Sign webhook bodies (X-Policywatch-Timestamp, X-Policywatch-Signature), "
                   "e.g. --secret s3cret.")
@click.option("--secret-env", metavar="NAME",
              help="Read the webhook key from this variable at each send instead, e.g. "
                   "--secret-env HOOK_SECRET.")
@click.option("--email", metavar="ADDRESS",
              help="Mail each event (SMTP from the config), e.g. --email me@example.org.")
@click.option("--feed", is_flag=False, flag_value="", default=None, metavar="[PATH]",
              help="Write events to an Atom file (default <db stem>.feed-<id>.xml), e.g. "
                   "--feed public/srdi.xml.")
@click.option("--feed-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Same as --feed PATH, e.g. --feed --feed-file srdi.xml.")
@click.option("--digest", is_flag=True,
              help="One message per notify run, not one per event, e.g. --feed --digest.")
@click.option("--backfill", is_flag=True,
              help="Also deliver matching events recorded before subscribing, e.g. "
                   "--tier srdi_sme --feed --backfill.")
@click.option("--name", metavar="TEXT", help="A label for --list, e.g. --name SRDI.")
@click.option("--test", "send_sample", is_flag=True,
              help="Send a sample alert now and say what came back; nothing is saved when "
                   "it does not arrive, e.g. --url dingtalk://TOKEN/ --test.")
@click.option("--update", "update_id", type=int, metavar="ID",
              help="Send subscription ID's alerts to the channel given instead (its "
                   "undelivered ones too), e.g. --update 3 --webhook https://new.example.org/h.")
@click.option("--list", "list_all", is_flag=True,
              help="List active subscriptions and exit, e.g. subscribe --list --json.")
@click.option("--remove", "remove_id", type=int, metavar="ID",
              help="Stop subscription ID, e.g. --remove 3.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_config_option
@pass_app
@main_errors
def subscribe(app: AppContext, tiers: tuple[str, ...], metrics: tuple[str, ...],
              issuers: tuple[str, ...], regions: tuple[str, ...], sources: tuple[str, ...],
              keywords: tuple[str, ...], languages: tuple[str, ...], types: tuple[str, ...],
              profile_path: Path | None, url: str | None, webhook: str | None, secret: str | None,
              secret_env: str | None, email: str | None, feed: str | None,
              feed_file: Path | None, digest: bool, backfill: bool, name: str | None,
              send_sample: bool, update_id: int | None, list_all: bool,
              remove_id: int | None, as_json: bool, config: Path | None) -> None:
    """Subscribe to change events by tier, metric, issuer, region, source or keyword.

    Filters combine with AND; repeat an option for OR (--tier srdi_sme --tier
    little_giant). Each event reaches a subscription once, with the reason it matched.
    Channels: --url (any Apprise URL: dingtalk://, wecombot://, feishu://, lark://,
    slack://, tgram://, mailto://, json://, ...; the robot URL DingTalk or Feishu shows
    works too), --webhook URL (policywatch's JSON, signed with --secret or --secret-env),
    --email ADDRESS (SMTP from policywatch.toml or POLICYWATCH_SMTP_*; refused until one
    is configured) or --feed [PATH] (an Atom file per subscription). New subscriptions
    hear only about later events unless --backfill. `policywatch notify` delivers;
    --test tries the channel now; --update ID points a subscription elsewhere.
    --profile FILE keeps a company profile: a version stored later that flips its status
    for a tier (eligible, not eligible, unknown) makes one eligibility_changed event,
    naming the criteria that flipped, for this subscription alone.

    Example:

        policywatch subscribe --tier srdi_sme --url dingtalk://TOKEN/ --test
    """
    from policywatch.alerts.delivery import default_feed_path, describe_channel, send_test
    from policywatch.alerts.subscriptions import describe_filters, normalize_filters
    from policywatch.alerts.targets import mask_target
    from policywatch.store.alerts import (
        add_subscription,
        deactivate_subscription,
        delete_unused_subscription,
        get_subscription,
        list_subscriptions,
        update_subscription_channel,
    )

    store = app.store(create=True)
    if list_all:
        rows = list_subscriptions(store)
        for row in rows:
            row["target"] = mask_target(row["channel"], row["target"])
            row["signed"] = bool(row["secret"] or row.get("secret_env"))
            row["secret"] = bool(row["secret"])
        if as_json:
            echo_json(rows)
            return
        if not rows:
            click.echo("No subscriptions.")
        for row in rows:
            counts = ", ".join(f"{n} {s}" for s, n in sorted(row["deliveries"].items()))
            key = (f" signed (key from ${row['secret_env']})" if row.get("secret_env")
                   else " signed" if row["secret"] else "")
            click.echo(f"#{row['id']:<4} {row['channel']:<8} {row['target']}"
                       f"{' (digest)' if row['digest'] else ''}{key}  "
                       f"{describe_filters(row['filters'])}"
                       f"{'  ' + row['name'] if row['name'] else ''}"
                       f"{'  [' + counts + ']' if counts else ''}")
        return
    if remove_id is not None:
        if not deactivate_subscription(store, remove_id):
            raise PolicywatchError(f"no active subscription {remove_id}")
        click.echo(f"subscription #{remove_id} stopped")
        return
    settings, smtp = _settings(config)
    channel, target = _channel(store, url, webhook, email, feed, feed_file, secret,
                               secret_env)
    if channel == "email":
        _check_smtp(smtp)
    if update_id is not None:
        given = [flag for flag, value in (
            ("--tier", tiers), ("--metric", metrics), ("--issuer", issuers),
            ("--region", regions), ("--source", sources), ("--keyword", keywords),
            ("--language", languages), ("--event", types), ("--digest", digest),
            ("--backfill", backfill), ("--name", name), ("--profile", profile_path)) if value]
        if given:
            raise click.UsageError(
                f"--update changes where alerts go, not what they are about ({', '.join(given)}"
                " given): --remove the subscription and subscribe again (--backfill for "
                "earlier events)")
        existing = get_subscription(store, update_id)
        if existing is None or not existing["active"]:
            raise PolicywatchError(f"no active subscription {update_id}")
        target = target or str(default_feed_path(store, update_id).resolve())
        if channel == "feed":
            _refuse_feed_clash(store, target, exclude=update_id)
        candidate = {**existing, "channel": channel, "target": target, "secret": secret,
                     "secret_env": secret_env}
        answer = None
        if send_sample:
            try:
                answer = send_test(store, candidate, settings=settings, smtp=smtp)
            except PolicywatchError as exc:
                raise PolicywatchError(f"test alert not delivered, subscription #{update_id} "
                                       f"unchanged: {exc}") from None
        revived = update_subscription_channel(store, update_id, channel=channel,
                                              target=target, secret=secret,
                                              secret_env=secret_env)
        if as_json:
            echo_json({"id": update_id, "channel": channel,
                       "target": mask_target(channel, target), "due_again": revived,
                       "test": answer})
            return
        click.echo(f"subscription #{update_id}: alerts now go to "
                   f"{describe_channel(candidate)}; {revived} undelivered deliveries are due "
                   "again (policywatch notify)")
        if answer:
            click.echo(f"test alert: {answer}")
        return
    if target is not None and channel == "feed":
        _refuse_feed_clash(store, target)
    profile = None
    if profile_path is not None:
        from policywatch.eligibility.profiles import load_profile

        profile = load_profile(profile_path)
        types = types or ("eligibility_changed",)
    filters = normalize_filters(
        types=list(types), tiers=tier_ids(tiers),
        metrics=_metric_ids(metrics),
        issuers=list(issuers), regions=list(regions), sources=list(sources),
        keywords=list(keywords), languages=list(languages))
    subscription_id = add_subscription(
        store, channel=channel, target=target, filters=filters, secret=secret,
        secret_env=secret_env, digest=digest, name=name, backfill=backfill,
        target_for_id=(lambda new_id: str(default_feed_path(store, new_id).resolve()))
        if target is None else None)
    if profile is not None:
        from policywatch.eligibility.changes import attach_profile

        filters = attach_profile(store, subscription_id, profile, filters, backfill=backfill)
    created = get_subscription(store, subscription_id)
    assert created is not None
    answer = None
    if send_sample:
        try:
            answer = send_test(store, created, settings=settings, smtp=smtp)
        except PolicywatchError as exc:
            delete_unused_subscription(store, subscription_id)
            raise PolicywatchError(f"test alert not delivered, nothing saved: {exc}") from None
    shown = mask_target(channel, created["target"])
    if as_json:
        echo_json({"id": subscription_id, "channel": channel, "target": shown,
                   "filters": filters, "digest": digest,
                   "signed": bool(secret or secret_env), "backfill": backfill, "test": answer,
                   "profile": profile.as_dict() if profile else None})
        return
    click.echo(f"subscription #{subscription_id}: {channel} {shown}"
               f"{' (digest)' if digest else ''}; {describe_filters(filters)}"
               f"{'; earlier events too (--backfill)' if backfill else ''}")
    if profile is not None:
        click.echo(f"profile: {profile.name} ({profile.region or 'no region: national measures'}"
                   f", {len(profile.figures)} metrics); versions stored from now on that flip "
                   "its status make an eligibility_changed event"
                   + (" (and those stored before: --backfill)" if backfill else ""))
    if answer:
        click.echo(f"test alert: {answer}")


@click.command("test-channel")
@click.argument("subscription_id", type=int, metavar="ID")
@_config_option
@pass_app
@main_errors
def test_channel(app: AppContext, subscription_id: int, config: Path | None) -> None:
    """Send a sample alert through subscription ID's channel now and say what came back.

    The sample says it is a test, in Chinese and English; nothing is recorded and no
    event is used up. A channel that does not take it exits with status 1 and the reason
    (unreachable, refused, moved to another address, an unset ${VARIABLE}).

    Example:

        policywatch test-channel 3
    """
    from policywatch.alerts.delivery import describe_channel, send_test
    from policywatch.store.alerts import get_subscription

    settings, smtp = _settings(config)
    store = app.store()
    subscription = get_subscription(store, subscription_id)
    if subscription is None or not subscription["active"]:
        raise PolicywatchError(f"no active subscription {subscription_id}")
    answer = send_test(store, subscription, settings=settings, smtp=smtp)
    click.echo(f"test alert to {describe_channel(subscription)}: {answer}")


# -- notify ------------------------------------------------------------------------------
@click.command()
@click.option("--retry-now", is_flag=True,
              help="Retry failed deliveries now instead of waiting for their backoff, e.g. "
                   "notify --retry-now.")
@click.option("--retry-dead", is_flag=True,
              help="Give every dead delivery one more attempt now (after fixing its channel), "
                   "e.g. notify --retry-dead.")
@click.option("--no-process", "skip_processing", is_flag=True,
              help="Do not process pending versions first (only say how many there are), "
                   "e.g. notify --no-process.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@_config_option
@pass_app
@main_errors
def notify(app: AppContext, retry_now: bool, retry_dead: bool, skip_processing: bool,
           as_json: bool, config: Path | None) -> None:
    """Deliver pending alerts to every subscription.

    Processes versions that no `policywatch process` has seen yet (an import, a crawl
    without processing), as `watch` does, then derives new events, matches them to
    subscriptions and sends what is due. Each (subscription, event) is sent once:
    running it again sends nothing new. A channel that is down is reported and retried
    on later runs with exponential backoff; after [alerts] max_attempts failures (8) a
    delivery is dead until --retry-dead. The exit status stays 0. The last line counts
    the ledger as `alerts` does.

    Example:

        policywatch notify
    """
    from policywatch.alerts.delivery import notify as run_notify
    from policywatch.stages import process_pending
    from policywatch.store.alerts import unprocessed_counts

    settings, smtp = _settings(config)
    store = app.store()
    pending = unprocessed_counts(store)
    processed: dict[str, Any] | None = None
    if pending["versions"] or pending["notices"]:
        if skip_processing:
            if not as_json:
                click.echo(f"note: {_pending_note(store)} (--no-process skipped them)")
        else:
            if not as_json:
                click.echo(f"processing first what no `policywatch process` has seen "
                           f"({pending['versions']} versions, {pending['notices']} notices):")
            processed = process_pending(
                store, echo=None if as_json else (lambda line: click.echo("  " + line)))
    report = run_notify(store, settings=settings, smtp=smtp, ignore_backoff=retry_now,
                        retry_dead=retry_dead)
    if as_json:
        echo_json({**report.as_dict(), "unprocessed": pending,
                   "processed": processed is not None})
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
    full diff (a URL when [alerts] public_url is set, else a file:// path). Writes only the
    file: events are derived by `policywatch process` and `notify` (a line on stderr says
    when rows stored since then wait for derivation).

    Example:

        policywatch feed -o alerts.xml
    """
    from policywatch.alerts.channels import atom_feed, write_file_atomically
    from policywatch.alerts.subscriptions import select_events
    from policywatch.store.alerts import get_subscription, recent_events

    settings, _ = _settings(config)
    store = app.store()
    stale = _stale_note(store)
    if stale:
        click.echo(f"note: {stale}", err=True)
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
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind, e.g. --host 0.0.0.0 to serve other machines.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0 picks a free one), e.g. --port 8080.")
@click.option("--no-update", is_flag=True,
              help="Serve the index and events as they are: do not index new notices or "
                   "derive new events at start-up, e.g. serve --no-update.")
@_config_option
@pass_app
@main_errors
def serve(app: AppContext, host: str, port: int, no_update: bool,
          config: Path | None) -> None:
    """Serve the web app: what changed, search, notices, diffs, measures, subscriptions.

    Pages (Chinese first, English beside it; no JavaScript): / (what changed, filtered
    and paged), /search?q=, /notices and /notices/ID, /diff/OLD/NEW (notice ids or vID
    version ids), /measures/ID (thresholds over time), /subscriptions (after /login).
    Every page has its JSON under /api/ (/api/search returns what `search --json`
    prints), described at /api/openapi.json; /feed.xml takes the same filters as / or
    ?subscription=ID; /alerts.json and /diffs/ID.html as before.

    The embedding model, the dictionary and the search index load once at start-up, new
    notices are indexed and new events derived (--no-update skips both). Reading is open;
    writing (subscriptions) needs the token from [web] token or $POLICYWATCH_WEB_TOKEN
    (at least 16 characters): sign in at /login, or send Authorization: Bearer TOKEN.
    Without a token nothing that writes is open. Binds to 127.0.0.1 unless --host says
    otherwise.

    Example:

        policywatch --db policywatch-demo.db serve --port 8000
    """
    from policywatch.settings import load_config, web_settings
    from policywatch.web.security import MIN_TOKEN_LENGTH
    from policywatch.web.server import WebServer, bind
    from policywatch.web.state import WebState

    settings, smtp = _settings(config)
    web = web_settings(load_config(config))
    if web.token is not None and len(web.token) < MIN_TOKEN_LENGTH:
        raise PolicywatchError(f"the web token is shorter than {MIN_TOKEN_LENGTH} characters: "
                               "choose a longer one ([web] token or POLICYWATCH_WEB_TOKEN), "
                               "e.g. openssl rand -hex 16")
    app.store()  # fails on a missing database; migrates an old one before serving it
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise PolicywatchError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                               ) from None
    try:
        state = WebState(app.db_path, web=web, alerts=settings, smtp=smtp)
        click.echo(f"loading {app.db_path} ...")
        state.load(update=not no_update, echo=lambda line: click.echo("  " + line))
        server = WebServer(state, sock)
    except BaseException:
        sock.close()
        raise
    writes = ("subscriptions open to the token (/login or Authorization: Bearer)"
              if web.token else "read-only: no [web] token / POLICYWATCH_WEB_TOKEN set")
    click.echo(f"serving {app.db_path} on {server.url}/ ({writes}); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        click.echo("stopped")


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

    Each round crawls every source (built-in and [sources.NAME] of the configuration, or
    those named), runs the NLP stage and delivers alerts; a round that fails is reported
    and the next one still runs. Each crawl looks again at the known pages and attachments
    the revisit schedule says are due ([crawl] in the configuration), so a notice revised
    in place, on a site that sends no validators too, becomes a new version and an alert.

    Example:

        policywatch watch --every 6h
    """
    from policywatch.alerts.delivery import notify as run_notify
    from policywatch.commands.crawl import crawl_configuration, summarize_run
    from policywatch.crawler.run import run_crawl_subprocess
    from policywatch.stages import process_pending

    interval = parse_duration(every)
    settings, smtp = _settings(config)
    revisit, configured = crawl_configuration(config)
    round_number = 0
    while True:
        round_number += 1
        started = time.monotonic()
        click.echo(f"round {round_number}: crawl")
        try:
            runs = run_crawl_subprocess(app.db_path, list(sources) or None, replay_base=replay,
                                        max_pages=max_pages, settings=revisit,
                                        configured=configured)
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
