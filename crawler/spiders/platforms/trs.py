"""Base spiders for the provincial TRS WCM and Hanweb (大汉 jcms) CMS families.

- :class:`TrsSpider`: static list pages ``index.html``, ``index_1.html`` ... paged by the
  ``createPageHTML(countPage, currentPage, "index", "html")`` script call.
- :class:`HanwebSpider`: lists as a ``<datastore>`` of CDATA records, either in the column
  page itself (``col/colN/index.html?uid=U&pageNum=P``) or from the ``dataproxy.jsp``
  endpoint (``startrecord``/``endrecord``/``perpage``).

Both decode list pages through :func:`policywatch.crawler.documents.encoding.decode_text`
(GB2312/GBK
pages, declared or not) and share the article parser
:func:`policywatch.crawler.parsers.trs.parse_trs_page`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode

from scrapy.http import Response

from policywatch.crawler.parsers.generic import generic_list
from policywatch.crawler.parsers.trs import (
    hanweb_datastore,
    parse_trs_page,
    trs_list,
    trs_next_page,
)
from policywatch.crawler.spiders.base import PolicySpider, header_charset


class TrsSpider(PolicySpider):
    """Columns of a TRS WCM site, following ``createPageHTML`` to the next page.

    Subclasses set ``columns`` (first list pages, real URLs) and ``list_item_xpath`` (the
    list rows of the site's template, e.g. ``//ul[@class="list"]/li``).
    """

    platform = "trs"
    columns: ClassVar[tuple[str, ...]] = ()
    # None (a configured source that names no rows): the generic list reader finds them.
    list_item_xpath: ClassVar[str | None] = "//ul/li"
    page_parser = staticmethod(parse_trs_page)

    @classmethod
    def list_urls(cls) -> list[str]:
        return list(cls.columns)

    async def start(self) -> AsyncIterator[Any]:
        for column in self.columns:
            yield self.list_request(column, self.parse_list, meta={"column": column, "page": 0})

    def parse_list(self, response: Response) -> Iterator[Any]:
        """Follow the rows of one list page, then the next page ``createPageHTML`` names."""
        charset, page = header_charset(response), response.meta["page"]
        if self.list_item_xpath:
            rows = trs_list(response.body, response.url, self.list_item_xpath, charset)
        else:
            rows = generic_list(response.body, response.url, charset, self.language)
        if not rows:
            self.empty_list(response, f"no rows at {self.list_item_xpath or 'any dated list'}")
            return
        for row in rows:
            yield self.detail_request(row.url, list_url=response.meta["column"],
                                      listing=row.listing())
        following = trs_next_page(response.body, response.url, charset)
        if following and page + 1 < self.max_list_pages:
            yield self.list_request(following, self.parse_list,
                                    meta={"column": response.meta["column"], "page": page + 1})


@dataclass(frozen=True)
class HanwebColumn:
    """One Hanweb list: the column id and the id of its list unit (``jpage`` instance)."""

    column_id: int
    unit_id: str
    name: str = ""


class HanwebSpider(PolicySpider):
    """Columns of a Hanweb jcms site, walked page by page through their datastore.

    Subclasses set ``site_root``, ``web_id``, ``web_name``, ``columns`` and ``list_mode``:
    ``"dataproxy"`` asks ``/module/web/jpage/dataproxy.jsp`` for ``per_page`` records at a
    time; ``"column"`` reads the column page ``?uid=U&pageNum=P`` the server renders.
    """

    platform = "hanweb"
    site_root: ClassVar[str] = ""
    web_id: ClassVar[int] = 0
    web_name: ClassVar[str] = ""
    columns: ClassVar[tuple[HanwebColumn, ...]] = ()
    list_mode: ClassVar[Literal["dataproxy", "column"]] = "dataproxy"
    per_page: ClassVar[int] = 15
    page_parser = staticmethod(parse_trs_page)

    @classmethod
    def list_urls(cls) -> list[str]:
        return [f"{cls.site_root}/col/col{c.column_id}/index.html?uid={c.unit_id}"
                for c in cls.columns]

    async def start(self) -> AsyncIterator[Any]:
        for column in self.columns:
            yield self.page_request(column, 1)

    def column_url(self, column: HanwebColumn) -> str:
        return f"{self.site_root}/col/col{column.column_id}/index.html"

    def page_request(self, column: HanwebColumn, page: int) -> Any:
        """The request for list page ``page`` (1-based) of a column."""
        if self.list_mode == "column":
            url = f"{self.column_url(column)}?uid={column.unit_id}&pageNum={page}"
        else:
            params = {"appid": 1, "webid": self.web_id, "path": "/",
                      "columnid": column.column_id, "unitid": column.unit_id, "col": 1,
                      "sourceContentType": 1, "permissiontype": 0, "webname": self.web_name,
                      "startrecord": (page - 1) * self.per_page + 1,
                      "endrecord": page * self.per_page, "perpage": self.per_page}
            url = f"{self.site_root}/module/web/jpage/dataproxy.jsp?{urlencode(params)}"
        return self.list_request(url, self.parse_page, meta={"column": column, "page": page},
                                 headers={"Referer": self.column_url(column)})

    def parse_page(self, response: Response) -> Iterator[Any]:
        """Follow the records of one page; ask for the next while the totals say so."""
        column, page = response.meta["column"], response.meta["page"]
        found = hanweb_datastore(response.body, self.site_root + "/", column.unit_id,
                                 header_charset(response))
        if found is None or not found[0]:
            if page == 1 or found is None:
                self.empty_list(response, f"column {column.column_id}: "
                                          f"{'no datastore' if found is None else 'no records'}")
            return
        rows, total_records, total_pages = found
        for row in rows:
            yield self.detail_request(row.url, list_url=self.column_url(column),
                                      listing=row.listing())
        if total_pages is None and total_records is not None:
            total_pages = -(-total_records // self.per_page)
        if total_pages is not None and page < total_pages and page < self.max_list_pages:
            yield self.page_request(column, page + 1)
