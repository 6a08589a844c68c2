"""The pure part of the eligibility check: criteria against figures, and profiles.

Criteria are the extraction's own output (the labelled Little Giant standard read by
``extract_notice``) or written as the extraction writes them; the expected statuses are
worked out by hand from the texts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from policywatch.eligibility.profiles import (
    ProfileError,
    load_profile,
    parse_amount,
    profile_from_mapping,
    read_profiles_csv,
    region_applies,
)
from policywatch.eligibility.rules import compile_tier, evaluate, evaluate_tier
from tests.eligibility_support import LITTLE_GIANT, PROFILES
from tests.measures_support import notice_text

TIER = "srdi_sme"
REVENUE_2022 = {"tier": TIER, "metric": "revenue", "op": ">=", "value": 1e7, "unit": "yuan",
                "period": "last_year", "condition": None}
# 或上年度营业收入总额在1000万元以下，但近2年新增股权融资总额…达到2000万元以上
EQUITY_ROUTE_2022 = {"tier": TIER, "metric": "equity_financing", "op": ">=", "value": 2e7,
                     "unit": "yuan", "period": "last_2_years",
                     "condition": {"metric": "revenue", "op": "<=", "value": 1e7,
                                   "unit": "yuan", "period": "last_year"}}
REVENUE_2026 = dict(REVENUE_2022, value=1.5e7)
EQUITY_ROUTE_2026 = dict(EQUITY_ROUTE_2022, condition={"alternative_to": {
    "metric": "revenue", "op": ">=", "value": 1.5e7, "unit": "yuan", "period": "last_year"}})


def figures(**values):
    return profile_from_mapping({"name": "t", "metrics": values}).figures


@cache
def little_giant_criteria() -> tuple[dict, ...]:
    from policywatch.nlp.extract.notice import extract_notice

    result = extract_notice(notice_text(LITTLE_GIANT), language="zh",
                            title="工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知")
    return tuple(c for c in result["criteria"] if c["tier"] == "little_giant")


# A Little Giant candidate that meets everything but the innovation indicators.
LITTLE_GIANT_BASE = {"years_in_niche": 5, "main_business_ratio": 90, "main_business_growth": 12,
                     "debt_ratio": 45, "market_share": 15, "class1_ip_count": 6}


@pytest.mark.parametrize(("revenue", "rd_ratio", "extra", "status"), [
    # 1亿 or more: R&D at least 3% in each of the last two years
    ("1.2亿", [4.0, 3.5], {}, "eligible"),
    # 5000万-1亿: 6% is needed, 4% is not enough
    ("8000万", [4.0, 3.5], {}, "not_eligible"),
    ("8000万", [7.5, 6.5], {}, "eligible"),
    # exactly 1亿 is in both bands (以上 and —1亿 both include it): either will do
    ("1亿", [4.0, 3.5], {}, "eligible"),
    # under 5000万: the financing route (8000万 and R&D 3000万 and 50% R&D staff)
    ("3000万", [9.0, 9.0], {"equity_financing": "9000万", "rd_expense": "3200万",
                             "rd_staff_ratio": 55}, "eligible"),
    ("3000万", [9.0, 9.0], {"equity_financing": "5000万", "rd_expense": "3200万",
                             "rd_staff_ratio": 55}, "not_eligible"),
    # the band table needs revenue: without it the company may be in any band
    (None, [9.0, 9.0], {}, "unknown"),
    # one year's ratio only, for a criterion on each of two years: unknown, never met
    ("1.2亿", [4.0], {}, "unknown"),
])
def test_eligibility_little_giant_bands(revenue, rd_ratio, extra, status):
    values = dict(LITTLE_GIANT_BASE, **extra, **{"rd_ratio.each_of_last_2_years": rd_ratio})
    if revenue is not None:
        values["revenue"] = revenue
    outcome = evaluate_tier("little_giant", little_giant_criteria(), figures(**values))
    assert outcome.status == status, [(c.criterion["metric"], c.result) for c in outcome.criteria]


def test_eligibility_band_outcomes_name_the_band_that_applies():
    outcome = evaluate_tier("little_giant", little_giant_criteria(), figures(
        **LITTLE_GIANT_BASE, revenue="8000万", **{"rd_ratio.each_of_last_2_years": [7, 6.5]}))
    bands = {(c.criterion["metric"], c.criterion["value"]): c.result for c in outcome.criteria
             if c.role == "band"}
    assert bands[("rd_ratio", 6.0)] == "met"
    assert bands[("rd_ratio", 3.0)] == "not_applicable"
    assert bands[("equity_financing", 8e7)] == "not_applicable"
    assert {c.group for c in outcome.criteria if c.role == "band"} == {"band:revenue"}


def test_eligibility_patent_alternatives_any_route_passes():
    # 拥有有效发明专利2项以上或5项以上Ⅰ类知识产权
    base = dict(LITTLE_GIANT_BASE, revenue="1.2亿", **{"rd_ratio.each_of_last_2_years": [4, 4]})
    for invention, class1, status in ((1, 6, "eligible"), (3, 1, "eligible"),
                                      (1, 4, "not_eligible")):
        values = dict(base, invention_patent_count=invention, class1_ip_count=class1)
        outcome = evaluate_tier("little_giant", little_giant_criteria(), figures(**values))
        assert outcome.status == status, (invention, class1)


@pytest.mark.parametrize(("values", "status"), [
    ({"revenue": "1200万"}, "eligible"),                                   # the main route
    ({"revenue": "800万", "equity_financing": "2500万"}, "eligible"),        # 1000万以下，但…
    ({"revenue": "800万", "equity_financing": "1500万"}, "not_eligible"),
    ({"revenue": "800万"}, "unknown"),                          # financing not given: unknown
    ({"equity_financing": "2500万"}, "unknown"),               # revenue not given: unknown
])
def test_eligibility_revenue_route_2022(values, status):
    outcome = evaluate_tier(TIER, [REVENUE_2022, EQUITY_ROUTE_2022], figures(**values))
    assert outcome.status == status


@pytest.mark.parametrize(("values", "status"), [
    ({"revenue": "1200万", "equity_financing": 0}, "not_eligible"),
    ({"revenue": "1200万", "equity_financing": "2000万"}, "eligible"),
    ({"revenue": "1600万"}, "eligible"),
    ({"revenue": "1200万"}, "unknown"),
])
def test_eligibility_revenue_alternative_2026(values, status):
    outcome = evaluate_tier(TIER, [REVENUE_2026, EQUITY_ROUTE_2026], figures(**values))
    assert outcome.status == status
    assert {c.role for c in outcome.criteria} == {"route"}


def test_eligibility_alternative_to_a_missing_main_route_stands_in_for_it():
    # only the alternative was extracted: the route it names is evaluated as written
    outcome = evaluate_tier(TIER, [EQUITY_ROUTE_2026], figures(revenue="1600万"))
    assert outcome.status == "eligible"
    assert [c.criterion.get("stand_in") for c in outcome.criteria] == [None, True]


def test_eligibility_a_list_of_conditions_is_an_alternative_to_the_clause_pointing_at_it():
    # 评价得分达到六十分以上，或满足第四条所列条件之一 (the Jiangsu 2024 standard)
    score = {"tier": TIER, "metric": "evaluation_score", "op": ">=", "value": 60,
             "unit": "points", "condition": None, "text": "评价得分达到六十分以上，或满足第四条所列条件之一。"}
    award = {"tier": TIER, "metric": "award_rank", "op": "<=", "value": 3, "unit": "rank",
             "period": "last_3_years", "condition": {"alternative_group": "art4"}}
    contest = {"tier": TIER, "metric": "contest_rank", "op": "<=", "value": 500,
               "unit": "rank", "period": "last_3_years",
               "condition": {"alternative_group": "art4"}}
    rules = compile_tier(TIER, [score, award, contest])
    assert [r.kind for r in rules.requirements] == ["any"]
    assert evaluate(rules, figures(evaluation_score=55, award_rank=2)).status == "eligible"
    assert evaluate(rules, figures(evaluation_score=70)).status == "eligible"
    assert evaluate(rules, figures(evaluation_score=55, award_rank=9,
                                   contest_rank=800)).status == "not_eligible"
    # without a clause pointing at it the list is a requirement of its own: any one of it
    alone = compile_tier(TIER, [award, contest])
    assert evaluate(alone, figures(contest_rank=100)).status == "eligible"


def test_eligibility_missing_value_is_unknown_never_met():
    criteria = [{"tier": TIER, "metric": "debt_ratio", "op": "<=", "value": 80,
                 "unit": "percent", "condition": None}]
    outcome = evaluate_tier(TIER, criteria, figures())
    assert outcome.status == "unknown"
    assert outcome.criteria[0].result == "unknown" and outcome.criteria[0].actual is None
    # an unmet criterion decides even when others are unknown
    criteria.append({"tier": TIER, "metric": "years_in_niche", "op": ">=", "value": 3,
                     "condition": None})
    assert evaluate_tier(TIER, criteria, figures(years_in_niche=2)).status == "not_eligible"


def test_eligibility_yearly_figures_each_year_must_pass():
    each = [{"tier": TIER, "metric": "rd_ratio", "op": ">=", "value": 3, "unit": "percent",
             "period": "each_of_last_2_years", "condition": None}]
    assert evaluate_tier(TIER, each, figures(**{"rd_ratio.each_of_last_2_years": [4, 3.2]})
                         ).status == "eligible"
    assert evaluate_tier(TIER, each, figures(**{"rd_ratio.each_of_last_2_years": [4, 2.5]})
                         ).status == "not_eligible"
    # a plain value is the firm's figure for every year asked about
    assert evaluate_tier(TIER, each, figures(rd_ratio=4)).status == "eligible"
    # a period's own figure wins over the plain one
    values = figures(rd_ratio={"value": 4, "each_of_last_2_years": [4, 2]})
    assert evaluate_tier(TIER, each, values).status == "not_eligible"


# -- profiles ----------------------------------------------------------------------------
def test_eligibility_profile_files_read_alike():
    toml = load_profile(PROFILES / "precision-machinery.toml")
    assert toml.name == "示例精密机械有限公司" and toml.region == "某某省"
    assert toml.figures["revenue"] == {None: 12_000_000.0}
    assert toml.figures["rd_expense"] == {None: 1_200_000.0}
    assert toml.figures["rd_ratio"] == {None: 4.0}
    assert toml.figures["equity_financing"] == {"last_2_years": 0.0}
    json_profile = load_profile(PROFILES / "new-materials.json")
    assert json_profile.figures["rd_ratio"] == {None: 7.5, "each_of_last_2_years": (7.5, 6.5)}
    assert load_profile(PROFILES / "small-software.toml").figures["revenue"] == {None: 8e6}
    again = profile_from_mapping(json_profile.as_dict())
    assert again.figures == json_profile.figures


@pytest.mark.parametrize(("text", "unit", "value"), [
    ("1500万", "yuan", 15e6), ("1500万元", "yuan", 15e6), ("一千五百万元", "yuan", 15e6),
    ("1.2亿元", "yuan", 1.2e8), ("15 million", "yuan", 15e6), ("12,000,000", "yuan", 12e6),
    ("4%", "percent", 4.0), ("3年", "years", 3.0), (" 65 ", "points", 65.0),
])
def test_eligibility_written_amounts(text, unit, value):
    assert parse_amount(text, unit) == value


@pytest.mark.parametrize(("document", "message"), [
    ({"name": "x", "metrics": {"turnover": 1}}, "unknown metric 'turnover'"),
    ({"name": "x", "metrics": {"revenue.next_year": 1}}, "unknown period 'next_year'"),
    ({"name": "x", "metrics": {"revenue": "4%"}}, "is in percent, the metric in yuan"),
    ({"name": "x", "metrics": {"revenue": "lots"}}, "cannot read 'lots'"),
    ({"name": "x", "metrics": {"revenue": [1, 2]}}, "goes with an each_of_"),
    ({"metrics": {}}, "needs a name"),
    ({"name": "x", "revenue": 1}, "unknown field(s) revenue"),
])
def test_eligibility_profile_mistakes_say_what_to_fix(document, message):
    with pytest.raises(ProfileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        profile_from_mapping(document)


def test_eligibility_profile_file_that_does_not_parse(tmp_path: Path):
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", encoding="utf-8")
    with pytest.raises(ProfileError, match="not a valid toml profile"):
        load_profile(broken)
    with pytest.raises(ProfileError, match="cannot read profile"):
        load_profile(tmp_path / "missing.toml")


def test_eligibility_csv_rows_are_profiles():
    profiles = read_profiles_csv(PROFILES / "companies.csv")
    assert [p.name for p in profiles] == ["示例精密机械有限公司", "示例新材料股份有限公司",
                                          "示例软件科技有限公司", "资料不全的公司"]
    assert profiles[2].figures["equity_financing"] == {"last_2_years": 25e6}
    assert profiles[3].region is None and "rd_ratio" not in profiles[3].figures
    with pytest.raises(ProfileError, match="line 2"):
        read_profiles_csv("name,revenue\nA,lots\n")


@pytest.mark.parametrize(("measure", "company", "applies"), [
    ("national", None, True), ("national", "江苏省", True), (None, "广东省", True),
    ("江苏省", "江苏省苏州市", True), ("江苏省", "江苏", True), ("江苏省", "浙江省", False),
    ("苏州市", "江苏省", False), ("苏州市", "江苏省苏州市", True), ("某某省", None, False),
])
def test_eligibility_regions(measure, company, applies):
    assert region_applies(measure, company) is applies
