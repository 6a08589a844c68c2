"""Sites the crawler has never seen: notice links on list pages, article text on notice pages.

The ``generic`` platform (``[sources.NAME] platform = "generic"``) reads a Chinese
government site from what such sites share, whatever their CMS:

- **Chrome.** ``nav``, ``header``, ``footer`` and ``aside`` elements, and elements whose
  ``id`` or ``class`` names navigation, menus, breadcrumbs (``当前位置``), sidebars, share
  and print tools, related links (``xglj``), friend links or the footer, are not content
  (unless one of them holds most of the page's text: then it is the page's wrapper).
- **List pages** (:func:`generic_list`). Links in what is left whose text reads as a
  notice title (at least 6 Chinese characters and at most 150 in all; 4 English words for
  English sites), on the same site, not to a file or another list page, each in a row of
  its own (``li``, ``tr``, or the largest block that holds no other title link). The list
  is the container holding most rows with a date next to the link (in the row's text or
  the address: ``t20250320_``, ``/2025/03/20/``); other containers with at least half as
  many dated rows count too (two-column lists). With no date anywhere, the container with
  most titles that name a document type (通知, 公告, 办法, ...) is the list.
- **Pagination** (:func:`generic_next_page`). A link reading 下一页, 下页, 后页, ``>`` or
  ``»`` (or ``rel=next``), the TRS ``createPageHTML`` call, or a link to the address one
  step on: ``index_1.html`` after ``index.html`` (the smallest number offered),
  ``index_3.html`` after ``index_2.html``, ``page=3`` after ``page=2``.
- **Notice pages** (:func:`parse_generic_page`). The title from the ``ArticleTitle`` meta
  tag, else the heading the ``<title>`` contains (else the longest title-like heading),
  else ``<title>`` without the site name (at least six Chinese characters or four words:
  less names a column, not a notice). The body from the platforms' known containers,
  else by text density: from ``<body>`` down into the child that holds at least 70 % of
  the text, until none does. Info bars (发布日期, 来源, 浏览次数), metadata tables
  (索引号, 文号), link lists (related links, 上一篇/下一篇), print and share buttons never
  count as text, so a view counter, a timestamp or a new related link makes no version.
  Dates, number, issuer and index number come from the page's labels (``发布日期：``,
  ``文号：``, ...) and the shared helpers; attachments are links to files anywhere in the
  content area. A page without a title or without text raises :class:`LayoutMismatch`.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import etree

from policywatch.crawler.documents.encoding import decode_text
from policywatch.crawler.documents.html import BODY_SELECTORS as DOCUMENT_BODY_SELECTORS
from policywatch.crawler.documents.html import element_text, select_first
from policywatch.crawler.parsers.common import (
    ATTACHMENT_EXTENSIONS,
    LayoutMismatch,
    ParsedPage,
    clean_value,
    iso_date,
    squash,
)
from policywatch.crawler.parsers.notice_fields import (
    ListedNotice,
    doc_number_in_text,
    document,
    file_links,
    meta_tags,
    meta_value,
    page_root,
    signature_date,
    title_tag,
)
from policywatch.crawler.parsers.trs import BODY_SELECTORS as TRS_BODY_SELECTORS
from policywatch.crawler.parsers.trs import trs_next_page
from policywatch.store.doc_numbers import is_doc_number

PARSER = "crawler.generic.v1"
BODY_SELECTORS = tuple(dict.fromkeys((*DOCUMENT_BODY_SELECTORS, *TRS_BODY_SELECTORS)))
NOTICE_WORDS = ("通知", "公告", "通告", "公示", "办法", "意见", "决定", "方案", "细则",
                "规定", "规划", "批复", "名单", "解读", "指南", "条例", "标准", "规则",
                "措施", "通报", "报告", "函")
_CHROME_TAGS = {"nav", "header", "footer", "aside"}
_CHROME_TOKENS = {
    "nav", "navbar", "navi", "menu", "menus", "submenu", "header", "footer", "foot",
    "copyright", "crumb", "crumbs", "breadcrumb", "bread", "position", "location", "dqwz",
    "sidebar", "side", "share", "bdshare", "related", "relate", "xgwz", "xglj", "xgxx",
    "friend", "friendlink", "yqlj", "banner", "search", "toolbar", "print", "bottom",
    "topbar", "login", "skip", "wza",
}
_TITLE_TOKENS = {"title", "tit", "bt", "biaoti", "xl_title", "wztitle"}
_DROP_TAGS = ("script", "style", "noscript", "template", "select", "button")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
_BREADCRUMB = re.compile(r"^\s*(当前位置|您现在的位置|您的位置|当前的位置|所在位置)")
# Lines and small blocks that are page furniture, never notice text.
_FURNITURE = re.compile(
    r"(浏览次数|阅读次数|访问次数|点击次数|点击数|浏览量|阅读量|访问量|字号[：:]|【\s*打印|"
    r"打印本页|关闭窗口|【\s*关闭|分享到|扫一扫|上一篇|下一篇|【\s*大\s*】|【\s*收藏)")
_CHROME_LINE = re.compile(
    r"^\s*(【?\s*(打印|关闭|收藏|分享|返回顶部)|浏览次数|访问次数|阅读次数|点击数|浏览量|"
    r"字号|上一篇|下一篇|当前位置|您现在的位置|扫一扫|分享到|(发布时间|发布日期|信息来源)\s*[：:]|"
    r"相关(链接|文件|阅读|新闻|信息|文章|推荐|稿件)\s*[：:]?\s*$)")
_META_LABELS = ("索引号", "发文机关", "发布机构", "成文日期", "发布日期", "发布时间", "文号",
                "发文字号", "主题分类", "来源", "信息来源", "有效性", "公开方式")
# Labels whose value a notice page prints after them, as field names.
_LABELS = {"索引号": "index_number", "发文字号": "doc_number", "文号": "doc_number",
           "发文机关": "issuer", "发布机构": "issuer", "信息来源": "source", "来源": "source",
           "成文日期": "written_date", "发布日期": "published_date",
           "发布时间": "published_date"}
_LABEL = re.compile(
    "(" + "|".join(r"\s*".join(label) for label in sorted(
        {*_LABELS, "浏览次数", "字号", "作者", "主题分类", "有效性"}, key=len, reverse=True))
    + r")\s*[：:]")
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_URL_DATES = (re.compile(r"(?<!\d)(20\d{2})[-/]?(0[1-9]|1[0-2])[-/]?(0[1-9]|[12]\d|3[01])(?!\d)"),
              re.compile(r"/(20\d{2})/(\d{1,2})/(\d{1,2})/"))
_NEXT_LABELS = {"下一页", "下页", "后页", "下一頁", "next", "nextpage", ">", "›", "»"}
_PAGE_KEYS = ("page", "pagenum", "pageno", "pageindex", "curpage", "currentpage", "pn", "p")
_LIST_BASENAME = re.compile(r"^(index|default|list)(_\d+)?\.(s?html?|jsp|php|aspx?)$", re.I)
_NUMBERED = re.compile(r"^(.*?)_(\d+)(\.[A-Za-z]+)$")


# -- chrome ---------------------------------------------------------------------------------
def _tokens(element: etree._Element) -> set[str]:
    names = f"{element.get('id') or ''} {element.get('class') or ''}".lower()
    return {token for token in _TOKEN_SPLIT.split(names) if token}


def _text_length(element: etree._Element) -> int:
    return len(squash(element.text_content()))


def _is_chrome(element: etree._Element) -> bool:
    if element.tag in _CHROME_TAGS or _tokens(element) & _CHROME_TOKENS:
        return True
    text = element.text_content()
    return len(text) < 300 and bool(_BREADCRUMB.match(text))


def without_chrome(root: etree._Element) -> etree._Element:
    """A copy of a page without scripts, navigation, breadcrumbs, sidebars and footer.

    An element marked as chrome that holds most of the page's text is kept: some
    templates wrap the whole page in ``<div class="main-top">``.
    """
    clean = copy.deepcopy(root)
    for junk in clean.xpath("|".join(f"//{tag}" for tag in _DROP_TAGS)):
        junk.drop_tree()
    total = max(_text_length(clean), 1)
    for element in _outermost(clean, lambda e: _is_chrome(e) and
                              _text_length(e) < 0.5 * total):
        element.drop_tree()
    return clean


def _outermost(root: etree._Element, wanted: Callable[[etree._Element], bool]
               ) -> list[etree._Element]:
    """Elements below ``<body>`` for which ``wanted`` holds and no ancestor was taken, in
    document order (what dropping them all removes, each once)."""
    taken: list[etree._Element] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in {"html", "body", "head"}:
            continue
        if taken and any(a is taken[-1] for a in element.iterancestors()):
            continue  # inside the last element taken: document order keeps us there
        if wanted(element):
            taken.append(element)
    return taken


# -- list pages -----------------------------------------------------------------------------
def _site(url: str) -> str:
    """The registrable part of a URL's host (``gxj.example.gov.cn`` -> ``example.gov.cn``).

    >>> _site("https://www.jiangsu.gov.cn/a.html"), _site("http://127.0.0.1:8000/x")
    ('jiangsu.gov.cn', '127.0.0.1')
    """
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")
    if host.replace(".", "").isdigit() or len(labels) <= 2:
        return host
    keep = 3 if ".".join(labels[-2:]) in {"gov.cn", "com.cn", "org.cn", "edu.cn",
                                          "net.cn", "ac.cn"} else 2
    return ".".join(labels[-keep:])


def _is_file(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXTENSIONS)


def _is_list_address(url: str, list_url: str) -> bool:
    """A link to the list itself, another column or another page of the list."""
    parts, here = urlsplit(url), urlsplit(list_url)
    if (parts.path, parts.query) == (here.path, here.query) or parts.path.endswith("/"):
        return True
    return bool(_LIST_BASENAME.match(parts.path.rsplit("/", 1)[-1]))


def title_like(text: str | None, language: str = "zh") -> bool:
    """Whether a link's text reads as a notice title rather than navigation.

    >>> title_like("关于开展2025年专精特新中小企业认定工作的通知"), title_like("通知公告")
    (True, False)
    >>> title_like("China unveils measures for graded cultivation of SMEs", "en")
    True
    """
    if not text or len(text) > 150 or text.rstrip("》>").endswith(("更多", "more", "More")):
        return False
    if language == "en":
        return len(text.split()) >= 4
    return len(_CJK.findall(text)) >= 6


def url_date(url: str) -> str | None:
    """A date an article address carries.

    >>> url_date("https://x.gov.cn/tzgg/202503/t20250320_4061234.html")
    '2025-03-20'
    >>> url_date("https://x.gov.cn/art/2024/4/26/art_80179_1.html")
    '2024-04-26'
    >>> url_date("https://x.gov.cn/content/post_4459794.html") is None
    True
    """
    path = urlsplit(url).path
    for pattern in _URL_DATES:
        match = pattern.search(path)
        if match:
            return iso_date("-".join(match.groups()))
    return None


def _date_in(text: str) -> str | None:
    match = _DATE.search(text)
    return iso_date("-".join(match.groups())) if match else None


def _link_title(anchor: etree._Element) -> str | None:
    """The link's title: its ``title`` attribute when that is the longer (lists cut long
    titles short in the text and keep them whole in the attribute)."""
    text = clean_value(anchor.text_content())
    attribute = clean_value(anchor.get("title"))
    if attribute and (not text or len(attribute) > len(text)):
        return attribute
    return text


def _row_of(anchor: etree._Element, titled: dict[etree._Element, str]) -> etree._Element:
    """The row a title link sits in: ``li``/``tr``/``dd``, or the largest block around it
    (up to four levels) that holds no other title link."""
    row, node = anchor, anchor.getparent()
    own = titled[anchor]
    for _ in range(4):
        if node is None or node.tag in {"body", "html"}:
            break
        if any(url != own for a, url in titled.items() if a is not anchor and
               _contains(node, a)):
            break
        row = node
        if node.tag in {"li", "tr", "dd"}:
            break
        node = node.getparent()
    return row


def _contains(node: etree._Element, element: etree._Element) -> bool:
    return any(ancestor is node for ancestor in element.iterancestors())


def generic_list(data: bytes | str, base_url: str, charset: str | None = None,
                 language: str = "zh") -> list[ListedNotice]:
    """The notices a list page of an unknown site links to, in page order.

    Returns an empty list when nothing on the page reads as a list of notices (the spider
    records that as a layout change, never as "no news").
    """
    text = data if isinstance(data, str) else decode_text(data, charset)[0]
    clean = without_chrome(document(text))
    site = _site(base_url)
    titled: dict[etree._Element, str] = {}
    titles: dict[etree._Element, str] = {}
    for anchor in clean.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if urlsplit(url).scheme not in {"http", "https"} or _site(url) != site:
            continue
        if _is_file(url) or _is_list_address(url, base_url):
            continue
        title = _link_title(anchor)
        if title_like(title, language):
            titled[anchor], titles[anchor] = url, title or ""
    groups: dict[etree._Element, list[ListedNotice]] = defaultdict(list)
    shown: dict[etree._Element, int] = defaultdict(int)  # rows that print their date
    seen: set[str] = set()
    for anchor, url in titled.items():
        if url in seen:
            continue
        seen.add(url)
        row = _row_of(anchor, titled)
        printed = _date_in(element_text(row).replace(titles[anchor], " "))
        container = row.getparent() if row.getparent() is not None else row
        shown[container] += printed is not None
        groups[container].append(ListedNotice(url=url, title=titles[anchor],
                                              published_date=printed or url_date(url)))
    if not groups:
        return []
    # A list prints a date on each row; a sidebar of hot links rarely does (its addresses
    # may still carry one): printed dates decide, dates in addresses only without them.
    dated = dict(shown) if any(shown.values()) else \
        {c: sum(1 for n in rows if n.published_date) for c, rows in groups.items()}
    best = max(dated.values(), default=0)
    if best > 0:
        chosen = [c for c in groups if dated.get(c, 0) == best or (
            dated.get(c, 0) >= 2 and 2 * dated.get(c, 0) >= best)]
        return [n for c in groups if c in chosen for n in groups[c]]
    worded = {c: sum(1 for n in rows if any(w in (n.title or "") for w in NOTICE_WORDS))
              for c, rows in groups.items()}
    container = max(worded, key=lambda c: worded[c])
    return groups[container] if worded[container] >= 2 else []


def _next_by_label(root: etree._Element, base_url: str) -> str | None:
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        label = squash(anchor.text_content() or anchor.get("title") or "").lower()
        rel = (anchor.get("rel") or "").lower()
        if label.strip("<>›»") in _NEXT_LABELS or label in _NEXT_LABELS or rel == "next" \
                or "next" in _tokens(anchor):
            url = urljoin(base_url, href)
            if url.split("#")[0] != base_url.split("#")[0]:
                return url
    return None


def _next_by_address(root: etree._Element, base_url: str) -> str | None:
    """A link to the address one step on from ``base_url``."""
    here = urlsplit(base_url)
    links = {urljoin(base_url, (a.get("href") or "").strip()) for a in root.iter("a")
             if (a.get("href") or "").strip() and
             not (a.get("href") or "").strip().startswith(("javascript:", "#"))}
    # ?page=N
    query = {k.lower(): v for k, v in parse_qsl(here.query)}
    for key in _PAGE_KEYS:
        current = int(query[key]) if query.get(key, "").isdigit() else None
        offered = []
        for link in links:
            parts = urlsplit(link)
            values = {k.lower(): v for k, v in parse_qsl(parts.query)}
            if parts.path == here.path and values.get(key, "").isdigit():
                offered.append((int(values[key]), link))
        if not offered:
            continue
        if current is not None:
            ahead = [o for o in offered if o[0] == current + 1]
        else:
            numbers = {n for n, _ in offered}
            ahead = [o for o in offered if o[0] == (2 if {1, 2} <= numbers else min(numbers))]
        if ahead:
            return ahead[0][1]
    # index_N.html
    folder, _, name = here.path.rpartition("/")
    numbered = _NUMBERED.match(name)
    if numbered:
        stem, number, ext = numbered.group(1), int(numbered.group(2)), numbered.group(3)
        wanted = {f"{folder}/{stem}_{number + 1}{ext}"}
    else:
        stem, dot, ext = (name or "index.html").rpartition(".")
        wanted = None
        numbers = []
        for link in links:
            parts = urlsplit(link)
            match = re.fullmatch(re.escape(f"{folder}/{stem}_") + r"(\d+)" + re.escape(dot + ext),
                                 parts.path)
            if match and parts.netloc == here.netloc:
                numbers.append(int(match.group(1)))
        if numbers:
            wanted = {f"{folder}/{stem}_{min(numbers)}{dot}{ext}"}
    for link in sorted(links):
        parts = urlsplit(link)
        if wanted and parts.netloc == here.netloc and parts.path in wanted:
            return link
    return None


def generic_next_page(data: bytes | str, base_url: str, charset: str | None = None
                      ) -> str | None:
    """The next page of a list, or None on the last page.

    >>> generic_next_page('<a href="index_1.html">下一页</a>', "https://x.gov.cn/tzgg/")
    'https://x.gov.cn/tzgg/index_1.html'
    >>> generic_next_page('<a href="index_1.html">1</a><a href="index_2.html">2</a>',
    ...                   "https://x.gov.cn/tzgg/index_1.html")
    'https://x.gov.cn/tzgg/index_2.html'
    >>> generic_next_page('<a href="list.jsp?page=3">3</a>', "https://x.gov.cn/list.jsp?page=2")
    'https://x.gov.cn/list.jsp?page=3'
    """
    text = data if isinstance(data, str) else decode_text(data, charset)[0]
    root = document(text)
    return _next_by_label(root, base_url) or trs_next_page(text, base_url) or \
        _next_by_address(root, base_url)


# -- notice pages ---------------------------------------------------------------------------
def _drop_furniture(clean: etree._Element) -> None:
    """Remove info bars, metadata tables, link lists and buttons from a content area.

    Only blocks that are a small part of the page go (at most a third of its text): a short
    notice whose container also holds its info bar keeps its text.
    """
    total = _text_length(clean)

    def furniture(element: etree._Element) -> bool:
        text = element.text_content()
        size = len(squash(text))
        if 3 * size > total:
            return False
        if size <= 200 and _FURNITURE.search(text):
            return True
        if size <= 400 and sum(label in squash(text) for label in _META_LABELS) >= 3:
            return True
        return element.tag in {"ul", "ol", "dl", "div", "table"} and _link_list(element, size)

    for element in _outermost(clean, furniture):
        element.drop_tree()


def _link_list(element: etree._Element, size: int) -> bool:
    """Three or more links to pages (not files) that make up most of the block's text."""
    anchors = [a for a in element.iter("a")
               if not (a.get("href") or "").split("?")[0].lower().endswith(ATTACHMENT_EXTENSIONS)]
    if len(anchors) < 3:
        return False
    linked = sum(len(squash(a.text_content())) for a in anchors)
    return linked >= 0.6 * max(size, 1)


def _densest(clean: etree._Element) -> etree._Element:
    """The block holding the article: down from ``<body>`` into the child that holds at
    least 70 % of the text, until none does."""
    bodies = clean.xpath("//body")
    node = bodies[0] if bodies else clean
    while True:
        children = [c for c in node if isinstance(c.tag, str)]
        if not children:
            return node
        best = max(children, key=_text_length)
        if _text_length(best) < 0.7 * max(_text_length(node), 1):
            return node
        node = best


def _title(root: etree._Element, clean: etree._Element, meta: dict[str, str]) -> str | None:
    title = meta_value(meta, "ArticleTitle", "title")
    if title:
        return title
    page_title = squash(" ".join(root.xpath("//title/text()")))
    candidates = []
    for element in clean.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in {"h1", "h2", "h3"} or _tokens(element) & _TITLE_TOKENS:
            text = clean_value(element_text(element))
            if text and len(text) <= 200 and _reads_as_title(text):
                inside = squash(text) in page_title
                candidates.append((inside, element.tag == "h1", len(text), text))
    if candidates:
        return max(candidates)[3]
    fallback = title_tag(root)
    # "政策解读_示例市工业和信息化局" names a column, not a notice.
    return fallback if fallback and _reads_as_title(fallback) else None


def _reads_as_title(text: str) -> bool:
    """Six Chinese characters, or four words: less is a column or a site name."""
    return len(_CJK.findall(text)) >= 6 or len(text.split()) >= 4


def _labelled(text: str) -> dict[str, str]:
    """``发布日期：2025-03-20 来源：示例市工业和信息化局`` -> field name -> value."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        matches = list(_LABEL.finditer(line))
        for index, match in enumerate(matches):
            key = _LABELS.get(squash(match.group(1)))
            end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
            value = clean_value(line[match.end():end].strip(" \t|｜"))
            if key and value and key not in found:
                found[key] = value
    return found


def _chrome_free_text(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not _CHROME_LINE.match(line))


def parse_generic_page(data: bytes, url: str | None = None,
                       charset: str | None = None) -> ParsedPage:
    """Read a notice page of a site no parser was written for.

    Raises:
        LayoutMismatch: no title, or no article text once the page's chrome is removed.
    """
    root, codec = page_root(data, charset)
    meta = meta_tags(root)
    clean = without_chrome(root)
    title = _title(root, clean, meta)
    if not title:
        raise LayoutMismatch("generic: no title (meta ArticleTitle, a heading, <title>)")
    content = clean.xpath("//body")
    attachments = file_links(content[0] if content else clean, url)
    _drop_furniture(clean)
    body = select_first(clean, BODY_SELECTORS)
    if body is None:
        body = _densest(clean)
    text = _chrome_free_text(element_text(body))
    if len(_CJK.findall(text)) < 30 and len(text.split()) < 30:
        raise LayoutMismatch("generic: no article text once navigation, info bar and footer "
                             "are removed")
    labels = _labelled(element_text(root))
    doc_number = labels.get("doc_number")
    if not is_doc_number(doc_number):
        doc_number = doc_number_in_text(text)
    source = labels.get("issuer") or labels.get("source")
    issuer = meta_value(meta, "ContentSource") or (source.split()[0] if source else None)
    published = iso_date(meta_value(meta, "PubDate")) or iso_date(
        labels.get("published_date")) or (url_date(url) if url else None)
    return ParsedPage(
        url=url,
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        index_number=labels.get("index_number"),
        written_date=iso_date(labels.get("written_date")) or signature_date(text),
        published_date=published,
        body_text=text,
        body_html=etree.tostring(body, encoding="unicode", method="html"),
        attachments=attachments,
        parser=PARSER,
        encoding=codec,
        raw_metadata={"meta": meta},
    )
