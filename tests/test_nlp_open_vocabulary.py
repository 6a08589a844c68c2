"""Criteria on real wording (issue 11): the open metric vocabulary, ``other`` thresholds,
words as thresholds, ranks, 或 between metrics, refusals and waivers, and what is no
criterion (reward amounts, scoring rows, counts of firms, deadlines).

The sentences are written the way the real texts of ``../shared/reference/real-texts`` and
the provincial standards word them.
"""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import pytest

from policywatch.nlp.extract.notice import extract_notice

LG = "专精特新“小巨人”企业认定标准\n"


def triples(text: str, language: str | None = None) -> list[tuple]:
    """(metric, op, value) of every criterion found in ``text``."""
    return [(c["metric"], c["op"], c["value"])
            for c in extract_notice(text, language=language)["criteria"]]


# fmt: off
NEW_METRICS = [
    ("企业资产总额不低于2亿元。",                          ("total_assets", ">=", 200_000_000)),
    ("截至上年末，企业总资产在5000万元以上。",             ("total_assets", ">=", 50_000_000)),
    ("上年度利润总额不低于500万元。",                      ("total_profit", ">=", 5_000_000)),
    ("上年度利税总额1000万元以上。",                       ("profit_and_tax", ">=", 10_000_000)),
    ("近两年营业利润率不低于5%。",                         ("operating_margin", ">=", 5)),
    ("主导产品销售收入占营业收入比重不低于70%。",          ("product_sales_ratio", ">=", 70)),
    ("主导产品销售收入占比达到60%以上。",                  ("product_sales_ratio", ">=", 60)),
    ("上年度主营业务收入5000万元以上。",                   ("main_business_revenue", ">=", 50_000_000)),
    ("预计当年营业收入超过3亿元。",                        ("projected_revenue", ">", 300_000_000)),
    ("企业2015年（包括2015年）后成立。",                   ("founding_year", ">=", 2015)),
    ("企业须为2018年以后注册成立。",                       ("founding_year", ">=", 2018)),
    ("企业成立满3年以上。",                                ("years_in_operation", ">=", 3)),
    ("注册满3年以上。",                                    ("years_in_operation", ">=", 3)),
    ("运营年限两年(含)以上。",                             ("years_in_operation", ">=", 2)),
    ("主导产品市场占有率位于全省前3位。",                  ("market_rank", "<=", 3)),
    ("主导产品国内市场占有率排名前五位。",                 ("market_rank", "<=", 5)),
    ("主导产品细分市场占有率位居全国第一。",               ("market_rank", "<=", 1)),
    ("主导产品市场占有率全省第二位。",                     ("market_rank", "<=", 2)),
    ("预计2024年营业收入超过3亿元。",                      ("projected_revenue", ">", 300_000_000)),
    ("企业研发投入占销售收入比重达到3%以上。",             ("rd_ratio", ">=", 3)),
    ("企业近三年年均研发费用占营业收入比重不低于3%。",     ("rd_ratio", ">=", 3)),
    ("主导产品销售收入占企业全部销售收入的70%以上。",      ("product_sales_ratio", ">=", 70)),
    ("企业成立时间在2015年（含）以后。",                   ("founding_year", ">=", 2015)),
    ("近两年研发经费支出占营业收入比重不低于3%。",         ("rd_ratio", ">=", 3)),
    # an exception in brackets leaves the threshold standing
    ("上年度营业收入不低于2000万元（对于集成电路等领域企业，不受此限）。", ("revenue", ">=", 20_000_000)),
]
WORDS_AS_THRESHOLDS = [
    ("近2年营业收入正增长。",                              [("revenue_growth", ">", 0)]),
    ("上年度利润总额为正数。",                             [("total_profit", ">", 0)]),
    ("近两年主营业务收入保持正增长。",                     [("main_business_growth", ">", 0)]),
    ("近三年获得过国家级(排名前五)或省级科技奖励(排名前三)。",
     [("award_rank", "<=", 5), ("award_rank", "<=", 3)]),
    ("企业上年度利润总额和利税总额均为正数。",
     [("total_profit", ">", 0), ("profit_and_tax", ">", 0)]),
    ("企业上年度利润总额为正，且近两年营业收入保持增长。",
     [("total_profit", ">", 0), ("revenue_growth", ">", 0)]),
    # a relaxation in brackets is a second floor, and no band of the first
    ("上年度营业收入2亿元以上（成长性特别好的企业可放宽至1亿元）。",
     [("revenue", ">=", 200_000_000), ("revenue", ">=", 100_000_000)]),
    # 省内 says where, not what: the rank is still the market share's
    ("主导产品国内市场占有率排名前三位，或省内排名第一。",
     [("market_rank", "<=", 3), ("market_rank", "<=", 1)]),
]
OTHER = [
    # no metric id names them: kept as ``other`` with their words, never dropped
    ("上年度营业收入1亿元以上，且注册资本不低于500万元。",
     [("revenue", ">=", 100_000_000), ("other", ">=", 5_000_000)], ["注册资本"]),
    ("上年度营业收入1亿元以上；近2年净利润平均增长率10%以上。",
     [("revenue", ">=", 100_000_000), ("other", ">=", 10)], ["净利润平均增长率"]),
    ("上年度营业收入需达1000万元(含)以上，且满足上一年度营业收入增长率不低于同年度厦门市GDP增速的1.5倍。",
     [("revenue", ">=", 10_000_000), ("other", ">=", 1.5)], None),
]
NOT_CRITERIA = [
    # reward amounts, the bar a reward pays out at, scoring rows, counts of firms, deadlines
    "对首次认定的国家级专精特新“小巨人”企业，给予一次性奖励100万元。",
    "对上年度营业收入首次突破1亿元的专精特新企业，给予50万元奖励。",
    "按不超过企业研发投入的10%给予补助，最高不超过200万元。",
    "全省累计认定专精特新中小企业2860家，其中“小巨人”企业超过300家。",
    "到2025年，培育专精特新中小企业1000家以上。",
    "公示期不少于5个工作日，企业应在3个月内登录平台填报。",
    "抽查企业数量占推荐数量的10%左右。",
    "经过5—10年左右时间，基本完成转变。",
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), NEW_METRICS)
def test_nlp_open_vocabulary_new_metrics(text, expected):
    assert triples(text) == [expected]


@pytest.mark.parametrize(("text", "expected"), WORDS_AS_THRESHOLDS)
def test_nlp_open_vocabulary_words_and_ranks_as_thresholds(text, expected):
    assert triples(text) == expected


@pytest.mark.parametrize(("text", "expected", "phrases"), OTHER)
def test_nlp_open_vocabulary_unnamed_quantities_are_other_with_their_words(text, expected, phrases):
    criteria = extract_notice(LG + text)["criteria"]
    assert [(c["metric"], c["op"], c["value"]) for c in criteria] == expected
    other = [c for c in criteria if c["metric"] == "other"]
    assert all(c["phrase"] for c in other)
    if phrases is not None:
        assert [c["phrase"] for c in other] == phrases


def test_nlp_open_vocabulary_a_relative_threshold_is_a_multiple():
    (_, other) = extract_notice(LG + OTHER[2][0])["criteria"]
    assert (other["unit"], other["value"]) == ("times", 1.5)
    assert "GDP增速" in other["phrase"]


def test_nlp_open_vocabulary_total_assets_is_never_revenue():
    # 总资产 with a yuan amount next to a revenue threshold: each keeps its own metric.
    assert triples("上年度营业收入总额不低于1亿元，资产总额不低于2亿元。") == [
        ("revenue", ">=", 100_000_000), ("total_assets", ">=", 200_000_000)]


def test_nlp_open_vocabulary_other_needs_a_text_that_states_known_criteria():
    # A tax rule's amounts are thresholds on quantities no metric names: not criteria.
    assert triples("纳税人发生的医药费用支出累计超过15000元的部分，在80000元限额内据实扣除。") == []


@pytest.mark.parametrize("text", NOT_CRITERIA)
def test_nlp_open_vocabulary_what_is_no_criterion(text):
    assert extract_notice(LG + "上年度营业收入总额在1亿元以上。\n" + text)["criteria"] == [
        c for c in extract_notice(LG + "上年度营业收入总额在1亿元以上。")["criteria"]]


def test_nlp_open_vocabulary_scoring_rows_are_not_criteria():
    result = extract_notice("2.近2年主营业务收入平均增长率 (满分10分)\nA 10%以上(10分)\nB 8%-10% (8分)\nC 0%以下 (0分)")
    assert result["criteria"] == []
    assert len(result["scoring"]) == 3


def test_nlp_open_vocabulary_two_metrics_joined_by_or_share_one_threshold():
    criteria = extract_notice(LG + "近两年营业收入平均增长率或利润率6%以上。")["criteria"]
    assert [(c["metric"], c["op"], c["value"], c["period"]) for c in criteria] == [
        ("revenue_growth", ">=", 6, "last_2_years"), ("operating_margin", ">=", 6, "last_2_years")]
    assert criteria[0]["condition"] is None
    assert criteria[1]["condition"]["alternative_to"]["metric"] == "revenue_growth"


def test_nlp_open_vocabulary_a_growth_word_after_or_gives_the_first_metric_its_growth():
    criteria = extract_notice(LG + "近2年主营业务收入或净利润平均增长率10%以上。")["criteria"]
    assert [(c["metric"], c["value"]) for c in criteria] == [("main_business_growth", 10), ("other", 10)]
    assert criteria[1]["condition"]["alternative_to"]["metric"] == "main_business_growth"
    assert criteria[1]["phrase"] == "净利润平均增长率"


def test_nlp_open_vocabulary_a_comparator_after_the_second_number_bounds_both():
    criteria = extract_notice(LG + "截至上年末，拥有有效发明专利2项或实用新型、外观设计专利5项及以上。")["criteria"]
    assert [(c["metric"], c["op"], c["value"]) for c in criteria] == [
        ("invention_patent_count", ">=", 2), ("other", ">=", 5)]
    assert criteria[1]["phrase"] == "实用新型、外观设计专利"
    assert criteria[1]["condition"]["alternative_to"]["metric"] == "invention_patent_count"


def test_nlp_open_vocabulary_a_refused_threshold_is_the_opposite_criterion():
    assert triples(LG + "本年度暂不接收营业收入低于5000万元企业的申请和复核。") == [
        ("revenue", ">=", 50_000_000)]


def test_nlp_open_vocabulary_a_waived_threshold_is_no_criterion_and_a_restated_one_counts_once():
    text = (LG + "对本年度申请复核企业“近2年主营业务收入平均增长率不低于5%”的指标不作要求。"
            "对新申请企业仍需满足“近2年主营业务收入平均增长率不低于5%”的指标要求。"
            "新申请企业须满足“近2年主营业务收入平均增长率不低于5%”。")
    assert triples(text) == [("main_business_growth", ">=", 5)]


def test_nlp_open_vocabulary_a_bracket_that_names_no_firms_waives_for_everyone():
    # （对于…企业，不受此限） exempts some firms; （本批次不作为申报条件） drops the threshold.
    assert triples(LG + "近两年营业收入平均增长率不低于8%（本批次不作为申报条件）。"
                   "上年度营业收入总额在1亿元以上。") == [("revenue", ">=", 100_000_000)]


def test_nlp_open_vocabulary_a_count_of_qualities_is_no_threshold():
    assert triples(LG + "企业在创新和质量方面具有两个以上方面的突出优势。"
                   "上年度营业收入总额在1亿元以上。") == [("revenue", ">=", 100_000_000)]
    assert triples("Enterprises shall have at least two aspects of outstanding performance, "
                   "and revenue of no less than RMB 100 million.", language="en") == [
        ("revenue", ">=", 100_000_000)]


def test_nlp_open_vocabulary_niche_wording_with_industry_or_field_is_years_in_niche():
    assert triples(LG + "从事特定细分行业时间达到2年以上。") == [("years_in_niche", ">=", 2)]
    assert triples(LG + "企业从事细分领域时间达到3年及以上。") == [("years_in_niche", ">=", 3)]


def test_nlp_open_vocabulary_a_text_that_names_no_tier_gets_the_tier_its_criteria_imply():
    bare = "申报企业须同时满足下列条件：\n（一）从事特定细分市场时间达到2年以上。\n（二）上年度营业收入总额在1000万元以上。"
    criteria = extract_notice(bare)["criteria"]
    assert [(c["tier"], c["tier_inferred"]) for c in criteria] == [("srdi_sme", True)] * 2
    # Revenue alone implies no tier: the criteria stay without one, and say so.
    alone = extract_notice("申报企业须满足：上年度营业收入总额在1000万元以上。")["criteria"]
    assert [(c["tier"], c["tier_inferred"]) for c in alone] == [(None, False)]
    # A text that names its tier keeps it, never marked inferred.
    named = extract_notice(LG + "从事特定细分市场时间达到3年以上。")["criteria"]
    assert [(c["tier"], c["tier_inferred"]) for c in named] == [("little_giant", False)]


def test_nlp_open_vocabulary_traditional_characters_and_ruby_read_as_simplified():
    simplified = LG + "上年度营业收入总额不低于1亿元，近2年研发费用总额占营业收入总额比重均不低于3%。"
    traditional = ("專精特新“小巨人”企業認定標準\n"
                   "上年度營業收入總額不低於1億元，近2年研發費用總額佔營業收入總額比重均不低於3%。")
    ruby = ("專(zhuān)精特新“小巨人”企業(yè)認定標準\n"
            "上年度營(yíng)業(yè)收入總額不低於1億元，近2年研發(fā)費(fèi)用總額佔營業收入總額比重均不低於3%。")
    expected = [("revenue", ">=", 100_000_000), ("rd_ratio", ">=", 3)]
    assert triples(simplified) == triples(traditional) == triples(ruby) == expected
    assert extract_notice(traditional)["tiers"] == ["little_giant"]


def test_nlp_open_vocabulary_a_bracketed_inclusion_makes_a_strict_bound_inclusive():
    assert triples(LG + "研发投入占营业收入比重超过4%（含）。") == [("rd_ratio", ">=", 4)]
    assert triples(LG + "资产负债率低于65%(含)。") == [("debt_ratio", "<=", 65)]
    assert triples(LG + "研发投入占营业收入比重超过4%。") == [("rd_ratio", ">", 4)]


def test_nlp_open_vocabulary_a_line_that_only_names_a_tier_heads_the_list_below():
    text = ("申报条件\n一、“专精特新”示范中小企业\n（一）上年度营业收入总额在2000万元以上。\n"
            "二、细分领域“小巨人”企业\n（一）上年度营业收入总额在1亿元以上。")
    assert [(c["tier"], c["value"]) for c in extract_notice(text)["criteria"]] == [
        ("srdi_sme", 20_000_000), ("little_giant", 100_000_000)]
    run_in = ("申报条件如下。\n专精特新中小企业。上年度营业收入总额在2000万元以上。\n"
              "“小巨人”企业。(1)制造类。上年度营业收入总额在1亿元以上。")
    assert [(c["tier"], c["value"]) for c in extract_notice(run_in)["criteria"]] == [
        ("srdi_sme", 20_000_000), ("little_giant", 100_000_000)]


def test_nlp_open_vocabulary_how_many_conditions_must_hold_is_no_threshold():
    assert triples(LG + "上年度营业收入总额在1亿元以上，并符合以下条件中的至少一项：\n"
                   "（一）研发投入占营业收入比重不低于3%。") == [
        ("revenue", ">=", 100_000_000), ("rd_ratio", ">=", 3)]


def test_nlp_open_vocabulary_a_prerequisite_tier_alone_means_the_tier_above():
    text = ("申报条件\n1、企业须已获得省级专精特新中小企业认定且在有效期内。\n"
            "2、企业上年度营业收入5000万元以上。")
    criteria = extract_notice(text)["criteria"]
    assert [(c["tier"], c["tier_inferred"], c["value"]) for c in criteria] == [
        ("little_giant", True, 50_000_000)]


def test_nlp_open_vocabulary_a_comma_inside_brackets_parts_no_segments():
    text = LG + "企业拥有有效发明专利（含集成电路布图设计专有权，下同）3项以上。"
    assert triples(text) == [("invention_patent_count", ">=", 3)]


def test_nlp_open_vocabulary_a_count_names_what_follows_it_even_under_a_heading():
    text = LG + "5、拥有2项及以上与主导产品相关的发明专利，或8项以上与主导产品相关的实用新型专利；"
    criteria = extract_notice(text)["criteria"]
    assert [(c["metric"], c["value"], c.get("phrase")) for c in criteria] == [
        ("invention_patent_count", 2, None), ("other", 8, "与主导产品相关的实用新型专利")]


def test_nlp_open_vocabulary_disjoint_revenue_bands_are_conditions():
    text = LG + ("上年度营业收入在1亿元及以上，且近两年研发费用总额占营业收入比重不低于3%；\n"
                 "上年度营业收入5000万元（含）-1亿元（不含），且近两年研发费用总额占营业收入比重不低于6%；\n"
                 "上年度营业收入不足5000万元，同时近两年新增股权融资额8000万元（含）以上。")
    criteria = extract_notice(text)["criteria"]
    assert [(c["metric"], c["op"], c["value"]) for c in criteria] == [
        ("rd_ratio", ">=", 3), ("rd_ratio", ">=", 6), ("equity_financing", ">=", 80_000_000)]
    assert criteria[0]["condition"]["metric"] == "revenue"
    assert [part["op"] for part in criteria[1]["condition"]["all"]] == [">=", "<"]
    # Revenue and growth both required: no bands, two criteria.
    assert triples(LG + "上年度营业收入在1亿元以上，且近两年营业收入平均增长率不低于5%。") == [
        ("revenue", ">=", 100_000_000), ("revenue_growth", ">=", 5)]


def test_nlp_open_vocabulary_comparison_signs_and_english_negated_bounds():
    assert triples(LG + "1.企业从事特定细分市场≥2年；\n2.上一年度营收总额≥1000万元；\n"
                   "3.资产负债率≤70%。") == [
        ("years_in_niche", ">=", 2), ("revenue", ">=", 10_000_000), ("debt_ratio", "<=", 70)]
    assert triples("Little giants: the debt-to-asset ratio cannot be more than 70 percent, and "
                   "the main businesses must contribute over 70 percent of the total operating "
                   "revenues.", language="en") == [
        ("debt_ratio", "<=", 70), ("main_business_ratio", ">", 70)]


def test_nlp_open_vocabulary_a_bare_srdi_heading_sets_the_tier_but_running_text_does_not():
    text = "申报条件如下\n市级专精特新：\n上年度营业收入300万元以上。"
    result = extract_notice(text)
    assert [(c["tier"], c["tier_inferred"]) for c in result["criteria"]] == [("srdi_sme", False)]
    assert result["tiers"] == []
    running = extract_notice("推动专精特新发展。\n上年度营业收入300万元以上。")
    assert [c["tier"] for c in running["criteria"]] == [None]


def test_nlp_open_vocabulary_new_metrics_have_display_names():
    from policywatch.nlp.extract.lexicon import display_names

    names = display_names("metrics")
    for metric in ("total_assets", "total_profit", "profit_and_tax", "operating_margin",
                   "market_rank", "product_sales_ratio", "founding_year", "projected_revenue",
                   "main_business_revenue"):
        assert names[metric]["zh"] and names[metric]["en"]


# -- English on a par with Chinese ------------------------------------------------------
EN = 'Certification Standards for "Little Giant" Enterprises\n'
# fmt: off
ENGLISH = [
    ("Its operating revenue in the previous year was more than RMB 15 million.",
     [("revenue", ">", 15_000_000)]),
    ("Its R&D expenses were no less than 3% of its operating revenue.",
     [("rd_ratio", ">=", 3)]),
    ("Its total assets shall be no less than RMB 200 million, and its total profit in the previous year shall be positive.",
     [("total_assets", ">=", 200_000_000), ("total_profit", ">", 0)]),
    ("The market share of its main product ranks in the top three in the province.",
     [("market_rank", "<=", 3)]),
    ("The enterprise was established in or after 2015.",
     [("founding_year", ">=", 2015)]),
    ("It has achieved positive revenue growth in the last two years.",
     [("revenue_growth", ">", 0)]),
    ("Its profit margin is no less than 5%, and its main business revenue is RMB 50 million or more.",
     [("operating_margin", ">=", 5), ("main_business_revenue", ">=", 50_000_000)]),
    ("Its main product sales account for no less than 70% of its operating revenue.",
     [("product_sales_ratio", ">=", 70)]),
    ("Its projected revenue for the current year exceeds RMB 300 million.",
     [("projected_revenue", ">", 300_000_000)]),
    ("Its profits and taxes in the previous year were more than RMB 10 million.",
     [("profit_and_tax", ">", 10_000_000)]),
    ("Applications from enterprises with operating revenue below RMB 50 million will not be accepted this year.",
     [("revenue", ">=", 50_000_000)]),
    ("Enterprises newly recognized as Little Giants will receive a one-time reward of RMB 1 million.",
     []),
    ("The enterprise has been registered for at least three years.",
     [("years_in_operation", ">=", 3)]),
    ("Sales revenue of its main products accounts for more than 70% of its total operating income.",
     [("product_sales_ratio", ">", 70)]),
    ("Its operating revenue in the previous year reached RMB 20 million, or its revenue growth rate "
     "in the last two years was no less than 15%.",
     [("revenue", ">=", 20_000_000), ("revenue_growth", ">=", 15)]),
    ("The average growth rate of its main business revenue or net profit in the past two years is 10% or more.",
     [("main_business_growth", ">=", 10), ("other", ">=", 10)]),
    ("It ranks among the top three in the province in terms of market share.",
     [("market_rank", "<=", 3)]),
    ("Over 140,000 SRDI SMEs have been cultivated nationwide.", []),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_nlp_open_vocabulary_english(text, expected):
    assert triples(EN + text, "en") == expected


@pytest.mark.parametrize("text", [
    "Operating revenue of no less than RMB 15 million in the previous year, or, if below RMB 15 million, "
    "new equity financing of no less than RMB 20 million in the last two years.",
    "(3) Its operating revenue in the previous year shall be no less than RMB 15 million; if below RMB 15 "
    "million, its new equity financing in the last two years shall be no less than RMB 20 million.",
])
def test_nlp_open_vocabulary_english_if_below_is_a_condition_not_a_criterion(text):
    criteria = extract_notice(EN + text, language="en")["criteria"]
    assert [(c["metric"], c["op"], c["value"]) for c in criteria] == [
        ("revenue", ">=", 15_000_000), ("equity_financing", ">=", 20_000_000)]
    condition = criteria[1]["condition"]
    assert (condition["metric"], condition["op"], condition["value"]) == ("revenue", "<", 15_000_000)


def test_nlp_open_vocabulary_founding_year_bands():
    criteria = extract_notice(LG + "2015年（包括2015年）后成立的企业，上年度营业收入1000万元以上；"
                                   "2015年前成立的企业，上年度营业收入2000万元以上。")["criteria"]
    assert [(c["value"], c["condition"]["metric"], c["condition"]["op"], c["condition"]["value"])
            for c in criteria] == [(10_000_000, "founding_year", ">=", 2015),
                                   (20_000_000, "founding_year", "<", 2015)]
