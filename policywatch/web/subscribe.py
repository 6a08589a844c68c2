"""Subscriptions from the browser: list, create, remove and test-send.

The same store functions as ``policywatch subscribe`` and the same checks of a channel
(an Apprise URL any plugin takes, an http(s) webhook that is not a chat robot, an e-mail
address with an SMTP server configured, a feed file). Two differences, both because the
request comes over the network: a feed is always the default file beside the database
(a browser never names a server path), and a webhook's signing key is named by the
environment variable that holds it (``secret_env``), never typed into a page.

Every target leaves this module masked (:func:`policywatch.alerts.targets.mask_target`
with ``public``): ``dingtalk://ab…89/``, ``re…er@example.org``, ``pw.feed-3.xml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policywatch.errors import PolicywatchError
from policywatch.settings import AlertSettings, SmtpSettings
from policywatch.store import Store
from policywatch.web.labels import event_label, metric_label, tier_label
from policywatch.web.pages import BadRequest, NotFound

CHANNELS = ("url", "webhook", "email", "feed")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FILTER_FIELDS = {"type": "types", "tier": "tiers", "metric": "metrics", "issuer": "issuers",
                 "region": "regions", "source": "sources", "keyword": "keywords",
                 "language": "languages"}


def _list(form: Mapping[str, Any], name: str) -> list[str]:
    raw = form.get(name) or []
    items = raw if isinstance(raw, list | tuple) else [raw]
    found: list[str] = []
    for item in items:
        for part in str(item).split(","):
            if part.strip() and part.strip() not in found:
                found.append(part.strip())
    return found


def _text(form: Mapping[str, Any], name: str) -> str:
    values = _list(form, name) if not isinstance(form.get(name), str) else [form[name]]
    return (values[0] if values else "").strip()


def _flag(form: Mapping[str, Any], name: str) -> bool:
    value = form.get(name)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "on", "yes"}


def metric_ids(names: list[str]) -> list[str]:
    """Metric ids from ids or display names in Chinese or English (营业收入, revenue).

    >>> metric_ids(["营业收入", "R&D expenses"])
    ['revenue', 'rd_expense']
    """
    from policywatch.nlp.extract.lexicon import display_names

    known: dict[str, str] = {}
    for key, entry in display_names("metrics").items():
        known.update({str(name).casefold(): key for name in (key, *entry.values())})
    ids = []
    for name in names:
        key = known.get(name.strip().casefold())
        if key is None:
            raise BadRequest(f"unknown metric {name!r}")
        ids.append(key)
    return list(dict.fromkeys(ids))


def read_filters(form: Mapping[str, Any]) -> dict[str, list[str]]:
    """The filters a form (or a JSON body) names, checked as ``subscribe`` checks them."""
    from policywatch.alerts.events import EVENT_TYPES
    from policywatch.alerts.subscriptions import normalize_filters
    from policywatch.nlp.retrieval.search import FilterError, resolve_tiers

    lists = {key: _list(form, field) for field, key in FILTER_FIELDS.items()}
    unknown = [t for t in lists["types"] if t not in EVENT_TYPES]
    if unknown:
        raise BadRequest(f"unknown event type {unknown[0]!r}")
    if any(language not in ("zh", "en") for language in lists["languages"]):
        raise BadRequest("a language is zh or en")
    try:
        lists["tiers"] = resolve_tiers(lists["tiers"])
    except FilterError as exc:
        raise BadRequest(str(exc)) from None
    lists["metrics"] = metric_ids(lists["metrics"])
    return normalize_filters(**lists)


def check_channel(channel: str, target: str, secret_env: str | None,
                  smtp: SmtpSettings) -> str | None:
    """The target to store for a channel (None: the default feed file), or BadRequest."""
    from policywatch.alerts.push import InvalidTarget, check_url
    from policywatch.alerts.targets import (
        MissingSecret,
        expand_env,
        native_to_apprise,
        robot_host,
    )

    if channel not in CHANNELS:
        raise BadRequest(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    if secret_env and channel != "webhook":
        raise BadRequest("a signing key (secret_env) signs webhook bodies only")
    if secret_env and not _ENV_NAME.match(secret_env):
        raise BadRequest(f"{secret_env!r} is not an environment variable name")
    try:
        if secret_env:
            expand_env("${" + secret_env + "}")
        if channel == "url":
            stored = native_to_apprise(target)
            check_url(stored)
            return stored
        if channel == "webhook":
            if not re.match(r"^https?://[^\s/]+", target):
                raise BadRequest(f"{target!r} is not an http(s) URL")
            host = robot_host(target)
            if host:
                raise BadRequest(f"{host} is a chat robot: it takes its own message format, "
                                 "not policywatch's JSON; choose the Apprise URL channel")
            expand_env(target)
            return target
    except (MissingSecret, InvalidTarget) as exc:
        raise BadRequest(str(exc)) from None
    if channel == "email":
        if not _EMAIL.match(target):
            raise BadRequest(f"{target!r} is not an e-mail address")
        if not smtp.configured:
            raise BadRequest("e-mail needs an SMTP server: set [smtp] host in policywatch.toml "
                             "(or POLICYWATCH_SMTP_HOST), or send mail through an Apprise "
                             "mailtos:// URL")
        return target
    if target:
        raise BadRequest("a feed from the web app is always the default file beside the "
                         "database (policywatch subscribe --feed PATH names another)")
    return None


def create_subscription(store: Store, form: Mapping[str, Any], *, smtp: SmtpSettings) -> int:
    """Add an active subscription from a form or a JSON body; return its id.

    Fields: ``channel`` (url, webhook, email, feed), ``target``, ``secret_env``, the
    filters (``type``, ``tier``, ``metric``, ``issuer``, ``region``, ``source``,
    ``keyword``, ``language``: repeated or comma-separated), ``digest``, ``backfill``,
    ``name``.
    """
    from policywatch.alerts.delivery import default_feed_path
    from policywatch.store.alerts import add_subscription

    channel = _text(form, "channel") or "url"
    target = _text(form, "target")
    secret_env = _text(form, "secret_env") or None
    if channel in ("url", "webhook", "email") and not target:
        raise BadRequest(f"the {channel} channel needs a target")
    stored = check_channel(channel, target, secret_env, smtp)
    filters = read_filters(form)
    return add_subscription(
        store, channel="apprise" if channel == "url" else channel, target=stored,
        filters=filters, secret_env=secret_env, digest=_flag(form, "digest"),
        name=_text(form, "name") or None, backfill=_flag(form, "backfill"),
        target_for_id=(lambda new_id: str(default_feed_path(store, new_id).resolve()))
        if stored is None else None)


def subscription_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """A subscription as pages and ``/api/subscriptions`` show it: target masked."""
    from policywatch.alerts.subscriptions import describe_filters
    from policywatch.alerts.targets import mask_target

    filters = row["filters"]
    return {
        "id": row["id"], "name": row["name"], "channel": row["channel"],
        "target": mask_target(row["channel"], row["target"], public=True),
        "filters": filters, "description": describe_filters(filters),
        "types": [{"id": t, **event_label(t)} for t in filters.get("types", [])],
        "tiers": [{"id": t, **tier_label(t)} for t in filters.get("tiers", [])],
        "metrics": [{"id": m, **metric_label(m)} for m in filters.get("metrics", [])],
        "digest": bool(row["digest"]), "signed": bool(row.get("secret") or row.get("secret_env")),
        "active": bool(row["active"]), "created_at": row["created_at"],
        "deliveries": row.get("deliveries", {}),
        "feed": f"/feed.xml?subscription={row['id']}",
    }


def subscriptions_document(store: Store) -> dict[str, Any]:
    """Active subscriptions, oldest first, targets masked."""
    from policywatch.store.alerts import list_subscriptions

    return {"subscriptions": [subscription_view(row) for row in list_subscriptions(store)]}


def get_view(store: Store, subscription_id: int) -> dict[str, Any]:
    from policywatch.store.alerts import get_subscription

    row = get_subscription(store, subscription_id)
    if row is None or not row["active"]:
        raise NotFound(f"no active subscription {subscription_id}")
    return subscription_view(row)


def remove_subscription(store: Store, subscription_id: int) -> None:
    """Stop a subscription (its delivery history stays), as ``subscribe --remove``."""
    from policywatch.store.alerts import deactivate_subscription

    if not deactivate_subscription(store, subscription_id):
        raise NotFound(f"no active subscription {subscription_id}")


def send_sample(store: Store, subscription_id: int, *, settings: AlertSettings,
              smtp: SmtpSettings) -> tuple[bool, str]:
    """Send the sample alert through a subscription's channel now (``test-channel``):
    ``(True, what the channel answered)`` or ``(False, why not)``, credentials masked."""
    from policywatch.alerts.delivery import send_test
    from policywatch.alerts.targets import redact
    from policywatch.store.alerts import get_subscription

    row = get_subscription(store, subscription_id)
    if row is None or not row["active"]:
        raise NotFound(f"no active subscription {subscription_id}")
    try:
        answer, ok = send_test(store, row, settings=settings, smtp=smtp), True
    except PolicywatchError as exc:
        answer, ok = str(exc), False
    return ok, redact(answer, row["channel"], row["target"], public=True)
