"""A crawl frontier shared through Redis: workers split a crawl, each cycle fetches again,
and a killed worker's requests are re-queued.

Each test starts its own ``redis-server`` (Debian's package; ``.ci/run`` installs it) on a
free loopback port, and the replay of the watched sites.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policywatch.crawler.frontier import FrontierError, check_frontier_url, join_cycle

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="needs redis-server (apt-get install redis-server)")
SOURCES = ["miit", "govcn"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def _worker(db: Path, replay_url: str, frontier: str | None, *extra: str
            ) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "policywatch.crawler.run", "--db", str(db), "--replay",
               replay_url, *extra, *SOURCES]
    if frontier:
        command += ["--frontier", frontier]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ.copy())


def _finish(*workers: subprocess.Popen[str]) -> None:
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]


def _stored(db: Path) -> tuple[set[str], int, int]:
    """Notice URLs, versions, and requests of every crawl run in the database."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        urls = {row[0] for row in conn.execute("select url from notices")}
        versions = conn.execute("select count(*) from versions").fetchone()[0]
        requests = sum(json.loads(stats or "{}").get("downloader/request_count", 0)
                       for (stats,) in conn.execute("select stats from runs"))
    return urls, versions, requests


def test_two_workers_store_what_one_stores_with_few_more_requests(tmp_path, replay,
                                                                  redis_url):
    alone = tmp_path / "one.db"
    _finish(_worker(alone, replay.base_url, None))
    shared = tmp_path / "two.db"
    first = _worker(shared, replay.base_url, redis_url)
    time.sleep(0.3)
    second = _worker(shared, replay.base_url, redis_url)
    _finish(first, second)
    one_urls, one_versions, one_requests = _stored(alone)
    two_urls, two_versions, two_requests = _stored(shared)
    assert one_urls and two_urls == one_urls and two_versions == one_versions
    assert two_requests <= 1.15 * one_requests, (two_requests, one_requests)
    with __import__("sqlite3").connect(shared) as conn:
        workers = conn.execute("select count(*) from runs").fetchone()[0]
    assert workers == 2 * len(SOURCES)  # both workers crawled every source

    # A second cycle fetches again (a persistent duplicate filter would fetch nothing).
    before = two_requests
    _finish(_worker(shared, replay.base_url, redis_url))
    again = _stored(shared)[2] - before
    assert again > 0


def test_a_killed_worker_loses_nothing(tmp_path, replay, redis_url):
    alone = tmp_path / "one.db"
    _finish(_worker(alone, replay.base_url, None))
    shared = tmp_path / "two.db"
    slow = ("--set", "DOWNLOAD_DELAY=0.4", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    # The first worker opens the cycle and seeds it; it is killed once every spider is
    # seeded and it holds requests in flight: the other must finish the crawl alone.
    victim = _worker(shared, replay.base_url, redis_url, *slow)
    time.sleep(0.3)
    survivor = _worker(shared, replay.base_url, redis_url, *slow)
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seeded = len(list(client.scan_iter("policywatch:frontier:*:seeded")))
        held = sum(client.hlen(key) for key in client.scan_iter(
            "policywatch:frontier:*:inflight:*"))
        if seeded == len(SOURCES) and held >= 4:
            break
        time.sleep(0.1)
    assert victim.poll() is None, "the crawl ended before the worker could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    _finish(survivor)
    one_urls, one_versions, _ = _stored(alone)
    two_urls, two_versions, _ = _stored(shared)
    assert two_urls == one_urls and two_versions == one_versions
    import sqlite3

    with sqlite3.connect(shared) as conn:
        requeued = sum(json.loads(stats or "{}").get("policywatch/frontier/requeued", 0)
                       for (stats,) in conn.execute("select stats from runs"))
    assert requeued > 0  # the victim held requests, and the survivor took them back


def test_workers_join_the_live_cycle_and_a_new_one_opens_after(redis_url):
    first = join_cycle(redis_url, "a")
    second = join_cycle(redis_url, "b")
    assert first["seeder"] and not second["seeder"] and first["cycle"] == second["cycle"]
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(f"policywatch:frontier:{first['cycle']}:worker:a",
                  f"policywatch:frontier:{first['cycle']}:worker:b")
    third = join_cycle(redis_url, "c")
    assert third["seeder"] and third["cycle"] == first["cycle"] + 1


def test_a_frontier_must_be_a_redis_url_that_answers():
    with pytest.raises(FrontierError, match="not a Redis URL"):
        check_frontier_url("http://127.0.0.1:6379/0")
    with pytest.raises(FrontierError, match="does not answer"):
        join_cycle(f"redis://127.0.0.1:{_free_port()}/0")
