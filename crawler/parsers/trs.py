"""Provincial sites on the TRS WCM and Hanweb (大汉 jcms) CMS families.

TRS WCM publishes static list pages ``index.html``, ``index_1.html``, ... whose pager is a
script call ``createPageHTML(countPage, currentPage, "index", "html")`` (``currentPage``
0-based) and article pages ``./YYYYMM/tYYYYMMDD_ID.html``. Hanweb jcms lists come as a
``<datastore>`` of ``<record><![CDATA[<li><a href title>..</a><span>date</span></li>]]>``
with ``<totalrecord>``/``<totalpage>``: inside the column page's
``<script type="text/xml">`` (``col/colN/index.html?uid=U&pageNum=P``) or from
``/module/web/jpage/dataproxy.jsp``. Article pages of both carry the standard ``meta``
tags (``ArticleTitle``, ``PubDate``, ``ContentSource``) and the body in ``#zoom`` /
``.TRS_Editor`` (TRS) or ``div.article_zoom`` / ``div#Zoom`` (Hanweb); Hanweb's
information-disclosure table (``.zwxxgk_box``) sometimes prints the index code under
发文字号, which is not a document number.

Pages may be GB2312/GBK/GB18030, declared in a ``meta`` tag or not at all: everything here
decodes through :func:`policywatch.crawler.documents.encoding.decode_text`, never Scrapy's guess.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from policywatch.crawler.documents.encoding import decode_text
from policywatch.crawler.documents.html import select_first
from policywatch.crawler.parsers.common import (
    LayoutMismatch,
    ParsedPage,
    body_fields,
    clean_value,
    iso_date,
)
from policywatch.crawler.parsers.notice_fields import (
    ListedNotice,
    doc_number_in_text,
    document,
    file_links,
    first_text,
    label_values,
    meta_tags,
    meta_value,
    page_root,
    signature_date,
    source_in_text,
    title_tag,
)
from policywatch.store.doc_numbers import is_doc_number

PARSER = "crawler.trs.v1"
BODY_SELECTORS = ("#zoom", "#Zoom", "div.article_zoom", "div.wrapper_detail_text",
                  "div.article-content", "div.TRS_Editor", "div.TRS_UEDITOR")
TITLE_SELECTORS = ("h1.xl_title", ".xl_title h1", ".article_title h1", "h1")
LABELS = {
    "索引号": "index_number",
    "主题分类": "subject",
    "发文字号": "doc_number",
    "文号": "doc_number",
    "发文机关": "issuer",
    "发布机构": "issuer",
    "成文日期": "written_date",
    "发布日期": "published_date",
}
_CREATE_PAGE = re.compile(
    r"""createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?(\d+)['"]?\s*,\s*['"]([^'"]+)['"]"""
    r"""\s*,\s*['"]([^'"]+)['"]\s*\)""")
_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL_RECORDS = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_TOTAL_PAGES = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>", re.I)
_URL_DATE = re.compile(
    r"/(?:art/(\d{4})/(\d{1,2})/(\d{1,2})/|(\d{4})(\d{2})/t(\d{4})(\d{2})(\d{2})_)")


def _date_from_url(url: str) -> str | None:
    """Publication date from a TRS (``/202503/t20250320_1.html``) or Hanweb URL.

    >>> _date_from_url("/art/2024/4/26/art_80179_1.html")
    '2024-04-26'
    >>> _date_from_url("./202503/t20250320_9.html")
    '2025-03-20'
    """
    match = _URL_DATE.search(url)
    if not match:
        return None
    if match.group(1):
        return iso_date(f"{match.group(1)}-{match.group(2)}-{match.group(3)}")
    return iso_date(f"{match.group(6)}-{match.group(7)}-{match.group(8)}")


def _row(item: etree._Element, base_url: str) -> ListedNotice | None:
    links = item.xpath(".//a[@href]")
    if not links:
        return None
    link = links[0]
    href = link.get("href").strip()
    if href.startswith(("javascript:", "#")):
        return None
    url = urljoin(base_url, href)
    title = clean_value(link.get("title")) or clean_value(link.text_content())
    dates = [iso_date(node.text_content()) for node in item.xpath(".//span|.//b|.//em")]
    date = next((d for d in dates if d), None) or _date_from_url(url)
    return ListedNotice(url=url, title=title, published_date=date)


def trs_list(data: bytes | str, base_url: str, item_xpath: str,
             charset: str | None = None) -> list[ListedNotice]:
    """The rows of a TRS list page: elements at ``item_xpath`` holding a link and a date.

    Decodes GBK pages correctly whether or not they declare their charset.
    """
    text = data if isinstance(data, str) else decode_text(data, charset)[0]
    root = document(text)
    return [row for item in root.xpath(item_xpath) if (row := _row(item, base_url))]


def trs_next_page(data: bytes | str, list_url: str, charset: str | None = None) -> str | None:
    """The next list page named by ``createPageHTML(count, current, "index", "html")``.

    >>> trs_next_page('createPageHTML(2, 0, "index", "html");', "https://x.cn/tzgg/")
    'https://x.cn/tzgg/index_1.html'
    >>> trs_next_page('createPageHTML(2, 1, "index", "html");', "https://x.cn/tzgg/index_1.html")
    """
    text = data if isinstance(data, str) else decode_text(data, charset)[0]
    match = _CREATE_PAGE.search(text)
    if not match:
        return None
    count, current, prefix, ext = int(match.group(1)), int(match.group(2)), *match.group(3, 4)
    if current + 1 >= count:
        return None
    return urljoin(list_url, f"{prefix}_{current + 1}.{ext}")


def trs_page_count(data: bytes | str, charset: str | None = None) -> int | None:
    """``countPage`` of a TRS list page's ``createPageHTML`` call, if any."""
    text = data if isinstance(data, str) else decode_text(data, charset)[0]
    match = _CREATE_PAGE.search(text)
    return int(match.group(1)) if match else None


def hanweb_datastore(data: bytes | str, base_url: str, unit_id: str | None = None,
                     charset: str | None = None
                     ) -> tuple[list[ListedNotice], int | None, int | None] | None:
    """Rows, total records and total pages of a Hanweb ``<datastore>``.

    ``unit_id`` picks the datastore of one list unit (the element with that ``id``) when a
    column page holds several. Returns None when there is no datastore at all.
    """
    text = data if isinstance(data, str) else decode_text(data, charset)[0]
    start = 0
    if unit_id:
        anchor = re.search(rf"""id\s*=\s*['"]{re.escape(unit_id)}['"]""", text)
        if anchor:
            start = anchor.end()
    match = _DATASTORE.search(text, start)
    if not match:
        return None
    store = match.group(1)
    rows = []
    for record in _RECORD.findall(store):
        row = _row(document(f"<html><body><div>{record}</div></body></html>"), base_url)
        if row:
            rows.append(row)
    records = _TOTAL_RECORDS.search(store)
    pages = _TOTAL_PAGES.search(store)
    return (rows, int(records.group(1)) if records else None,
            int(pages.group(1)) if pages else None)


def parse_trs_page(data: bytes, url: str | None = None,
                   charset: str | None = None) -> ParsedPage:
    """Parse one TRS WCM or Hanweb article page.

    Raises:
        LayoutMismatch: none of the family's body containers, or no title.
    """
    root, codec = page_root(data, charset)
    body = select_first(root, BODY_SELECTORS)
    if body is None:
        raise LayoutMismatch("no TRS/Hanweb article body (#zoom, .TRS_Editor, "
                             ".article_zoom, #Zoom)")
    meta = meta_tags(root)
    table = label_values(
        root, "//*[contains(concat(' ', @class, ' '), ' zwxxgk_box ') or "
              "contains(concat(' ', @class, ' '), ' xxgk_table ')]//td", LABELS)
    title = meta_value(meta, "ArticleTitle") or first_text(root, *TITLE_SELECTORS) or \
        title_tag(root)
    if not title:
        raise LayoutMismatch("no TRS/Hanweb title (meta ArticleTitle, h1, <title>)")
    text, html = body_fields(body)
    doc_number = table.get("doc_number")
    if not is_doc_number(doc_number):
        # Hanweb disclosure tables often repeat the index code under 发文字号.
        doc_number = doc_number_in_text(text)
    info = first_text(root, ".xl_info", ".article_info", ".info", ".sp_time")
    issuer = meta_value(meta, "ContentSource") or table.get("issuer") or source_in_text(info)
    published = iso_date(meta_value(meta, "PubDate")) or iso_date(
        table.get("published_date")) or iso_date(info) or (url and _date_from_url(url))
    return ParsedPage(
        url=url,
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        index_number=table.get("index_number"),
        written_date=iso_date(table.get("written_date")) or signature_date(text),
        published_date=published or None,
        subject=table.get("subject"),
        body_text=text,
        body_html=html,
        attachments=file_links(body, url),
        parser=PARSER,
        encoding=codec,
        raw_metadata={"meta": meta},
    )
