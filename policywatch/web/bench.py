"""``/api/search`` over HTTP against :func:`~policywatch.nlp.retrieval.search.search` in
the same process, on the same database, with the same model, in the same run.

The server runs as ``policywatch serve`` runs it (uvicorn, the state loaded once) in a
thread; the client keeps one HTTP/1.1 connection open, as a browser or a script would.
Each query is asked in-process and over HTTP alternately, so both meet the same cache
state; a first pass over every query warms both (jieba, the term statistics' pages, the
vector index) and is not counted. The HTTP figure is the whole round trip: the request
parsed, the same ``search()`` run in the server's thread pool, the objects serialized as
JSON, the answer read and decoded.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from policywatch.store.reporting import Echo


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) of ``values``.

    >>> percentiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    {'p50': 6, 'p95': 10}
    """
    ordered = sorted(values)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": p50, "p95": p95}


def time_http_search(db_path: Path, queries: Sequence[str], embedder: Any, echo: Echo, *,
                     passes: int = 3, limit: int = 10) -> dict[str, Any]:
    """Serve ``db_path`` and time each query ``passes`` times in-process and over HTTP.

    Returns:
        ``in_process_ms`` and ``http_ms`` (p50, p95), ``overhead_ms`` (p50 and p95 of the
        per-query difference), ``requests``, ``same_results`` (whether every HTTP answer
        held the in-process results), ``load_s`` (the server's one-time loading).
    """
    from policywatch.nlp.retrieval.search import search
    from policywatch.store import open_store
    from policywatch.web.server import WebServer, bind
    from policywatch.web.state import WebState

    started = time.perf_counter()
    state = WebState(db_path, embedder=embedder)
    state.load(update=False)
    load_s = time.perf_counter() - started
    server = WebServer(state, bind("127.0.0.1", 0)).start()
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=60)
    store = open_store(db_path, migrate=False)

    def over_http(query: str) -> list[dict[str, Any]]:
        connection.request("GET", "/api/search?" + urlencode({"q": query, "limit": limit}))
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"/api/search answered {response.status}: {body[:200]!r}")
        return json.loads(body)

    def in_process(query: str) -> list[dict[str, Any]]:
        response = search(store, query, limit=limit, embedder=embedder)
        return [result.as_dict() for result in response.results]

    try:
        for query in queries:  # warm-up: not counted
            in_process(query)
            over_http(query)
        local: list[float] = []
        remote: list[float] = []
        same = True
        for _ in range(passes):
            for query in queries:
                tick = time.perf_counter()
                mine = in_process(query)
                local.append((time.perf_counter() - tick) * 1000)
                tick = time.perf_counter()
                theirs = over_http(query)
                remote.append((time.perf_counter() - tick) * 1000)
                same = same and [r["notice_id"] for r in mine] == \
                    [r["notice_id"] for r in theirs]
    finally:
        connection.close()
        store.close()
        server.shutdown()
        server.server_close()
    figures = {
        "queries": len(queries), "passes": passes, "requests": len(remote), "limit": limit,
        "model": state.model_name(), "load_s": load_s,
        "in_process_ms": percentiles(local), "http_ms": percentiles(remote),
        "overhead_ms": percentiles([r - m for r, m in zip(remote, local, strict=True)]),
        "same_results": same,
    }
    echo(f"  web app loaded once in {load_s:.1f}s ({state.model_name() or 'no model'}); "
         f"{len(queries)} judged queries x {passes} passes after one warm-up pass, "
         f"limit {limit}:")
    echo(f"    in-process search(): p50 {figures['in_process_ms']['p50']:.1f} ms, "
         f"p95 {figures['in_process_ms']['p95']:.1f} ms")
    echo(f"    GET /api/search:     p50 {figures['http_ms']['p50']:.1f} ms, "
         f"p95 {figures['http_ms']['p95']:.1f} ms (HTTP/1.1 keep-alive, JSON decoded)")
    echo(f"    HTTP overhead per query: p50 {figures['overhead_ms']['p50']:.1f} ms, "
         f"p95 {figures['overhead_ms']['p95']:.1f} ms; same results over HTTP: "
         f"{'yes' if same else 'NO'}")
    return figures
