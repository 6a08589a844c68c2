"""A duplicate filter that remembers requests for one run only, even with ``JOBDIR``.

Scrapy's default filter persists every seen request in ``JOBDIR/requests.seen``. After a
hard kill, a request can be in that file while its page never reached the store; the
resumed crawl would then filter it out and lose the notice. policywatch knows what it
already has from the store (see ``IncrementalMiddleware``), so the filter need not persist.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter


class RunOnlyDupeFilter(RFPDupeFilter):
    """RFPDupeFilter without the on-disk ``requests.seen``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunOnlyDupeFilter:
        return cls(path=None, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter)
