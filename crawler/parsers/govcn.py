"""gov.cn State Council policy pages, both templates.

Older template: metadata in ``table.bd1`` (label cell ``<b>索 引 号：</b>`` then value),
body in ``td#UCAP-CONTENT``. Newer template: the same labels in ``table`` cells or
``meta`` tags (``firstpublishedtime``, ``manuscriptId``), body in ``div.TRS_UEDITOR``,
``div#UCAP-CONTENT`` or ``div.pages_content``.
"""

from __future__ import annotations

from policywatch.crawler.documents.html import parse_html, select_first
from policywatch.crawler.parsers.common import (
    LayoutMismatch,
    ParsedPage,
    attachment_links,
    body_fields,
    clean_value,
    iso_date,
    squash,
)

PARSER = "crawler.govcn.v1"
BODY_SELECTORS = ("td#UCAP-CONTENT", "div#UCAP-CONTENT", "div.TRS_UEDITOR",
                  "div.pages_content", "#UCAP-CONTENT")
LABELS = {
    "索引号": "index_number",
    "主题分类": "subject",
    "发文机关": "issuer",
    "成文日期": "written_date",
    "标题": "title",
    "发文字号": "doc_number",
    "发布日期": "published_date",
    "主题词": "keywords",
}
DATE_FIELDS = {"written_date", "published_date"}


def _metadata_table(root) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for table in root.cssselect("table.bd1"):
        cells = table.xpath(".//td")
        for index, cell in enumerate(cells[:-1]):
            label = squash(cell.text_content()).rstrip("：:")
            key = LABELS.get(label)
            if key and key not in values:
                values[key] = clean_value(cells[index + 1].text_content())
    return values


def _meta_tags(root) -> dict[str, str]:
    return {
        meta.get("name"): meta.get("content")
        for meta in root.xpath("//meta[@name][@content]")
    }


def parse_govcn_page(data: bytes, url: str | None = None,
                     charset: str | None = None) -> ParsedPage:
    """Parse one gov.cn policy page.

    Raises:
        LayoutMismatch: neither template's body or title is present.
    """
    root, codec = parse_html(data, charset)
    meta = _meta_tags(root)
    table = _metadata_table(root)
    body = select_first(root, BODY_SELECTORS)
    if body is None:
        raise LayoutMismatch("no gov.cn body (#UCAP-CONTENT, .TRS_UEDITOR, .pages_content)")
    title = table.get("title") or clean_value(meta.get("ArticleTitle")) or clean_value(
            meta.get("title"))
    if not title:
        heads = root.xpath("//title/text()")
        title = clean_value(heads[0].split("_")[0]) if heads else None
    if not title:
        raise LayoutMismatch("no gov.cn title (table.bd1 标题, meta ArticleTitle, <title>)")
    text, html = body_fields(body)
    published = table.get("published_date") or meta.get("firstpublishedtime") or meta.get(
        "PubDate")
    return ParsedPage(
        url=url,
        title=title,
        doc_number=table.get("doc_number"),
        issuer=table.get("issuer") or clean_value(meta.get("ContentSource")),
        index_number=table.get("index_number"),
        written_date=iso_date(table.get("written_date")),
        published_date=iso_date(published),
        subject=table.get("subject"),
        body_text=text,
        body_html=html,
        attachments=attachment_links(body, url),
        parser=PARSER,
        encoding=codec,
        raw_metadata={k: v for k, v in {**table, "meta": meta}.items()
                      if k not in DATE_FIELDS | {"title"} and v},
    )
