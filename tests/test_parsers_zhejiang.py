"""Zhejiang (Hanweb jcms column page) pages from the replay parse correctly."""

from __future__ import annotations

import pytest

from policywatch.crawler.parsers import PARSERS, LayoutMismatch
from policywatch.crawler.parsers.trs import hanweb_datastore, parse_trs_page
from policywatch.crawler.replay.endpoints import hanweb_column
from policywatch.crawler.replay.server import REPLAY_ROOT, ReplaySite

SITE = REPLAY_ROOT / "site" / "jxt.zj.gov.cn"
ORIGIN = "https://jxt.zj.gov.cn"
COLUMN = "/col/col1659217/index.html"
RULES = "/art/2023/9/12/art_1659217_58931087.html"
PUBLICITY = "/art/2025/6/20/art_1659217_58932740.html"


def parse(path: str):
    return parse_trs_page((SITE / path.lstrip("/")).read_bytes(), ORIGIN + path)


# fmt: off
FIELDS = [
    (RULES, "title", "浙江省经济和信息化厅关于印发《浙江省优质中小企业梯度培育管理实施细则》的通知"),  # noqa: E501
    (RULES, "doc_number", "浙经信企业〔2023〕136号"),
    (RULES, "issuer", "浙江省经济和信息化厅"),
    (RULES, "written_date", "2023-09-11"),
    (RULES, "published_date", "2023-09-12"),
    (PUBLICITY, "title", "2025年度浙江省专精特新中小企业拟认定名单公示"),
    (PUBLICITY, "doc_number", None),
    (PUBLICITY, "published_date", "2025-06-20"),
]
# fmt: on


@pytest.mark.parametrize(("path", "field", "expected"), FIELDS)
def test_parsers_zhejiang_field(path, field, expected):
    assert getattr(parse(path), field) == expected


def test_parsers_zhejiang_body_is_detail_text_only():
    page = parse(RULES)
    assert page.body_text.startswith("浙江省经济和信息化厅关于印发")
    assert "主办单位" not in page.body_text


def test_parsers_zhejiang_registered_for_source():
    assert PARSERS["zhejiang"] is parse_trs_page


def test_parsers_zhejiang_wrong_layout_raises():
    with pytest.raises(LayoutMismatch):
        parse_trs_page(b"<html><head><title>x</title></head><body><p>x</p></body></html>")


def test_parsers_zhejiang_column_page_datastore_of_the_list_unit():
    rows, records, pages = hanweb_datastore((SITE / COLUMN.lstrip("/")).read_bytes(),
                                            ORIGIN + "/", "5031616")
    assert (len(rows), records, pages) == (5, 6, 2)
    assert (rows[0].url, rows[0].published_date) == (ORIGIN + PUBLICITY, "2025-06-20")


def test_parsers_zhejiang_second_page_rendered_by_replay():
    answer = hanweb_column(COLUMN)(ReplaySite(), {"uid": ["5031616"], "pageNum": ["2"]})
    rows, records, pages = hanweb_datastore(answer.body, ORIGIN + "/", "5031616")
    assert [r.url for r in rows] == [ORIGIN + RULES]
    assert (records, pages) == (6, 2)
