"""Chat and push channels through Apprise: any Apprise URL (``dingtalk://``, ``wecombot://``,
``feishu://``, ``lark://``, ``slack://``, ``tgram://``, ``mailto://``, ``json://``, ...).

Apprise sends; policywatch decides what and when (the deliveries ledger, backoff, digests
and dead letters live in :mod:`policywatch.alerts.delivery`). Each subscription has one URL,
so Apprise's result for the call is that URL's result. What policywatch adds around it:

- the body in the channel's format (Markdown where the plugin renders it, else plain text;
  :mod:`policywatch.alerts.messages`), cut to the plugin's size limit;
- redirects are not followed (``AppriseAsset(http_redirects=False)``): a receiver that
  answers 301/302 to a POST has moved, and following it would turn the POST into a bodiless
  GET that "succeeds"; the failure says so;
- ``json://``, ``xml://`` and ``form://`` requests carry ``X-Policywatch-Delivery`` and
  ``X-Policywatch-Event`` headers;
- ``${NAME}`` in a URL is read from the environment at every send, and errors never show
  a credential (:mod:`policywatch.alerts.targets`).

Apprise's DingTalk and WeCom plugins judge a send by its HTTP status: a robot that refuses a
message with HTTP 200 and ``errcode`` other than 0 (a keyword or IP-whitelist setting of the
group) looks sent. ``subscribe --test`` shows whether the sample reaches the group.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policywatch.alerts.channels import DeliveryFailed
from policywatch.alerts.messages import MARKDOWN, TEXT, Item, compose
from policywatch.alerts.targets import expand_env, mask_url, redact
from policywatch.errors import PolicywatchError

#: Apprise schemes of plain HTTP receivers, which take extra headers as ``+Name=value``.
HEADER_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
_REDIRECT = re.compile(r"error=(30[12378])\b")
_STATUS = re.compile(r"error=(\d{3})\b")


class InvalidTarget(PolicywatchError):
    """A URL that no Apprise plugin takes (or takes with a malformed key)."""


def _asset() -> Any:
    from apprise import AppriseAsset

    # No redirects (see the module's note); no persistent store (nothing written to $HOME).
    return AppriseAsset(app_id="policywatch", app_desc="policywatch alerts",
                        http_redirects=False, storage_mode="memory")


def scheme_of(url: str) -> str:
    """The URL's scheme, lower case.

    >>> scheme_of("DingTalk://abc/")
    'dingtalk'
    """
    return url.split("://", 1)[0].lower() if "://" in url else ""


@dataclass
class Loaded:
    """An Apprise URL made into its plugin."""

    plugin: Any
    service: str
    fmt: str
    limit: int


def load(url: str, *, env: Mapping[str, str] | None = None, timeout: float | None = None,
         headers: Mapping[str, str] | None = None) -> Loaded:
    """The Apprise plugin for ``url`` (``${NAME}`` read from the environment).

    Raises:
        InvalidTarget: no plugin takes the URL; the message says why, credentials masked.
        MissingSecret: the URL names a variable that is not set.
    """
    import apprise

    expanded = expand_env(url, env)
    if headers and scheme_of(expanded) in HEADER_SCHEMES:
        extra = "&".join(f"+{name}={value}" for name, value in headers.items())
        expanded += ("&" if "?" in expanded else "?") + extra
    with apprise.LogCapture(level=logging.WARNING) as captured:
        plugin = apprise.Apprise.instantiate(expanded, asset=_asset())
    if plugin is None:
        why = " ".join(line.split(" - ", 2)[-1].strip()
                       for line in captured.getvalue().splitlines() if line.strip())
        hint = ""
        if scheme_of(expanded) in {"http", "https"}:
            hint = (" (a plain web address: --webhook URL sends policywatch's signed JSON, "
                    "json://host/path is Apprise's JSON POST)")
        elif "://" not in expanded:
            hint = " (an Apprise URL looks like dingtalk://TOKEN/ or json://host/path)"
        raise InvalidTarget(redact(f"{mask_url(url)} is not a URL Apprise can send to"
                                   f"{hint}{': ' + why if why else ''}", "apprise", url, env))
    if timeout:
        plugin.socket_connect_timeout = timeout
        plugin.socket_read_timeout = timeout
    formats = plugin.notify_format
    formats = tuple(formats) if isinstance(formats, (tuple, list, set)) else (formats,)
    names = {getattr(f, "value", f) for f in formats}
    # Markdown where the plugin renders it (or HTML, which Apprise makes from Markdown);
    # a text-only robot (WeCom) would show the asterisks.
    fmt = MARKDOWN if names & {"markdown", "html"} else TEXT
    return Loaded(plugin=plugin, service=str(plugin.service_name), fmt=fmt,
                  limit=int(plugin.body_maxlen or 32768))


def check_url(url: str, env: Mapping[str, str] | None = None) -> str:
    """The service an Apprise URL sends to (``DingTalk``), or InvalidTarget saying why not."""
    return load(url, env=env).service


def _failure(service: str, url: str, warnings: list[str]) -> str:
    text = "; ".join(w.rstrip(". ") for w in warnings) or \
        "Apprise reported a failure without a reason"
    moved = _REDIRECT.search(text)
    if moved:
        return (f"{service} {mask_url(url)} moved to another address (HTTP {moved.group(1)} to "
                "a POST; Apprise does not follow it, so nothing was delivered): update the "
                "subscription to the new address")
    status = _STATUS.search(text)
    if status:
        return f"{service} {mask_url(url)} answered HTTP {status.group(1)}: {text}"
    return f"{service} {mask_url(url)}: {text}"


def send(url: str, items: Sequence[Item], *, public_url: str | None = None,
         delivery_ids: Sequence[int | str] = (), subscription_id: int | None = None,
         timeout: float | None = None, event_kind: str | None = None,
         env: Mapping[str, str] | None = None) -> str:
    """Send one alert (or a digest) to an Apprise URL; return what Apprise reported.

    Raises:
        DeliveryFailed: the URL is unusable, a variable it names is unset, or the service
            did not take the message (down, refused, moved); credentials never appear.
    """
    from apprise import Apprise, NotifyFormat

    headers = {"X-Policywatch-Delivery": ",".join(str(i) for i in delivery_ids) or "test"}
    if event_kind:
        headers["X-Policywatch-Event"] = event_kind
    try:
        loaded = load(url, env=env, timeout=timeout, headers=headers)
    except PolicywatchError as exc:
        raise DeliveryFailed(str(exc)) from None
    title, body = compose(items, fmt=loaded.fmt, limit=loaded.limit, public_url=public_url,
                          delivery_ids=delivery_ids, subscription_id=subscription_id)
    sender = Apprise(asset=_asset())
    sender.add(loaded.plugin)
    # Apprise captures a call's log only down to its logger's level: INFO says what the
    # service answered ("Sent DingTalk notification."), which --test reports.
    logger = logging.getLogger("apprise")
    previous = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        result = sender.notify(
            body=body, title=title,
            body_format=NotifyFormat.MARKDOWN if loaded.fmt == MARKDOWN else NotifyFormat.TEXT,
            log_level=logging.INFO)
    finally:
        logger.setLevel(previous)
    entries = [(entry.level, entry.message) for service in result.results
               for entry in service.logs()] or \
        [(entry.level, entry.message) for entry in result.call_logs()]
    said = [redact(message, "apprise", url, env) for _, message in entries]
    if not result:
        warnings = [redact(m, "apprise", url, env) for level, m in entries
                    if level in {"WARNING", "ERROR", "CRITICAL"}]
        raise DeliveryFailed(_failure(loaded.service, url, warnings or said))
    return "; ".join(said) or f"{loaded.service} accepted it"


__all__ = ["HEADER_SCHEMES", "InvalidTarget", "Loaded", "check_url", "load", "scheme_of",
           "send"]
