"""Base spider for sites on no platform the crawler knows: ``platform = "generic"``.

List pages -> the links that read as dated notice titles in their content area -> notice
pages, following the list's next page up to ``max_pages``. What reads as what is decided
by :mod:`policywatch.crawler.parsers.generic`; a first list page where nothing does is a
layout change (a source-health event), never "no news".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from scrapy.http import Response

from policywatch.crawler.parsers.generic import generic_list, generic_next_page, parse_generic_page
from policywatch.crawler.spiders.base import PolicySpider, header_charset


class GenericSpider(PolicySpider):
    """List pages of any site, walked by their pager; subclasses set ``start_list_urls``."""

    platform = "generic"
    start_list_urls: ClassVar[tuple[str, ...]] = ()
    page_parser = staticmethod(parse_generic_page)

    @classmethod
    def list_urls(cls) -> list[str]:
        return list(cls.start_list_urls)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_list_urls:
            yield self.list_request(url, self.parse_list,
                                    meta={"column": url, "page": 0, "walked": [url]})

    def parse_list(self, response: Response) -> Iterator[Any]:
        """Follow the notices one list page links to, then its next page."""
        charset, meta = header_charset(response), response.meta
        rows = generic_list(response.body, response.url, charset, self.language)
        if not rows:
            if meta["page"] == 0:
                self.empty_list(response, "no links that read as dated notice titles in the "
                                          "page's content area")
            return  # a later page without notices is past the end of the list
        for row in rows:
            yield self.detail_request(row.url, list_url=meta["column"], listing=row.listing())
        following = generic_next_page(response.body, response.url, charset)
        if following and following not in meta["walked"] and \
                meta["page"] + 1 < self.max_list_pages:
            yield self.list_request(following, self.parse_list,
                                    meta={"column": meta["column"], "page": meta["page"] + 1,
                                          "walked": [*meta["walked"], following]})
