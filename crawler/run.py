"""Running spiders: in this process (``policywatch crawl``) or in a child process.

Twisted's reactor starts once per process, so a caller that crawls more than once (the
demo crawls, moves the replay forward in time, and crawls again) uses
:func:`run_crawl_subprocess`, which runs ``python -m policywatch.crawler.run`` with the same
options.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from policywatch.crawler.sources import SourceConfigError, SourceDefinition
from policywatch.crawler.spiders.configured import configured_spider
from policywatch.store import open_store
from policywatch.store.runs import recent_runs


class UnknownSource(ValueError):
    """A source name that no spider has."""


def crawler_settings(db_path: str | Path, *, replay_base: str | None = None,
                     progress: bool = False, log_level: str = "WARNING",
                     fast: bool = False, overrides: dict[str, Any] | None = None) -> Settings:
    """Build Scrapy settings for a policywatch crawl.

    Args:
        db_path: the store to write.
        replay_base: serve every watched host from this local replay instead.
        progress: print one line per stored notice.
        log_level: Scrapy's log level.
        fast: drop the politeness delays (only for a local replay).
        overrides: any other Scrapy settings.
    """
    settings = Settings()
    settings.setmodule("policywatch.crawler.settings", priority="project")
    settings.set("POLICYWATCH_DB", str(db_path), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", log_level != "WARNING", priority="cmdline")
    settings.set("POLICYWATCH_PROGRESS", progress, priority="cmdline")
    if replay_base:
        settings.set("POLICYWATCH_REPLAY_BASE", replay_base, priority="cmdline")
    if fast:
        for key, value in {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                           "DOWNLOAD_DELAY_JITTER": 0,
                           "CONCURRENT_REQUESTS_PER_DOMAIN": 8}.items():
            settings.set(key, value, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def configured_sources(settings: Settings) -> list[SourceDefinition]:
    """The sources ``[sources.NAME]`` tables describe (the ``POLICYWATCH_SOURCES`` setting)."""
    return [SourceDefinition.from_dict(values)
            for values in settings.getlist("POLICYWATCH_SOURCES") or []]


def spider_classes(settings: Settings | None = None) -> dict[str, type]:
    """Every source's spider class by name: the built-in spiders, then configured sources.

    Raises:
        SourceConfigError: a configured source takes the name of a built-in one.
    """
    settings = settings or crawler_settings(":memory:")
    loader = SpiderLoader.from_settings(settings)
    classes = {name: loader.load(name) for name in sorted(loader.list())}
    for definition in configured_sources(settings):
        if definition.name in classes:
            raise SourceConfigError(f"[sources.{definition.name}]: {definition.name!r} is "
                                    "the name of a built-in source; choose another")
        classes[definition.name] = configured_spider(definition)
    return classes


def available_sources(settings: Settings | None = None) -> list[str]:
    """Names of every source (built-in and configured), sorted."""
    return sorted(spider_classes(settings))


def source_catalog(configured: list[SourceDefinition] | None = None) -> list[dict[str, Any]]:
    """What ``crawl --list`` shows: each source's name, origin (``built-in`` or
    ``configured``), platform, title and the URLs it starts from, by name."""
    settings = crawler_settings(":memory:", overrides={
        "POLICYWATCH_SOURCES": [d.as_dict() for d in configured or []]})
    rows = []
    for name, spider_cls in sorted(spider_classes(settings).items()):
        rows.append({"name": name,
                     "origin": "configured" if getattr(spider_cls, "configured", False)
                     else "built-in",
                     "platform": spider_cls.platform, "title": spider_cls.source_name,
                     "region": spider_cls.region, "urls": spider_cls.list_urls()})
    return rows


def run_crawl(db_path: str | Path, sources: list[str] | None = None, *,
              replay_base: str | None = None, jobdir: str | Path | None = None,
              progress: bool = False, log_level: str = "WARNING",
              max_pages: int | None = None, refresh: bool = False,
              settings: dict[str, Any] | None = None,
              sequential: bool = False,
              configured: list[SourceDefinition] | None = None,
              frontier: str | None = None) -> list[dict[str, Any]]:
    """Crawl sources in this process and return their runs-log rows.

    Args:
        sequential: crawl one source after another (in name order), one request at a time,
            so notices and versions get the same ids on every run over the same site (the
            demo's ids, which the README's examples name); slower, for replays.
        configured: sources described in configuration (``[sources.NAME]``), crawled with
            the built-in ones.
        settings: other Scrapy settings, e.g. the revisit policy
            (``POLICYWATCH_REVISIT_MIN_S``, ...; :mod:`policywatch.crawler.revisit`).
        frontier: ``redis://HOST:PORT/DB``: be one worker of a frontier shared through
            Redis (:mod:`policywatch.crawler.frontier`).

    Raises:
        UnknownSource: a name in ``sources`` has no spider.
        SourceConfigError: a configured source takes a built-in source's name.
    """
    one_at_a_time = {"CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1} \
        if sequential else {}
    extra = {"POLICYWATCH_SOURCES": [d.as_dict() for d in configured]} if configured else {}
    scrapy_settings = crawler_settings(db_path, replay_base=replay_base, progress=progress,
                                log_level=log_level, fast=bool(replay_base),
                                overrides={"POLICYWATCH_REFRESH_KNOWN": refresh,
                                           **(settings or {}), **extra, **one_at_a_time})
    if frontier:
        from policywatch.crawler.frontier import use_frontier

        use_frontier(scrapy_settings, frontier)
    classes = spider_classes(scrapy_settings)
    names = sorted(classes)
    chosen = sources or names
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise UnknownSource(f"unknown source(s): {', '.join(unknown)}; "
                            f"known: {', '.join(names)}")
    with open_store(db_path) as store:  # migrate once, before spiders open connections
        before = max((row["id"] for row in recent_runs(store.db, 1)), default=0)
    process = CrawlerProcess(scrapy_settings)
    crawls = []
    for name in (sorted(chosen) if sequential else chosen):
        spider_cls = classes[name]
        if jobdir:
            # One JOBDIR per spider: Scrapy's resume state is per crawl. custom_settings on
            # a subclass is how Scrapy takes per-spider settings in one process.
            custom = {**(spider_cls.custom_settings or {}), "JOBDIR": str(Path(jobdir) / name)}
            spider_cls = type(spider_cls.__name__, (spider_cls,), {"custom_settings": custom})
        crawls.append((spider_cls, {"max_pages": max_pages} if max_pages else {}))
    if sequential:
        from twisted.internet import defer

        @defer.inlineCallbacks
        def one_after_another():  # noqa: ANN202 - a Twisted generator
            for spider_cls, kwargs in crawls:
                yield process.crawl(spider_cls, **kwargs)

        finished = one_after_another()
        finished.addBoth(lambda _: process.stop() if process.crawlers else None)
        finished.addBoth(lambda _: _stop_reactor())
        process.start(stop_after_crawl=False)
    else:
        for spider_cls, kwargs in crawls:
            process.crawl(spider_cls, **kwargs)
        process.start()
    with open_store(db_path) as store:
        return [row for row in reversed(recent_runs(store.db, 100)) if row["id"] > before]


def _stop_reactor() -> None:
    from twisted.internet import reactor

    if reactor.running:  # type: ignore[attr-defined]
        reactor.stop()  # type: ignore[attr-defined]


def run_crawl_subprocess(db_path: str | Path, sources: list[str] | None = None, *,
                         replay_base: str | None = None, progress: bool = False,
                         jobdir: str | Path | None = None,
                         max_pages: int | None = None,
                         settings: dict[str, Any] | None = None,
                         sequential: bool = False,
                         configured: list[SourceDefinition] | None = None
                         ) -> list[dict[str, Any]]:
    """Same as :func:`run_crawl`, in a child process (for callers that crawl repeatedly)."""
    command = [sys.executable, "-m", "policywatch.crawler.run", "--db", str(db_path)]
    if configured:
        settings = {**(settings or {}),
                    "POLICYWATCH_SOURCES": [d.as_dict() for d in configured]}
    if sequential:
        command.append("--sequential")
    if replay_base:
        command += ["--replay", replay_base]
    if progress:
        command.append("--progress")
    if jobdir:
        command += ["--jobdir", str(jobdir)]
    if max_pages:
        command += ["--max-pages", str(max_pages)]
    for key, value in (settings or {}).items():
        command += ["--set", f"{key}={json.dumps(value)}"]
    command += list(sources or [])
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=os.environ.copy(),
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"crawl failed (exit {done.returncode})")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    """``python -m policywatch.crawler.run``: crawl and print the runs as JSON on stdout."""
    parser = argparse.ArgumentParser(prog="python -m policywatch.crawler.run")
    parser.add_argument("sources", nargs="*")
    parser.add_argument("--db", required=True)
    parser.add_argument("--replay")
    parser.add_argument("--jobdir")
    parser.add_argument("--max-pages", type=int)
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--frontier", metavar="redis://HOST:PORT/DB",
                        help="share the crawl frontier with other workers through Redis")
    parser.add_argument("--sequential", action="store_true",
                        help="one source after another, one request at a time (stable ids)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="a Scrapy setting, value as JSON (e.g. DOWNLOAD_MAXSIZE=1048576)")
    args = parser.parse_args(argv)
    overrides = {}
    for pair in args.set:
        key, _, value = pair.partition("=")
        overrides[key] = json.loads(value)
    runs = run_crawl(args.db, args.sources, replay_base=args.replay, jobdir=args.jobdir,
                     progress=args.progress, max_pages=args.max_pages, settings=overrides,
                     sequential=args.sequential, frontier=args.frontier)
    print(json.dumps(runs, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
