"""State Council policy library (www.gov.cn): the search API, then detail pages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from policywatch.crawler.parsers.common import iso_date
from policywatch.crawler.parsers.govcn import parse_govcn_page
from policywatch.crawler.spiders.base import PolicySpider

SEARCH_API = "https://sousuo.www.gov.cn/search-gov/data"
# gw: State Council documents; bm: department documents (MIIT's are there).
LIBRARIES = ("zhengcelibrary_gw", "zhengcelibrary_bm")


def search_url(library: str, page: int, per_page: int = 20) -> str:
    """The newest-first listing URL of one policy library.

    >>> search_url("zhengcelibrary_bm", 2).split("&")[0]
    'https://sousuo.www.gov.cn/search-gov/data?t=zhengcelibrary_bm'
    """
    query = {"t": library, "q": "", "timetype": "timeqb", "mintime": "", "maxtime": "",
             "sort": "pubtime", "sortType": 1, "searchfield": "title:content:summary",
             "pcodeJiguan": "", "childtype": "", "subchildtype": "", "tsbq": "",
             "pubtimeyear": "", "puborg": "", "pcodeYear": "", "pcodeNum": "",
             "filetype": "", "p": page, "n": per_page, "inpro": "", "bmfl": "",
             "dup": "", "orpro": "", "type": "gwyzcwjk"}
    return f"{SEARCH_API}?{urlencode(query)}"


def listing_items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the result rows of a search answer, wherever the API put them."""
    vo = payload.get("searchVO") or {}
    rows = list(vo.get("listVO") or [])
    for category in (vo.get("catMap") or {}).values():
        rows.extend(category.get("listVO") or [])
    return rows


class GovcnSpider(PolicySpider):
    """gov.cn 国务院政策文件库: State Council and department documents, newest first."""

    name = "govcn"
    source_name = "中国政府网 国务院政策文件库 (State Council policy library)"
    platform = "govcn-search"
    region = "national"
    issuer = None
    home_url = "https://www.gov.cn/zhengce/zhengceku/"
    page_parser = staticmethod(parse_govcn_page)
    allowed_domains = ["www.gov.cn", "sousuo.www.gov.cn", "gov.cn"]

    @classmethod
    def list_urls(cls) -> list[str]:
        return [f"{SEARCH_API}?t={library}" for library in LIBRARIES]

    async def start(self) -> AsyncIterator[Any]:
        for library in LIBRARIES:
            yield self.list_request(search_url(library, 1), self.parse_list,
                                    meta={"library": library, "page": 1},
                                    headers={"Referer": "https://www.gov.cn/zhengce/"})

    def parse_list(self, response: Response) -> Iterator[Any]:
        """Follow each result to its page; walk pages while they have results."""
        try:
            payload = json.loads(response.text)
        except ValueError:
            self.empty_list(response, "search API answered something that is not JSON")
            return
        page, library = response.meta["page"], response.meta["library"]
        rows = listing_items(payload)
        if not rows:
            # An empty query sorted by date always has results: an empty answer on the
            # first page means the API changed (or answered 1001 "no results").
            if page == 1:
                self.empty_list(response, f"{library}: code={payload.get('code')} "
                                          f"{payload.get('msg', '')}")
            return
        for row in rows:
            url = row.get("url")
            if not url:
                continue
            yield self.detail_request(url, list_url=response.url, listing={
                "title": _strip_em(row.get("title")), "doc_number": row.get("pcode") or None,
                "published_date": iso_date(row.get("pubtimeStr")),
                "issuer": row.get("puborg") or None, "library": library,
            })
        if page < self.max_list_pages:
            yield self.list_request(search_url(library, page + 1), self.parse_list,
                                    meta={"library": library, "page": page + 1})


def _strip_em(title: str | None) -> str | None:
    return title.replace("<em>", "").replace("</em>", "") if title else title
