"""Base spider for the jpaas publishing platform (MIIT and other ministries' sites).

Column page -> its ``buildstatic`` script tag -> the unit JSON API, one request per list
page (``paramJson={"pageNo": N, "pageSize": 24}``) with ``Referer`` and
``X-Requested-With`` and the cookie the column page set -> article pages. Parsing lives
in :mod:`policywatch.crawler.parsers.jpaas`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from http.cookies import CookieError, SimpleCookie
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin

from scrapy.http import Response

from policywatch.crawler.parsers.common import LayoutMismatch
from policywatch.crawler.parsers.jpaas import UnitQuery, parse_jpaas_page, unit_list, unit_query
from policywatch.crawler.spiders.base import PolicySpider


def response_cookies(response: Response) -> dict[str, str]:
    """Cookies a response sets (``Set-Cookie``), as ``{name: value}``.

    The unit API of some columns answers 403 without the cookie the column page set. The
    spider passes it on explicitly rather than trusting the cookie jar: behind the local
    replay the jar files cookies under 127.0.0.1, not under the real host.
    """
    found: dict[str, str] = {}
    for header in response.headers.getlist(b"Set-Cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header.decode("latin-1"))
        except CookieError:
            continue
        found.update({name: morsel.value for name, morsel in jar.items()})
    return found


class JpaasSpider(PolicySpider):
    """Columns of a jpaas site, each listed through the unit API, newest first.

    Subclasses set ``columns`` (real column index URLs) and the usual source attributes.
    """

    platform = "jpaas"
    columns: ClassVar[tuple[str, ...]] = ()
    page_size: ClassVar[int] = 24  # what the sites' own pager asks for
    page_parser = staticmethod(parse_jpaas_page)

    @classmethod
    def list_urls(cls) -> list[str]:
        return list(cls.columns)

    async def start(self) -> AsyncIterator[Any]:
        for column in self.columns:
            yield self.list_request(column, self.parse_column, meta={"column": column})

    def parse_column(self, response: Response) -> Iterator[Any]:
        """Read the column's list API parameters and ask for its first list page."""
        try:
            query = unit_query(response.body)
        except LayoutMismatch as exc:
            self.empty_list(response, f"column page: {exc}")
            return
        yield self.unit_request(response.url, query, 1, response_cookies(response))

    def unit_request(self, column: str, query: UnitQuery, page: int,
                     cookies: dict[str, str]) -> Any:
        """The unit API request for list page ``page`` of ``column``."""
        url = f"{urljoin(column, query.api_path)}?" + urlencode(
            query.page_params(page, self.page_size))
        return self.list_request(
            url, self.parse_unit, cookies=cookies,
            headers={"Referer": column, "X-Requested-With": "XMLHttpRequest",
                     "Accept": "application/json, text/javascript, */*; q=0.01"},
            meta={"column": column, "query": query, "page": page, "cookies": cookies},
        )

    def parse_unit(self, response: Response) -> Iterator[Any]:
        """Follow each listed article; ask for the next page while pages come back full."""
        column, page = response.meta["column"], response.meta["page"]
        try:
            payload = json.loads(response.body)
            fragment = (payload.get("data") or {}).get("html") or ""
        except (ValueError, AttributeError):
            self.empty_list(response, "unit API answered something that is not its JSON")
            return
        rows = unit_list(fragment, column)
        if not rows:
            # A column always has notices: an empty first page means the API or the
            # markup changed. An empty later page is the end of the list.
            if page == 1:
                self.empty_list(response, f"{column}: no li rows in data.html")
            return
        for row in rows:
            yield self.detail_request(row.url, list_url=column, listing=row.listing())
        if len(rows) >= self.page_size and page < self.max_list_pages:
            yield self.unit_request(column, response.meta["query"], page + 1,
                                    response.meta["cookies"])
