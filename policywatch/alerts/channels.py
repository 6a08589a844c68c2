"""Channels policywatch speaks itself: a webhook (JSON POST, HMAC-signed with a timestamp),
e-mail (SMTP, STARTTLS by default) and an Atom feed. Chat and push services go through
Apprise (:mod:`policywatch.alerts.push`).

Every channel sends the same facts: the event's type, the notices, the diff summary in
Chinese and English, a link to the full diff, and the reason the subscription took it.
A channel that cannot deliver raises :class:`DeliveryFailed` with a one-line reason;
:mod:`policywatch.alerts.delivery` records it and retries later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

from policywatch import __version__
from policywatch.alerts.events import TYPE_LABELS
from policywatch.alerts.subscriptions import describe_reason
from policywatch.errors import PolicywatchError
from policywatch.settings import SmtpSettings

SIGNATURE_HEADER = "X-Policywatch-Signature"
TIMESTAMP_HEADER = "X-Policywatch-Timestamp"
ATOM_NS = "http://www.w3.org/2005/Atom"
USER_AGENT = f"policywatch/{__version__} (+alerts)"


class DeliveryFailed(PolicywatchError):
    """A channel did not take a message (down, refused, misconfigured)."""


# -- what every channel says -------------------------------------------------------------
def diff_link(event: dict[str, Any], public_url: str | None = None) -> str | None:
    """Where the full diff of an event is: a URL under ``policywatch serve`` when its public
    address is configured, else the file's ``file://`` URI.

    >>> diff_link({"diff_path": "/data/pw.diffs/7.html"}, "http://127.0.0.1:8000/")
    'http://127.0.0.1:8000/diffs/7.html'
    >>> diff_link({"diff_path": "/data/pw.diffs/7.html"})
    'file:///data/pw.diffs/7.html'
    """
    path = event.get("diff_path")
    if not path:
        return None
    if public_url:
        return f"{public_url.rstrip('/')}/diffs/{Path(path).name}"
    return Path(path).as_uri()


def event_document(event: dict[str, Any], *, reason: dict[str, list[str]] | None = None,
                   public_url: str | None = None) -> dict[str, Any]:
    """An event as the JSON that webhooks receive and ``alerts --json`` prints."""
    payload = event.get("payload") or {}
    diff_path = event.get("diff_path")
    document = {
        "id": event["id"],
        "type": event["type"],
        "dedup_key": event["dedup_key"],
        "title": event.get("title"),
        "summary": {"zh": event.get("summary_zh"), "en": event.get("summary_en")},
        "notices": payload.get("notices", []),
        "measure_id": event.get("measure_id"),
        "change_id": event.get("change_id"),
        "source_id": event.get("source_id"),
        "tiers": payload.get("tiers", []),
        "metrics": payload.get("metrics", []),
        "criteria_changes": payload.get("criteria_changes", []),
        "diff": {"html": diff_path, "markdown": str(Path(diff_path).with_suffix(".md"))
                 if diff_path else None, "url": diff_link(event, public_url)},
        "created_at": event.get("created_at"),
    }
    for key in ("date_kind", "date", "days_left", "runs", "statuses", "health"):
        if key in payload:
            document[key] = payload[key]
    if event["type"] == "eligibility_changed":  # whose status, which tier, what flipped
        document["eligibility"] = {key: payload.get(key) for key in (
            "profile_name", "tier", "old_status", "new_status", "old_version_id",
            "new_version_id", "effective", "criteria")}
    if reason is not None:
        document["reason"] = {"filters": reason, "text": describe_reason(reason)}
    return document


def type_label(event_type: str) -> str:
    """``认定条件变化 / criteria changed``."""
    zh, en = TYPE_LABELS.get(event_type, (event_type, event_type))
    return f"{zh} / {en}"


def event_text(event: dict[str, Any], reason: dict[str, list[str]] | None,
               public_url: str | None) -> str:
    """One event as plain text (e-mail bodies, the demo)."""
    lines = [f"[{type_label(event['type'])}] {event.get('title') or ''}", "",
             f"中文：{event.get('summary_zh') or ''}", f"English: {event.get('summary_en') or ''}"]
    notices = (event.get("payload") or {}).get("notices", [])
    if notices:
        lines.append("")
        for notice in notices:
            lines.append(f"  #{notice['id']} {notice.get('title') or ''} "
                         f"{notice.get('doc_number') or ''}".rstrip())
            if notice.get("url"):
                lines.append(f"     {notice['url']}")
    link = diff_link(event, public_url)
    if link:
        lines += ["", f"Full diff / 完整对比: {link}"]
    if reason is not None:
        lines += ["", f"Why you get this / 订阅条件: {describe_reason(reason)}"]
    return "\n".join(lines)


# -- webhook -----------------------------------------------------------------------------
def sign(body: bytes, secret: str, timestamp: int | str) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC-SHA256, keyed with the
    secret, of the timestamp header's value, a dot and the raw body.

    Signing the timestamp with the body lets a receiver refuse a captured request replayed
    later (README: "Verifying a signed webhook").

    >>> sign(b'{}', "s3cret", 1767225600)
    'sha256=29ee05578fef21788e25d00ee3270df92a9e454a1fb82bc2c22d2269c729892b'
    """
    message = f"{timestamp}.".encode("ascii") + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _RefuseRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: urllib would re-send a POST as a bodiless GET, and the
    final 200 would look like a delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        return None


def post_webhook(url: str, document: dict[str, Any], *, secret: str | None = None,
                 timeout: float = 10.0, headers: dict[str, str] | None = None,
                 now: float | None = None, shown: str | None = None) -> str:
    """POST ``document`` as JSON; return what came back (``HTTP 200: ok``).

    With a ``secret`` the request carries ``X-Policywatch-Timestamp: <unix seconds>`` and
    ``X-Policywatch-Signature: sha256=<hex>`` (:func:`sign`). A redirect is a failure:
    the receiver has moved and the subscription must name its new address.

    Args:
        url: the receiver (``${NAME}`` already expanded).
        document: the JSON body.
        secret: the HMAC key, if the subscription signs.
        timeout: seconds to connect and to read.
        headers: more request headers.
        now: the signing time (tests).
        shown: how errors name the receiver (default: ``url`` with credentials masked).

    Raises:
        DeliveryFailed: connection refused or timed out, a redirect, or a status outside 2xx.
    """
    from policywatch.alerts.targets import mask_url

    name = shown or mask_url(url)
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("User-Agent", USER_AGENT)
    for header, value in (headers or {}).items():
        request.add_header(header, value)
    if secret:
        timestamp = int(time.time() if now is None else now)
        request.add_header(TIMESTAMP_HEADER, str(timestamp))
        request.add_header(SIGNATURE_HEADER, sign(body, secret, timestamp))
    opener = urllib.request.build_opener(_RefuseRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            location = exc.headers.get("Location")
            where = mask_url(urljoin(url, location)) if location else "an address it did not give"
            raise DeliveryFailed(
                f"webhook {name} moved to {where} (HTTP {exc.code}); a POST is never re-sent "
                "to a new address, nothing was delivered: update the subscription "
                "(policywatch subscribe --update ID --webhook NEW-URL)") from None
        raise DeliveryFailed(f"webhook {name} answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise DeliveryFailed(f"webhook {name} unreachable: {exc.reason}") from None
    except TimeoutError:
        raise DeliveryFailed(f"webhook {name} timed out after {timeout:g}s") from None
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(f"webhook {name} failed: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook {name} answered HTTP {status}")
    text = " ".join(answer.decode("utf-8", errors="replace").split())
    return f"HTTP {status}" + (f": {text[:200]}" if text else "")


# -- e-mail ------------------------------------------------------------------------------
def email_message(settings: SmtpSettings, to: str,
                  items: list[tuple[dict[str, Any], dict[str, list[str]] | None]], *,
                  public_url: str | None = None, subscription_id: int | None = None,
                  delivery_ids: list[int] | None = None) -> EmailMessage:
    """One message for one event, or a digest of several (UTF-8 plain text).

    With ``delivery_ids`` the Message-ID names them, so a message sent again after a crash
    between the server's acceptance and the ``sent`` mark has the same Message-ID and mail
    clients that de-duplicate show it once.
    """
    message = EmailMessage()
    if len(items) == 1:
        event = items[0][0]
        subject = f"[policywatch] {type_label(event['type'])}: {event.get('title') or ''}"
    else:
        counts = Counter(event["type"] for event, _ in items)
        subject = (f"[policywatch] {len(items)} alerts: "
                   + ", ".join(f"{n} {t}" for t, n in sorted(counts.items())))
    message["Subject"] = subject[:200]
    message["From"] = settings.sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    if delivery_ids:
        ids = "-".join(str(i) for i in sorted(delivery_ids))
        message["Message-ID"] = f"<delivery-{ids}@policywatch.invalid>"
    else:
        message["Message-ID"] = make_msgid(domain="policywatch.invalid")
    sections = [event_text(event, reason, public_url) for event, reason in items]
    footer = ""
    if subscription_id is not None:
        footer = (f"\n\n-- \nSubscription #{subscription_id}; stop it with "
                  f"`policywatch subscribe --remove {subscription_id}`.")
    message.set_content(("\n\n" + "-" * 60 + "\n\n").join(sections) + footer + "\n",
                        charset="utf-8")
    return message


def _loopback(host: str | None) -> bool:
    return (host or "").strip("[]").lower() in {"127.0.0.1", "::1", "localhost"}


def cleartext_warning(settings: SmtpSettings) -> str | None:
    """A warning when e-mail would leave this machine unencrypted, else None.

    >>> cleartext_warning(SmtpSettings(host="mail.example.org", port=25, starttls=False))
    'e-mail to mail.example.org:25 goes out in clear text ([smtp] starttls = false, ssl = false)'
    >>> cleartext_warning(SmtpSettings(host="mail.example.org")) is None
    True
    """
    if not settings.configured or settings.ssl or settings.starttls or \
            _loopback(settings.host):
        return None
    return (f"e-mail to {settings.host}:{settings.port} goes out in clear text "
            "([smtp] starttls = false, ssl = false)")


def send_email(settings: SmtpSettings, message: EmailMessage) -> str:
    """Send a message through the configured SMTP server; return what it answered.

    STARTTLS is the default (port 587); ``ssl`` speaks TLS from the start (port 465).
    Without either, a password is never sent to another machine.

    Raises:
        DeliveryFailed: SMTP is not configured, unreachable, or refused the message.
    """
    if not settings.configured:
        raise DeliveryFailed("e-mail: no SMTP server configured (set [smtp] host in "
                             "policywatch.toml or POLICYWATCH_SMTP_HOST)")
    if settings.username and not (settings.ssl or settings.starttls) and \
            not _loopback(settings.host):
        raise DeliveryFailed(
            f"e-mail via {settings.host}:{settings.port}: will not send the SMTP password in "
            "clear text; set [smtp] starttls = true (port 587) or ssl = true (port 465)")
    try:
        context = ssl.create_default_context(cafile=settings.cafile)
        if settings.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.starttls and not settings.ssl:
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            refused = client.send_message(message)
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(f"e-mail via {settings.host}:{settings.port} refused: "
                             f"{exc}") from None
    except (OSError, TimeoutError) as exc:
        raise DeliveryFailed(f"e-mail via {settings.host}:{settings.port} unreachable: "
                             f"{exc}") from None
    tls = "TLS" if settings.ssl else ("STARTTLS" if settings.starttls else "clear text")
    taken = "accepted" + (f", refused for {', '.join(refused)}" if refused else "")
    return f"{settings.host}:{settings.port} ({tls}) {taken}"


# -- Atom feed ---------------------------------------------------------------------------
def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _entry_html(event: dict[str, Any], public_url: str | None) -> str:
    from html import escape

    parts = [f"<p>{escape(event.get('summary_zh') or '')}</p>",
             f"<p>{escape(event.get('summary_en') or '')}</p>"]
    notices = (event.get("payload") or {}).get("notices", [])
    if notices:
        parts.append("<ul>")
        for notice in notices:
            title = escape(notice.get("title") or "")
            if notice.get("url"):
                title = f"<a href=\"{escape(notice['url'])}\">{title}</a>"
            parts.append(f"<li>{title} {escape(notice.get('doc_number') or '')}</li>")
        parts.append("</ul>")
    link = diff_link(event, public_url)
    if link:
        parts.append(f"<p><a href=\"{escape(link)}\">Full diff / 完整对比</a></p>")
    return "".join(parts)


def atom_feed(events: list[dict[str, Any]], *, title: str = "policywatch alerts",
              feed_id: str = "tag:policywatch.invalid,2026:feed",
              public_url: str | None = None, self_url: str | None = None) -> bytes:
    """An Atom 1.0 document (RFC 4287) of events, newest first, as UTF-8 bytes."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    updated = max((e.get("created_at") or "" for e in events), default="") or \
        "1970-01-01T00:00:00Z"
    _sub(feed, "updated", updated)
    author = _sub(feed, "author")
    _sub(author, "name", "policywatch")
    _sub(feed, "generator", "policywatch", version=__version__)
    if self_url:
        _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    if public_url:
        _sub(feed, "link", rel="alternate", href=public_url.rstrip("/") + "/", type="text/html")
    for event in sorted(events, key=lambda e: e["id"], reverse=True):
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"tag:policywatch.invalid,2026:event/{event['id']}")
        _sub(entry, "title", f"[{type_label(event['type'])}] {event.get('title') or ''}")
        stamp = event.get("created_at") or updated
        _sub(entry, "updated", stamp)
        _sub(entry, "published", stamp)
        _sub(entry, "category", term=event["type"], label=type_label(event["type"]))
        for tier in (event.get("payload") or {}).get("tiers", []):
            _sub(entry, "category", term=tier, scheme="urn:policywatch:tier")
        link = diff_link(event, public_url)
        notices = (event.get("payload") or {}).get("notices", [])
        first_url = next((n["url"] for n in notices if n.get("url")), None)
        if link or first_url:
            _sub(entry, "link", rel="alternate", href=link or first_url,
                 type="text/html")
        for notice in notices:
            if notice.get("url") and notice["url"] != (link or first_url):
                _sub(entry, "link", rel="related", href=notice["url"],
                     title=notice.get("title") or "")
        _sub(entry, "summary",
             f"{event.get('summary_zh') or ''}\n{event.get('summary_en') or ''}", type="text")
        _sub(entry, "content", _entry_html(event, public_url), type="html")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_file_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (readers never see
    half a feed). ``mode`` 0644: feeds and diffs are written to be published.

    Raises:
        DeliveryFailed: the folder is missing or not writable.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                os.fchmod(out.fileno(), mode)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise DeliveryFailed(f"feed {path}: cannot write: {exc.strerror or exc}") from None
