"""The web app in a real headless Chromium (Debian's ``chromium``, driven by Playwright),
with JavaScript switched off: every page must work as plain HTML and forms.

The database is the demo's (the replay crawled twice and processed), built once for the
module; the server loads the configured embedding model as ``policywatch serve`` does.
Each test saves a screenshot of its page: into ``$POLICYWATCH_SCREENSHOTS`` when set (the
README's images in docs/screenshots/ are made this way), else into a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from policywatch.settings import WebSettings
from tests.alerts_support import Receiver

pytestmark = pytest.mark.slow

TOKEN = "browser-test-token-0123456789"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from policywatch.demo import run_demo

    path = tmp_path_factory.mktemp("web-demo") / "policywatch-demo.db"
    run_demo(path, lambda line: None)
    return path


@pytest.fixture(scope="module")
def server(demo_db):
    from policywatch.web.server import make_server

    with make_server(demo_db, "127.0.0.1", 0, web=WebSettings(token=TOKEN), embedder=...,
                     update=True) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("POLICYWATCH_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def known(server):
    """Ids of the demo's notices the tests visit (the same on every run)."""
    from policywatch.store import open_store

    with open_store(server.state.db_path, migrate=False) as store:
        new_measures = store.db.execute(
            "select n.id from notices n join versions v on v.id = n.latest_version_id "
            "where v.doc_number = '工信部企业〔2026〕2号' and n.source_id = 'govcn'").fetchone()[0]
        measure = store.db.execute("select measure_id from notice_measures where notice_id = ?",
                                   [new_measures]).fetchone()[0]
    return {"notice": new_measures, "measure": measure}


def test_browser_search_finds_english_over_chinese_with_one_result_per_document(
        server, page, shots):
    page.goto(server.url + "/search")
    page.fill("input[name=q]", "Little Giant R&D threshold")
    page.select_option("select[name=tier]", "little_giant")
    page.click("form.search > button[type=submit]")
    assert "q=Little+Giant" in page.url and "tier=little_giant" in page.url
    info = page.inner_text(".query-info")
    assert "英文 / English" in info and "小巨人" in info  # the query translation is shown
    results = page.locator("li.result")
    assert results.count() >= 1
    assert page.locator("li.result mark").count() >= 1
    assert page.locator("li.result .official").count() >= 1
    page.screenshot(path=shots / "search.png")
    # The 2022 Measures are on MIIT and on gov.cn: one result, the copy listed under it.
    page.goto(server.url + "/search?q=" + urllib.parse.quote("优质中小企业梯度培育管理暂行办法"))
    titles = [t.strip() for t in page.locator("li.result h2").all_inner_texts()]
    assert len(titles) == len(set(titles))
    assert page.locator("li.result .also a").count() >= 1
    first = page.locator("li.result h2 a").first
    title = first.inner_text()
    first.click()
    assert re.search(r"/notices/\d+$", page.url)
    assert page.inner_text("h1") == title


def test_browser_changes_filters(server, page, shots):
    page.goto(server.url + "/")
    total = page.locator("li.event").count()
    assert total >= 10 and page.locator("nav.pager a[rel=next]").count() == 1
    page.screenshot(path=shots / "changes.png")
    page.select_option("select[name=type]", "criteria_changed")
    page.click("form.filters button[type=submit]")
    events = page.locator("li.event")
    assert 1 <= events.count() < total
    assert all("criteria_changed" in (events.nth(i).get_attribute("class") or "")
               for i in range(events.count()))
    page.fill("input[name=region]", "江苏")
    page.click("form.filters button[type=submit]")
    assert page.locator("li.event").count() >= 1
    assert all("江苏省" in text for text in page.locator("li.event .meta").all_inner_texts())
    page.goto(server.url + "/?tier=nonsense")
    assert "unknown tier" in page.inner_text("main")


def test_browser_notice_page(server, page, shots, known):
    page.goto(server.url + "/notices?tier=srdi_sme")
    assert page.locator("table.notices tbody tr").count() >= 5
    page.screenshot(path=shots / "notices.png")
    page.goto(f"{server.url}/notices/{known['notice']}")
    assert "优质中小企业梯度培育管理办法" in page.inner_text("h1")
    criteria = page.inner_text("table.criteria")
    assert "营业收入" in criteria and "1500万元" in criteria and "revenue" in criteria
    official = page.locator("dl.facts a.official")
    assert official.get_attribute("href").startswith("https://www.gov.cn/")
    edges = page.inner_text("table.edges")
    assert "取代" in edges and "supersedes" in edges and "doc_number" in edges
    page.screenshot(path=shots / "notice.png", full_page=False)
    page.locator("#lineage table.edges a").first.click()
    assert re.search(r"/notices/\d+$", page.url)


def test_browser_measure_chart(server, page, shots, known):
    page.goto(f"{server.url}/measures/{known['measure']}")
    charts = page.locator("svg.chart")
    assert charts.count() >= 4
    revenue = page.locator("figure#chart-srdi_sme-revenue")
    tooltips = revenue.locator("circle.point title").all_text_contents()
    assert any("1000万元" in t for t in tooltips) and any("1500万元" in t for t in tooltips)
    compared = page.locator("svg.chart path.series").count()
    page.screenshot(path=shots / "measure.png")
    page.click("text=只看本政策")
    assert "compare=0" in page.url
    assert 0 < page.locator("svg.chart path.series").count() < compared


def test_browser_diff_page_inline_and_side_by_side(server, page, shots):
    page.goto(server.url + "/?type=criteria_changed")
    page.locator("a.diff-link").first.click()
    assert re.search(r"/diff/v\d+/v\d+$", page.url)
    table = page.inner_text("table.criteria-diff")
    assert "1000万元" in table and "1500万元" in table and "15 million yuan" in table
    assert page.locator(".clause del").count() and page.locator(".clause ins").count()
    assert page.locator(".diff-sides a.official").count() == 2
    page.screenshot(path=shots / "diff.png")
    page.click("text=并排")
    assert "view=side" in page.url and page.locator(".sides .old").count() >= 1
    page.locator(".clause.changed").first.scroll_into_view_if_needed()
    page.screenshot(path=shots / "diff-side.png")


def test_browser_subscription_create_test_and_remove_with_login(server, page, shots):
    receiver = Receiver()
    try:
        page.goto(server.url + "/subscriptions")
        assert "/login" in page.url  # nothing that writes without signing in
        page.fill("input[name=token]", "not-the-right-token")
        page.click("form.login button[type=submit]")
        assert "wrong token" in page.inner_text(".message")
        page.fill("input[name=token]", TOKEN)
        page.click("form.login button[type=submit]")
        assert page.url.endswith("/subscriptions")
        target = f"json://alerts:hunter2secret@127.0.0.1:{receiver.port}/hook"
        page.select_option("select[name=channel]", "url")
        page.fill("input[name=target]", target)
        page.check("input[name=type][value=criteria_changed]")
        page.check("input[name=tier][value=srdi_sme]")
        page.fill("input[name=name]", "SRDI criteria")
        page.click("form.subscribe button[type=submit]")
        message = page.inner_text(".message")
        assert "created" in message, message
        subscription_id = int(re.search(r"#(\d+)", message).group(1))
        row = page.locator(f"#subscription-{subscription_id}")
        assert "json://alerts:****@127.0.0.1" in row.inner_text()
        assert "hunter2secret" not in page.content()  # masked on the page
        page.screenshot(path=shots / "subscriptions.png")
        row.locator("button[name=test]").click()
        assert "test alert sent" in page.inner_text(".message")
        assert receiver.requests and receiver.requests[-1]["method"] == "POST"
        page.locator(f"#subscription-{subscription_id} button[name=remove]").click()
        assert "stopped" in page.inner_text(".message")
        assert page.locator(f"#subscription-{subscription_id}").count() == 0
        assert "hunter2secret" not in page.content()
    finally:
        receiver.stop()


def test_web_api_search_is_search_json_with_the_same_model(server, runner):
    """/api/search returns exactly the objects `policywatch search --json` prints."""
    from policywatch.cli import cli

    for query in ("小巨人 研发费用 不低于", "Little Giant R&D threshold"):
        with urllib.request.urlopen(f"{server.url}/api/search?" + urllib.parse.urlencode(
                {"q": query, "limit": 5}), timeout=60) as response:
            served = json.loads(response.read())
        result = runner.invoke(cli, ["--db", str(server.state.db_path), "search", query,
                                     "--json", "--limit", "5", "--no-update"])
        assert result.exit_code == 0, result.output
        assert served == json.loads(result.stdout.strip().splitlines()[-1]) and served

