"""Where alerts go, said without giving secrets away.

A subscription's target is a URL (a webhook, any Apprise URL), an e-mail address or a feed
file. URLs carry credentials (``access_token=``, a bot key in the host of ``dingtalk://``,
a password in ``mailto://user:pass@``), so everything that shows a target (``subscribe
--list``, ``notify``, ``alerts``, ``/alerts.json``) shows :func:`mask_target`, and every
error message recorded for a delivery goes through :func:`redact` first.

Secrets need not be typed on the command line either: a target may name environment
variables as ``${NAME}``; they are read again at every send (:func:`expand_env`), and the
stored URL keeps the placeholder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import PurePath
from urllib.parse import unquote, urlsplit

from policywatch.errors import PolicywatchError

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Schemes whose host is a machine's name (shown); in the others (``dingtalk://TOKEN/``,
#: ``wecombot://KEY``, ``tgram://BOT_TOKEN/CHAT``) the host is itself a credential.
HOST_SCHEMES = frozenset({
    "http", "https", "json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos",
    "ntfy", "ntfys", "gotify", "gotifys", "matrix", "matrixs", "mmost", "mmosts", "rocket",
    "rockets", "apprise", "apprises", "nctalk", "nctalks", "ncloud", "nclouds",
})
ELLIPSIS = "\u2026"
#: Query options that are settings, not credentials (Apprise's ``method=POST``,
#: ``format=markdown``, mailto's ``to=``): shown as they are. Every other value is masked.
PLAIN_QUERY_KEYS = frozenset({
    "method", "format", "overflow", "verify", "rto", "cto", "mode", "image", "footer",
    "timestamp", "preview", "silent", "detect", "priority", "smtp", "from", "name", "to",
    "cc", "bcc", "lang", "redirect", "retry", "wait", "optional", "content", "mdv", "album",
    "blocks", "discovery", "tz", "port", "user",
})


class MissingSecret(PolicywatchError):
    """A target names an environment variable that is not set."""


def placeholders(text: str) -> list[str]:
    """The environment variables a target names as ``${NAME}``.

    >>> placeholders("dingtalk://${DT_SECRET}@${DT_TOKEN}/")
    ['DT_SECRET', 'DT_TOKEN']
    """
    return _PLACEHOLDER.findall(text)


def expand_env(text: str, env: Mapping[str, str] | None = None) -> str:
    """Replace every ``${NAME}`` with the variable's value.

    Raises:
        MissingSecret: a named variable is not set (or empty).

    >>> expand_env("dingtalk://${T}/", {"T": "abc123"})
    'dingtalk://abc123/'
    >>> expand_env("json://host/hook", {})
    'json://host/hook'
    """
    values = os.environ if env is None else env

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = values.get(name)
        if not found:
            raise MissingSecret(f"environment variable {name} is not set (the subscription's "
                                f"target reads it at every send)")
        return found

    return _PLACEHOLDER.sub(value, text)


def mask_token(token: str) -> str:
    """A credential shown by its first and last two characters: ``ab…89``.

    Placeholders stay as they are (``${NAME}`` is no secret); a token of fewer than eight
    characters shows nothing of itself.

    >>> mask_token("abcdef0123456789")
    'ab…89'
    >>> mask_token("short"), mask_token("${DT_TOKEN}"), mask_token("")
    ('…', '${DT_TOKEN}', '')
    """
    if not token or _PLACEHOLDER.fullmatch(token):
        return token
    if len(token) < 8:
        return ELLIPSIS
    return f"{token[:2]}{ELLIPSIS}{token[-2:]}"


def _secret_looking(segment: str) -> bool:
    """Path segments that are probably credentials: long, or mixing letters and digits
    the way generated keys do (``T1JJ3T3L2``, a UUID), never plain words (``robot``)."""
    if _PLACEHOLDER.fullmatch(segment) or len(segment) < 8:
        return False
    if len(segment) >= 20:
        return True
    return bool(re.search(r"\d", segment)) and bool(re.search(r"[A-Za-z]", segment))


def _split_netloc(netloc: str) -> tuple[str, str, str]:
    """(user, password, host and port) of a URL's network location."""
    userinfo, at, host = netloc.rpartition("@")
    user, _, password = userinfo.partition(":") if at else ("", "", "")
    return user, password, host


def _mask_segment(segment: str, scheme: str) -> str:
    if _secret_looking(segment) or (scheme not in HOST_SCHEMES and len(segment) >= 8
                                    and not segment.startswith("+")):
        return mask_token(segment)
    return segment


def _query_items(query: str) -> list[tuple[str, str]]:
    """A query's (key, raw value) pairs; unlike ``parse_qsl`` a ``+`` stays a ``+`` (Apprise
    reads ``+Header=value`` as a header to send)."""
    return [(key, value) for key, _, value in (item.partition("=") for item in
                                                query.split("&") if item)]


def _plain(key: str) -> bool:
    return key.lower() in PLAIN_QUERY_KEYS


def _url_parts(url: str) -> list[tuple[str, str]]:
    """(raw, masked) for every credential-bearing piece of a URL (for free text)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    user, password, host = _split_netloc(parts.netloc)
    pieces: list[tuple[str, str]] = []
    if password:
        pieces.append((password, "****"))
    if user and scheme not in HOST_SCHEMES:
        pieces.append((user, mask_token(user)))
    if host and scheme not in HOST_SCHEMES:
        pieces.append((host, mask_token(host)))
    for segment in parts.path.split("/"):
        pieces.append((segment, _mask_segment(segment, scheme)))
    for key, value in _query_items(parts.query):
        if not _plain(key):
            pieces.append((value, mask_token(value)))
            pieces.append((unquote(value), mask_token(value)))
    return [(raw, masked) for raw, masked in pieces if raw and raw != masked]


def mask_url(url: str) -> str:
    """A URL with its credentials masked: query values, passwords, keys in the path, and
    the host of schemes whose host is a key. The fragment is dropped.

    >>> mask_url("https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789")
    'https://oapi.dingtalk.com/robot/send?access_token=ab…89'
    >>> mask_url("dingtalk://abcdef0123456789/")
    'dingtalk://ab…89/'
    >>> mask_url("json://alerts:pw@127.0.0.1:8080/hook")
    'json://alerts:****@127.0.0.1:8080/hook'
    >>> mask_url("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    'slack://T1…L2/A1…JD/TI…FQ/'
    >>> mask_url("tgram://123456789:abcdefg_hijklmnop/12315544/")
    'tgram://12…op/12…44/'
    >>> mask_url("json://127.0.0.1:8080/hook?method=PUT&+Authorization=Bearer%20abcdefgh12")
    'json://127.0.0.1:8080/hook?method=PUT&+Authorization=Be…12'
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if not scheme:
        return mask_token(url)
    user, password, host = _split_netloc(parts.netloc)
    if scheme not in HOST_SCHEMES:
        user, host = mask_token(user), mask_token(host)
    netloc = host
    if user or password:
        netloc = f"{user}{':****' if password else ''}@{host}"
    path = "/".join(_mask_segment(s, scheme) for s in parts.path.split("/"))
    query = "&".join(f"{key}={value if _plain(key) else mask_token(value)}" if value else key
                     for key, value in _query_items(parts.query))
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def mask_email(address: str) -> str:
    """An address with its local part masked (the domain says where mail goes).

    >>> mask_email("researcher@example.org")
    're…er@example.org'
    """
    local, at, domain = address.rpartition("@")
    return f"{mask_token(local)}{at}{domain}" if at else mask_token(address)


def mask_target(channel: str, target: str | None, *, public: bool = False) -> str:
    """What ``subscribe --list``, ``notify``, ``alerts`` and the web view show of a target.

    URLs are always masked. An e-mail address and a feed file are shown in full to the
    command line; ``public`` (pages that ``policywatch serve`` publishes) masks the address
    and keeps only the feed file's name, never a server path.

    >>> mask_target("feed", "/srv/pw/pw.feed-3.xml", public=True)
    'pw.feed-3.xml'
    >>> mask_target("email", "researcher@example.org")
    'researcher@example.org'
    """
    target = target or ""
    if channel == "feed":
        return PurePath(target).name if public else target
    if channel == "email":
        return mask_email(target) if public else target
    return mask_url(target)


def redact(text: str | None, channel: str, target: str | None,
           env: Mapping[str, str] | None = None, *, public: bool = False) -> str:
    """``text`` (an error, a server's answer) with the target's credentials masked, in the
    form stored and in the form expanded from the environment.

    >>> redact("POST https://x.org/h?k=abcdefgh12 failed", "webhook",
    ...        "https://x.org/h?k=abcdefgh12")
    'POST https://x.org/h?k=ab…12 failed'
    >>> redact("cannot write /srv/pw/a.xml", "feed", "/srv/pw/a.xml", public=True)
    'cannot write a.xml'
    """
    text = text or ""
    target = target or ""
    if not target:
        return text
    forms = [target]
    values = os.environ if env is None else env
    if placeholders(target):
        expanded = _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), target)
        if expanded != target:
            forms.insert(0, expanded)
    for form in forms:
        text = text.replace(form, mask_target(channel, target, public=public))
    if channel not in {"feed", "email"}:
        for form in forms:
            for raw, shown in sorted(_url_parts(form), key=lambda p: -len(p[0])):
                # In free text a short piece could be an ordinary word ("POST"); keys are
                # long, and a password is replaced from four characters on.
                if len(raw) >= 8 or (shown == "****" and len(raw) >= 4):
                    text = text.replace(raw, shown)
    return text


#: Chat robots whose webhook address takes their own message format, not policywatch's
#: JSON: subscribing one with ``--webhook`` is refused (``--url`` sends to it).
ROBOT_HOSTS = ("oapi.dingtalk.com", "qyapi.weixin.qq.com", "open.feishu.cn",
               "open.larksuite.com", "hooks.slack.com")


def robot_host(url: str) -> str | None:
    """The chat robot's host when ``url`` is a robot's webhook address, else None.

    >>> robot_host("https://oapi.dingtalk.com/robot/send?access_token=x")
    'oapi.dingtalk.com'
    >>> robot_host("https://example.org/hook") is None
    True
    """
    host = re.sub(r"^https?://([^/:?#]+).*$", r"\1", url.strip()).lower()
    return host if host in ROBOT_HOSTS else None


# -- native robot URLs -------------------------------------------------------------------
_NATIVE = [
    # The robot URL DingTalk's group settings show: the access token is the Apprise host.
    (re.compile(r"^https?://oapi\.dingtalk\.com/robot/send/?\?access_token="
                r"(?P<token>[A-Za-z0-9]+|\$\{[A-Za-z_][A-Za-z0-9_]*\})$", re.I),
     "dingtalk://{token}/"),
    # Feishu's bot URL (Apprise reads Lark's and WeCom's own forms already).
    (re.compile(r"^https?://open\.feishu\.cn/open-apis/bot/v2/hook/"
                r"(?P<token>[A-Za-z0-9_-]+|\$\{[A-Za-z_][A-Za-z0-9_]*\})/?$", re.I),
     "feishu://{token}"),
]


def native_to_apprise(url: str) -> str:
    """Turn a robot URL as DingTalk or Feishu show it into the Apprise URL that sends to it;
    any other URL comes back unchanged.

    >>> native_to_apprise("https://oapi.dingtalk.com/robot/send?access_token=abc123")
    'dingtalk://abc123/'
    >>> native_to_apprise("https://open.feishu.cn/open-apis/bot/v2/hook/${FEISHU_HOOK}")
    'feishu://${FEISHU_HOOK}'
    >>> native_to_apprise("slack://T1/B2/C3")
    'slack://T1/B2/C3'
    """
    for pattern, template in _NATIVE:
        match = pattern.match(url.strip())
        if match:
            return template.format(token=match.group("token"))
    return url
