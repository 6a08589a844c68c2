"""What the spider tests share: crawling a source against the replay, reading versions."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from policywatch.crawler.replay import ReplayServer
from policywatch.crawler.run import run_crawl_subprocess
from policywatch.store import open_store


def crawl_source(db: Path, server: ReplayServer, source: str) -> dict:
    """Crawl one source against a running replay; return its runs-log row."""
    (run,) = run_crawl_subprocess(db, [source], replay_base=server.base_url)
    return run


def crawl_twice(tmp_path_factory: pytest.TempPathFactory, source: str, *,
                then_update: bool = False) -> SimpleNamespace:
    """Crawl a source twice (the second run must fetch nothing unchanged), optionally a
    third time after the replay moves to its 2026 layer.

    Returns:
        ``db``, ``first``, ``second``, ``hits`` (replay hits after two runs) and ``update``
        (the third run, or None).
    """
    db = tmp_path_factory.mktemp(source) / f"{source}.db"
    with ReplayServer() as server:
        first = crawl_source(db, server, source)
        second = crawl_source(db, server, source)
        hits = dict(server.site.hits)
        update = None
        if then_update:
            server.site.set_layers(["site", "update-2026"])
            update = crawl_source(db, server, source)
    return SimpleNamespace(db=db, first=first, second=second, hits=hits, update=update)


def latest_version(db: Path, url: str) -> dict:
    """The latest version row of the notice at ``url``."""
    with open_store(db) as store:
        return next(store.db.query(
            "select v.* from notices n join versions v on v.id = n.latest_version_id "
            "where n.url = ?", [url]))


def all_versions(db: Path, url: str) -> list[dict]:
    """Every version row of the notice at ``url``, oldest first."""
    with open_store(db) as store:
        return list(store.db.query(
            "select v.* from notices n join versions v on v.notice_id = n.id where n.url = ? "
            "order by v.id", [url]))
