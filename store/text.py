"""Pure helpers that decide what counts as the same content."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Fold the differences that never change a notice's meaning.

    NFKC folds full-width ASCII and compatibility forms; runs of whitespace (U+3000
    included) become one space, so a re-indented page is the same content.

    >>> normalize_text("第一条\u3000 营业收入\\n\\n１０００万元 ")
    '第一条 营业收入 1000万元'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def content_hash(title: str | None, text: str | None, raw_sha256: str | None = None) -> str:
    """Return the hash that identifies a version's content.

    Title and text are normalized first, so page chrome that the parser dropped and
    whitespace never make a new version. A document with no text at all (an unknown
    format kept as bytes) is identified by its raw bytes instead.
    """
    body = normalize_text(text or "")
    if not body and raw_sha256:
        return "raw:" + raw_sha256
    digest = hashlib.sha256()
    digest.update(normalize_text(title or "").encode("utf-8"))
    digest.update(b"\x00")
    digest.update(body.encode("utf-8"))
    return digest.hexdigest()
