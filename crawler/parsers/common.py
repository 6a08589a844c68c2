"""Pieces every page parser shares: the parsed-page shape, dates, labels, links."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from policywatch.crawler.documents.html import element_text, page_links


class LayoutMismatch(Exception):
    """The page does not have the structure this source's parser expects.

    Raised instead of returning an empty or partial item, so the crawler records a
    source-health event ("layout changed") rather than "no new notices".
    """


@dataclass
class ParsedPage:
    """What a source parser reads from one article page (keys of ``parse --json``)."""

    url: str | None
    title: str | None
    doc_number: str | None = None
    issuer: str | None = None
    index_number: str | None = None
    written_date: str | None = None
    published_date: str | None = None
    body_text: str = ""
    body_html: str = ""
    attachments: list[dict[str, str]] = field(default_factory=list)
    language: str = "zh"
    subject: str | None = None
    parser: str = ""
    encoding: str | None = None
    raw_metadata: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_CN_DATE = re.compile(r"(\d{4})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})")
_WHITESPACE = re.compile(r"[\s\u3000\xa0]+")
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd",
                         ".zip", ".rar", ".txt")


def iso_date(text: str | None) -> str | None:
    """Return the first ``YYYY年M月D日`` / ``YYYY-MM-DD`` / ``YYYY.MM.DD`` date as ISO.

    >>> iso_date("发布时间：2026-01-17 10:30"), iso_date("2019年02月15日"), iso_date("无")
    ('2026-01-17', '2019-02-15', None)
    """
    if not text:
        return None
    match = _CN_DATE.search(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def squash(text: str | None) -> str:
    """Remove every kind of whitespace (U+3000 included), e.g. in ``标　　题：``."""
    return _WHITESPACE.sub("", text or "")


def clean_value(text: str | None) -> str | None:
    """Collapse whitespace inside a metadata value; empty becomes None."""
    value = " ".join((text or "").replace("\u3000", " ").split())
    return value or None


def attachment_links(body: etree._Element, base_url: str | None) -> list[dict[str, str]]:
    """Return the links in a body that point at files (PDF, DOC, ...), absolute, in order."""
    seen: set[str] = set()
    found = []
    for link in page_links(body):
        href = link["href"]
        absolute = urljoin(base_url, href) if base_url else href
        path = absolute.split("?")[0].lower()
        if not path.endswith(ATTACHMENT_EXTENSIONS) or absolute in seen:
            continue
        seen.add(absolute)
        name = link["text"] or absolute.rsplit("/", 1)[-1]
        found.append({"url": absolute, "name": name})
    return found


def body_fields(body: etree._Element) -> tuple[str, str]:
    """Return ``(text, html)`` of a body element."""
    return element_text(body), etree.tostring(body, encoding="unicode", method="html")
