"""Benchmarks that print figures (never timed tests): ``policywatch bench NAME``.

Each compares against a baseline measured in the same run, because machines are noisy:
ratios travel between machines, absolute figures do not.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

Echo = Callable[[str], None]


def _synthetic_govcn_layer(root: Path, count: int) -> list[str]:
    """Write ``count`` gov.cn detail pages (real pages, renumbered) and their listing."""
    from crawler.replay.server import REPLAY_ROOT

    source_pages = sorted((REPLAY_ROOT / "site" / "www.gov.cn" / "zhengce" / "content")
                          .rglob("*.htm"))
    listing, urls = [], []
    for index in range(count):
        template = source_pages[index % len(source_pages)].read_text(encoding="utf-8")
        content_id = 9_000_000 + index
        path = f"zhengce/content/2030-01/01/content_{content_id}.htm"
        page = template.replace("</td></tr>", f"</td></tr><!-- copy {index} -->", 1).replace(
            "<p", f"<p data-copy='{index}'", 1)
        target = root / "www.gov.cn" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        url = f"https://www.gov.cn/{path}"
        urls.append(url)
        listing.append({"library": "zhengcelibrary_gw", "title": f"合成测试页面 {index}",
                        "url": url, "pcode": f"国发〔2030〕{index}号",
                        "pubtimeStr": f"2030.01.{1 + index % 28:02d}", "puborg": "国务院",
                        "summary": ""})
    (root / "sousuo.www.gov.cn").mkdir(parents=True, exist_ok=True)
    (root / "sousuo.www.gov.cn" / "listing.json").write_text(
        json.dumps(listing, ensure_ascii=False), encoding="utf-8")
    return urls


def bench_crawl(echo: Echo, pages: int = 300) -> dict[str, Any]:
    """Crawl a replay of ``pages`` gov.cn pages twice; print pages/s and requests/notice.

    Baseline: the same detail pages fetched by a bare HTTP client (8 threads, urllib) from
    the same replay, in the same run: the floor no crawler can beat.
    """
    from crawler.replay import ReplayServer
    from crawler.run import run_crawl_subprocess

    work = Path(tempfile.mkdtemp(prefix="policywatch-bench-"))
    try:
        layer = work / "layer"
        urls = _synthetic_govcn_layer(layer, pages)
        with ReplayServer(layers=[str(layer)]) as replay:
            replay_urls = [f"{replay.base_url}/{u.split('://', 1)[1]}" for u in urls]
            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                fetched = sum(len(b) for b in pool.map(
                    lambda u: urllib.request.urlopen(u).read(), replay_urls))
            baseline_s = time.perf_counter() - started
            max_pages = pages // 20 + 2
            db = work / "bench.db"
            started = time.perf_counter()
            (first,) = run_crawl_subprocess(db, ["govcn"], replay_base=replay.base_url,
                                            max_pages=max_pages)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            (second,) = run_crawl_subprocess(db, ["govcn"], replay_base=replay.base_url,
                                             max_pages=max_pages)
            second_s = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stats1, stats2 = first["stats"], second["stats"]
    new = stats1.get("policywatch/govcn/notices/new", 0)
    requests1 = stats1.get("downloader/request_count", 0)
    requests2 = stats2.get("downloader/request_count", 0)
    crawl_elapsed = stats1.get("elapsed_time_seconds", first_s)
    figures = {
        "pages": pages,
        "new_notices": new,
        "baseline_pages_per_s": pages / baseline_s,
        "crawl_pages_per_s": new / crawl_elapsed,
        "crawl_wall_s_including_startup": first_s,
        "ratio_to_baseline": (new / crawl_elapsed) / (pages / baseline_s),
        "requests_per_new_notice": requests1 / max(new, 1),
        "second_run_requests": requests2,
        "second_run_new_versions": stats2.get("policywatch/versions/new", 0),
        "second_run_pages_fetched_again": requests2 - stats2.get(
            "policywatch/requests/not_modified", 0),
        "second_run_wall_s": second_s,
        "baseline_bytes": fetched,
    }
    echo(f"crawl benchmark: {pages} gov.cn pages served by the local replay")
    echo(f"  baseline (urllib, 8 threads, no parsing or storing): "
         f"{figures['baseline_pages_per_s']:.0f} pages/s")
    echo(f"  first crawl: {new} new notices in {crawl_elapsed:.2f}s of crawling = "
         f"{figures['crawl_pages_per_s']:.0f} pages/s "
         f"({figures['ratio_to_baseline']:.2f}x baseline; {first_s:.1f}s with start-up)")
    echo(f"  requests per new notice: {figures['requests_per_new_notice']:.2f} "
         "(listing API pages + robots.txt included)")
    echo(f"  second crawl (nothing changed): {requests2} requests, "
         f"{figures['second_run_new_versions']} new versions, "
         f"{stats2.get('policywatch/requests/not_modified', 0)} answered 304 Not Modified")
    return figures


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {"crawl": bench_crawl}
