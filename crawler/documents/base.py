"""The shape every format reader returns, and the failures it may raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class DocumentError(Exception):
    """Base class: the bytes could not be turned into a document."""


class EmptyDocument(DocumentError):
    """The file has no bytes (or only whitespace)."""


class UnreadableDocument(DocumentError):
    """The bytes claim a format but are corrupt, truncated or not text at all."""


class UnsupportedFormat(DocumentError):
    """No reader knows this format; the bytes can still be kept as they are."""


@dataclass
class Document:
    """Text and metadata read from one file.

    Attributes:
        format: short format name (``html``, ``txt``, ``pdf``, ...).
        text: the document's text, paragraphs separated by newlines.
        reader: the library or code that produced ``text`` and its version tag.
        title: a title when the format carries one.
        encoding: the character encoding used to decode text formats.
        metadata: format-specific extras (page count, sheet names, links, ...).
    """

    format: str
    text: str
    reader: str
    title: str | None = None
    encoding: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


#: A format reader: the file's bytes and the charset its server declared (or None).
Reader = Callable[[bytes, str | None], Document]
