"""Guangdong's open-government directory platform ``gkmlpt`` (gdii.gd.gov.cn and others).

What public crawler code shows (see ``crawler/replay/README.md`` for the sources):

- ``/gkmlpt/index`` embeds ``window._CONFIG = {SID: '...', TREE: [...], ...}``: the site id
  and the category tree (``id``, ``name``, ``children``, ``jump_url``);
- the list API is ``GET /gkmlpt/api/all/{category}?page={n}&sid={SID}`` answering JSON with
  ``articles`` (``id``, ``title``, ``url``, ``document_number``, ``identifier``,
  ``publisher``, ``created_at``, ``attachment``...), ``total`` and ``classify.post_count``;
- content pages are ``/gkmlpt/content/{id//10**6}/{id//1000}/post_{id}.html`` with a
  metadata table (索引号, 分类, 发布机构, 成文日期, 名称, 文号, 发布日期, 主题词) and
  attachments under ``/attachment/...`` (``a.nfw-cms-attachment``).

The article template's ``meta[name=PubDate]``, ``meta[name=ContentSource]``,
``h1.content_title``, ``.content_attr`` and ``div.content_article#zoomcon`` come from
``shared/reference/sources.md`` §3. The metadata table's class names are unverified.
"""

from __future__ import annotations

import json
import re
from typing import Any

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

PARSER = "crawler.gkmlpt.v1"
_SID = re.compile(r"""\bSID\s*:\s*['"](\d+)['"]""")
_TREE = re.compile(r"\bTREE\s*:\s*\[")
LABELS = {
    "索引号": "index_number",
    "分类": "subject",
    "发布机构": "issuer",
    "成文日期": "written_date",
    "名称": "title",
    "文号": "doc_number",
    "发布日期": "published_date",
    "主题词": "keywords",
}


def site_config(data: bytes | str) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(SID, TREE)`` from a ``/gkmlpt/index`` page.

    Raises:
        LayoutMismatch: the page has no ``window._CONFIG`` with a ``SID``.
    """
    text = data if isinstance(data, str) else decode_text(data)[0]
    sid = _SID.search(text)
    if not sid:
        raise LayoutMismatch("no window._CONFIG SID on the gkmlpt index page")
    tree: list[dict[str, Any]] = []
    start = _TREE.search(text)
    if start:
        tree = _json_array(text, start.end() - 1)
    return sid.group(1), tree


def _json_array(text: str, start: int) -> list[dict[str, Any]]:
    """Decode the JSON array that begins at ``text[start] == '['`` (bracket matching)."""
    depth, quoted, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if quoted:
            escaped = char == "\\" and not escaped
            if char == '"' and not escaped:
                quoted = False
            continue
        if char == '"':
            quoted = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                try:
                    value = json.loads(text[start:index + 1])
                except ValueError:
                    return []
                return value if isinstance(value, list) else []
    return []


def tree_categories(tree: list[dict[str, Any]]) -> dict[int, str]:
    """Every category id in a TREE with its name, depth first.

    >>> tree_categories([{"id": 1, "name": "政策", "children": [{"id": 2, "name": "规范性文件"}]}])
    {1: '政策', 2: '规范性文件'}
    """
    found: dict[int, str] = {}
    for node in tree:
        if isinstance(node, dict) and "id" in node:
            found[int(node["id"])] = str(node.get("name", ""))
            found.update(tree_categories(node.get("children") or []))
    return found


def api_articles(payload: dict[str, Any]) -> tuple[list[ListedNotice], int | None]:
    """The rows of one ``/gkmlpt/api/all/...`` answer and the category's total, if stated."""
    rows = []
    for article in payload.get("articles") or []:
        url = article.get("url") or article.get("post_url")
        if not url:
            continue
        rows.append(ListedNotice(
            url=url,
            title=clean_value(article.get("title")),
            published_date=iso_date(str(article.get("created_at") or "")),
            doc_number=clean_value(article.get("document_number")),
            issuer=clean_value(article.get("publisher")),
            extra={k: article[k] for k in ("id", "identifier", "classify_main_name")
                   if article.get(k) not in (None, "")},
        ))
    total = payload.get("total")
    if total is None:
        total = (payload.get("classify") or {}).get("post_count")
    return rows, int(total) if total is not None else None


def parse_gkmlpt_page(data: bytes, url: str | None = None,
                      charset: str | None = None) -> ParsedPage:
    """Parse one gkmlpt content page.

    Raises:
        LayoutMismatch: no ``div.content_article#zoomcon`` body or no title.
    """
    root, codec = page_root(data, charset)
    body = select_first(root, ("div.content_article#zoomcon", "#zoomcon"))
    if body is None:
        raise LayoutMismatch("no gkmlpt article body (div.content_article#zoomcon)")
    meta = meta_tags(root)
    table = label_values(root, "//*[contains(concat(' ', @class, ' '), ' classify ')]//td",
                         LABELS)
    title = first_text(root, "h1.content_title") or meta_value(meta, "ArticleTitle") or \
        table.get("title") or title_tag(root)
    if not title:
        raise LayoutMismatch("no gkmlpt title (h1.content_title, meta ArticleTitle)")
    text, html = body_fields(body)
    doc_number = table.get("doc_number")
    if not is_doc_number(doc_number):
        doc_number = doc_number_in_text(text)
    issuer = table.get("issuer") or meta_value(meta, "ContentSource") or \
        source_in_text(first_text(root, ".content_attr"))
    published = iso_date(table.get("published_date")) or iso_date(
        meta_value(meta, "PubDate")) or iso_date(first_text(root, ".content_attr"))
    return ParsedPage(
        url=url,
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        index_number=table.get("index_number"),
        written_date=iso_date(table.get("written_date")) or signature_date(text),
        published_date=published,
        subject=table.get("subject"),
        body_text=text,
        body_html=html,
        attachments=file_links(body, url),
        parser=PARSER,
        encoding=codec,
        raw_metadata={"meta": meta, **{k: v for k, v in table.items()
                                        if k == "keywords" and v}},
    )
