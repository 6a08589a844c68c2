"""Dynamic endpoints of the replay: the sites' JSON listing APIs.

Each endpoint reads a listing file (a JSON list of rows) from the replay layers and
answers in the real API's shape, paginated the real API's way.
"""

from __future__ import annotations

import json
from typing import Any

from policywatch.crawler.replay.responses import Endpoint, ReplayResponse
from policywatch.crawler.replay.responses import SiteFiles as ReplaySite


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [default])[0])
    except (TypeError, ValueError):
        return default


def govcn_search(site: ReplaySite, query: dict[str, list[str]], empty: bool = False,
                 headers: dict[str, str] | None = None) -> ReplayResponse:
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


# --- MIIT (jpaas), Guangdong (gkmlpt), Jiangsu and Zhejiang (Hanweb) ----------------------

def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _html(body: str, status: int = 200) -> ReplayResponse:
    return ReplayResponse(status, body.encode("utf-8"),
                          {"Content-Type": "text/html; charset=utf-8"})


MIIT_HOST = "www.miit.gov.cn"
# The WAF cookie (加速乐 ``__jsluid_s``) the first response of a column sets; the unit API of
# the columns below answers 403 without it, as the live site does for some columns.
MIIT_COOKIE = "__jsluid_s"
MIIT_COOKIE_VALUE = "5d1b8f0e2c7a4e93b6f1a0c8d2e4f6a1"
MIIT_COOKIE_COLUMNS = {"/jgsj/qyj/wjfb/index.html"}


def miit_column(path: str) -> Endpoint:
    """A MIIT column page served as a file, plus the ``Set-Cookie`` its first answer carries."""

    def endpoint(site: ReplaySite, query: dict[str, list[str]], empty: bool = False,
                 headers: dict[str, str] | None = None) -> ReplayResponse:
        file = site.find_file(MIIT_HOST, path)
        if file is None:
            return _html("<html><body>404 Not Found</body></html>", 404)
        return ReplayResponse(200, file.read_bytes(), {
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": f"{MIIT_COOKIE}={MIIT_COOKIE_VALUE}; max-age=31536000; path=/; HttpOnly",
        })

    endpoint.__name__ = f"miit_column_{path.strip('/').replace('/', '_')}"
    return endpoint


def miit_unit(site: ReplaySite, query: dict[str, list[str]], empty: bool = False,
              headers: dict[str, str] | None = None) -> ReplayResponse:
    """``/api-gateway/jpaas-publish-server/front/page/build/unit``: one column list page.

    Rows come from ``unit-listing.json`` (``pageId``, ``title``, ``url``, ``date``), newest
    first, ``paramJson={"pageNo": N, "pageSize": S}``; ``data.html`` holds the list markup.
    ``headers`` default to those of the request the server is answering.
    """
    page_id = query.get("pageId", [""])[0]
    try:
        params = json.loads(query.get("paramJson", ["{}"])[0])
        page, size = int(params.get("pageNo", 1)), int(params.get("pageSize", 24))
    except (ValueError, TypeError, AttributeError):
        page, size = 1, 24
    rows = [r for r in site.read_json_layers(MIIT_HOST, "unit-listing.json")
            if r["pageId"] == page_id]
    needs_cookie = any(_miit_page_id(site, column) == page_id for column in MIIT_COOKIE_COLUMNS)
    cookie = (headers or {}).get("cookie", "")
    if needs_cookie and f"{MIIT_COOKIE}=" not in cookie:
        return _html("<html><head><title>403 Forbidden</title></head><body>403 Forbidden</body>"
                     "</html>", 403)
    rows.sort(key=lambda r: r["date"], reverse=True)
    chunk = [] if empty else rows[(page - 1) * size: page * size]
    items = "".join(
        f'<li class="cf"><a class="fl" href="{r["url"]}" target="_blank" '
        f'title="{_esc(r["title"])}">{_esc(r["title"])}</a><span class="fr">{r["date"]}</span>'
        "</li>" for r in chunk)
    fragment = f'<div id="当前栏目_list"><div class="page-content"><ul>{items}</ul></div></div>'
    payload = {"success": True, "code": 200, "message": "操作成功", "data": {"html": fragment}}
    return ReplayResponse(200, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                          {"Content-Type": "application/json;charset=UTF-8"})


def _miit_page_id(site: ReplaySite, column_path: str) -> str | None:
    file = site.find_file(MIIT_HOST, column_path)
    if file is None:
        return None
    import re

    match = re.search(r"'pageId':'([0-9a-f]+)'", file.read_text(encoding="utf-8"))
    return match.group(1) if match else None


GDII_HOST = "gdii.gd.gov.cn"
GKMLPT_PER_PAGE = 100  # what public crawler code reports for the live API


def gkmlpt_api(category: int) -> Endpoint:
    """``/gkmlpt/api/all/{category}?page=N&sid=S``: articles of one category, 100 a page.

    Pages 0 and 1 answer the same rows (as reported for the live API).
    """

    def endpoint(site: ReplaySite, query: dict[str, list[str]], empty: bool = False,
                 headers: dict[str, str] | None = None) -> ReplayResponse:
        page = max(_int(query, "page", 1), 1)
        rows = [r for r in site.read_json_layers(GDII_HOST, "gkmlpt-listing.json")
                if r["category"] == category]
        rows.sort(key=lambda r: r["created_at"], reverse=True)
        chunk = [] if empty else rows[(page - 1) * GKMLPT_PER_PAGE: page * GKMLPT_PER_PAGE]
        articles = [{k: v for k, v in r.items() if k != "category"} for r in chunk]
        payload = {"classify": {"id": category, "post_count": len(rows)},
                   "articles": articles, "total": len(rows)}
        return ReplayResponse(200, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                              {"Content-Type": "application/json;charset=UTF-8"})

    endpoint.__name__ = f"gkmlpt_api_{category}"
    return endpoint


def _cdata_records(rows: list[dict[str, Any]], template: str) -> str:
    return "\n".join(
        "<record><![CDATA[" + template.format(url=r["url"], title=_esc(r["title"]), date=r["date"])
        + "]]></record>" for r in rows)


JIANGSU_HOST = "gxt.jiangsu.gov.cn"


def hanweb_dataproxy(site: ReplaySite, query: dict[str, list[str]], empty: bool = False,
                     headers: dict[str, str] | None = None) -> ReplayResponse:
    """``/module/web/jpage/dataproxy.jsp``: records ``startrecord``..``endrecord`` of a column."""
    column = _int(query, "columnid", 0)
    start, end = _int(query, "startrecord", 1), _int(query, "endrecord", 15)
    per_page = max(_int(query, "perpage", 15), 1)
    rows = [r for r in site.read_json_layers(JIANGSU_HOST, "dataproxy-listing.json")
            if r["columnid"] == column]
    rows.sort(key=lambda r: r["date"], reverse=True)
    chunk = [] if empty else rows[start - 1: end]
    records = _cdata_records(chunk, '<li class="ft14lh30 cf"><font> · </font><a href="{url}" '
                                    'target="_blank" title="{title}">{title}</a>'
                                    '<span>{date}</span></li>')
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore><totalrecord>{len(rows)}'
            f"</totalrecord><totalpage>{-(-len(rows) // per_page)}</totalpage><recordset>\n"
            f"{records}\n</recordset></datastore>")
    return ReplayResponse(200, body.encode("utf-8"), {"Content-Type": "text/xml;charset=UTF-8"})


def hanweb_downfile(site: ReplaySite, query: dict[str, list[str]], empty: bool = False,
                    headers: dict[str, str] | None = None) -> ReplayResponse:
    """``/module/download/downfile.jsp?classid=0&filename=X``: an attachment by name."""
    import mimetypes

    name = query.get("filename", [""])[0]
    file = site.find_file(JIANGSU_HOST, f"/module/download/files/{name}") if name and \
        "/" not in name else None
    if file is None:
        return _html("<html><body>文件不存在</body></html>", 404)
    return ReplayResponse(200, file.read_bytes(), {
        "Content-Type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "Content-Disposition": "attachment"})


ZHEJIANG_HOST = "jxt.zj.gov.cn"
ZHEJIANG_PER_PAGE = 5  # the jpage unit's page size in the replay (server-side on the live site)


def hanweb_column(path: str) -> Endpoint:
    """``col/colN/index.html?uid=U&pageNum=P``: the column page with page P's datastore."""

    def endpoint(site: ReplaySite, query: dict[str, list[str]], empty: bool = False,
                 headers: dict[str, str] | None = None) -> ReplayResponse:
        import re

        file = site.find_file(ZHEJIANG_HOST, path)
        if file is None:
            return _html("<html><body>404</body></html>", 404)
        page = max(_int(query, "pageNum", 1), 1)
        column = int(re.search(r"/col(\d+)/", path).group(1))
        rows = [r for r in site.read_json_layers(ZHEJIANG_HOST, "column-listing.json")
                if r["columnid"] == column]
        rows.sort(key=lambda r: r["date"], reverse=True)
        chunk = [] if empty else rows[(page - 1) * ZHEJIANG_PER_PAGE: page * ZHEJIANG_PER_PAGE]
        records = _cdata_records(chunk, '<p><a href="{url}" title="{title}" target="_blank">'
                                        '{title}</a><span>{date}</span></p>')
        pages = -(-len(rows) // ZHEJIANG_PER_PAGE)
        text = file.read_text(encoding="utf-8")
        text = re.sub(r"<recordset>.*?</recordset>",
                      lambda _: f"<recordset>\n{records}\n</recordset>", text, count=1,
                      flags=re.S)
        text = re.sub(r"<totalrecord>\d+</totalrecord>",
                      f"<totalrecord>{len(rows)}</totalrecord>", text)
        text = re.sub(r"<totalpage>\d+</totalpage>", f"<totalpage>{pages}</totalpage>", text)
        return _html(text)

    endpoint.__name__ = f"hanweb_column_{path.strip('/').replace('/', '_')}"
    return endpoint


ENDPOINTS.update({
    (MIIT_HOST, "/jgsj/qyj/wjfb/index.html"): miit_column("/jgsj/qyj/wjfb/index.html"),
    (MIIT_HOST, "/api-gateway/jpaas-publish-server/front/page/build/unit"): miit_unit,
    **{(GDII_HOST, f"/gkmlpt/api/all/{category}"): gkmlpt_api(category)
       for category in (2920, 2923, 2927)},
    (JIANGSU_HOST, "/module/web/jpage/dataproxy.jsp"): hanweb_dataproxy,
    (JIANGSU_HOST, "/module/download/downfile.jsp"): hanweb_downfile,
    (ZHEJIANG_HOST, "/col/col1659217/index.html"): hanweb_column("/col/col1659217/index.html"),
})
