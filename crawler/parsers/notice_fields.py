"""Fields that the CMS platforms' article pages share, read the same way everywhere.

Every Chinese government site carries the metadata ``<meta>`` tags of the 2017 State
Council website guideline (``ArticleTitle``, ``PubDate``, ``ContentSource``, ...); notices
print their own document number as a line of its own under the title and the signature
date as a line of its own after the issuer. List pages of every platform end up as rows
of (url, title, date): :class:`ListedNotice`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.html
from lxml import etree

from policywatch.crawler.documents.base import UnreadableDocument
from policywatch.crawler.documents.html import element_text, parse_html
from policywatch.crawler.parsers.common import (
    ATTACHMENT_EXTENSIONS,
    LayoutMismatch,
    clean_value,
    iso_date,
    squash,
)
from policywatch.store.doc_numbers import is_doc_number

_FULL_CN_DATE = re.compile(r"^(19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_SOURCE = re.compile(r"(?:来源|来\s*源|信息来源|发布机构|Source)\s*[：:]\s*([^\s|｜]+)")


@dataclass
class ListedNotice:
    """One row of a list page or listing API: where the notice is and what the list says."""

    url: str
    title: str | None = None
    published_date: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def listing(self) -> dict[str, Any]:
        """The ``listing`` dict a spider hands to ``detail_request``."""
        values = {"title": self.title, "published_date": self.published_date,
                  "doc_number": self.doc_number, "issuer": self.issuer, **self.extra}
        return {k: v for k, v in values.items() if v not in (None, "")}


def page_root(data: bytes, charset: str | None) -> tuple[etree._Element, str]:
    """Decode and parse a page; an empty or unparseable body is a layout mismatch too."""
    try:
        return parse_html(data, charset)
    except UnreadableDocument as exc:
        raise LayoutMismatch(f"not an HTML page: {exc}") from exc


def document(text: str) -> etree._Element:
    """Parse list-page text; text lxml finds no document in gives an empty ``<html>``.

    List helpers then find no rows, which the spider records as a layout change.
    """
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body></body></html>")


def meta_tags(root: etree._Element) -> dict[str, str]:
    """Return ``<meta name=... content=...>`` pairs, names as written.

    Repeated names keep their first value: templates sometimes print a tag twice.
    """
    found: dict[str, str] = {}
    for meta in root.xpath("//meta[@name][@content]"):
        found.setdefault(meta.get("name"), meta.get("content"))
    return found


def meta_value(meta: dict[str, str], *names: str) -> str | None:
    """The first non-empty value among ``names``, compared case-insensitively."""
    lowered = {k.lower(): v for k, v in meta.items()}
    for name in names:
        value = clean_value(lowered.get(name.lower()))
        if value:
            return value
    return None


def doc_number_in_text(text: str, lines: int = 12) -> str | None:
    """Return the notice's own number: a line of the body's head that is only a number.

    Numbers cited inside sentences (``《办法》（工信部企业〔2022〕63号）``) are not the
    notice's own and are ignored.

    >>> doc_number_in_text("关于印发办法的通知\\n工信部企业〔2022〕63号\\n各省：")
    '工信部企业〔2022〕63号'
    """
    for line in text.splitlines()[:lines]:
        candidate = squash(line)
        if is_doc_number(candidate):
            return candidate
    return None


def signature_date(text: str) -> str | None:
    """The written date: the first body line that is only a ``YYYY年M月D日`` date, as ISO.

    >>> signature_date("工业和信息化部\\n2022年6月1日\\n附件：1.标准")
    '2022-06-01'
    """
    for line in text.splitlines():
        candidate = squash(line)
        if _FULL_CN_DATE.match(candidate):
            return iso_date(candidate)
    return None


def source_in_text(text: str | None) -> str | None:
    """The issuer named after ``来源：`` (or ``Source:``) in a page's info line.

    >>> source_in_text("发布时间：2025-05-08 16:20  来源：中小企业局  字号：大 中 小")
    '中小企业局'
    """
    match = _SOURCE.search(text or "")
    return match.group(1) if match else None


def label_values(root: etree._Element, cells_xpath: str, labels: dict[str, str]
                 ) -> dict[str, str | None]:
    """Read a label/value table: ``<td>文号：</td><td>X</td>`` or ``<td>文号：X</td>``.

    Labels are compared with all whitespace removed (``索 引 号``), so one table of labels
    fits the spellings of every template. Returns field name -> value.
    """
    values: dict[str, str | None] = {}
    cells = root.xpath(cells_xpath)
    for index, cell in enumerate(cells):
        label, value = _split_label(element_text(cell))
        key = labels.get(squash(label))
        if not key or key in values:
            continue
        if value is None and index + 1 < len(cells):
            next_label, _ = _split_label(element_text(cells[index + 1]))
            if squash(next_label) not in labels:
                value = clean_value(element_text(cells[index + 1]))
        values[key] = value
    return values


def _split_label(text: str) -> tuple[str, str | None]:
    """``"文号：X"`` -> ``("文号", "X")``; ``"文号："`` or no colon -> value None."""
    match = re.match(r"^(.*?)[：:](.*)$", text, re.S)
    if not match:
        return text, None
    return match.group(1), clean_value(match.group(2))


def file_links(body: etree._Element, base_url: str | None) -> list[dict[str, str]]:
    """Links in a body that point at files: by path extension or a ``filename=`` parameter.

    Some CMSs serve attachments through a download script
    (``downfile.jsp?filename=2405201530.docx``); the path alone does not say it is a file.
    """
    seen: set[str] = set()
    found = []
    for anchor in body.iter("a", "iframe"):
        href = (anchor.get("href") if anchor.tag == "a" else anchor.get("fileurl")) or ""
        href = href.strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        absolute = urljoin(base_url, href) if base_url else href
        parts = urlsplit(absolute)
        names = [parts.path] + [v for k, v in parse_qsl(parts.query) if k.lower() in
                                {"filename", "file", "name"}]
        if not any(n.lower().endswith(ATTACHMENT_EXTENSIONS) for n in names) or \
                absolute in seen:
            continue
        seen.add(absolute)
        text = " ".join(anchor.text_content().split()) if anchor.tag == "a" else ""
        found.append({"url": absolute, "name": text or names[-1].rsplit("/", 1)[-1]})
    return found


def first_text(root: etree._Element, *selectors: str) -> str | None:
    """Text of the first element matched by the first selector that matches non-empty text."""
    for selector in selectors:
        for element in root.cssselect(selector):
            value = clean_value(element_text(element))
            if value:
                return value
    return None


def title_tag(root: etree._Element) -> str | None:
    """``<title>`` without the site name templates append (``标题_栏目_网站``, ``Title - Site``)."""
    titles = root.xpath("//title/text()")
    value = titles[0].strip() if titles else ""
    if "_" in value:
        value = value.split("_", 1)[0]
    elif " - " in value:
        value = value.rsplit(" - ", 1)[0]
    return clean_value(value)
