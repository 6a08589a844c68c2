"""Downloader middlewares: replay rewriting, incremental fetching, source health."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from policywatch.crawler.revisit import (
    KNOWN,
    REVISIT,
    budget_for,
    crawl_now,
    record_look,
    refresh_all,
    revisit_policy,
)
from policywatch.crawler.storage import record_health, store_for
from policywatch.store.identity import canonical_url
from policywatch.store.revisit import is_due

REAL_URL = "policywatch_real_url"
KIND = "policywatch_kind"  # list | detail | attachment
_DECIDED = "policywatch_revisit_counted"  # meta: a known URL let through and counted once
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ReplayRewriteMiddleware:
    """Send every request to a local replay of the watched sites, keeping real URLs.

    ``https://www.miit.gov.cn/a/b.html?x=1`` is fetched as
    ``<replay>/www.miit.gov.cn/a/b.html?x=1``; the response gets the real URL back so
    spiders, identities and stored URLs are the real ones, while each version records
    the replay address in ``fetched_from``.
    """

    def __init__(self, base: str | None) -> None:
        self.base = base.rstrip("/") if base else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayRewriteMiddleware:
        return cls(crawler.settings.get("POLICYWATCH_REPLAY_BASE"))

    def replay_url(self, url: str) -> str:
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.base}/{parts.hostname}{parts.path or '/'}{query}"

    def process_request(self, request: Request) -> None:
        if not self.base:
            return None
        real = request.meta.get(REAL_URL)
        if real is None:
            if urlsplit(request.url).hostname in LOCAL_HOSTS:
                return None
            real = request.url
            request.meta[REAL_URL] = real
        # Rewrite in place (not a new Request) so the request is not rescheduled through
        # the dupefilter and robots.txt under a different host.
        request._set_url(self.replay_url(real))
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        real = request.meta.get(REAL_URL)
        if not self.base or not real:
            return response
        request.meta["policywatch_fetched_from"] = response.url
        return response.replace(url=real)


class IncrementalMiddleware:
    """Fetch a known page or attachment only when the revisit schedule says so.

    A URL the store has never seen is always fetched. A known one is fetched when it is
    due (:mod:`policywatch.store.revisit`): chosen by the schedule, past its
    ``next_check_at``, everything (``revisit = "0s"``, ``--refresh``), an attachment of a
    page that changed in this run, or a page on this run's list pages that gave validators
    (a conditional request answered 304 carries no body). Within the run's ceilings
    (``max_per_run``, ``max_per_host``; none for ``--refresh``) it is sent conditionally
    (``If-None-Match``, ``If-Modified-Since``) when the store kept the server's validators,
    and in full otherwise: the store compares content hashes, so an unchanged page makes
    no version. A known URL that is not due is skipped. List pages are always fetched: they
    are where new notices appear.

    A known page whose listed attachments are not all in the store (a run killed between
    storing the page and fetching its files) gets the missing ones requested again, so a
    resumed crawl loses nothing.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.refresh = refresh_all(crawler.settings)
        self.policy = revisit_policy(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        kind = request.meta.get(KIND)
        if kind not in {"detail", "attachment"} or "If-None-Match" in request.headers or \
                request.meta.get(_DECIDED):
            return None  # a retry of a request already let through (and counted)
        url = request.meta.get(REAL_URL, request.url)
        row = store_for(self.crawler).db.execute(
            "select http_etag, http_last_modified, next_check_at from notices "
            "where identity = ?", [canonical_url(url)]).fetchone()
        if row is None:
            return None
        request.meta[KNOWN] = True
        etag, last_modified, next_check_at = row
        stats = self.crawler.stats
        if not self._due(request, kind, next_check_at, bool(etag or last_modified)):
            stats.inc_value("policywatch/requests/skipped_known")
            if kind == "detail":
                self._request_missing_attachments(url)
            raise IgnoreRequest(f"known, next look at {next_check_at}: {url}")
        if not self.refresh and not budget_for(self.crawler).take(
                (urlsplit(url).hostname or "").lower()):
            stats.inc_value("policywatch/revisit/deferred")
            raise IgnoreRequest(f"revisit ceiling reached this run: {url}")
        stats.inc_value("policywatch/revisit/requests")
        request.meta[_DECIDED] = True
        if etag:
            request.headers["If-None-Match"] = etag
        if last_modified:
            request.headers["If-Modified-Since"] = last_modified
        if etag or last_modified:
            stats.inc_value("policywatch/requests/conditional")
        return None

    def _due(self, request: Request, kind: str, next_check_at: str | None,
             validators: bool) -> bool:
        if self.refresh or self.policy.everything or request.meta.get(REVISIT):
            return True
        if is_due(next_check_at, crawl_now(self.crawler.settings)):
            return True
        if kind == "detail":
            return validators
        return self._parent_changed_this_run(request.meta.get("parent_url"))

    def _parent_changed_this_run(self, parent_url: str | None) -> bool:
        """True when the page linking an attachment got a version in this run: its files
        are looked at again with it (a revised notice often comes with revised files)."""
        run_id = getattr(self.crawler.spider, "policywatch_run_id", None)
        if not parent_url or run_id is None:
            return False
        return store_for(self.crawler).db.execute(
            "select 1 from notices n join versions v on v.id = n.latest_version_id "
            "where n.identity = ? and v.run_id = ?",
            [canonical_url(parent_url), run_id]).fetchone() is not None

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304:
            return response
        url = request.meta.get(REAL_URL, request.url)
        record_look(self.crawler, url, "unchanged")
        self.crawler.stats.inc_value("policywatch/requests/not_modified")
        if request.meta.get(KIND) == "detail":
            self._request_missing_attachments(url)
        raise IgnoreRequest(f"not modified: {url}")

    def _request_missing_attachments(self, page_url: str) -> None:
        """Schedule the attachments a stored page lists that have no row in the store."""
        spider = self.crawler.spider
        db = store_for(self.crawler).db
        row = db.execute(
            "select v.id, v.metadata from notices n join versions v on v.id = "
            "n.latest_version_id where n.identity = ?", [canonical_url(page_url)]).fetchone()
        if row is None:
            return
        listed = json.loads(row[1] or "{}").get("attachments") or []
        have = {r[0] for r in db.execute("select url from attachments where version_id = ?",
                                         [row[0]]).fetchall()}
        missing = {a["url"] for a in listed if a.get("url") and a["url"] not in have}
        if not missing:
            return
        for request in spider.attachment_requests(page_url, listed, only=missing):
            self.crawler.engine.crawl(request)
        self.crawler.stats.inc_value("policywatch/attachments/resumed", len(missing))


# Markers of anti-bot pages that answer 200: a captcha or a slider instead of the notice.
_CAPTCHA = re.compile(
    rb"(<title>[^<]*(\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81|captcha)[^<]*</title>"
    rb"|id=[\"']?captcha|\xe8\xaf\xb7\xe8\xbe\x93\xe5\x85\xa5\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81"
    rb"|nc_1_wrapper|slider-captcha)",
    re.IGNORECASE,
)
_JS_CHALLENGE = re.compile(rb"document\.cookie\s*=|window\.location\.reload|__jsl_clearance",
                           re.IGNORECASE)


def classify_block(status: int, body: bytes) -> tuple[str, str] | None:
    """Return ``(kind, detail)`` when a response is a block page, else None.

    >>> classify_block(521, b"<script>document.cookie='__jsl_clearance=1'</script>")[0]
    'challenge'
    >>> classify_block(200, "<title>安全验证</title>".encode()) [0]
    'captcha'
    >>> classify_block(200, b"<html>ok</html>") is None
    True
    """
    head = body[:20000]
    if status in (412, 521):
        kind = "challenge" if _JS_CHALLENGE.search(head) or status == 521 else "blocked"
        return kind, f"HTTP {status}: JavaScript cookie challenge, retry needs a browser"
    if status == 403:
        return "blocked", "HTTP 403 Forbidden"
    if status == 200 and _CAPTCHA.search(head):
        return "captcha", "captcha page served instead of content"
    return None


class HealthMiddleware:
    """Turn block pages, challenges and captchas into health events, never into content."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if "robots.txt" in request.url:
            return response
        verdict = classify_block(response.status, response.body)
        if verdict is None:
            return response
        kind, detail = verdict
        url = request.meta.get(REAL_URL, request.url)
        record_health(self.crawler, self.crawler.spider, kind, url, detail, response.status)
        raise IgnoreRequest(f"{kind}: {url}")
