"""Dynamic endpoints of the replay: the sites' JSON listing APIs.

Each endpoint reads a listing file (a JSON list of rows) from the replay layers and
answers in the real API's shape, paginated the real API's way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from crawler.replay.server import ReplayResponse, ReplaySite

Endpoint = Callable[..., ReplayResponse]


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [default])[0])
    except (TypeError, ValueError):
        return default


def govcn_search(site: ReplaySite, query: dict[str, list[str]], empty: bool = False
                 ) -> ReplayResponse:
    """``sousuo.www.gov.cn/search-gov/data``: newest first, ``p`` 1-based, ``n`` per page."""
    library = query.get("t", ["zhengcelibrary_gw"])[0]
    page, per_page = _int(query, "p", 1), min(_int(query, "n", 20), 100)
    rows = [r for r in site.read_json_layers("sousuo.www.gov.cn", "listing.json")
            if r["library"] == library]
    rows.sort(key=lambda r: r["pubtimeStr"], reverse=True)
    chunk = [] if empty else rows[(page - 1) * per_page: page * per_page]
    if not chunk:
        payload: dict[str, Any] = {"code": 1001, "msg": "抱歉，没有找到相关结果"}
    else:
        payload = {"code": 200, "msg": "请求成功", "searchVO": {
            "totalCount": len(rows),
            "catMap": {library.split("_")[-1]: {"listVO": [
                {k: v for k, v in r.items() if k != "library"} for r in chunk]}},
        }}
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return ReplayResponse(200, body, {"Content-Type": "application/json;charset=UTF-8"})


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("sousuo.www.gov.cn", "/search-gov/data"): govcn_search,
}
