"""The crawler's handle on the store: one connection per crawl, shared by its components."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from policywatch.store import Store, open_store
from policywatch.store.timeutil import utc_now

_ATTR = "_policywatch_store"


def store_for(crawler: Crawler) -> Store:
    """Return the store of this crawl, opening it on first use."""
    store = getattr(crawler, _ATTR, None)
    if store is None:
        store = open_store(crawler.settings.get("POLICYWATCH_DB"))
        setattr(crawler, _ATTR, store)
    return store


def close_store(crawler: Crawler) -> None:
    """Close the crawl's store connection if one was opened."""
    store = getattr(crawler, _ATTR, None)
    if store is not None:
        store.close()
        setattr(crawler, _ATTR, None)


def record_health(crawler: Crawler, spider: Any, kind: str, url: str | None,
                  detail: str, http_status: int | None = None) -> None:
    """Record a source-health event (block, challenge, layout change) and count it.

    Health events are never versions and never "no new notices": alerts read them to
    tell a researcher that a source is broken.
    """
    crawler.stats.inc_value(f"policywatch/health/{kind}")
    store = store_for(crawler)
    store.db["health_events"].insert(
        {
            "run_id": getattr(spider, "policywatch_run_id", None),
            "source_id": spider.name,
            "kind": kind,
            "url": url,
            "http_status": http_status,
            "detail": detail[:2000],
            "created_at": utc_now(),
        }
    )
    spider.logger.warning("health: %s %s %s", kind, url, detail[:200])
