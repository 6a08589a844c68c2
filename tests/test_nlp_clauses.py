"""The clause tree: ids derived from numbering, stable when the wording changes."""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import pytest

from policywatch.nlp.extract.clauses import parse_clauses


def ids(text: str, language: str = "zh") -> list[str]:
    return [clause["id"] for clause in parse_clauses(text, language)]


# fmt: off
TREES = [
    ("第一章 总则\n第一条 目的。\n第二条 定义。\n第二章 认定\n第三条 条件：\n（一）甲；\n（二）乙。",
     ["ch1", "art1", "art2", "ch2", "art3", "art3.i1", "art3.i2"]),
    ("一、认定条件\n(一)从事特定细分市场时间达到2年以上。\n(四)评价得分达到60分以上或满足下列条件之一:\n"
     "1近三年获得过省级科技奖励。\n2近两年研发费用总额均值在1000万元以上。",
     ["s1", "s1.i1", "s1.i4", "s1.i4.p1", "s1.i4.p2"]),
    ("二、评价指标\n(一)创新能力指标(满分40分)\n1.知识产权数量(满分20分)\nA. 1项以上(20分)\nB. 无(0分)\n"
     "2.研发费用比重(满分20分)\nA. 5%以上(20分)",
     ["s2", "s2.i1", "s2.i1.p1", "s2.i1.p1.oA", "s2.i1.p1.oB", "s2.i1.p2", "s2.i1.p2.oA"]),
    ("附件3\n专精特新“小巨人”企业认定标准\n（一）专业化指标：……\n（二）精细化指标：……",
     ["annex3", "annex3.i1", "annex3.i2"]),
    ("第五条 标准如下：\n（一）甲\n1.子项\n（1）细目\n（2）细目",
     ["art5", "art5.i1", "art5.i1.p1", "art5.i1.p1.sub1", "art5.i1.p1.sub2"]),
    ("1　总则\n1.1　编制目的\n1.2　等级划分\n2　组织机构",
     ["p1", "p1.d1-1", "p1.d1-2", "p2"]),
]
ENGLISH = [
    ("Chapter I General provisions\nArticle 1 In order to ...\nArticle 2 High-quality SMEs ...",
     ["ch1", "art1", "art2"]),
    ("I. Certification conditions\n(1) It has been engaged ...\n(4) Its evaluation score ...\n"
     "1. It has won ...\n2. Its average R&D ...",
     ["s1", "s1.sub1", "s1.sub4", "s1.sub4.p1", "s1.sub4.p2"]),
    ("Annex 2 Certification Standards\nArticle 10 An SRDI SME shall meet:\n(1) it has ...",
     ["annex2", "annex2.art10", "annex2.art10.sub1"]),
]
# Edits that must not change any id: wording, width of digits and brackets, numerals,
# spacing, paragraphs inserted without numbering.
SAME_IDS = [
    ("第三条 条件：\n（一）营业收入1000万元以上；\n（二）研发费用100万元以上。",
     "第三条 认定条件如下：\n（一）上年度营业收入总额在1500万元以上；\n（二）研发费用总额不低于100万元。"),
    ("第三条 条件：\n（一）甲；\n（二）乙。",
     "第3条 条件：\n(一)甲；\n(二)乙。"),
    ("第三条 条件：\n（一）甲；\n（二）乙。",
     "第三条　条件：\n\n（一）　甲；\n新增的说明段落。\n（二）乙。"),
    ("一、总体要求\n（一）指导思想。\n（二）基本原则。",
     "一、总体要求\n这是一段新加的导语。\n（一）指导思想（修订）。\n（二）基本原则。"),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), TREES)
def test_nlp_clauses_ids_from_numbering(text, expected):
    assert ids(text) == expected


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_nlp_clauses_english_ids(text, expected):
    assert ids(text, "en") == expected


@pytest.mark.parametrize(("before", "after"), SAME_IDS)
def test_nlp_clauses_ids_stable_when_text_changes(before, after):
    assert ids(before) == ids(after)


def test_nlp_clauses_renumbering_moves_only_the_renumbered():
    before = ids("第一条 甲。\n第二条 乙。\n第三条 丙。")
    after = ids("第一条 甲。\n第二条 新增。\n第三条 乙。\n第四条 丙。")
    assert before == ["art1", "art2", "art3"]
    assert after == ["art1", "art2", "art3", "art4"]


def test_nlp_clauses_fields():
    clauses = parse_clauses("第一章 总则\n第三条 为规范管理，制定本办法。\n续段。\n（一）专业化指标：坚持专业化。")
    assert clauses[0] == {"id": "ch1", "label": "第一章", "number": 1, "level": 1,
                          "heading": "总则", "text": "总则", "parent": None}
    article = clauses[1]
    assert (article["label"], article["number"], article["level"], article["parent"]) == (
        "第三条", 3, 2, "ch1")
    assert article["text"] == "为规范管理，制定本办法。\n续段。"
    item = clauses[2]
    assert (item["id"], item["heading"], item["parent"], item["level"]) == (
        "art3.i1", "专业化指标", "art3", 3)


def test_nlp_clauses_repeated_lists_stay_unique():
    assert ids("1　总则\n2　附则\n1　总则\n2　附则") == ["p1", "p2", "p1~2", "p2~2"]


@pytest.mark.parametrize("line", ["2022年6月1日印发。", "1亿元以上的企业。", "3年以上。", "1.76万家企业。"])
def test_nlp_clauses_numbers_in_prose_are_not_labels(line):
    assert ids(line) == []
