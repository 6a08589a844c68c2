"""The eligibility check on the web app: the ``/check`` form and ``/api/check`` give what
``policywatch check --json`` gives, over real HTTP."""

from __future__ import annotations

import json

import pytest

from policywatch.cli import cli
from policywatch.web.server import make_server
from tests.eligibility_support import PROFILES, copy_of
from tests.test_web import fetch, get_json

FORM = ("/check?name=示例精密机械有限公司&region=某某省&as_of=2026-06-01&tier=srdi_sme"
        "&years_in_niche=2&revenue=1200万&rd_expense=120万&rd_ratio=4&evaluation_score=65"
        "&equity_financing.last_2_years=0")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = copy_of(tmp_path_factory, "both", tmp_path_factory.mktemp("web") / "both.db")
    with make_server(path, "127.0.0.1", 0) as running:
        yield running, path


def test_eligibility_web_api_is_what_check_json_prints(served, runner):
    server, path = served
    status, rows = get_json(server.url + "/api" + FORM)
    assert status == 200
    cli_rows = json.loads(runner.invoke(cli, [
        "--db", str(path), "check", str(PROFILES / "precision-machinery.toml"), "--as-of",
        "2026-06-01", "--tier", "srdi_sme", "--json"]).output)
    assert [(r["measure_id"], r["version_id"], r["status"]) for r in rows] == \
        [(r["measure_id"], r["version_id"], r["status"]) for r in cli_rows]
    assert {r["status"] for r in rows} == {"not_eligible"}
    body = json.dumps({"profile": {"name": "示例精密机械有限公司", "region": "某某省",
                                   "metrics": {"years_in_niche": 2, "revenue": "1200万",
                                               "rd_expense": "120万", "rd_ratio": 4,
                                               "evaluation_score": 65,
                                               "equity_financing.last_2_years": 0}},
                       "as_of": "2025-06-01", "tier": "srdi_sme"}).encode()
    status, rows = get_json(server.url + "/api/check", data=body, method="POST",
                            headers={"Content-Type": "application/json"})
    assert status == 200 and {r["status"] for r in rows} == {"eligible"}


def test_eligibility_web_mistakes_are_400(served):
    server, _ = served
    assert get_json(server.url + "/api/check?revenue=lots")[0] == 400
    assert get_json(server.url + "/api/check")[0] == 400
    status, document = get_json(server.url + "/api/check", data=b"[1]", method="POST",
                                headers={"Content-Type": "application/json"})
    assert status == 400 and "object" in document["error"]


def test_eligibility_web_form_page(served):
    server, _ = served
    status, body, headers = fetch(server.url + "/check")
    assert status == 200 and 'name="revenue"' in body.decode()
    status, body, headers = fetch(server.url + FORM)
    page = body.decode()
    assert status == 200, page[:300]
    assert "不符合" in page and "营业收入 ≥ 1500万元（上年度）" in page and "1200万元" in page
    assert "某工信规字〔2026〕1号" in page and "工信部企业〔2026〕2号" in page
    assert headers["x-frame-options"] == "DENY"
