"""english.www.gov.cn: the State Council's English site, "Policies > Latest Releases".

Verified from public crawler code: the list is ``/policies/latestreleases/`` with further
pages ``page_2.html``, ``page_3.html`` ...; article URLs are
``//english.www.gov.cn/policies/latestreleases/YYYYMM/DD/content_WS<hex>.html`` (often
protocol-relative), so the URL carries the publication day.

UNVERIFIED (no public code or saved page seen): the list markup (here
``div.list-container li`` with the title in ``h3 > a`` and the date in ``h4``, as one
third-party test fixture has it), the pager links, and the article template (title in
``h1``/``meta ArticleTitle``/``<title>``, date in ``meta PubDate``, source after
"Source:", body in ``#detailContent`` or ``div.article-content``). The parser raises
:class:`LayoutMismatch` when none of these match, so a wrong guess is a health event.
"""

from __future__ import annotations

import re
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
    document,
    file_links,
    first_text,
    meta_tags,
    meta_value,
    page_root,
    title_tag,
)

PARSER = "crawler.govcn_en.v1"
BODY_SELECTORS = ("#detailContent", "div.article-content", "div.article_content",
                  "div.pages_content")
_ARTICLE_URL = re.compile(r"/(\d{4})(\d{2})/(\d{2})/content_WS[0-9a-f]+\.html?$", re.I)
_SOURCE = re.compile(r"Source\s*:\s*(.+?)(?:\s{2,}|\s*\||$)", re.I)


def url_date(url: str | None) -> str | None:
    """The publication day an article URL carries.

    >>> url_date("//english.www.gov.cn/policies/latestreleases/202601/19/content_WS1a2b.html")
    '2026-01-19'
    """
    match = _ARTICLE_URL.search(url or "")
    return iso_date("-".join(match.groups())) if match else None


def latest_releases(data: bytes | str, base_url: str) -> list[ListedNotice]:
    """Article rows of a "Latest Releases" list page (links to ``content_WS...`` pages)."""
    text = data if isinstance(data, str) else decode_text(data)[0]
    root = document(text)
    rows, seen = [], set()
    items = root.xpath('//*[contains(concat(" ", @class, " "), " list-container ")]//li') or \
        root.xpath("//li")
    for item in items:
        for link in item.xpath(".//a[@href]"):
            url = urljoin(base_url, link.get("href").strip())
            if not _ARTICLE_URL.search(url) or url in seen:
                continue
            seen.add(url)
            dates = [iso_date(n.text_content()) for n in item.xpath(".//h4|.//span")]
            rows.append(ListedNotice(
                url=url, title=clean_value(link.text_content()) or clean_value(link.get("title")),
                published_date=next((d for d in dates if d), None) or url_date(url)))
            break
    return rows


def next_page(data: bytes | str, list_url: str, page: int) -> str | None:
    """The link to ``page_{page + 1}.html`` when the pager offers it."""
    text = data if isinstance(data, str) else decode_text(data)[0]
    root = document(text)
    wanted = f"page_{page + 1}.html"
    for link in root.xpath("//a[@href]"):
        href = link.get("href").strip()
        if href.split("?")[0].endswith(wanted):
            return urljoin(list_url, href)
    return None


def parse_govcn_en_page(data: bytes, url: str | None = None,
                        charset: str | None = None) -> ParsedPage:
    """Parse one english.www.gov.cn article page (language ``en``).

    Raises:
        LayoutMismatch: no article body or no title.
    """
    root, codec = page_root(data, charset)
    body = select_first(root, BODY_SELECTORS)
    if body is None:
        raise LayoutMismatch("no english.www.gov.cn article body (#detailContent)")
    meta = meta_tags(root)
    title = first_text(root, "div.article h1", "h1") or meta_value(meta, "ArticleTitle") or \
        title_tag(root)
    if not title:
        raise LayoutMismatch("no english.www.gov.cn title")
    text, html = body_fields(body)
    info = first_text(root, "div.info", ".pages-date", ".article-info") or ""
    source = _SOURCE.search(info)
    published = iso_date(meta_value(meta, "PubDate", "publishdate", "firstpublishedtime")) or \
        url_date(url)
    return ParsedPage(
        url=url,
        title=title,
        issuer=clean_value(source.group(1)) if source else meta_value(meta, "ContentSource"),
        published_date=published,
        body_text=text,
        body_html=html,
        attachments=file_links(body, url),
        language="en",
        parser=PARSER,
        encoding=codec,
        raw_metadata={"meta": meta},
    )
