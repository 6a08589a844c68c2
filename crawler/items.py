"""The one item every spider yields, and the attachment item that follows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NoticeItem:
    """A notice page as a spider read it.

    Dates are ISO ``YYYY-MM-DD``; ``attachments`` is a list of ``{"url", "name"}``;
    ``raw`` holds the response bytes exactly as served (kept for provenance).
    """

    url: str
    source: str
    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    index_number: str | None = None
    written_date: str | None = None
    published_date: str | None = None
    body_html: str | None = field(default=None, repr=False)
    body_text: str | None = field(default=None, repr=False)
    attachments: list[dict[str, str]] = field(default_factory=list)
    language: str = "zh"
    list_url: str | None = None
    raw_metadata: dict[str, Any] = field(default_factory=dict)
    raw: bytes = field(default=b"", repr=False)
    content_type: str | None = None
    encoding: str | None = None
    fetched_from: str | None = None
    parser: str | None = None
    http_etag: str | None = None
    http_last_modified: str | None = None


@dataclass
class AttachmentItem:
    """A file linked from a notice page, downloaded as served."""

    url: str
    source: str
    parent_url: str
    name: str
    raw: bytes = field(repr=False)
    content_type: str | None = None
    fetched_from: str | None = None
    position: int = 0
    truncated: bool = False
    http_etag: str | None = None
    http_last_modified: str | None = None
