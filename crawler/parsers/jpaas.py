"""Sites on the jpaas publishing platform: MIIT (www.miit.gov.cn) and its column lists.

Column pages do not carry their list: a ``<script parseType="buildstatic" url="..."
queryData="{'webId': ..., 'pageId': ...}">`` tag names the unit API
(``/api-gateway/jpaas-publish-server/front/page/build/unit``) whose JSON ``data.html``
holds the list markup (``div#当前栏目_list > div > ul > li``: ``a@title``, relative
``a@href``, date in a ``span``). Article pages (``.../art/YYYY/art_<32 hex>.html``) have
``#con_title``, ``#con_time`` ("发布时间：2026-01-17 10:30"), the source in ``.cinfo`` or
``#con_ly`` ("来源：中小企业局") and the body in ``div#con_con``; attachments are links in
the body and PDF viewers' ``iframe@fileurl``. See ``shared/reference/sources.md`` §1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urljoin

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
    meta_tags,
    meta_value,
    page_root,
    signature_date,
    source_in_text,
    title_tag,
)

PARSER = "crawler.jpaas.v1"
UNIT_API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
LIST_TAG = "当前栏目_list"


@dataclass(frozen=True)
class UnitQuery:
    """What a column page's ``buildstatic`` script tag says about its list API."""

    api_path: str
    params: dict[str, str]

    def page_params(self, page: int, page_size: int) -> dict[str, str]:
        """Query parameters for list page ``page`` (1-based).

        >>> UnitQuery(UNIT_API, {"pageId": "p1"}).page_params(2, 24)["paramJson"]
        '{"pageNo": 2, "pageSize": 24}'
        """
        params = {k: v for k, v in self.params.items() if v is not None}
        params.update({"parseType": "buildstatic", "pageType": "column",
                       "tagId": params.get("tagId") or LIST_TAG,
                       "paramJson": json.dumps({"pageNo": page, "pageSize": page_size})})
        return params


def unit_query(data: bytes | str) -> UnitQuery:
    """Read the ``buildstatic`` script tag of a column page.

    Raises:
        LayoutMismatch: no such tag, or its ``queryData`` is not the expected JSON.
    """
    text = data if isinstance(data, str) else decode_text(data)[0]
    root = document(text)
    for script in root.xpath("//script[@querydata]"):
        if (script.get("parsetype") or "").lower() not in {"buildstatic", "bulidstatic"}:
            continue
        raw = script.get("querydata") or ""
        try:
            # The attribute is JSON written with single quotes: {'webId':'...','pageId':'...'}
            params = json.loads(raw.replace("'", '"'))
        except ValueError as exc:
            raise LayoutMismatch(f"queryData is not JSON: {raw[:80]!r}") from exc
        if not isinstance(params, dict) or not params.get("pageId"):
            raise LayoutMismatch(f"queryData has no pageId: {raw[:80]!r}")
        if params.get("tagId") and params["tagId"] != LIST_TAG:
            continue  # another unit of the page (a sidebar), not the column's list
        return UnitQuery(script.get("url") or UNIT_API,
                         {k: str(v) for k, v in params.items()})
    raise LayoutMismatch("no <script parseType=buildstatic queryData=...> list tag")


def unit_list(fragment: str, base_url: str) -> list[ListedNotice]:
    """The rows of a unit API's ``data.html``: ``ul > li`` with a link and a date span.

    >>> rows = unit_list('<div id="当前栏目_list"><div><ul><li><a href="/a/art/2026/art_1.html" '
    ...                  'title="通知">通知</a><span>2026-01-17</span></li></ul></div></div>',
    ...                  "https://www.miit.gov.cn/jgsj/qyj/wjfb/index.html")
    >>> rows[0].url, rows[0].published_date
    ('https://www.miit.gov.cn/a/art/2026/art_1.html', '2026-01-17')
    """
    if not fragment.strip():
        return []
    root = document(f"<html><body><div>{fragment}</div></body></html>")
    containers = root.xpath(f'.//*[@id="{LIST_TAG}"]') or [root]
    rows = []
    for item in containers[0].xpath(".//ul/li"):
        links = item.xpath(".//a[@href]")
        if not links:
            continue
        link = links[0]
        title = clean_value(link.get("title")) or clean_value(link.text_content())
        spans = [s.text_content() for s in item.xpath(".//span")]
        date = next((iso_date(s) for s in spans if iso_date(s)), None)
        rows.append(ListedNotice(url=urljoin(base_url, link.get("href").strip()), title=title,
                                 published_date=date))
    return rows


def parse_jpaas_page(data: bytes, url: str | None = None,
                     charset: str | None = None) -> ParsedPage:
    """Parse one jpaas article page (MIIT ``.../art/YYYY/art_<hex>.html``).

    Raises:
        LayoutMismatch: no ``#con_con`` body or no title.
    """
    root, codec = page_root(data, charset)
    body = select_first(root, ("div#con_con", "#con_con"))
    if body is None:
        raise LayoutMismatch("no jpaas article body (div#con_con)")
    meta = meta_tags(root)
    title = first_text(root, "#con_title") or meta_value(meta, "ArticleTitle") or \
        title_tag(root)
    if not title:
        raise LayoutMismatch("no jpaas title (#con_title, meta ArticleTitle, <title>)")
    text, html = body_fields(body)
    published = iso_date(first_text(root, "#con_time")) or iso_date(meta_value(meta, "PubDate"))
    issuer = source_in_text(first_text(root, "#con_ly", ".cinfo")) or \
        meta_value(meta, "ContentSource")
    return ParsedPage(
        url=url,
        title=title,
        doc_number=doc_number_in_text(text),
        issuer=issuer,
        written_date=signature_date(text),
        published_date=published,
        body_text=text,
        body_html=html,
        attachments=file_links(body, url),
        parser=PARSER,
        encoding=codec,
        raw_metadata={"meta": meta},
    )
