"""The base spider every source builds on: detail pages, attachments, health.

A concrete spider is mostly attributes (``name``, ``issuer``, ``region``,
``start_urls``) plus the listing logic of its platform; it hands article pages to a
Scrapy-free parser from :mod:`policywatch.crawler.parsers` and never extracts criteria.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import Response
from twisted.python.failure import Failure

from policywatch.crawler.documents import DocumentError
from policywatch.crawler.items import AttachmentItem, NoticeItem
from policywatch.crawler.middlewares import KIND
from policywatch.crawler.parsers.common import LayoutMismatch, ParsedPage
from policywatch.crawler.revisit import KNOWN, record_look
from policywatch.crawler.storage import record_health, store_for
from policywatch.store.timeutil import utc_now

PageParser = Callable[[bytes, str | None, str | None], ParsedPage]


def header_charset(response: Response) -> str | None:
    """Return the charset from a response's Content-Type header, if declared."""
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip()
    return None


class PolicySpider(scrapy.Spider):
    """Base of all policywatch spiders.

    Subclasses set the class attributes and implement ``start`` / list parsing; they call
    :meth:`detail_request` for each article URL found.
    """

    source_name: ClassVar[str] = ""
    platform: ClassVar[str] = ""
    region: ClassVar[str | None] = None
    language: ClassVar[str] = "zh"
    issuer: ClassVar[str | None] = None
    home_url: ClassVar[str] = ""
    page_parser: ClassVar[PageParser]
    # List pages per column: --max-pages first, then this (a configured source's
    # ``max_pages``), then POLICYWATCH_MAX_LIST_PAGES.
    default_max_pages: ClassVar[int | None] = None

    def __init__(self, *args: Any, max_pages: int | str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._max_pages_arg = int(max_pages) if max_pages else None

    @property
    def max_list_pages(self) -> int:
        """List pages to walk per column: new notices appear on the first ones."""
        return self._max_pages_arg or self.default_max_pages or \
            self.settings.getint("POLICYWATCH_MAX_LIST_PAGES", 5)

    @classmethod
    def list_urls(cls) -> list[str]:
        """The addresses the source starts from (``crawl --list``): its list pages or
        listing APIs; platforms name theirs, the site's home page otherwise."""
        return [cls.home_url] if cls.home_url else []

    def source_row(self) -> dict[str, Any]:
        """The ``sources`` row for this spider."""
        return {"id": self.name, "name": self.source_name, "platform": self.platform,
                "region": self.region, "language": self.language, "home_url": self.home_url}

    # -- requests -------------------------------------------------------------------
    def list_request(self, url: str, callback: Callable[..., Any], **kwargs: Any
                     ) -> scrapy.Request:
        """A request for a list page or listing API (always fetched, never skipped)."""
        meta = {KIND: "list", **kwargs.pop("meta", {})}
        # Lists are the change signal: fetched on every run, never filtered as seen.
        return scrapy.Request(url, callback=callback, meta=meta, errback=self.on_error,
                              dont_filter=True, **kwargs)

    def detail_request(self, url: str, *, list_url: str | None = None,
                       listing: dict[str, Any] | None = None) -> scrapy.Request:
        """A request for an article page; the store decides whether it is fetched again."""
        return scrapy.Request(
            url, callback=self.parse_detail, errback=self.on_error,
            meta={KIND: "detail", "list_url": list_url, "listing": listing or {}},
        )

    # -- callbacks ------------------------------------------------------------------
    def parse_detail(self, response: Response) -> Iterator[Any]:
        """Parse an article page into a :class:`NoticeItem` and request its attachments."""
        try:
            page = type(self).page_parser(response.body, response.url,
                                          header_charset(response))
        except (LayoutMismatch, DocumentError) as exc:
            # An empty or undecodable page is a layout problem, never "no content".
            record_health(self.crawler, self, "layout_changed", response.url, str(exc),
                          response.status)
            return
        yield self.notice_item(page, response)
        yield from self.attachment_requests(response.url, page.attachments)

    def attachment_requests(self, parent_url: str, attachments: list[dict[str, str]],
                            only: set[str] | None = None) -> Iterator[scrapy.Request]:
        """Requests for a page's attachments (those whose URL is in ``only``, if given)."""
        for position, attachment in enumerate(attachments):
            if only is not None and attachment["url"] not in only:
                continue
            yield self.attachment_request(attachment["url"], parent_url, attachment["name"],
                                          position)

    def attachment_request(self, url: str, parent_url: str, name: str,
                           position: int = 0) -> scrapy.Request:
        """A request for one file a page links; the store decides whether it is fetched."""
        return scrapy.Request(
            url, callback=self.parse_attachment, errback=self.on_error,
            meta={KIND: "attachment", "parent_url": parent_url, "name": name,
                  "position": position},
        )

    def notice_item(self, page: ParsedPage, response: Response) -> NoticeItem:
        """Build the shared item from a parsed page plus what the listing said."""
        listing = response.meta.get("listing") or {}
        return NoticeItem(
            url=response.url,
            source=self.name,
            title=page.title or listing.get("title"),
            issuer=page.issuer or listing.get("issuer") or self.issuer,
            doc_number=page.doc_number or listing.get("doc_number"),
            index_number=page.index_number,
            written_date=page.written_date,
            published_date=page.published_date or listing.get("published_date"),
            body_html=page.body_html,
            body_text=page.body_text,
            attachments=page.attachments,
            language=page.language or self.language,
            list_url=response.meta.get("list_url"),
            raw_metadata={"listing": listing, **page.raw_metadata,
                          **({"subject": page.subject} if page.subject else {})},
            raw=response.body,
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1") or None,
            encoding=page.encoding,
            fetched_from=response.meta.get("policywatch_fetched_from", response.url),
            parser=page.parser,
            http_etag=_header(response, b"ETag"),
            http_last_modified=_header(response, b"Last-Modified"),
        )

    def parse_attachment(self, response: Response) -> Iterator[AttachmentItem]:
        """Keep an attachment's bytes as served; the store pipeline reads its text."""
        yield AttachmentItem(
            url=response.url,
            source=self.name,
            parent_url=response.meta["parent_url"],
            name=response.meta["name"],
            raw=response.body,
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1") or None,
            fetched_from=response.meta.get("policywatch_fetched_from", response.url),
            position=response.meta.get("position", 0),
            http_etag=_header(response, b"ETag"),
            http_last_modified=_header(response, b"Last-Modified"),
        )

    def empty_list(self, response: Response, detail: str) -> None:
        """Record that a list page yielded nothing: a layout change, not "no news"."""
        record_health(self.crawler, self, "layout_changed", response.url,
                      f"list parsed to zero items: {detail}", response.status)

    def on_error(self, failure: Failure) -> None:
        """Count failed requests; failed list pages are health events, attachments links."""
        request = failure.request
        kind = request.meta.get(KIND, "list")
        url = request.meta.get("policywatch_real_url", request.url)
        reason = failure.getErrorMessage() or failure.type.__name__
        if failure.check(scrapy.exceptions.IgnoreRequest):
            return
        self.crawler.stats.inc_value(f"policywatch/errors/{kind}")
        if request.meta.get(KNOWN):
            # A known page that now fails (404, timeout) waits longer before the next
            # look instead of taking a share of every run's ceiling.
            record_look(self.crawler, url, "failed")
        if kind == "attachment":
            too_large = "max size" in reason or failure.check(DownloadCancelledError) is not None
            _record_failed_attachment(self, request, url, reason, too_large)
        elif kind == "list":
            status = getattr(getattr(failure.value, "response", None), "status", None)
            record_health(self.crawler, self, "http_error", url, reason, status)
        else:
            self.logger.warning("failed %s %s: %s", kind, url, reason)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _record_failed_attachment(spider: PolicySpider, request: scrapy.Request, url: str,
                              reason: str, too_large: bool) -> None:
    """Keep a visible trace of an attachment we could not download (too large, 404...)."""
    from policywatch.store.identity import canonical_url

    status = "too_large" if too_large else "failed"
    store = store_for(spider.crawler)
    parent = store.db.execute(
        "select latest_version_id from notices where identity = ?",
        [canonical_url(request.meta["parent_url"])],
    ).fetchone()
    spider.crawler.stats.inc_value(f"policywatch/attachments/{status}")
    if not parent or not parent[0]:
        return
    store.db.execute("delete from attachments where version_id = ? and url = ?",
                     [parent[0], url])
    store.db["attachments"].insert(
        {"version_id": parent[0], "notice_id": None, "url": url,
         "name": request.meta.get("name"), "position": request.meta.get("position", 0),
         "status": status, "detail": f"{reason} ({utc_now()})"})
