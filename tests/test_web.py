"""The web app over real HTTP (uvicorn on 127.0.0.1), without a browser: every page and its
JSON, escaping, the security headers, the token, CSRF and masking. The browser suite
(tests/test_web_browser.py) drives the same pages in Chromium."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from policywatch.settings import WebSettings
from policywatch.web.server import make_server
from tests.alerts_support import measures_template_path

TOKEN = "test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def web_db(tmp_path_factory):
    from policywatch.alerts.events import derive_events
    from policywatch.store import open_store

    path = tmp_path_factory.mktemp("web") / "web.db"
    shutil.copy(measures_template_path(tmp_path_factory), path)
    with open_store(path) as store:
        derive_events(store)
        # A title with markup: every page must show it as text.
        store.db.execute("update versions set title = title || ' <script>alert(1)</script>' "
                         "where id = (select max(id) from versions)")
        store.db.conn.commit()
    return path


@pytest.fixture(scope="module")
def server(web_db):
    with make_server(web_db, "127.0.0.1", 0, web=WebSettings(token=TOKEN)) as running:
        yield running


@pytest.fixture(scope="module")
def closed_server(web_db):
    """The same database served without a token: nothing that writes is open."""
    with make_server(web_db, "127.0.0.1", 0) as running:
        yield running


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None,
          method: str | None = None, opener=None) -> tuple[int, bytes, dict]:
    url = urllib.parse.quote(url, safe=":/?=&%+#")
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def get_json(url: str, **kwargs):
    status, body, headers = fetch(url, **kwargs)
    assert headers["content-type"].startswith("application/json"), (status, body[:200])
    return status, json.loads(body)


def ids(server):
    from policywatch.store import open_store

    with open_store(server.state.db_path, migrate=False) as store:
        change = store.db.execute("select old_version_id, new_version_id, measure_id from "
                                  "changes order by id limit 1").fetchone()
        notice = store.db.execute("select notice_id from versions where id = ?",
                                  [change[1]]).fetchone()[0]
    return {"old": change[0], "new": change[1], "measure": change[2], "notice": notice}


PAGES = ["/", "/search?q=营业收入", "/notices", "/measures", "/login", "/feed.xml",
         "/alerts.json", "/api/openapi.json", "/api/changes", "/api/notices",
         "/api/search?q=revenue", "/api/search/groups?q=营业收入", "/api/status",
         "/static/style.css"]


@pytest.mark.parametrize("path", PAGES)
def test_web_every_page_answers_with_the_security_headers(server, path):
    status, body, headers = fetch(server.url + path)
    assert status == 200, body[:300]
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src" not in headers["content-security-policy"]  # no script at all
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_web_pages_escape_document_content(server):
    found = ids(server)
    pages = [f"/notices/{found['notice']}", "/notices", f"/diff/v{found['old']}/v{found['new']}",
             f"/measures/{found['measure']}", "/", "/search?q=认定标准"]
    seen_escaped = False
    for path in pages:
        status, body, _ = fetch(server.url + urllib.parse.quote(path, safe="/?="))
        text = body.decode("utf-8")
        assert status == 200, path
        assert "<script" not in text, path
        seen_escaped = seen_escaped or "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert seen_escaped


def test_web_notice_page_and_its_json(server):
    found = ids(server)
    status, document = get_json(f"{server.url}/api/notices/{found['notice']}")
    assert status == 200
    assert document["notice"]["url"].startswith("http")
    assert document["criteria"] and document["versions"] and document["edges"]
    assert all(edge["evidence_text"] and edge["label"]["zh"] for edge in document["edges"])
    _, body, _ = fetch(f"{server.url}/notices/{found['notice']}")
    page = body.decode("utf-8")
    assert document["notice"]["url"] in page  # the official page is linked
    assert "认定条件" in page and "Criteria" in page and "沿革关系" in page
    assert f"/measures/{found['measure']}" in page
    assert get_json(f"{server.url}/api/notices/999999")[0] == 404


def test_web_diff_inline_side_by_side_and_json(server):
    found = ids(server)
    base = f"{server.url}/diff/v{found['old']}/v{found['new']}"
    _, inline, _ = fetch(base)
    _, side, _ = fetch(base + "?view=side")
    assert "<del>" in inline.decode() and "<ins>" in inline.decode()
    assert 'class="sides"' in side.decode() and 'class="sides"' not in inline.decode()
    assert "营业收入" in inline.decode() and "revenue" in inline.decode()
    status, document = get_json(f"{server.url}/api/diff/v{found['old']}/v{found['new']}")
    assert status == 200 and document["criteria_changes"]
    assert document["old"]["url"] and document["new"]["url"]
    change = next(c for c in document["criteria_changes"] if c["metric"] == "revenue")
    assert change["old"]["zh"] == "≥ 1000万元（上年度）" and change["new"]["en"].startswith(">=")
    assert fetch(f"{server.url}/diff/x/y")[0] == 400
    assert fetch(f"{server.url}/diff/v999999/v1")[0] == 404


def test_web_measure_chart_is_svg_with_every_version(server):
    found = ids(server)
    status, document = get_json(f"{server.url}/api/measures/{found['measure']}")
    assert status == 200
    revenue = next(c for c in document["charts"]
                   if c["metric"] == "revenue" and c["tier"] == "srdi_sme")
    own = [s for s in revenue["series"] if s["own"]]
    values = [p["value"] for p in own[0]["points"]]  # every version, copies on other sites too
    assert values[0] == 10_000_000 and values[-1] == 15_000_000
    _, body, _ = fetch(f"{server.url}/measures/{found['measure']}")
    page = body.decode()
    assert page.count("<svg") == len(document["charts"]) and "<path class=\"series\"" in page
    assert "1500万元" in page  # the tooltip of the new threshold


def test_web_changes_filters_paging_and_feed(server):
    status, everything = get_json(f"{server.url}/api/changes?limit=2")
    assert status == 200 and len(everything["events"]) == 2 and everything["has_next"]
    _, changed = get_json(f"{server.url}/api/changes?type=criteria_changed&tier=专精特新")
    assert changed["total"] >= 1
    assert {e["type"] for e in changed["events"]} == {"criteria_changed"}
    assert all(e["diff"]["page"].startswith("/diff/v") for e in changed["events"])
    _, regional = get_json(f"{server.url}/api/changes?region={urllib.parse.quote('某某省')}")
    assert regional["events"] and all("某某省" in e["regions"] for e in regional["events"])
    _, none = get_json(f"{server.url}/api/changes?from=2099")
    assert none["total"] == 0
    assert get_json(f"{server.url}/api/changes?tier=medium")[0] == 400
    import feedparser

    _, body, headers = fetch(f"{server.url}/feed.xml?type=repealed")
    parsed = feedparser.parse(body)
    assert headers["content-type"].startswith("application/atom+xml")
    assert parsed.entries and all("repealed" in e.tags[0]["term"] for e in parsed.entries)


def test_web_search_json_is_what_search_json_prints(server, runner):
    from policywatch.cli import cli

    query = "小巨人 研发费用 不低于"
    _, served = get_json(f"{server.url}/api/search?q={urllib.parse.quote(query)}&limit=5")
    # The test server runs without a model: the CLI's lexical mode is the same search.
    result = runner.invoke(cli, ["--db", str(server.state.db_path), "search", query, "--json",
                                 "--limit", "5", "--mode", "lexical", "--no-update"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert served == printed and served
    _, grouped = get_json(f"{server.url}/api/search/groups?q={urllib.parse.quote(query)}")
    ids_seen = [r["notice_id"] for r in grouped["results"]]
    also = [a["notice_id"] for r in grouped["results"] for a in r["also"]]
    assert not set(ids_seen) & set(also)  # a copy on another site is not a second result
    assert any(r["also"] for r in grouped["results"])  # MIIT and gov.cn: one document
    _, english = get_json(f"{server.url}/api/search/groups?q=revenue+threshold")
    assert english["translation"] and "营业收入" in english["translation"]["text"]
    assert get_json(f"{server.url}/api/search?q=")[0] == 400


def test_web_openapi_describes_every_api_route(server):
    _, document = get_json(f"{server.url}/api/openapi.json")
    assert document["openapi"].startswith("3.")
    from policywatch.web.app import WebApp

    routes = {route.path for route in WebApp(server.state).routes()
              if getattr(route, "path", "").startswith("/api/") and route.path !=
              "/api/openapi.json"}
    described = set(document["paths"])
    normalize = {p.replace("{subscription_id:int}", "{subscription_id}")
                 .replace("{notice_id:int}", "{notice_id}").replace("{old:str}", "{old}")
                 .replace("{new:str}", "{new}").replace("{measure_id:str}", "{measure_id}")
                 .replace("{action:str}", "test") for p in routes}
    assert normalize <= described, normalize - described


def test_web_nothing_writes_without_a_token(closed_server):
    base = closed_server.url
    status, body = get_json(f"{base}/api/subscriptions", data=b'{"channel": "feed"}',
                            headers={"Content-Type": "application/json",
                                     "Authorization": f"Bearer {TOKEN}"})
    assert status == 403 and "disabled" in body["error"]
    status, page, _ = fetch(f"{base}/login")
    assert "写入已关闭" in page.decode()
    status, _, headers = fetch(f"{base}/subscriptions", opener=_no_redirects())
    assert status == 303 and headers["location"].startswith("/login")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _no_redirects():
    return urllib.request.build_opener(NoRedirect)


def test_web_api_subscriptions_need_the_bearer_token_and_mask_targets(server, monkeypatch):
    base = server.url
    body = json.dumps({"channel": "url", "target": "json://127.0.0.1:9/hook?token=abcdef0123456789",
                       "tier": ["专精特新"], "type": ["criteria_changed"]}).encode()
    anonymous = get_json(f"{base}/api/subscriptions", data=body,
                         headers={"Content-Type": "application/json"})
    assert anonymous[0] == 401
    wrong = get_json(f"{base}/api/subscriptions", data=body,
                     headers={"Content-Type": "application/json",
                              "Authorization": "Bearer not-the-token-at-all"})
    assert wrong[0] == 401
    bearer = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    status, created = get_json(f"{base}/api/subscriptions", data=body, headers=bearer)
    assert status == 201, created
    assert created["target"] == "json://127.0.0.1:9/hook?token=ab…89"
    assert created["filters"] == {"types": ["criteria_changed"], "tiers": ["srdi_sme"]}
    _, listed = get_json(f"{base}/api/subscriptions", headers=bearer)
    assert "abcdef0123456789" not in json.dumps(listed)
    bad = get_json(f"{base}/api/subscriptions", headers=bearer, data=json.dumps(
        {"channel": "webhook", "target": "https://oapi.dingtalk.com/robot/send?access_token=x"}
    ).encode())
    assert bad[0] == 400 and "chat robot" in bad[1]["error"]
    status, stopped = get_json(f"{base}/api/subscriptions/{created['id']}", headers=bearer,
                               method="DELETE")
    assert status == 200 and stopped["active"] is False
    assert get_json(f"{base}/api/subscriptions/{created['id']}", headers=bearer)[0] == 404


def test_web_login_and_forms_need_csrf_and_the_same_origin(server):
    base = server.url
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    _, page, _ = fetch(f"{base}/login", opener=opener)
    csrf = page.decode().split('name="csrf" value="')[1].split('"')[0]
    assert any(cookie.name == "pw_csrf" and cookie.value == csrf for cookie in jar)

    def post(path, fields, origin=None):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin:
            headers["Origin"] = origin
        return fetch(base + path, data=urllib.parse.urlencode(fields, doseq=True).encode(),
                     headers=headers, opener=opener)

    assert post("/login", {"token": TOKEN})[0] == 403  # no CSRF field
    assert post("/login", {"token": TOKEN, "csrf": csrf}, origin="https://evil.example")[0] == 403
    wrong = post("/login", {"token": "a-wrong-token-value", "csrf": csrf})
    assert wrong[0] == 401 and "wrong token" in wrong[1].decode()
    status, _, headers = post("/login", {"token": TOKEN, "csrf": csrf, "next": "/subscriptions"})
    assert status == 303 and headers["location"] == "/subscriptions"
    session = next(cookie for cookie in jar if cookie.name == "pw_session")
    assert session.has_nonstandard_attr("HttpOnly")
    status, page, _ = fetch(f"{base}/subscriptions", opener=opener)
    assert status == 200 and "新建订阅" in page.decode()
    assert post("/subscriptions", {"channel": "feed"})[0] == 403  # signed in, but no CSRF
    status, page, _ = post("/subscriptions", {"channel": "feed", "csrf": csrf,
                                              "type": ["repealed"]})
    assert status == 200 and "subscription #" in page.decode()
    assert str(server.state.db_path.parent) not in page.decode()  # a feed by its name only
