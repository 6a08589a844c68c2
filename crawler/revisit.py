"""The crawler's side of the revisit policy (:mod:`policywatch.store.revisit`).

- :class:`RevisitStartMiddleware` (a spider middleware) adds to a spider's start requests
  the known pages and attachments of its source whose time has come, most overdue first,
  within the run's ceilings: pages that no longer appear on the list pages a run walks are
  looked at again too.
- :class:`policywatch.crawler.middlewares.IncrementalMiddleware` decides, per request for a
  known URL, whether it is due, whether the run's ceilings allow it, and makes it
  conditional when the site gave validators.
- The store pipeline and the 304 handler record each look (:func:`record_look`), which
  sets the next one.

Scrapy settings: ``POLICYWATCH_REVISIT_MIN_S``, ``POLICYWATCH_REVISIT_MAX_S``,
``POLICYWATCH_REVISIT_MAX_PER_RUN``, ``POLICYWATCH_REVISIT_MAX_PER_HOST`` (what ``[crawl]``
in ``policywatch.toml`` sets), ``POLICYWATCH_REFRESH_KNOWN`` (``crawl --refresh``: every
known notice, no ceilings) and ``POLICYWATCH_NOW`` (an ISO time the schedule takes as
"now", so a benchmark can simulate days of runs in minutes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from policywatch.crawler.storage import store_for
from policywatch.store.revisit import (
    DueNotice,
    Outcome,
    RevisitPolicy,
    due_for_revisit,
    parse_moment,
    record_check,
)

REVISIT = "policywatch_revisit"  # meta: the schedule chose this request
KNOWN = "policywatch_known"  # meta: the store already has this URL
_BUDGET = "_policywatch_revisit_budget"


def revisit_policy(settings: BaseSettings) -> RevisitPolicy:
    """The schedule and ceilings a crawl runs under, from its Scrapy settings."""
    return RevisitPolicy(
        min_interval_s=settings.getint("POLICYWATCH_REVISIT_MIN_S", 6 * 3600),
        max_interval_s=settings.getint("POLICYWATCH_REVISIT_MAX_S", 14 * 86400),
        max_per_run=settings.getint("POLICYWATCH_REVISIT_MAX_PER_RUN", 500),
        max_per_host=settings.getint("POLICYWATCH_REVISIT_MAX_PER_HOST", 200),
    )


def crawl_now(settings: BaseSettings) -> datetime:
    """The schedule's clock: ``POLICYWATCH_NOW`` when set (simulated runs), else now."""
    return parse_moment(settings.get("POLICYWATCH_NOW")) or datetime.now(UTC)


def refresh_all(settings: BaseSettings) -> bool:
    """``crawl --refresh``: every known notice is due, and no ceiling applies."""
    return settings.getbool("POLICYWATCH_REFRESH_KNOWN")


class RevisitBudget:
    """The run's ceilings: requests for known URLs sent so far, in all and per host."""

    def __init__(self, policy: RevisitPolicy) -> None:
        self.policy = policy
        self.sent = 0
        self.per_host: dict[str, int] = {}

    def take(self, host: str) -> bool:
        """Count one more revisit of ``host``; False (and nothing counted) when a ceiling
        is reached."""
        if self.sent >= self.policy.max_per_run or \
                self.per_host.get(host, 0) >= self.policy.max_per_host:
            return False
        self.sent += 1
        self.per_host[host] = self.per_host.get(host, 0) + 1
        return True


def budget_for(crawler: Crawler) -> RevisitBudget:
    """The ceilings of this crawl (one per spider run)."""
    budget = getattr(crawler, _BUDGET, None)
    if budget is None:
        budget = RevisitBudget(revisit_policy(crawler.settings))
        setattr(crawler, _BUDGET, budget)
    return budget


def record_look(crawler: Crawler, url: str, outcome: Outcome) -> None:
    """Schedule the next look at ``url`` after this one (new, changed, unchanged, failed)."""
    from policywatch.store.identity import canonical_url

    record_check(store_for(crawler).db, canonical_url(url), outcome,
                 crawl_now(crawler.settings), revisit_policy(crawler.settings))
    crawler.stats.inc_value(f"policywatch/revisit/{outcome}")


def planned_requests(crawler: Crawler, spider: Any) -> list[Request]:
    """Requests for the source's known pages and attachments that are due, most overdue
    first, within the ceilings (all of them, without ceilings, for ``--refresh``)."""
    settings = crawler.settings
    refresh = refresh_all(settings)
    due = due_for_revisit(store_for(crawler).db, spider.name, crawl_now(settings),
                          revisit_policy(settings), everything=refresh, ceilings=not refresh)
    crawler.stats.set_value("policywatch/revisit/due", len(due))
    return [_request(spider, item) for item in due]


def _request(spider: Any, item: DueNotice) -> Request:
    if item.kind == "attachment":
        request = spider.attachment_request(item.url, item.parent_url or "", item.name or "",
                                            item.position)
    else:
        request = spider.detail_request(item.url, list_url=item.list_url,
                                        listing=item.listing)
    request.meta[REVISIT] = True
    return request


class RevisitStartMiddleware:
    """Append the schedule's due revisits to a spider's start requests."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitStartMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield item_or_request
        spider = self.crawler.spider
        if hasattr(spider, "detail_request") and hasattr(spider, "attachment_request"):
            for request in planned_requests(self.crawler, spider):
                yield request
