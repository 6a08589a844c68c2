"""A crawl frontier shared through Redis (scrapy-redis), for any number of worker processes.

``policywatch crawl --frontier redis://HOST:PORT/DB`` runs the spiders with scrapy-redis's
scheduler: the request queue and the duplicate filter of each spider live in Redis, so
workers on one machine or several pull from one queue and no URL is fetched twice in a
cycle. scrapy-redis is the maintained way to spread Scrapy over machines (the same
spiders, middlewares and pipelines; only the scheduler changes); on its own it has two
pitfalls for a monitor, handled here:

- **A persistent duplicate filter fetches nothing the second time.** Workers crawl in
  *cycles*. A worker that starts while no worker of the current cycle is alive opens a new
  cycle: new Redis keys for queues and duplicate filters (the old cycle's are deleted), so
  the next ``crawl`` fetches again. A worker that starts while the cycle has live workers
  joins it. The worker that opens a cycle seeds it with every spider's start requests
  (list pages and the revisits due); the others only take from the queue, so start pages
  are fetched once however many workers run.
- **A killed worker loses its requests in flight.** scrapy-redis pops a request from Redis
  before downloading it. Here a pop moves it, in one Lua script, into the worker's
  in-flight hash; the request is acknowledged (removed from the hash) once its response
  has been through the spider and the item pipelines. Each worker refreshes a heartbeat key
  every :data:`HEARTBEAT_S` seconds (it expires after :data:`HEARTBEAT_TTL_S`); live workers
  move the in-flight requests of a worker whose heartbeat expired back into the queue
  (a ``RENAME`` first, so two of them never re-queue the same hash).

Items reach the store through each worker's own pipelines, which write with
:func:`policywatch.store.record_capture`: a page fetched twice (a re-queued request whose
first fetch had in fact been stored) is recognised by its content and stored once, and the
store's write transactions (``BEGIN IMMEDIATE`` with a busy timeout) let several processes
write one SQLite file. Workers therefore need the database: on one machine, two
``policywatch --db D crawl --frontier URL`` processes are all it takes.

A worker stays up while the cycle still has requests queued or in flight at other workers
(their responses may add more), and closes when both are empty.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler

#: Every key of the frontier starts with this.
PREFIX = "policywatch:frontier"
HEARTBEAT_S = 2.0
HEARTBEAT_TTL_S = 10
#: Pop the best request and keep it in the worker's in-flight hash, atomically.
_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return nil end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local token = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], token, item[2] .. '|' .. item[1])
return {token, item[1]}
"""


class FrontierError(ValueError):
    """A frontier URL that is not ``redis://HOST:PORT/DB``, or a Redis that does not answer."""


def check_frontier_url(url: str) -> str:
    """Return ``url`` when it names a Redis database.

    >>> check_frontier_url("redis://127.0.0.1:6379/0")
    'redis://127.0.0.1:6379/0'

    Raises:
        FrontierError: another scheme or no host.
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise FrontierError(f"not a Redis URL: {url!r} (use redis://HOST:PORT/DB)")
    return url


def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


def _worker_key(cycle: int, worker: str) -> str:
    return f"{PREFIX}:{cycle}:worker:{worker}"


def join_cycle(url: str, worker: str | None = None) -> dict[str, Any]:
    """Join the current crawl cycle, or open a new one when no worker of it is alive.

    Returns:
        ``cycle`` (its number), ``worker`` (this worker's id) and ``seeder`` (True for the
        worker that opened the cycle: it enqueues the start requests).

    Raises:
        FrontierError: Redis does not answer.
    """
    import redis

    client = _client(url)
    worker = worker or uuid.uuid4().hex[:12]
    try:
        with client.lock(f"{PREFIX}:lock", timeout=30, blocking_timeout=30):
            cycle = int(client.get(f"{PREFIX}:cycle") or 0)
            alive = cycle and any(True for _ in client.scan_iter(
                f"{PREFIX}:{cycle}:worker:*", count=100))
            seeder = not alive
            if seeder:
                previous, cycle = cycle, cycle + 1
                client.set(f"{PREFIX}:cycle", cycle)
                for number in range(max(previous - 5, 1), previous + 1):
                    stale = list(client.scan_iter(f"{PREFIX}:{number}:*", count=1000))
                    if stale:
                        client.delete(*stale)
            client.set(_worker_key(cycle, worker), 1, ex=HEARTBEAT_TTL_S)
    except redis.RedisError as exc:
        raise FrontierError(f"the frontier {url} does not answer: {exc}") from None
    finally:
        client.close()
    return {"cycle": cycle, "worker": worker, "seeder": seeder}


def use_frontier(settings: Any, url: str) -> dict[str, Any]:
    """Make the crawl these Scrapy ``settings`` describe a worker of the frontier at
    ``url``: join (or open) the cycle, set scrapy-redis's scheduler and this module's
    spider middleware. Returns the cycle (:func:`join_cycle`)."""
    cycle = join_cycle(check_frontier_url(url))
    for key, value in frontier_settings(url, cycle).items():
        settings.set(key, value, priority="cmdline")
    middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    # Closest to the engine: it decides whether the start requests (revisits included,
    # added by a middleware nearer the spider) are sent at all.
    middlewares["policywatch.crawler.frontier.FrontierSpiderMiddleware"] = 10
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    return cycle


def frontier_settings(url: str, cycle: dict[str, Any]) -> dict[str, Any]:
    """Scrapy settings that make a crawl a worker of ``cycle`` (from :func:`join_cycle`)."""
    base = f"{PREFIX}:{cycle['cycle']}:%(spider)s"
    return {
        "SCHEDULER": "policywatch.crawler.frontier.FrontierScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{base}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{base}:dupefilter",
        "SCHEDULER_PERSIST": True,  # the cycle's keys outlive one worker; a new cycle drops them
        "REDIS_URL": url,
        "POLICYWATCH_FRONTIER_CYCLE": cycle["cycle"],
        "POLICYWATCH_FRONTIER_WORKER": cycle["worker"],
        "POLICYWATCH_FRONTIER_SEEDER": cycle["seeder"],
    }


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler, with requests in flight kept per worker until acknowledged,
    heartbeats, re-queueing of dead workers' requests, and a cycle-wide idle check."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierScheduler:
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.cycle = settings.getint("POLICYWATCH_FRONTIER_CYCLE")
        scheduler.worker = settings.get("POLICYWATCH_FRONTIER_WORKER")
        scheduler.seeder = settings.getbool("POLICYWATCH_FRONTIER_SEEDER")
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # keys ---------------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        return f"{PREFIX}:{self.cycle}:{self.spider.name}:{name}"

    def _inflight(self, worker: str | None = None) -> str:
        return self._key(f"inflight:{worker or self.worker}")

    # lifecycle ----------------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        super().open(spider)
        from twisted.internet import task

        self._pop = self.server.register_script(_POP)
        if self.seeder:
            self.server.set(self._key("seeding"), self.worker)
        self._beat = task.LoopingCall(self.heartbeat)
        self._beat.start(HEARTBEAT_S, now=True)

    def close(self, reason: str) -> None:
        if getattr(self, "_beat", None) is not None and self._beat.running:
            self._beat.stop()
        # Closed in good order: what is left in flight failed to download (no response to
        # acknowledge); putting it back would retry it forever. A killed worker never gets
        # here, and the others re-queue its requests.
        self.server.delete(self._inflight())
        self.server.delete(_worker_key(self.cycle, self.worker))
        super().close(reason)

    def heartbeat(self) -> None:
        """Say this worker is alive, re-queue what dead workers held, and wake the engine
        when the shared queue has work (an idle engine looks only every five seconds)."""
        self.server.set(_worker_key(self.cycle, self.worker), 1, ex=HEARTBEAT_TTL_S)
        self.requeue_dead()
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        if slot is not None and len(self.queue):
            slot.nextcall.schedule()

    def seeded(self) -> None:
        """The start requests of this spider are all in the queue (called by the seeder)."""
        self.server.set(self._key("seeded"), 1)

    # queue ----------------------------------------------------------------------------------
    def next_request(self) -> Any:
        popped = self._pop(keys=[self.queue.key, self._inflight(), self._key("tokens")])
        if not popped:
            return None
        token, data = popped
        request = self.queue._decode_request(data)
        request.meta["frontier_token"] = int(token)
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def acknowledge(self, request: Any) -> None:
        """The request's response went through the spider and the pipelines: forget it."""
        token = request.meta.get("frontier_token")
        if token is not None:
            self.server.hdel(self._inflight(), token)

    def requeue_dead(self) -> int:
        """Move the in-flight requests of workers whose heartbeat expired back into the
        queue; return how many."""
        moved = 0
        for key in self.server.scan_iter(self._key("inflight:*"), count=100):
            name = key.decode() if isinstance(key, bytes) else key
            worker = name.rsplit(":", 1)[-1]
            if worker == self.worker or ":reaping:" in name or self.server.exists(
                    _worker_key(self.cycle, worker)):
                continue
            claimed = f"{name}:reaping:{self.worker}"
            try:
                self.server.rename(name, claimed)  # only one live worker wins
            except Exception:  # noqa: BLE001 - another worker renamed it first
                continue
            for value in self.server.hvals(claimed):
                raw = value if isinstance(value, bytes) else value.encode()
                score, _, data = raw.partition(b"|")
                self.server.execute_command("ZADD", self.queue.key, float(score), data)
                moved += 1
            self.server.delete(claimed)
        if moved and self.stats:
            self.stats.inc_value("policywatch/frontier/requeued", moved, spider=self.spider)
        return moved

    def _cycle_busy(self) -> bool:
        if len(self.queue):
            return True
        if not self.server.exists(self._key("seeded")):
            seeder = self.server.get(self._key("seeding"))
            if seeder is not None:
                owner = seeder.decode() if isinstance(seeder, bytes) else seeder
                if self.server.exists(_worker_key(self.cycle, owner)):
                    return True  # the start requests are still coming
        for key in self.server.scan_iter(self._key("inflight:*"), count=100):
            if self.server.hlen(key):
                return True
        return False

    def spider_idle(self, spider: Any) -> None:
        """Keep the spider open while the cycle has work queued or in flight elsewhere."""
        if spider is not self.spider:
            return
        # Idle: nothing of ours is downloading or being parsed, so what our hash still
        # holds failed or was dropped before the spider saw it (nothing to acknowledge).
        self.server.delete(self._inflight())
        self.requeue_dead()
        if self._cycle_busy():
            raise DontCloseSpider


def _scheduler(crawler: Any) -> FrontierScheduler | None:
    engine = getattr(crawler, "engine", None)
    scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None) or getattr(
        engine, "scheduler", None)
    return scheduler if isinstance(scheduler, FrontierScheduler) else None


class FrontierSpiderMiddleware:
    """Start requests only from the worker that opened the cycle; acknowledge a request
    once its response has been through the spider and the item pipelines."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.seeder = crawler.settings.getbool("POLICYWATCH_FRONTIER_SEEDER")

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierSpiderMiddleware:
        return cls(crawler)

    async def process_start(self, start: Any) -> Any:
        if self.seeder:
            async for item_or_request in start:
                yield item_or_request
        scheduler = _scheduler(self.crawler)
        if self.seeder and scheduler is not None:
            scheduler.seeded()

    def process_start_requests(self, start_requests: Any, spider: Any) -> Any:
        if self.seeder:
            yield from start_requests
        scheduler = _scheduler(self.crawler)
        if self.seeder and scheduler is not None:
            scheduler.seeded()

    def _acknowledge(self, response: Any) -> None:
        scheduler = _scheduler(self.crawler)
        if scheduler is not None and response.request is not None:
            scheduler.acknowledge(response.request)

    def process_spider_output(self, response: Any, result: Any, spider: Any) -> Any:
        yield from result
        self._acknowledge(response)

    async def process_spider_output_async(self, response: Any, result: Any,
                                          spider: Any) -> Any:
        async for item in result:
            yield item
        self._acknowledge(response)
