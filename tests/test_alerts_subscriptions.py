"""Subscription filters: tier, metric, issuer, region, source, keyword, language, event type;
each filter on the events derived from the 2022 -> 2026 Measures and a provincial standard."""

from __future__ import annotations

import pytest

from policywatch.alerts.events import derive_events
from policywatch.alerts.subscriptions import (
    describe_filters,
    explain_match,
    normalize_filters,
    select_events,
)
from policywatch.store import open_store
from tests.alerts_support import TODAY, copy_of_template

NATIONAL_ALL = {("new_measure", "national"), ("criteria_changed", "national"),
                ("repealed", "national")}
PROVINCE_ALL = {("new_measure", "province"), ("criteria_changed", "province"),
                ("repealed", "province")}

# fmt: off
# filters -> the events taken, as (type, national|province)
CASES = [
    ({"tiers": ["little_giant"]},              {("new_measure", "national"), ("repealed", "national")}),
    ({"tiers": ["srdi_sme"]},                  NATIONAL_ALL | PROVINCE_ALL),
    ({"metrics": ["debt_ratio"]},              {("criteria_changed", "national")}),
    ({"metrics": ["years_in_niche"], "tiers": ["srdi_sme"]},
                                               NATIONAL_ALL | PROVINCE_ALL),
    ({"regions": ["某某"]},                     PROVINCE_ALL),
    ({"regions": ["national"], "types": ["repealed"]}, {("repealed", "national")}),
    ({"keywords": ["营业收入"]},                 {("criteria_changed", "national"), ("criteria_changed", "province")}),
    ({"keywords": ["debt-to-asset"]},          {("criteria_changed", "national")}),
    ({"keywords": ["〔2022〕63号"]},             NATIONAL_ALL),
    ({"languages": ["en"]},                    NATIONAL_ALL),
    ({"languages": ["zh"], "sources": ["province"]}, PROVINCE_ALL),
    ({"issuers": ["工业和信息化部"]},             NATIONAL_ALL),
    ({"issuers": ["某某省工业和信息化厅"], "types": ["criteria_changed"]}, {("criteria_changed", "province")}),
    ({"types": ["new_version"]},               {("new_version", "national"), ("new_version", "province")}),
    ({"types": ["new_version", "criteria_changed"], "regions": ["某某省"]},
                                               {("criteria_changed", "province")}),
    ({"tiers": ["innovative_sme"], "regions": ["某某省"]}, set()),
    ({"keywords": ["数字化转型"]},               set()),
]
# fmt: on


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    path = copy_of_template(tmp_path_factory,
                            tmp_path_factory.mktemp("subscriptions") / "filters.db")
    with open_store(path) as store:
        return derive_events(store, today=TODAY)


def label(event):
    scope = "province" if "province" in event["payload"]["sources"] else "national"
    return event["type"], scope


@pytest.mark.parametrize(("filters", "expected"), CASES,
                         ids=[describe_filters(f) for f, _ in CASES])
def test_alerts_subscriptions_filter(events, filters, expected):
    taken = select_events(filters, events)
    assert {label(event) for event, _ in taken} == expected
    for _, reason in taken:
        assert set(reason) <= set(filters)


def test_alerts_subscriptions_no_filter_takes_each_change_once(events):
    taken = [label(e) for e, _ in select_events({}, events)]
    assert sorted(taken) == sorted(NATIONAL_ALL | PROVINCE_ALL)


def test_alerts_subscriptions_reason_names_what_matched(events):
    change = next(e for e in events if label(e) == ("criteria_changed", "national"))
    reason = explain_match({"tiers": ["srdi_sme", "little_giant"], "keywords": ["营业收入"]},
                           change)
    assert reason == {"tiers": ["srdi_sme"], "keywords": ["营业收入"]}


SOURCE_BROKEN = {"type": "source_broken", "title": "工业和信息化部", "summary_zh": "来源 miit 连续3次抓取异常",
                 "summary_en": "Source miit was degraded", "payload": {
                     "sources": ["miit"], "regions": ["national"], "languages": ["zh"],
                     "tiers": [], "metrics": []}}


@pytest.mark.parametrize(("filters", "taken"), [
    ({"tiers": ["srdi_sme"], "metrics": ["revenue"]}, True),  # a text filter: still told
    ({"keywords": ["营业收入"]}, True),
    ({"sources": ["miit"]}, True),
    ({"sources": ["jiangsu"]}, False),
    ({"regions": ["江苏省"]}, False),
    ({"types": ["criteria_changed"]}, False),
])
def test_alerts_subscriptions_source_broken_filters(filters, taken):
    assert (explain_match(filters, SOURCE_BROKEN) is not None) is taken


def test_alerts_subscriptions_values_fold_width_and_case():
    event = {"type": "new_measure", "title": "SRDI 企业认定", "summary_zh": "", "summary_en": "",
             "payload": {"sources": ["MIIT"], "regions": ["江苏省"]}}
    assert explain_match({"keywords": ["ＳＲＤＩ"], "sources": ["miit"]}, event) is not None


def test_alerts_subscriptions_normalize_filters():
    assert normalize_filters(tiers=["srdi_sme", "srdi_sme", " "], keywords=["研发 "]) == \
        {"tiers": ["srdi_sme"], "keywords": ["研发"]}
    with pytest.raises(ValueError, match="unknown filter"):
        normalize_filters(colour=["red"])
