"""english.www.gov.cn "Policies > Latest Releases": English versions of policy news.

The list and article templates are unverified (see :mod:`policywatch.crawler.parsers.govcn_en`);
a page that does not match is recorded as a layout change, not as "no news".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from policywatch.crawler.parsers.govcn_en import latest_releases, next_page, parse_govcn_en_page
from policywatch.crawler.spiders.base import PolicySpider

LATEST_RELEASES = "https://english.www.gov.cn/policies/latestreleases/"


class GovcnEnSpider(PolicySpider):
    """The State Council's English "Latest Releases", page 1, ``page_2.html``, ..."""

    name = "govcn_en"
    source_name = "english.www.gov.cn: Policies, Latest Releases (English)"
    platform = "govcn-en"
    region = "national"
    language = "en"
    issuer = None
    home_url = "https://english.www.gov.cn/"
    allowed_domains = ["english.www.gov.cn"]
    page_parser = staticmethod(parse_govcn_en_page)

    @classmethod
    def list_urls(cls) -> list[str]:
        return [LATEST_RELEASES]

    async def start(self) -> AsyncIterator[Any]:
        yield self.list_request(LATEST_RELEASES, self.parse_list, meta={"page": 1})

    def parse_list(self, response: Response) -> Iterator[Any]:
        """Follow each release; then the pager's ``page_{n+1}.html`` while it offers one."""
        page = response.meta["page"]
        rows = latest_releases(response.body, response.url)
        if not rows:
            self.empty_list(response, "no content_WS article links on the list page")
            return
        for row in rows:
            yield self.detail_request(row.url, list_url=LATEST_RELEASES, listing=row.listing())
        following = next_page(response.body, response.url, page)
        if following and page < self.max_list_pages:
            yield self.list_request(following, self.parse_list, meta={"page": page + 1})
