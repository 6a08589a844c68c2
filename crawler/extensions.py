"""Crawl-wide extensions: the runs log, the WARC archive of raw responses, a progress log."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from policywatch.crawler.storage import close_store, store_for
from policywatch.store.db import sidecar_path
from policywatch.store.notices import upsert_source
from policywatch.store.runs import finish_run, start_run

# Scrapy counters worth keeping next to ours in the runs log.
_SCRAPY_COUNTERS = (
    "downloader/request_count", "downloader/response_count", "downloader/response_bytes",
    "item_scraped_count",
    "item_dropped_count", "response_received_count", "log_count/ERROR",
    "robotstxt/forbidden", "retry/count", "elapsed_time_seconds",
)


def warc_root_for(db_path: Path) -> Path:
    """Where the WARC files of a database's crawls go: ``x.db`` -> ``x.warc/``."""
    return sidecar_path(Path(db_path), ".warc")


class RunLog:
    """Open a ``runs`` row when a spider starts and close it with the yield counters."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLog:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        store = store_for(self.crawler)
        upsert_source(store, spider.source_row())
        spider.policywatch_run_id = start_run(
            store.db, "crawl",
            {"source": spider.name,
             "replay": self.crawler.settings.get("POLICYWATCH_REPLAY_BASE"),
             "jobdir": self.crawler.settings.get("JOBDIR")},
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        counters = {k: v for k, v in stats.items()
                    if k.startswith("policywatch/") or k in _SCRAPY_COUNTERS}
        status = {"finished": "ok", "shutdown": "interrupted"}.get(reason, reason)
        if any(k.startswith("policywatch/health/") for k in counters):
            status = "degraded" if status == "ok" else status
        store = store_for(self.crawler)
        finish_run(store.db, spider.policywatch_run_id, status, counters)
        close_store(self.crawler)


class WarcArchive:
    """Keep every raw response in a WARC file, the web-archiving standard.

    WARC (via warcio) records the exact request and response, headers included, so a
    capture can be replayed or audited with standard tools (pywb, warcio index). Files go
    to ``<db stem>.warc/<source>-<run>.warc.gz``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: Any = None
        self.handle: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchive:
        ext = cls(crawler)
        if crawler.settings.getbool("POLICYWATCH_WARC"):
            crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(ext.response_received, signal=signals.response_received)
            crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        from warcio.warcwriter import WARCWriter

        db_path = Path(self.crawler.settings.get("POLICYWATCH_DB"))
        folder = warc_root_for(db_path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        run = getattr(spider, "policywatch_run_id", 0)
        self.handle = open(folder / f"{spider.name}-{run}-{stamp}.warc.gz", "wb")
        self.writer = WARCWriter(self.handle, gzip=True)

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if self.writer is None:
            return
        from io import BytesIO

        from warcio.statusandheaders import StatusAndHeaders

        headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1"))
                   for k, v in response.headers.items()]
        http_headers = StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1")
        extra = {"WARC-Policywatch-Fetched-From": request.meta.get(
            "policywatch_fetched_from", response.url)}
        record = self.writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body),
            http_headers=http_headers, warc_headers_dict=extra)
        self.writer.write_record(record)

    def spider_closed(self, spider: Any) -> None:
        if self.handle is not None:
            self.handle.close()


class ProgressLog:
    """Print one line per stored notice to stderr (``POLICYWATCH_PROGRESS``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        ext = cls(crawler)
        if crawler.settings.getbool("POLICYWATCH_PROGRESS"):
            crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        return ext

    def item_scraped(self, item: Any, spider: Any) -> None:
        title = getattr(item, "title", None) or getattr(item, "name", "")
        status = getattr(item, "raw_metadata", {}).get("policywatch_status", "file")
        self.count += 1
        print(f"  [{spider.name}] {self.count:>3} {status:<11} {title[:60]}", file=sys.stderr,
              flush=True)
