"""Stable identities for notices: canonical URLs and content keys."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Hosts that serve the same documents as another host: keep one identity per notice.
MIRROR_HOSTS = {"wap.miit.gov.cn": "www.miit.gov.cn", "miit.gov.cn": "www.miit.gov.cn",
                "gov.cn": "www.gov.cn"}
# Query parameters that track visitors and never select a different document.
_TRACKING_PARAMS = {"utm_source", "utm_medium", "utm_campaign", "from", "spm", "share"}


def canonical_url(url: str) -> str:
    """Return the identity form of a notice URL.

    Lower-cases scheme and host, maps mirror hosts to the main one, treats http and https
    as one address, drops the fragment, default ports and tracking parameters.

    >>> canonical_url("HTTP://wap.miit.gov.cn:80/jgsj/qyj/wjfb/art/2026/art_1.html#top")
    'https://www.miit.gov.cn/jgsj/qyj/wjfb/art/2026/art_1.html'
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.lower()
    host = MIRROR_HOSTS.get(host, host)
    netloc = host
    if parts.port and parts.port not in (80, 443):
        netloc = f"{host}:{parts.port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if k.lower() not in _TRACKING_PARAMS]
    )
    return urlunsplit(("https", netloc, parts.path or "/", query, ""))


def content_key(content_hash: str) -> str:
    """Identity of a file imported without a URL: its content.

    >>> content_key("ab" * 32)[:13]
    'sha256:ababab'
    """
    return "sha256:" + content_hash.removeprefix("raw:")
