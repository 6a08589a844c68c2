"""Jiangsu (Hanweb jcms) pages and dataproxy answers from the replay parse correctly."""

from __future__ import annotations

import pytest

from policywatch.crawler.parsers import PARSERS, LayoutMismatch
from policywatch.crawler.parsers.trs import hanweb_datastore, parse_trs_page
from policywatch.crawler.replay.endpoints import hanweb_dataproxy
from policywatch.crawler.replay.server import REPLAY_ROOT, ReplaySite

SITE = REPLAY_ROOT / "site" / "gxt.jiangsu.gov.cn"
UPDATE = REPLAY_ROOT / "update-2026" / "gxt.jiangsu.gov.cn"
ORIGIN = "https://gxt.jiangsu.gov.cn"
STANDARD = "/art/2024/4/26/art_80179_11234501.html"
STANDARD_2026 = "/art/2026/2/27/art_80179_11801234.html"
INTERPRETATION = "/art/2024/4/28/art_6278_11236012.html"
PUBLICITY = "/art/2025/7/10/art_6278_11652210.html"


def parse(path: str, root=SITE):
    return parse_trs_page((root / path.lstrip("/")).read_bytes(), ORIGIN + path)


# fmt: off
FIELDS = [
    (SITE, STANDARD, "title", "省工业和信息化厅关于印发《江苏省专精特新中小企业认定标准》的通知"),
    # the disclosure table's 发文字号 holds the index code; the number comes from the body
    (SITE, STANDARD, "doc_number", "苏工信中小〔2024〕108号"),
    (SITE, STANDARD, "index_number", "014000319/2024-00212"),
    (SITE, STANDARD, "issuer", "江苏省工业和信息化厅"),
    (SITE, STANDARD, "written_date", "2024-04-24"),
    (SITE, STANDARD, "published_date", "2024-04-26"),
    (SITE, INTERPRETATION, "title", "《江苏省专精特新中小企业认定标准》政策解读"),
    (SITE, INTERPRETATION, "doc_number", None),
    (SITE, PUBLICITY, "published_date", "2025-07-10"),
    (UPDATE, STANDARD_2026, "doc_number", "苏工信中小〔2026〕21号"),
    (UPDATE, STANDARD_2026, "written_date", "2026-02-25"),
    (UPDATE, STANDARD, "doc_number", "苏工信中小〔2024〕108号"),  # repeal note above it
]
# fmt: on


@pytest.mark.parametrize(("root", "path", "field", "expected"), FIELDS)
def test_parsers_jiangsu_field(root, path, field, expected):
    assert getattr(parse(path, root), field) == expected


def test_parsers_jiangsu_standard_keeps_chinese_numeral_amounts():
    text = parse(STANDARD).body_text
    assert "第三条 申请认定的企业应当同时满足以下条件：" in text
    assert "上年度营业收入总额在一千万元以上" in text


def test_parsers_jiangsu_revised_standard_renumbers_and_raises_threshold():
    text = parse(STANDARD_2026, UPDATE).body_text
    assert "第四条 申请认定的企业应当同时满足以下条件：" in text
    assert "上年度营业收入总额在一千五百万元以上" in text
    assert "一千万元" not in text


def test_parsers_jiangsu_download_script_attachment_found():
    (attachment,) = parse(STANDARD).attachments
    assert attachment["url"] == (ORIGIN + "/module/download/downfile.jsp?classid=0&filename="
                                 "2404261530123.docx")
    assert attachment["name"] == "江苏省专精特新中小企业申请书（模板）.docx"


def test_parsers_jiangsu_registered_for_source():
    assert PARSERS["jiangsu"] is parse_trs_page


@pytest.mark.parametrize("page", [
    b"<html><body><div class='content_article' id='zoomcon_x'>x</div></body></html>",
    b"\x00\x9f<<<>>\xff\xfe</div>",
])
def test_parsers_jiangsu_wrong_layout_raises(page):
    with pytest.raises(LayoutMismatch):
        parse_trs_page(page, ORIGIN + STANDARD)


def test_parsers_jiangsu_dataproxy_answer_rows_and_totals():
    answer = hanweb_dataproxy(ReplaySite(), {"columnid": ["6278"], "startrecord": ["1"],
                                             "endrecord": ["15"], "perpage": ["15"]})
    rows, records, pages = hanweb_datastore(answer.body, ORIGIN + "/")
    assert (records, pages) == (2, 1)
    assert [(r.url, r.published_date) for r in rows] == [
        (ORIGIN + PUBLICITY, "2025-07-10"), (ORIGIN + INTERPRETATION, "2024-04-28")]


def test_parsers_jiangsu_datastore_without_link_or_date_span():
    xml = ("<datastore><totalrecord>2</totalrecord><recordset>"
           "<record><![CDATA[<li><span>无链接</span></li>]]></record>"
           "<record><![CDATA[<li><a href='/art/2026/4/17/art_80179_9.html'>通知</a>"
           "<b readlabel='2026-04-17'>2026-04-17</b></li>]]></record></recordset></datastore>")
    rows, records, pages = hanweb_datastore(xml, ORIGIN + "/")
    assert [(r.title, r.published_date) for r in rows] == [("通知", "2026-04-17")]
    assert (records, pages) == (2, None)


def test_parsers_jiangsu_no_datastore_is_none():
    assert hanweb_datastore("<html><body>维护中</body></html>", ORIGIN + "/") is None
