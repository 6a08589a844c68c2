"""Pure helpers that decide what counts as the same content."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
# CJK ideographs, CJK punctuation and full-width forms. A space next to one of them is
# layout (a line break in the page source inside a sentence, an indent), never meaning:
# Chinese puts no spaces between words.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK}]) | (?=[{_CJK}])")


def normalize_text(text: str) -> str:
    """Fold the differences that never change a notice's meaning.

    NFKC folds full-width ASCII and compatibility forms; runs of whitespace (U+3000
    included) become one space, so a re-indented page is the same content.

    >>> normalize_text("第一条\u3000 营业收入\\n\\n１０００万元 ")
    '第一条 营业收入 1000万元'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def reading_form(text: str) -> str:
    """What a reader sees: :func:`normalize_text`, then no space next to a Chinese
    character or punctuation mark. Spaces between Latin words and numbers stay.

    >>> reading_form("贯彻\\n执行。 《办法》 ") == reading_form("贯彻执行。《办法》")
    True
    >>> reading_form("revenue of 10 million") == reading_form("revenue of 10million")
    False
    >>> reading_form("1000万元") == reading_form("1500万元")
    False
    """
    return _SPACE_NEAR_CJK.sub("", normalize_text(text))


def content_hash(title: str | None, text: str | None, raw_sha256: str | None = None) -> str:
    """Return the hash that identifies a version's content.

    Title and text are compared in their :func:`reading_form`, so page chrome that the
    parser dropped, whitespace and a line break inside a Chinese sentence never make a
    new version. A document with no text at all (an unknown
    format kept as bytes) is identified by its raw bytes instead.
    """
    body = reading_form(text or "")
    if not body and raw_sha256:
        return "raw:" + raw_sha256
    digest = hashlib.sha256()
    digest.update(reading_form(title or "").encode("utf-8"))
    digest.update(b"\x00")
    digest.update(body.encode("utf-8"))
    return digest.hexdigest()


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` characters, at a word boundary, with an ellipsis.

    Chinese has no spaces, so a cut may fall between any two characters; English is cut
    at the last space that fits. Whitespace runs become one space.

    >>> shorten("关于组织开展第七批专精特新“小巨人”企业培育工作的通知", 12)
    '关于组织开展第七批专精…'
    >>> shorten("Measures for the Gradient Cultivation of High-Quality SMEs", 30)
    'Measures for the Gradient…'
    >>> shorten("short", 30)
    'short'
    """
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: max(width - 1, 1)]
    space = cut.rfind(" ")
    if space > width // 2 and flat[len(cut)].isascii() and flat[len(cut)] != " ":
        cut = cut[:space]
    return cut.rstrip(" ,，、;；:：") + "…"
