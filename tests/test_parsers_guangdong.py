"""Guangdong gkmlpt pages and API answers from the replay parse to their stated fields."""

from __future__ import annotations

import json

import pytest

from policywatch.crawler.parsers import PARSERS, LayoutMismatch
from policywatch.crawler.parsers.gkmlpt import (
    api_articles,
    parse_gkmlpt_page,
    site_config,
    tree_categories,
)
from policywatch.crawler.replay.endpoints import gkmlpt_api
from policywatch.crawler.replay.server import REPLAY_ROOT, ReplaySite

SITE = REPLAY_ROOT / "site" / "gdii.gd.gov.cn"
ORIGIN = "https://gdii.gd.gov.cn"
RULES = "/gkmlpt/content/4/4459/post_4459794.html"
INTERPRETATION = "/gkmlpt/content/4/4459/post_4459801.html"
PUBLICITY = "/gkmlpt/content/4/4612/post_4612876.html"


def parse(path: str):
    return parse_gkmlpt_page((SITE / path.lstrip("/")).read_bytes(), ORIGIN + path)


# fmt: off
FIELDS = [
    (RULES, "title", "广东省工业和信息化厅关于印发广东省优质中小企业梯度培育管理实施细则的通知"),
    (RULES, "doc_number", "粤工信规字〔2024〕5号"),
    (RULES, "issuer", "广东省工业和信息化厅"),
    (RULES, "index_number", "006939748/2024-00138"),
    (RULES, "written_date", "2024-05-27"),
    (RULES, "published_date", "2024-05-29"),
    (RULES, "subject", "规范性文件"),
    (INTERPRETATION, "title", "《广东省优质中小企业梯度培育管理实施细则》政策解读"),
    (INTERPRETATION, "doc_number", None),
    (INTERPRETATION, "published_date", "2024-05-29"),
    (PUBLICITY, "title", "关于2024年第二批广东省专精特新中小企业拟认定名单的公示"),
    (PUBLICITY, "doc_number", None),
    (PUBLICITY, "written_date", "2024-11-18"),
]
# fmt: on


@pytest.mark.parametrize(("path", "field", "expected"), FIELDS)
def test_parsers_guangdong_field(path, field, expected):
    assert getattr(parse(path), field) == expected


def test_parsers_guangdong_body_is_zoomcon_only():
    page = parse(RULES)
    assert page.body_text.startswith("广东省工业和信息化厅关于印发")
    assert "第十条 本细则自2024年7月1日起施行" in page.body_text
    assert "索引号" not in page.body_text and "字号" not in page.body_text


def test_parsers_guangdong_attachment_link():
    (attachment,) = parse(RULES).attachments
    assert attachment == {"url": ORIGIN + "/attachment/0/551/551204/4459794.pdf",
                          "name": "广东省优质中小企业梯度培育管理实施细则.pdf"}


def test_parsers_guangdong_registered_for_source():
    assert PARSERS["guangdong"] is parse_gkmlpt_page


@pytest.mark.parametrize("page", [
    "<html><body><div id='con_con'>工信部页面</div></body></html>".encode(),
    b"<html><body><h1 class='content_title'>x</h1></body></html>",
    b"",
])
def test_parsers_guangdong_wrong_layout_raises(page):
    with pytest.raises(LayoutMismatch):
        parse_gkmlpt_page(page, ORIGIN + "/gkmlpt/content/0/1/post_1.html")


def test_parsers_guangdong_site_config_reads_sid_and_tree():
    sid, tree = site_config((SITE / "gkmlpt/index").read_bytes())
    assert sid == "200041"
    assert tree_categories(tree)[2920] == "规范性文件"


def test_parsers_guangdong_index_without_config_raises():
    with pytest.raises(LayoutMismatch):
        site_config("<html><script>var x = 1;</script></html>")


def test_parsers_guangdong_api_articles_of_replay_answer():
    answer = gkmlpt_api(2920)(ReplaySite(), {"page": ["1"], "sid": ["200041"]})
    rows, total = api_articles(json.loads(answer.body))
    assert total == 1
    assert (rows[0].url, rows[0].doc_number, rows[0].published_date) == (
        ORIGIN + RULES, "粤工信规字〔2024〕5号", "2024-05-29")


def test_parsers_guangdong_api_total_falls_back_to_post_count():
    rows, total = api_articles({"classify": {"post_count": 7}, "articles": [
        {"id": 1, "title": "通知", "post_url": ORIGIN + "/x/post_1.html"}]})
    assert (total, rows[0].url) == (7, ORIGIN + "/x/post_1.html")
