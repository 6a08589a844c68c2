"""HTML pages: decode, find the notice body, and turn it into plain text.

The body selectors are the ones the watched CMS platforms use (see
``shared/reference/sources.md``); a page that matches none falls back to ``<body>`` with
navigation and scripts removed. Source-specific parsers reuse :func:`element_text`.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from policywatch.crawler.documents.base import Document, UnreadableDocument
from policywatch.crawler.documents.encoding import decode_text

READER = "policywatch.html.v1"

# Most specific first: the first selector that matches a non-empty element wins.
BODY_SELECTORS = (
    "#UCAP-CONTENT",  # gov.cn (both templates)
    "#con_con",  # MIIT
    "div.TRS_UEDITOR",  # gov.cn newer, TRS CMS
    "div.pages_content",  # gov.cn newer
    "#zoomcon",  # Guangdong gkmlpt
    "div.article-content",  # Beijing/Zhejiang Hanweb
    "#zoom",  # Hanweb / TRS provinces
    "div.TRS_Editor",
    "article",
)
TITLE_SELECTORS = (
    "#con_title",
    "h1.content_title",
    "meta[name=ArticleTitle]",
    "h1",
)
_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "section", "article", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr",
    "center", "tbody", "thead", "form",
}
_CELL_TAGS = {"td", "th"}
_DROP_TAGS = ("script", "style", "noscript", "template", "head", "object")
_BLANK_LINES = re.compile(r"\n[ \t\u3000]*(?=\n)")
_INLINE_SPACE = re.compile(r"[ \t\r\f\v]+")


def parse_html(data: bytes, declared_charset: str | None = None) -> tuple[etree._Element, str]:
    """Decode and parse HTML bytes into an lxml tree.

    Returns:
        ``(root, codec)``.

    Raises:
        UnreadableDocument: lxml finds no document in the bytes.
    """
    text, codec = decode_text(data, declared_charset)
    # lxml refuses str input with an XML encoding declaration; strip it.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise UnreadableDocument("the page has no content")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableDocument(f"not parseable as HTML: {exc}") from exc
    return root, codec


def element_text(element: etree._Element) -> str:
    """Return an element's visible text with block elements on their own lines.

    >>> element_text(lxml.html.fromstring("<div><p>第一条</p><p>第二条 <b>100</b>万元</p></div>"))
    '第一条\\n第二条 100万元'
    """
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _DROP_TAGS:
            if node.tail:
                parts.append(node.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
        if tag in _CELL_TAGS:
            parts.append("\t")
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(element)
    text = "".join(parts).replace("\xa0", " ")
    lines = (_INLINE_SPACE.sub(" ", line).strip(" \u3000\t") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def select_first(root: etree._Element, selectors: tuple[str, ...]) -> etree._Element | None:
    """Return the first element matched by the first selector that matches non-empty text."""
    for selector in selectors:
        for element in root.cssselect(selector):
            if element.tag == "meta" or element_text(element):
                return element
    return None


def page_title(root: etree._Element) -> str | None:
    """Return the notice title from the usual places, then ``<title>``."""
    element = select_first(root, TITLE_SELECTORS)
    if element is not None:
        value = element.get("content") if element.tag == "meta" else element_text(element)
        if value and value.strip():
            return " ".join(value.split())
    titles = root.xpath("//title/text()")
    return " ".join(titles[0].split()) if titles and titles[0].strip() else None


def page_links(body: etree._Element) -> list[dict[str, str]]:
    """Return the links in a body: ``a@href`` and PDF viewers' ``iframe@fileurl``."""
    links = []
    for anchor in body.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "#", "mailto:")):
            links.append({"href": href, "text": " ".join(anchor.text_content().split())})
    for frame in body.iter("iframe"):
        fileurl = (frame.get("fileurl") or "").strip()
        if fileurl:
            links.append({"href": fileurl, "text": ""})
    return links


def read_html(data: bytes, declared_charset: str | None = None) -> Document:
    """Read a saved or fetched HTML page into a :class:`Document`."""
    root, codec = parse_html(data, declared_charset)
    body = select_first(root, BODY_SELECTORS)
    if body is None:
        bodies = root.xpath("//body")
        body = bodies[0] if bodies else root
        for junk in body.xpath(".//nav|.//header|.//footer"):
            junk.drop_tree()
    text = element_text(body)
    return Document(
        format="html",
        text=text,
        reader=READER,
        title=page_title(root),
        encoding=codec,
        metadata={"links": page_links(body)},
    )
