"""Numbers and amounts: numerals, full-width digits, units, scales and ranges."""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import pytest

from policywatch.nlp.extract.numbers import parse_number, quantity_scanner

# fmt: off
ZH_AMOUNTS = [
    # text,              value,        unit
    ("100万元",          1_000_000,    "yuan"),
    ("1000万元",         10_000_000,   "yuan"),
    ("1亿元",            100_000_000,  "yuan"),
    ("1.5亿元",          150_000_000,  "yuan"),
    ("一百万元",         1_000_000,    "yuan"),
    ("一千万元",         10_000_000,   "yuan"),
    ("一千五百万元",     15_000_000,   "yuan"),
    ("五百万元",         5_000_000,    "yuan"),
    ("１５０万元",       1_500_000,    "yuan"),
    ("人民币100万元",    1_000_000,    "yuan"),
    ("3%",               3,            "percent"),
    ("８０％",           80,           "percent"),
    ("百分之三",         3,            "percent"),
    ("百分之八十",       80,           "percent"),
    ("60分",             60,           "points"),
    ("六十分",           60,           "points"),
    ("2年",              2,            "years"),
    ("两年",             2,            "years"),
    ("两项",             2,            "count"),
    ("1.76万家",         17_600,       "firms"),  # a count of firms: never a criterion
    ("1000人",           1000,         "count"),
]
EN_AMOUNTS = [
    ("15 million yuan",        15_000_000,  "yuan"),
    ("RMB 15 million",         15_000_000,  "yuan"),
    ("1 million yuan",         1_000_000,   "yuan"),
    ("100 million yuan",       100_000_000, "yuan"),
    ("10,000 yuan",            10_000,      "yuan"),
    ("3%",                     3,           "percent"),
    ("3 percent",              3,           "percent"),
    ("60 points",              60,          "points"),
    ("two years",              2,           "years"),
]
RANGES = [
    ("zh", "5000万元—1亿元",                      50_000_000, 100_000_000, "yuan"),
    ("zh", "5000万-1亿元",                        50_000_000, 100_000_000, "yuan"),
    ("zh", "1000-5000万元",                       10_000_000, 50_000_000,  "yuan"),
    ("zh", "5000万元至4亿元",                     50_000_000, 400_000_000, "yuan"),
    ("zh", "3%-5%",                               3,          5,           "percent"),
    ("en", "between 50 million and 100 million yuan", 50_000_000, 100_000_000, "yuan"),
    ("en", "50-100 million yuan",                 50_000_000, 100_000_000, "yuan"),
    ("en", "3%-5%",                               3,          5,           "percent"),
]
# fmt: on


@pytest.mark.parametrize(("text", "value", "unit"), ZH_AMOUNTS)
def test_nlp_numbers_chinese_amounts_in_base_units(text, value, unit):
    found = quantity_scanner("zh").scan(text)
    assert [(q.value, q.unit) for q in found] == [(value, unit)]


@pytest.mark.parametrize(("text", "value", "unit"), EN_AMOUNTS)
def test_nlp_numbers_english_amounts_in_base_units(text, value, unit):
    found = quantity_scanner("en").scan(text)
    assert [(q.value, q.unit) for q in found] == [(value, unit)]


@pytest.mark.parametrize(("language", "text", "low", "high", "unit"), RANGES)
def test_nlp_numbers_ranges_have_two_bounds(language, text, low, high, unit):
    (found,) = quantity_scanner(language).scan(text)
    assert (found.value, found.upper, found.unit) == (low, high, unit)


@pytest.mark.parametrize(("text", "value"), [
    ("排名前三", 3), ("排名前五", 5), ("全国500强", 500), ("全国五百强", 500)])
def test_nlp_numbers_rank_wording_is_an_upper_bound(text, value):
    ranks = [q for q in quantity_scanner("zh").scan(text) if q.unit == "rank"]
    assert [(q.value, q.op) for q in ranks] == [(value, "<=")]


@pytest.mark.parametrize(("text", "expected"), [
    ("１５０", 150), ("一千万", 10_000_000), ("两", 2), ("17,600", 17_600), ("1.5", 1.5),
    ("十四五", None), ("", None)])
def test_nlp_numbers_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["十四五规划", "统一部署", "第一条", "三类六个指标"])
def test_nlp_numbers_prose_numerals_are_not_amounts(text):
    assert all(q.unit not in ("yuan", "percent") for q in quantity_scanner("zh").scan(text))
