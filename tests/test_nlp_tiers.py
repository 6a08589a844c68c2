"""Tiers: canonical ids from Chinese and English wording, quotes and all."""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import pytest

from policywatch.nlp.extract.notice import extract_notice

# fmt: off
MENTIONS = [
    ('专精特新"小巨人"企业',           ["little_giant"]),
    ("专精特新“小巨人”企业",           ["little_giant"]),
    ("专精特新「小巨人」企业",         ["little_giant"]),
    ("专精特新”小巨人”企业",           ["little_giant"]),
    ("专精特新小巨人企业",             ["little_giant"]),
    ("“小巨人”企业",                   ["little_giant"]),
    ("专精特新中小企业",               ["srdi_sme"]),
    ("“专精特新”中小企业",             ["srdi_sme"]),
    ("创新型中小企业",                 ["innovative_sme"]),
    ("科技和创新型中小企业",           ["innovative_sme"]),
    ("科技型中小企业",                 []),
    ("高新技术企业",                   []),
    ("SRDI SMEs",                      ["srdi_sme"]),
    ("SRDI “Little Giant” enterprises", ["little_giant"]),
    ('specialized and new "little giant" enterprises', ["little_giant"]),
    ("Technology and Innovation-Oriented SMEs", ["innovative_sme"]),
    ("innovative smes",                ["innovative_sme"]),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), MENTIONS)
def test_nlp_tiers_mentions_with_quote_variants(text, expected):
    assert extract_notice(text)["tiers"] == expected


def test_nlp_tiers_little_giant_span_is_not_also_srdi():
    assert extract_notice("开展专精特新“小巨人”企业培育工作")["tiers"] == ["little_giant"]


def test_nlp_tiers_in_order_of_first_mention():
    text = "优质中小企业由创新型中小企业、专精特新中小企业和专精特新“小巨人”企业三个层次组成。"
    assert extract_notice(text)["tiers"] == ["innovative_sme", "srdi_sme", "little_giant"]


def test_nlp_tiers_criteria_follow_their_heading():
    text = ("第二章 创新型中小企业评价\n第五条 评价得分达到60分以上。\n"
            "第三章 专精特新中小企业认定\n第八条 从事特定细分市场时间达到2年以上。")
    found = extract_notice(text)["criteria"]
    assert [(c["tier"], c["metric"]) for c in found] == [
        ("innovative_sme", "evaluation_score"), ("srdi_sme", "years_in_niche")]


def test_nlp_tiers_prerequisite_tier_does_not_take_over():
    text = ("专精特新中小企业认定标准\n第二条 申请认定的企业应当已被评价为创新型中小企业。\n"
            "第三条 申请认定的企业应当同时满足以下条件：\n（一）从事特定细分市场时间达到二年以上；\n"
            "（二）已获得科技和创新型中小企业称号。")
    (criterion,) = extract_notice(text)["criteria"]
    assert criterion["tier"] == "srdi_sme"


def test_nlp_tiers_sentence_subject_wins():
    text = "《办法》分别制定了评价和认定标准。其中，专精特新中小企业需同时满足从事特定细分市场时间达到2年以上等条件。"
    (criterion,) = extract_notice(text)["criteria"]
    assert criterion["tier"] == "srdi_sme"


def test_nlp_tiers_title_sets_the_default():
    found = extract_notice("（一）从事特定细分市场时间达到3年以上；", title="专精特新中小企业认定标准")
    assert found["tiers"] == ["srdi_sme"]
    assert found["criteria"][0]["tier"] == "srdi_sme"


# -- issue 11: the tier comes from the document's subject, a prerequisite tier is a condition
SUBJECT_CASES = [
    # a Little Giant standard whose first rule names the SRDI tier as a prerequisite
    ("专精特新“小巨人”企业认定标准\n一、申请企业应当为已认定的专精特新中小企业，并同时满足以下条件：\n"
     "（一）从事特定细分市场时间达到3年以上；\n（二）上年度营业收入总额在1亿元以上。", "little_giant"),
    ("专精特新“小巨人”企业认定标准\n申请企业应当为已认定的专精特新中小企业，且上年度营业收入总额在1亿元以上。",
     "little_giant"),
    # a provincial SRDI list named as the prerequisite in an application for Little Giants
    ("关于组织推荐第七批专精特新“小巨人”企业的通知\n一、推荐条件\n申报企业应为有效期内的省级“专精特新”中小企业，"
     "上年度营业收入总额在1亿元以上。", "little_giant"),
    # no title: the subject is the 认定标准 a line names
    ("各市工信局：\n现将专精特新“小巨人”企业认定条件通知如下：\n（一）从事特定细分市场时间达到3年以上；", "little_giant"),
    # English
    ('Certification Standards for "Little Giant" Enterprises\nThe applicant shall have been recognized as a '
     "provincial SRDI SME, and its operating revenue in the previous year shall be no less than RMB 100 million.",
     "little_giant"),
]


@pytest.mark.parametrize(("text", "tier"), SUBJECT_CASES)
def test_nlp_tiers_come_from_the_subject_not_a_prerequisite(text, tier):
    criteria = extract_notice(text)["criteria"]
    assert criteria and {c["tier"] for c in criteria} == {tier}


def test_nlp_tiers_english_specialized_and_innovative_smes_are_srdi():
    text = ('(1) Provincial-level specialized and innovative small and medium-sized enterprises may apply '
            'for the seventh batch of specialized and innovative "Little Giant" enterprises.')
    assert extract_notice(text, language="en")["tiers"] == ["srdi_sme", "little_giant"]


def test_nlp_tiers_a_provincial_demonstration_list_is_srdi():
    # A local tier is filed under the nearest canonical one (the real-text labels' convention).
    text = "关于开展2022年河北省专精特新示范企业申报工作的通知\n申报企业上年度营业收入在2000万元以上。"
    found = extract_notice(text)
    assert found["tiers"] == ["srdi_sme"]
    assert found["criteria"][0]["tier"] == "srdi_sme"
