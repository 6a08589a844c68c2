"""Decoding Chinese web text without mojibake.

Order of trust: a byte-order mark, then the declared charset (HTTP header or ``<meta>``),
then strict UTF-8, then GB18030, then charset-normalizer's guess. GB2312 and GBK are
decoded as GB18030, their superset, because pages declared GB2312 routinely contain GBK
characters (for example 镕 or 祎 in names) that a strict GB2312 decoder rejects.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE
)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "hz-gb-2312"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def normalize_charset(name: str | None) -> str | None:
    """Map a declared charset to the codec policywatch decodes it with.

    >>> normalize_charset("GB2312"), normalize_charset("utf8"), normalize_charset("nonsense")
    ('gb18030', 'utf-8', None)
    """
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """Return the charset named in an HTML ``<meta>`` within the first 4 KB, if any."""
    match = _META_CHARSET.search(data[:4096])
    return normalize_charset(match.group(1).decode("ascii", "ignore")) if match else None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes of a text or HTML document.

    Args:
        data: the raw bytes.
        declared: a charset from the HTTP ``Content-Type`` header, if any.

    Returns:
        ``(text, codec)``. Bytes that no candidate decodes strictly are decoded with
        replacement characters by the best guess (never silently as Latin-1).

    >>> decode_text("专精特新".encode("gbk"))
    ('专精特新', 'gb18030')
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    candidates = [normalize_charset(declared), declared_charset(data), "utf-8", "gb18030"]
    for codec in candidates:
        if codec and (text := _strict(data, codec)) is not None:
            return text, codec
    best = from_bytes(data).best()
    codec = normalize_charset(best.encoding) if best else None
    codec = codec or "gb18030"
    return data.decode(codec, errors="replace"), codec


def looks_binary(data: bytes) -> bool:
    """Whether bytes are clearly not text: NUL bytes or many control characters."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(head) * 0.05
