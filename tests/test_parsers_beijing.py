"""Beijing (TRS WCM) GBK pages from the replay: exact Chinese text, declared or not."""

from __future__ import annotations

import json

import pytest

from policywatch.crawler.parsers import PARSERS, LayoutMismatch
from policywatch.crawler.parsers.trs import parse_trs_page, trs_list, trs_next_page, trs_page_count
from policywatch.crawler.replay.server import REPLAY_ROOT

SITE = REPLAY_ROOT / "site" / "jxj.beijing.gov.cn"
ORIGIN = "https://jxj.beijing.gov.cn"
COLUMN = "/jxdt/tzgg/"
ITEMS = '//div[contains(concat(" ", @class, " "), " list ")]//li'
CALL = "/jxdt/tzgg/202503/t20250320_4061234.html"  # GBK, declared gb2312
PUBLICITY = "/jxdt/tzgg/202504/t20250428_4078812.html"  # GBK, no declaration anywhere
RULES = "/jxdt/tzgg/202211/t20221125_2866123.html"


def raw(path: str) -> bytes:
    return (SITE / path.lstrip("/")).read_bytes()


def parse(path: str, charset: str | None = None):
    return parse_trs_page(raw(path), ORIGIN + path, charset)


def test_parsers_beijing_replay_files_really_are_gbk():
    assert b"charset=gb2312" in raw(CALL)
    assert b"charset=" not in raw(PUBLICITY).lower()
    sidecar = json.loads((SITE / PUBLICITY.lstrip("/")).with_name(
        "t20250428_4078812.html.headers.json").read_text())
    assert sidecar == {"Content-Type": "text/html"}
    with pytest.raises(UnicodeDecodeError):
        raw(PUBLICITY).decode("utf-8")


# fmt: off
FIELDS = [
    (CALL, "title", "北京市经济和信息化局关于开展2025年第一批专精特新中小企业资质申报工作的通知"),
    (CALL, "issuer", "北京市经济和信息化局"),
    (CALL, "published_date", "2025-03-20"),
    (CALL, "written_date", "2025-03-18"),
    (CALL, "encoding", "gb18030"),
    (PUBLICITY, "title", "关于北京市2025年第一批专精特新中小企业名单的公示"),
    (PUBLICITY, "published_date", "2025-04-28"),
    (PUBLICITY, "encoding", "gb18030"),
    (RULES, "doc_number", "京经信发〔2022〕108号"),
    (RULES, "written_date", "2022-11-23"),
]
# fmt: on


@pytest.mark.parametrize(("path", "field", "expected"), FIELDS)
def test_parsers_beijing_field(path, field, expected):
    assert getattr(parse(path), field) == expected


@pytest.mark.parametrize("path", [CALL, PUBLICITY])
def test_parsers_beijing_gbk_only_characters_decoded(path):
    # 镕 is in GBK but not in GB2312: a strict GB2312 decoder would fail on it.
    assert "北京镕智精密仪器有限公司" in parse(path).body_text


def test_parsers_beijing_undeclared_gbk_even_when_header_claims_utf8():
    page = parse(PUBLICITY, charset="utf-8")
    assert "北京喆宇医疗器械有限公司" in page.body_text and "\ufffd" not in page.body_text


def test_parsers_beijing_trs_attachments_relative_p0_names():
    assert [(a["name"], a["url"]) for a in parse(CALL).attachments] == [
        ("1.2025年第一批专精特新中小企业申报指南.pdf",
         ORIGIN + "/jxdt/tzgg/202503/P020250320512345678901.pdf"),
        ("2.企业申报承诺书.docx", ORIGIN + "/jxdt/tzgg/202503/P020250320512345678902.docx")]


def test_parsers_beijing_registered_for_source():
    assert PARSERS["beijing"] is parse_trs_page


def test_parsers_beijing_wrong_layout_raises():
    with pytest.raises(LayoutMismatch):
        parse_trs_page("<html><body><div class='list'><ul><li>列表</li></ul></div></body></html>"
                       .encode("gbk"))


def test_parsers_beijing_list_page_rows_in_gbk():
    rows = trs_list(raw(COLUMN + "index.html"), ORIGIN + COLUMN, ITEMS)
    assert [(r.title, r.published_date) for r in rows][0] == (
        "关于北京市2025年第一批专精特新中小企业名单的公示", "2025-04-28")
    assert rows[0].url == ORIGIN + PUBLICITY


def test_parsers_beijing_undeclared_list_page_rows():
    rows = trs_list(raw(COLUMN + "index_1.html"), ORIGIN + COLUMN + "index_1.html", ITEMS)
    assert [r.title for r in rows] == [
        "《北京市优质中小企业梯度培育管理实施细则》政策解读",
        "北京市经济和信息化局关于印发《北京市优质中小企业梯度培育管理实施细则》的通知"]


def test_parsers_beijing_create_page_html_pagination():
    first, second = raw(COLUMN + "index.html"), raw(COLUMN + "index_1.html")
    assert trs_page_count(first) == 2
    assert trs_next_page(first, ORIGIN + COLUMN) == ORIGIN + COLUMN + "index_1.html"
    assert trs_next_page(second, ORIGIN + COLUMN + "index_1.html") is None


def test_parsers_beijing_list_row_without_date_takes_it_from_the_url():
    html = ('<div class="list"><ul><li><a href="./202503/t20250320_4061234.html">通知</a>'
            "</li></ul></div>")
    (row,) = trs_list(html, ORIGIN + COLUMN, ITEMS)
    assert (row.url, row.published_date) == (ORIGIN + CALL, "2025-03-20")
