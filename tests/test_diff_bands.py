"""Every single threshold change in a band or alternative table shows in the criteria diff.

Tables are generated (seeded, so a failure names its case) as Chinese text in the wording
real standards use, extracted by the real pipeline and diffed: a changed band must come out
as exactly one change naming the right tier and metric, and nothing else may change.
"""

from __future__ import annotations

import random

import pytest

from policywatch.nlp.extract.notice import extract_notice
from policywatch.nlp.link.diff import criteria_changes

TIERS = {"专精特新中小企业": "srdi_sme", "专精特新“小巨人”企业": "little_giant",
         "创新型中小企业": "innovative_sme"}


def _yuan(wan: int) -> str:
    return f"{wan // 10000:g}亿元" if wan % 10000 == 0 else f"{wan}万元"


def band_table(rng: random.Random) -> tuple[str, list[float], list[int]]:
    """A revenue-banded R&D table: bounds (万元), one ratio per band, highest band first."""
    count = rng.randint(2, 5)
    bounds = sorted(rng.sample([1000, 2000, 3000, 5000, 8000, 10000, 20000, 50000], count - 1),
                    reverse=True)
    ratios = sorted(rng.sample([2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8], count))
    return "", ratios, bounds


def render_bands(tier: str, ratios: list[float], bounds: list[int]) -> str:
    rows = [f"上年度营业收入总额在{_yuan(bounds[0])}以上的企业，研发费用总额占营业收入总额比重"
            f"不低于{ratios[0]:g}%"]
    for upper, lower, ratio in zip(bounds, bounds[1:], ratios[1:], strict=False):
        rows.append(f"上年度营业收入总额在{_yuan(lower)}至{_yuan(upper)}的企业，"
                    f"研发费用总额占营业收入总额比重不低于{ratio:g}%")
    rows.append(f"上年度营业收入总额在{_yuan(bounds[-1])}以下的企业，研发费用总额占营业收入总额"
                f"比重不低于{ratios[-1]:g}%")
    return (f"{tier}认定标准\n一、创新能力指标：" + "；".join(rows) + "。\n"
            "二、上年度营业收入总额在1000万元以上。\n")


def render_alternatives(tier: str, revenue: int, equity: int, patents: int, ip: int) -> str:
    return (f"{tier}认定标准\n（一）上年度营业收入总额在{revenue}万元以上，或近2年新增股权融资总额"
            f"（合格机构投资者的实缴额）{equity}万元以上。\n（二）拥有有效发明专利{patents}项以上，"
            f"或拥有Ⅰ类知识产权{ip}项以上。\n")


def _criteria(text: str) -> list[dict]:
    return extract_notice(text)["criteria"]


@pytest.mark.parametrize("seed", range(40))
def test_one_band_changed_is_one_change(seed):
    rng = random.Random(seed)
    tier_name = rng.choice(list(TIERS))
    _, ratios, bounds = band_table(rng)
    old_text = render_bands(tier_name, ratios, bounds)
    old = _criteria(old_text)
    assert sum(c["metric"] == "rd_ratio" for c in old) == len(ratios), (seed, old_text)
    band = rng.randrange(len(ratios))
    changed = list(ratios)
    changed[band] = ratios[band] + rng.choice([-1, -0.5, 0.5, 1])
    if changed[band] <= 0:
        changed[band] = ratios[band] + 1
    new = _criteria(render_bands(tier_name, changed, bounds))
    diff = criteria_changes(old, new)
    assert len(diff) == 1, (seed, [d["summary_en"] for d in diff])
    (found,) = diff
    assert (found["change"], found["tier"], found["metric"]) == (
        "changed", TIERS[tier_name], "rd_ratio")
    assert (found["old"]["value"], found["new"]["value"]) == (ratios[band], changed[band])
    assert found["old"]["condition"] == found["new"]["condition"]
    assert criteria_changes(old, _criteria(old_text)) == []  # the same text: no change


@pytest.mark.parametrize("seed", range(20))
def test_a_moved_band_boundary_is_reported_never_silent(seed):
    rng = random.Random(1000 + seed)
    tier_name = rng.choice(list(TIERS))
    _, ratios, bounds = band_table(rng)
    old = _criteria(render_bands(tier_name, ratios, bounds))
    moved = list(bounds)
    index = rng.randrange(len(bounds))
    moved[index] = bounds[index] + 500
    if len(set(moved)) < len(moved) or moved != sorted(moved, reverse=True):
        pytest.skip("the moved bound would cross its neighbour")
    diff = criteria_changes(old, _criteria(render_bands(tier_name, ratios, moved)))
    assert diff, seed
    assert all(d["tier"] == TIERS[tier_name] and d["metric"] == "rd_ratio" for d in diff)
    # the two bands that share the moved bound changed; nothing else did
    assert 1 <= len({(d["old"] or d["new"])["value"] for d in diff}) <= 2


@pytest.mark.parametrize("seed", range(20))
def test_one_alternative_changed_is_one_change(seed):
    rng = random.Random(2000 + seed)
    tier_name = rng.choice(list(TIERS))
    values = {"revenue": rng.choice([1000, 1500, 2000]), "equity": rng.choice([2000, 3000]),
              "patents": rng.choice([1, 2, 3]), "ip": rng.choice([2, 5, 6])}
    old = _criteria(render_alternatives(tier_name, **values))
    assert len(old) == 4, old
    field = rng.choice(list(values))
    bumped = dict(values, **{field: values[field] * 2})
    diff = criteria_changes(old, _criteria(render_alternatives(tier_name, **bumped)))
    metric = {"revenue": "revenue", "equity": "equity_financing",
              "patents": "invention_patent_count", "ip": "class1_ip_count"}[field]
    assert [(d["change"], d["tier"], d["metric"]) for d in diff] == [
        ("changed", TIERS[tier_name], metric)], (seed, field, [d["summary_en"] for d in diff])


def test_band_change_names_its_band_in_both_languages():
    old = _criteria(render_bands("专精特新中小企业", [3, 4, 5, 6], [10000, 5000, 2000]))
    new = _criteria(render_bands("专精特新中小企业", [3, 4, 4.5, 6], [10000, 5000, 2000]))
    (change,) = criteria_changes(old, new)
    assert change["summary_zh"] == ("专精特新中小企业 研发费用占营业收入比重（适用于营业收入 ≥ 2000万元 且 "
                                    "≤ 5000万元）：≥ 5% → ≥ 4.5%")
    assert "(if revenue >= 20 million yuan and <= 50 million yuan) >= 5% -> >= 4.5%" in \
        change["summary_en"]
