"""Who may write, and how a form proves it came from our own page.

Reading is open; writing (subscriptions: create, remove, test-send) needs the token of
``[web] token`` / ``$POLICYWATCH_WEB_TOKEN``. With no token configured nothing that writes
is open. Two ways in:

- **Browser**: ``/login`` takes the token once and sets a session cookie (``HttpOnly``,
  ``SameSite=Strict``, ``Secure`` over HTTPS): an expiry and a random nonce, signed with
  HMAC-SHA256 under a key derived from the token, so changing the token ends every
  session and a restart keeps them.
- **Programs**: ``Authorization: Bearer TOKEN`` on ``/api/...`` requests; no cookie, so no
  cross-site request can carry it.

Forms are protected against cross-site request forgery twice: every form that writes
carries a CSRF token bound to the browser's ``pw_csrf`` cookie (double submit, compared in
constant time), and a POST whose ``Origin`` (or ``Referer``) names another site is refused.

Every response carries the Content-Security-Policy of the diff pages, tightened for an
app: nothing but the app's own stylesheet and forms, no script at all, no framing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit

SESSION_COOKIE = "pw_session"
CSRF_COOKIE = "pw_csrf"
CSRF_FIELD = "csrf"
#: A token shorter than this is refused at start-up: it would be guessed.
MIN_TOKEN_LENGTH = 16
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _key(token: str) -> bytes:
    return hmac.new(token.encode("utf-8"), b"policywatch web session v1",
                    hashlib.sha256).digest()


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def token_matches(token: str | None, given: str | None) -> bool:
    """True when a token is configured and ``given`` is it (constant time).

    >>> token_matches("a-long-enough-token", "a-long-enough-token")
    True
    >>> token_matches(None, ""), token_matches("a-long-enough-token", "guess")
    (False, False)
    """
    if not token or not given:
        return False
    return hmac.compare_digest(token.encode("utf-8"), given.encode("utf-8"))


def new_session(token: str, hours: int, now: float | None = None) -> str:
    """A session cookie value: ``expiry.nonce.signature``."""
    expiry = int((now or time.time()) + hours * 3600)
    message = f"{expiry}.{secrets.token_hex(16)}"
    return f"{message}.{_sign(_key(token), message)}"


def session_valid(token: str | None, value: str | None, now: float | None = None) -> bool:
    """True when ``value`` is a session this token signed and it has not expired.

    >>> cookie = new_session("a-long-enough-token", 1, now=1000.0)
    >>> session_valid("a-long-enough-token", cookie, now=1001.0)
    True
    >>> session_valid("another-token-entirely", cookie, now=1001.0)
    False
    >>> session_valid("a-long-enough-token", cookie, now=1000.0 + 3601)
    False
    """
    if not token or not value or value.count(".") != 2:
        return False
    expiry, nonce, signature = value.split(".")
    if not expiry.isdigit():
        return False
    expected = _sign(_key(token), f"{expiry}.{nonce}")
    if not hmac.compare_digest(expected, signature):
        return False
    return int(expiry) > (now or time.time())


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def csrf_valid(cookie: str | None, field: str | None) -> bool:
    """The form's CSRF field equals the browser's CSRF cookie (both present).

    >>> csrf_valid("abc", "abc"), csrf_valid("abc", "abd"), csrf_valid(None, None)
    (True, False, False)
    """
    if not cookie or not field:
        return False
    return hmac.compare_digest(cookie.encode("utf-8"), field.encode("utf-8"))


def same_origin(origin_or_referer: str | None, host: str | None) -> bool:
    """True when a request's ``Origin`` or ``Referer`` names this host (or is absent:
    some browsers send neither on a same-site form; the CSRF token still has to match).

    >>> same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    True
    >>> same_origin("https://evil.example", "127.0.0.1:8000")
    False
    >>> same_origin(None, "127.0.0.1:8000")
    True
    """
    if not origin_or_referer or origin_or_referer == "null":
        return origin_or_referer is None
    return urlsplit(origin_or_referer).netloc == (host or "")
