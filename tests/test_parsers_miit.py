"""MIIT (jpaas) pages from the replay parse to the fields their own markup states."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.crawler.parsers import PARSERS, LayoutMismatch
from policywatch.crawler.parsers.jpaas import UNIT_API, parse_jpaas_page, unit_list, unit_query
from policywatch.crawler.replay.endpoints import miit_unit
from policywatch.crawler.replay.server import REPLAY_ROOT, ReplaySite

SITE = REPLAY_ROOT / "site" / "www.miit.gov.cn"
UPDATE = REPLAY_ROOT / "update-2026" / "www.miit.gov.cn"
ORIGIN = "https://www.miit.gov.cn"
LITTLE_GIANTS_2025 = "/jgsj/qyj/wjfb/art/2025/art_8a8bb7cd343aa2ad99b7d762030857a2.html"
PUBLICITY_2025 = "/jgsj/qyj/wjfb/art/2025/art_693a9fdd4c2fd0700968fba0d07ff3c0.html"
INTERIM_MEASURES = "/zwgk/zcwj/wjfb/tz/art/2022/art_edbab45572c72a5d9440b40bcc0500c0.html"
INTERPRETATION = "/jgsj/qyj/gzdt/art/2022/art_a9f7e97965d6cf799a529102a973b8b9.html"
MEASURES_2026 = "/zwgk/zcwj/wjfb/tz/art/2026/art_fbfba2e45c2045dc5cab22a5afe83d9d.html"


def parse(path: str, root: Path = SITE):
    return parse_jpaas_page((root / path.lstrip("/")).read_bytes(), ORIGIN + path)


# fmt: off
FIELDS = [
    (LITTLE_GIANTS_2025, "title", "工业和信息化部办公厅关于组织开展第七批专精特新“小巨人”企业培育工作的通知"),  # noqa: E501
    (LITTLE_GIANTS_2025, "doc_number", "工信厅企业函〔2025〕96号"),
    (LITTLE_GIANTS_2025, "issuer", "中小企业局"),
    (LITTLE_GIANTS_2025, "published_date", "2025-05-08"),
    (LITTLE_GIANTS_2025, "written_date", "2025-05-06"),
    (PUBLICITY_2025, "title", "关于第七批专精特新“小巨人”企业和第四批专精特新“小巨人”复核通过企业名单的公示"),  # noqa: E501
    (PUBLICITY_2025, "doc_number", None),  # the cited 工信部企业〔2022〕63号 is not its own
    (PUBLICITY_2025, "written_date", "2025-07-21"),
    (INTERIM_MEASURES, "doc_number", "工信部企业〔2022〕63号"),
    (INTERIM_MEASURES, "written_date", "2022-06-01"),
    (INTERIM_MEASURES, "published_date", "2022-06-09"),
    (INTERPRETATION, "title", "《优质中小企业梯度培育管理暂行办法》解读"),
    (INTERPRETATION, "doc_number", None),
    (INTERPRETATION, "language", "zh"),
]
# fmt: on


@pytest.mark.parametrize(("path", "field", "expected"), FIELDS)
def test_parsers_miit_field(path, field, expected):
    assert getattr(parse(path), field) == expected


def test_parsers_miit_2026_measures_in_update_layer():
    page = parse(MEASURES_2026, UPDATE)
    assert (page.doc_number, page.written_date) == ("工信部企业〔2026〕2号", "2026-01-17")


def test_parsers_miit_body_is_con_con_only():
    page = parse(LITTLE_GIANTS_2025)
    assert page.body_text.startswith("工业和信息化部办公厅关于组织开展第七批")
    assert "主办单位" not in page.body_text and "发布时间" not in page.body_text


def test_parsers_miit_attachments_links_and_iframe_fileurl_once_each():
    attachments = parse(LITTLE_GIANTS_2025).attachments
    names = [(a["name"], a["url"].rsplit(".", 1)[-1]) for a in attachments]
    assert names == [("1.第七批专精特新“小巨人”企业申请书.docx", "docx"),
                     ("2.专精特新“小巨人”企业认定标准.pdf", "pdf"),
                     ("3.申报材料模板.rar", "rar")]


def test_parsers_miit_iframe_only_attachment_is_found():
    (attachment,) = parse(PUBLICITY_2025).attachments
    assert attachment["url"].startswith(ORIGIN + "/cms_files/filemanager/")
    assert attachment["url"].endswith(".pdf")


def test_parsers_miit_registered_for_source():
    assert PARSERS["miit"] is parse_jpaas_page


@pytest.mark.parametrize("page", [
    b"<html><body><div class='content_article' id='zoomcon'><p>x</p></div></body></html>",
    "<html><head><title>安全验证</title></head><body>请输入验证码</body></html>".encode(),
    b"",
])
def test_parsers_miit_wrong_layout_raises(page):
    with pytest.raises(LayoutMismatch):
        parse_jpaas_page(page, ORIGIN + "/x.html")


def test_parsers_miit_unit_query_reads_single_quoted_querydata():
    query = unit_query((SITE / "jgsj/qyj/wjfb/index.html").read_bytes())
    assert query.api_path == UNIT_API
    assert query.params["webId"] == "8d828e408d90447786ddbe128d495e9e"
    assert len(query.params["pageId"]) == 32
    assert query.page_params(2, 24)["paramJson"] == '{"pageNo": 2, "pageSize": 24}'
    assert query.page_params(1, 24)["tagId"] == "当前栏目_list"


def test_parsers_miit_column_without_script_tag_raises():
    with pytest.raises(LayoutMismatch):
        unit_query("<html><body><div class='clist_con'></div></body></html>")


def test_parsers_miit_unit_list_reads_rows_of_replay_answer():
    query = unit_query((SITE / "jgsj/qyj/gzdt/index.html").read_bytes())
    answer = miit_unit(ReplaySite(), {k: [v] for k, v in query.page_params(1, 24).items()})
    rows = unit_list(json.loads(answer.body)["data"]["html"], ORIGIN + "/jgsj/qyj/gzdt/index.html")
    assert [(r.url, r.title, r.published_date) for r in rows] == [
        (ORIGIN + INTERPRETATION, "《优质中小企业梯度培育管理暂行办法》解读", "2022-06-09")]


def test_parsers_miit_unit_list_skips_items_without_link():
    fragment = ('<div id="当前栏目_list"><div><ul><li><span>2026-01-01</span></li>'
                '<li><a href="art/2026/art_1.html" title="通知">通知</a><span class="fr">'
                '2026-01-17</span></li></ul></div></div>')
    (row,) = unit_list(fragment, ORIGIN + "/jgsj/qyj/wjfb/index.html")
    assert row.url == ORIGIN + "/jgsj/qyj/wjfb/art/2026/art_1.html"
