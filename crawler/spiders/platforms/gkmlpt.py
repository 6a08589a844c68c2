"""Base spider for Guangdong's ``gkmlpt`` open-government directory platform.

``/gkmlpt/index`` -> ``SID`` and category ``TREE`` from ``window._CONFIG`` -> per category
``/gkmlpt/api/all/{category}?page={n}&sid={SID}`` (JSON ``articles``, ``total``) -> content
pages. Every Guangdong department and city runs the same platform; a site is its root
URL and the categories worth watching. Parsing lives in :mod:`policywatch.crawler.parsers.gkmlpt`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from scrapy.http import Response

from policywatch.crawler.parsers.common import LayoutMismatch
from policywatch.crawler.parsers.gkmlpt import (
    api_articles,
    parse_gkmlpt_page,
    site_config,
    tree_categories,
)
from policywatch.crawler.spiders.base import PolicySpider


def api_url(site_root: str, category: int, page: int, sid: str) -> str:
    """The list API address of one category page.

    >>> api_url("https://gdii.gd.gov.cn", 2920, 1, "200041")
    'https://gdii.gd.gov.cn/gkmlpt/api/all/2920?page=1&sid=200041'
    """
    return f"{site_root}/gkmlpt/api/all/{category}?page={page}&sid={sid}"


class GkmlptSpider(PolicySpider):
    """Categories of one gkmlpt site, each walked through the list API.

    Subclasses set ``site_root`` (``https://gdii.gd.gov.cn``) and ``categories``
    (``{category id: name}``, the ids of the site's ``TREE``).
    """

    platform = "gkmlpt"
    site_root: ClassVar[str] = ""
    categories: ClassVar[dict[int, str]] = {}
    page_parser = staticmethod(parse_gkmlpt_page)

    @classmethod
    def list_urls(cls) -> list[str]:
        return [f"{cls.site_root}/gkmlpt/index#{category}" for category in cls.categories]

    async def start(self) -> AsyncIterator[Any]:
        yield self.list_request(f"{self.site_root}/gkmlpt/index", self.parse_index)

    def api_url(self, category: int, page: int, sid: str) -> str:
        """The list API address of one category page."""
        return api_url(self.site_root, category, page, sid)

    def parse_index(self, response: Response) -> Iterator[Any]:
        """Read the site id; ask for the first page of every watched category."""
        try:
            sid, tree = site_config(response.body)
        except LayoutMismatch as exc:
            self.empty_list(response, str(exc))
            return
        known = tree_categories(tree)
        for category, name in self.categories.items():
            if known and category not in known:
                self.logger.warning("gkmlpt category %s (%s) is not in the site's TREE",
                                    category, name)
            yield self.list_request(self.api_url(category, 1, sid), self.parse_api,
                                    meta={"category": category, "sid": sid, "page": 1,
                                          "seen": 0},
                                    headers={"Referer": f"{self.site_root}/gkmlpt/index"})

    def parse_api(self, response: Response) -> Iterator[Any]:
        """Follow each article; ask for the next page until ``total`` articles were seen."""
        meta = response.meta
        try:
            payload = json.loads(response.body)
            rows, total = api_articles(payload)
        except (ValueError, AttributeError, TypeError):
            self.empty_list(response, f"category {meta['category']}: API answer is not JSON")
            return
        if not rows:
            if meta["page"] == 1:
                self.empty_list(response, f"category {meta['category']}: no articles")
            return
        category_url = f"{self.site_root}/gkmlpt/index#{meta['category']}"
        for row in rows:
            yield self.detail_request(row.url, list_url=category_url, listing=row.listing())
        seen = meta["seen"] + len(rows)
        if total is not None and seen < total and meta["page"] < self.max_list_pages:
            yield self.list_request(
                self.api_url(meta["category"], meta["page"] + 1, meta["sid"]), self.parse_api,
                meta={**{k: meta[k] for k in ("category", "sid")}, "page": meta["page"] + 1,
                      "seen": seen})
