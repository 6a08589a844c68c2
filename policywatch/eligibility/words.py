"""How the eligibility check names statuses, results, tiers and criteria for people, in
Chinese and English (the metric, tier, period and comparator names of ``nlp/data``)."""

from __future__ import annotations

from typing import Any

from policywatch.eligibility.rules import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN

STATUS_NAMES = {ELIGIBLE: ("符合", "eligible"), NOT_ELIGIBLE: ("不符合", "not eligible"),
                UNKNOWN: ("信息不足", "unknown")}
RESULT_NAMES = {"met": ("满足", "met"), "unmet": ("不满足", "unmet"),
                "unknown": ("未知", "unknown"), "not_applicable": ("不适用", "not applicable")}


def tier_name(tier: str | None, language: str) -> str:
    """A tier's display name (tiers.json)."""
    from policywatch.nlp.extract.lexicon import display_names

    entry = display_names("tiers").get(str(tier))
    return entry[language] if entry else str(tier)


def describe_actual(actual: Any, unit: str | None, language: str) -> str:
    """The company's figure as a person writes it (``1200万元``, ``4%, 3.5%``, ``—``).

    >>> describe_actual(12000000.0, "yuan", "zh"), describe_actual([4.0, 3.5], "percent", "en")
    ('1200万元', '4%, 3.5%')
    """
    from policywatch.nlp.link.diff import format_value

    if actual is None:
        return "—"
    if isinstance(actual, (list, tuple)):
        return ", ".join(format_value(v, unit, language) for v in actual)
    return format_value(actual, unit, language)


def describe_criterion(criterion: dict[str, Any], language: str, *,
                       metric_name: bool = True) -> str:
    """``营业收入 ≥ 1500万元（上年度）`` / ``revenue >= 15 million yuan (last year)``, with
    the band or route it belongs to."""
    from policywatch.nlp.extract.lexicon import display_names
    from policywatch.nlp.link.diff import describe_condition, describe_threshold

    entry = display_names("metrics").get(criterion["metric"])
    metric = entry[language] if entry else criterion["metric"]
    text = describe_threshold(criterion, language)
    if metric_name:
        text = f"{metric} {text}"
    condition = criterion.get("condition")
    if isinstance(condition, dict) and "alternative_to" not in condition \
            and "alternative_group" not in condition:
        note = describe_condition(condition, language)
        text += f"（{note}）" if language == "zh" else f" ({note})"
    return text


def group_name(group: str) -> str:
    """A route group or band table by its metric's names (营业收入 revenue), else as is.

    >>> group_name("band:revenue"), group_name("art4")
    ('营业收入 revenue', 'art4')
    """
    from policywatch.nlp.extract.lexicon import display_names

    metric = group.removeprefix("band:")
    entry = display_names("metrics").get(metric)
    return f"{entry['zh']} {entry['en']}" if entry else metric
