"""Document numbers: one grammar, one spelling, one key, wherever a number is read.

The crawler's parsers, extraction (mentions and metadata) and lineage once had a pattern
each and disagreed (lineage kept ``国办发〔2019〕第6号`` apart from ``国办发〔2019〕6号``);
these cases hold them to :mod:`policywatch.store.doc_numbers`.
"""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import pytest

from policywatch.crawler.parsers.notice_fields import doc_number_in_text
from policywatch.nlp.extract.mentions import DOCNO, mention_scanner
from policywatch.nlp.extract.notice import extract_notice
from policywatch.nlp.link.lineage import references
from policywatch.store.doc_numbers import (
    find_doc_numbers,
    is_doc_number,
    normalize_doc_number,
    number_key,
)

# fmt: off
SPELLINGS = [
    ("工信部企业〔2022〕63号",   "工信部企业〔2022〕63号"),
    ("工信部企业[2022]63号",     "工信部企业〔2022〕63号"),
    ("工信部企业［2022］63号",   "工信部企业〔2022〕63号"),
    ("工信部企业(2022)63号",     "工信部企业〔2022〕63号"),
    ("工信部企业（2022）63号",   "工信部企业〔2022〕63号"),
    ("工信部企业【2022】63号",   "工信部企业〔2022〕63号"),
    ("工信部企业 〔2022〕 63 号", "工信部企业〔2022〕63号"),
    ("工信部企业〔２０２２〕６３号", "工信部企业〔2022〕63号"),
    ("工信部企业〔2022〕063号",  "工信部企业〔2022〕63号"),
    ("国办发〔2019〕第6号",      "国办发〔2019〕6号"),
    ("国办发〔2019〕 第 6 号",   "国办发〔2019〕6号"),
]
# fmt: on


@pytest.mark.parametrize(("written", "canonical"), SPELLINGS)
def test_every_spelling_has_one_canonical_form(written, canonical):
    assert normalize_doc_number(written) == canonical
    assert is_doc_number(written)
    assert [number for _, _, number in find_doc_numbers(written)] == [canonical]


@pytest.mark.parametrize(("written", "canonical"), SPELLINGS)
def test_extraction_crawler_and_lineage_agree(written, canonical):
    """The crawler keeps the page's own spelling; extraction and lineage write it one way."""
    text = f"关于印发办法的通知\n{written}\n各省、自治区、直辖市工业和信息化主管部门："
    assert doc_number_in_text(text) is not None
    assert extract_notice(text, language="zh")["doc_number"] == canonical
    mentions = [m.value for m in mention_scanner("zh").scan(text) if m.kind == DOCNO]
    assert mentions == [canonical]
    cited = references(f"《优质中小企业梯度培育管理暂行办法》（{written}）同时废止。")
    assert [r.doc_number for r in cited if r.doc_number] == [canonical]


def test_serial_with_and_without_di_is_one_document():
    """第6号 and 6号 are one number: spelling, key and lineage references all agree."""
    assert normalize_doc_number("国办发〔2019〕第6号") == normalize_doc_number("国办发〔2019〕6号")
    assert number_key("国办发〔2019〕第6号") == number_key("国办发〔2019〕6号") == "2019-6"
    assert [r.doc_number for r in references("根据国办发〔2019〕第6号文件")] == ["根据国办发〔2019〕6号"]


def test_english_renderings_share_the_key_of_the_chinese_number():
    assert number_key("MIIT Qiye [2022] No. 63") == number_key("工信部企业〔2022〕63号") == "2022-63"
    assert normalize_doc_number("MIIT  Qiye [2022] No.063") == "MIIT Qiye [2022] No. 63"
    cited = references("Enterprises\n\nHua Fu Ban Gui [2022] No. 2")
    assert [r.doc_number for r in cited] == ["Hua Fu Ban Gui [2022] No. 2"]


@pytest.mark.parametrize("value", [
    "006939/2024-00177",             # an index code (索引号)
    "根据工信部企业〔2022〕63号文件",  # a sentence that cites a number
    "〔2022〕63号",                  # no issuer code
    "工信部企业〔2022〕号",           # no serial
    "工信部企业〔1875〕63号",         # not a year of these documents
    None, "",
])
def test_what_is_not_a_number(value):
    assert not is_doc_number(value)


def test_values_that_hold_no_number_keep_their_text():
    assert normalize_doc_number(" 无 ") == "无"
    assert normalize_doc_number(None) is None and normalize_doc_number("") is None
    assert number_key("无") is None
