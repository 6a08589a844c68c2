"""Criteria: comparators and their legal boundaries, ranges, routes, bands, scoring."""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import pytest

from policywatch.nlp.extract.notice import extract_notice


def triples(text: str, language: str | None = None) -> list[tuple[str, str, float]]:
    """(metric, op, value) of every criterion found in ``text``."""
    return [(c["metric"], c["op"], c["value"])
            for c in extract_notice(text, language=language)["criteria"]]


# fmt: off
# Civil Code art. 1259: 以上/以下/以内 include the number, 超过/不满 do not.
COMPARATORS = [
    ("上年度营业收入总额在1000万元以上。",          ("revenue", ">=", 10_000_000)),
    ("上年度营业收入总额1000万元及以上。",          ("revenue", ">=", 10_000_000)),
    ("上年度营业收入总额1000万元（含）以上。",      ("revenue", ">=", 10_000_000)),
    ("上年度营业收入总额不低于1000万元。",          ("revenue", ">=", 10_000_000)),
    ("上年度营业收入总额达到1000万元。",            ("revenue", ">=", 10_000_000)),
    ("上年度营业收入总额超过1000万元。",            ("revenue", ">", 10_000_000)),
    ("上年度营业收入总额高于1000万元。",            ("revenue", ">", 10_000_000)),
    ("上年度营业收入总额在4亿元以下。",             ("revenue", "<=", 400_000_000)),
    ("上年度营业收入总额不超过4亿元。",             ("revenue", "<=", 400_000_000)),
    ("上年度营业收入总额不高于4亿元。",             ("revenue", "<=", 400_000_000)),
    ("上年度营业收入总额低于4亿元。",               ("revenue", "<", 400_000_000)),
    ("上年度营业收入总额不满4亿元。",               ("revenue", "<", 400_000_000)),
    ("上年度从业人员不满1000人。",                  ("employees", "<", 1000)),
    ("资产负债率不高于70%。",                       ("debt_ratio", "<=", 70)),
    ("资产负债率在70%以内。",                       ("debt_ratio", "<=", 70)),
    ("从事特定细分市场时间达到2年以上。",           ("years_in_niche", ">=", 2)),
    ("主导产品在全国细分市场占有率达到10%以上。",   ("market_share", ">=", 10)),
    ("主导产品细分市场占有率超过１５％。",          ("market_share", ">", 15)),
]
NUMERALS = [
    ("上年度研发费用总额不低于一百万元。",          ("rd_expense", ">=", 1_000_000)),
    ("上年度营业收入总额一千万元以上。",            ("revenue", ">=", 10_000_000)),
    ("上年度营业收入总额在一千五百万元以上。",      ("revenue", ">=", 15_000_000)),
    ("上年度研发费用总额不低于１５０万元。",        ("rd_expense", ">=", 1_500_000)),
    ("拥有Ⅰ类知识产权两项以上。",                   ("class1_ip_count", ">=", 2)),
    ("评价得分达到六十分以上。",                    ("evaluation_score", ">=", 60)),
    ("从事特定细分市场时间两年以上。",              ("years_in_niche", ">=", 2)),
    ("研发费用总额占营业收入总额比重不低于百分之三。", ("rd_ratio", ">=", 3)),
]
ENGLISH = [
    ("It has revenue of at least 15 million yuan in the previous year.",
     [("revenue", ">=", 15_000_000)]),
    ("Its operating revenue of at least RMB 15 million in the previous year.",
     [("revenue", ">=", 15_000_000)]),
    ("R&D expenses of no less than 3% of revenue.",
     [("rd_ratio", ">=", 3)]),
    ("Its R&D expenses were no less than 1 million yuan, accounting for no less than 3% of its "
     "operating revenue.",
     [("rd_expense", ">=", 1_000_000), ("rd_ratio", ">=", 3)]),
    ("It has been engaged in a specific market segment for 3 years or more.",
     [("years_in_niche", ">=", 3)]),
    ("Its debt-to-asset ratio is no higher than 80%.",
     [("debt_ratio", "<=", 80)]),
    ("It owns at least 2 valid invention patents.",
     [("invention_patent_count", ">=", 2)]),
    ("Its development evaluation score is 50 points or more.",
     [("evaluation_score", ">=", 50)]),
    ("Its operating revenue in the previous year was more than 10 million yuan.",
     [("revenue", ">", 10_000_000)]),
    ("Its operating revenue in the previous year was below 10 million yuan.",
     [("revenue", "<", 10_000_000)]),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), COMPARATORS)
def test_nlp_criteria_comparators_keep_their_legal_boundaries(text, expected):
    assert triples(text) == [expected]


@pytest.mark.parametrize(("text", "expected"), NUMERALS)
def test_nlp_criteria_chinese_numerals_and_full_width_digits(text, expected):
    assert triples(text) == [expected]


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_nlp_criteria_english_wording(text, expected):
    assert triples(text, "en") == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("上年度营业收入总额在5000万元至4亿元之间。",
     [("revenue", ">=", 50_000_000), ("revenue", "<=", 400_000_000)]),
    ("上年度营业收入总额在5000万元—1亿元。",
     [("revenue", ">=", 50_000_000), ("revenue", "<=", 100_000_000)]),
    ("Operating revenue between 50 million and 100 million yuan in the previous year.",
     [("revenue", ">=", 50_000_000), ("revenue", "<=", 100_000_000)]),
])
def test_nlp_criteria_ranges_give_two_bounds(text, expected):
    assert triples(text) == expected


def test_nlp_criteria_ratio_wording_turns_the_numerator_into_a_ratio():
    found = extract_notice("上年度研发费用总额不低于100万元，且占营业收入总额比重不低于3%")
    assert [(c["metric"], c["value"], c["period"]) for c in found["criteria"]] == [
        ("rd_expense", 1_000_000, "last_year"), ("rd_ratio", 3, "last_year")]


@pytest.mark.parametrize(("text", "period"), [
    ("上年度营业收入总额在1000万元以上。", "last_year"),
    ("截至上年末，资产负债率不高于70%。", "as_of_last_year_end"),
    ("近2年新增股权融资总额达到2000万元以上。", "last_2_years"),
    ("近两年研发费用总额均不低于100万元。", "each_of_last_2_years"),
    ("近两年研发费用总额均值在1000万元以上。", "last_2_years"),
    ("近三年新增股权融资总额500万元以上。", "last_3_years"),
    ("R&D expenses of no less than 1 million yuan in each of the last two years.",
     "each_of_last_2_years"),
    ("Operating revenue of at least 15 million yuan in the previous year.", "last_year"),
    # a period written with its year: the end of the year before the text's
    ("截至2019年底，拥有有效发明专利2项以上。", "as_of_last_year_end"),
    ("近两个年度营业收入平均增长率不低于10%。", "last_2_years"),
])
def test_nlp_criteria_periods(text, period):
    (criterion,) = extract_notice(text)["criteria"]
    assert criterion["period"] == period


def test_nlp_criteria_or_route_with_explicit_condition():
    text = ("上年度营业收入总额在1000万元以上，或上年度营业收入总额在1000万元以下，"
            "但近2年新增股权融资总额（合格机构投资者的实缴额）达到2000万元以上。")
    first, second = extract_notice(text)["criteria"]
    assert (first["metric"], first["op"], first["value"], first["condition"]) == (
        "revenue", ">=", 10_000_000, None)
    assert (second["metric"], second["value"]) == ("equity_financing", 20_000_000)
    assert second["condition"] == {"metric": "revenue", "op": "<=", "value": 10_000_000,
                                   "unit": "yuan", "period": "last_year"}


def test_nlp_criteria_or_route_is_alternative_to_the_main_route():
    text = "上年度营业收入总额不低于1500万元，或近2年新增股权融资总额达到2000万元以上。"
    first, second = extract_notice(text)["criteria"]
    assert first["condition"] is None
    assert second["condition"]["alternative_to"]["metric"] == "revenue"
    assert second["condition"]["alternative_to"]["value"] == 15_000_000


def test_nlp_criteria_english_or_route_continues_after_a_semicolon():
    text = ("Its operating revenue in the previous year was 10 million yuan or more; or its "
            "operating revenue in the previous year was below 10 million yuan, but its new "
            "equity financing in the last 2 years reached 20 million yuan or more.")
    found = extract_notice(text, language="en")["criteria"]
    assert [(c["metric"], c["op"], c["value"]) for c in found] == [
        ("revenue", ">=", 10_000_000), ("equity_financing", ">=", 20_000_000)]
    assert found[1]["condition"]["metric"] == "revenue"
    assert found[1]["condition"]["op"] == "<"


def test_nlp_criteria_alternatives_listed_under_a_clause():
    text = ("（四）评价得分达到60分以上或满足下列条件之一：\n"
            "1.近两年研发费用总额均值在1000万元以上。\n"
            "2.近两年新增股权融资总额6000万元以上。")
    found = extract_notice(text)["criteria"]
    assert [c["metric"] for c in found] == ["evaluation_score", "rd_expense_avg",
                                            "equity_financing"]
    assert found[0]["condition"] is None
    for criterion in found[1:]:
        assert criterion["condition"]["alternative_to"]["metric"] == "evaluation_score"


@pytest.mark.parametrize(("text", "band"), [
    ("上年度营业收入总额在1亿元以上的企业，近2年研发费用总额占营业收入总额比重均不低于3%；",
     {"metric": "revenue", "op": ">=", "value": 100_000_000}),
    ("上年度营业收入总额在5000万元—1亿元的企业，近2年研发费用总额占营业收入总额比重均不低于6%；",
     {"all": [{"metric": "revenue", "op": ">=", "value": 50_000_000},
              {"metric": "revenue", "op": "<=", "value": 100_000_000}]}),
    ("For enterprises with operating revenue of 100 million yuan or more in the previous year, "
     "the ratio of R&D expenses to operating revenue in each of the last two years shall be no "
     "less than 3%;",
     {"metric": "revenue", "op": ">=", "value": 100_000_000}),
])
def test_nlp_criteria_little_giant_revenue_bands_are_conditions(text, band):
    (criterion,) = extract_notice(text)["criteria"]
    assert (criterion["metric"], criterion["period"]) == ("rd_ratio", "each_of_last_2_years")

    def strip(condition):
        if "all" in condition:
            return {"all": [strip(c) for c in condition["all"]]}
        return {key: condition[key] for key in ("metric", "op", "value")}

    assert strip(criterion["condition"]) == band


def test_nlp_criteria_shared_threshold_of_coordinated_metrics():
    text = "其中创新能力指标得分不低于20分、成长性指标及专业化指标得分均不低于15分"
    assert triples(text) == [("innovation_score", ">=", 20), ("growth_score", ">=", 15),
                             ("specialization_score", ">=", 15)]


def test_nlp_criteria_metric_after_the_number():
    assert triples("拥有有效发明专利2项以上或5项以上Ⅰ类知识产权。") == [
        ("invention_patent_count", ">=", 2), ("class1_ip_count", ">=", 5)]


SCORING_TEXT = """2.上年度研发费用总额占营业收入总额比重(满分20分)
A. 5%以上(20分)
B. 3%-5%(15分)
E. 1%以下(0分)"""


def test_nlp_criteria_scoring_tables_are_kept_apart():
    result = extract_notice(SCORING_TEXT)
    assert result["criteria"] == []
    rows = [(r["option"], r["metric"], r["period"], r["bounds"], r["points"])
            for r in result["scoring"]]
    assert rows == [
        ("A", "rd_ratio", "last_year", [{"op": ">=", "value": 5}], 20),
        ("B", "rd_ratio", "last_year", [{"op": ">=", "value": 3}, {"op": "<=", "value": 5}], 15),
        ("E", "rd_ratio", "last_year", [{"op": "<=", "value": 1}], 0),
    ]


def test_nlp_criteria_points_in_a_sentence_make_it_scoring():
    result = extract_notice("研发费用占营业收入比重达到5%以上的，得20分；3%-5%的，得10分。")
    assert result["criteria"] == []
    assert [r["points"] for r in result["scoring"]] == [20, 10]


@pytest.mark.parametrize("text", [
    "据了解，全国累计培育专精特新“小巨人”企业1.76万家，专精特新中小企业超14万家。",
    "Over 140,000 SRDI SMEs and 17,600 Little Giants have been cultivated.",
    "包括创新能力、成长性、专业化三类六个指标，满分为100分。",
    "按照每个子女每月1000元的标准定额扣除。",
    "到2022年，建设50所高水平高等职业学校。",
])
def test_nlp_criteria_numbers_without_a_metric_threshold_are_not_criteria(text):
    assert extract_notice(text)["criteria"] == []


def test_nlp_criteria_carry_their_source_text_and_clause():
    (criterion,) = extract_notice("第八条 认定条件：\n（一）从事特定细分市场时间达到2年以上；")[
        "criteria"]
    assert criterion["text"] == "从事特定细分市场时间达到2年以上；"
    assert criterion["clause"] == "art8.i1"
    assert criterion["unit"] == "years"
