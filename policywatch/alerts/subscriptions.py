"""Which events a subscription wants, and why.

A subscription's filters are lists; an event must match every list that is given, and
within a list any one value will do. Values are compared NFKC-folded and case-folded.

- ``types``: event types (``new_measure``, ``criteria_changed``, ...);
- ``tiers`` and ``metrics``: ids from the criteria diff (or, for an event without one, the
  notice's extraction), e.g. ``srdi_sme`` and ``revenue``;
- ``issuers`` and ``regions``: a filter value contained in the event's issuer or region
  (``江苏`` matches ``江苏省``; national sources have the region ``national``);
- ``sources``: source ids (``miit``, ``govcn``, ...);
- ``keywords``: contained in a title, a summary (Chinese or English) or a document number;
- ``languages``: ``zh`` or ``en``, a language the event's notices exist in (a Chinese
  measure with an English translation has both);
- ``profiles``: the company profile of a ``subscribe --profile`` subscription. An
  ``eligibility_changed`` event is about one such profile and private to it: only the
  subscription whose ``profiles`` names it takes it, whatever else it filters on.

A ``source_broken`` event is about a source, not a text: only ``types``, ``sources``,
``regions`` and ``languages`` apply to it, so a researcher following SRDI criteria still
learns that a source they rely on went blind.

When one change is both a ``new_version`` and a ``criteria_changed`` event and a
subscription takes both, it hears about it once: the ``criteria_changed`` event.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

FILTER_KEYS = ("types", "tiers", "metrics", "issuers", "regions", "sources", "keywords",
               "languages", "profiles")
PRIVATE_EVENTS = {"eligibility_changed": "profiles"}  # event type -> the filter it needs
SOURCE_EVENT_KEYS = {"types", "sources", "regions", "languages"}
_CONTAINS = {"issuers", "regions"}


def fold(text: Any) -> str:
    """Compare-form of a string: NFKC, case-folded, outer spaces removed.

    >>> fold("ＳＲＤＩ ")
    'srdi'
    """
    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


def normalize_filters(**lists: Iterable[str] | None) -> dict[str, list[str]]:
    """Keep the non-empty filter lists, values stripped and de-duplicated in order.

    >>> normalize_filters(tiers=["srdi_sme", " srdi_sme"], keywords=[], sources=None)
    {'tiers': ['srdi_sme']}
    """
    unknown = set(lists) - set(FILTER_KEYS)
    if unknown:
        raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    filters: dict[str, list[str]] = {}
    for key in FILTER_KEYS:
        values = [str(v).strip() for v in (lists.get(key) or []) if str(v).strip()]
        if values:
            filters[key] = list(dict.fromkeys(values))
    return filters


def _event_values(event: dict[str, Any], key: str) -> list[str]:
    payload = event.get("payload") or {}
    if key == "types":
        return [event["type"]]
    if key == "keywords":
        texts = [event.get("title"), event.get("summary_zh"), event.get("summary_en"),
                 *payload.get("titles", []), *payload.get("doc_numbers", [])]
        return [t for t in texts if t]
    return [str(v) for v in payload.get(key, []) if v]


def explain_match(filters: dict[str, list[str]], event: dict[str, Any]
                  ) -> dict[str, list[str]] | None:
    """Return what matched, per filter (the reason told with the alert), or None.

    >>> event = {"type": "criteria_changed", "title": "认定标准", "summary_zh": "营业收入",
    ...          "summary_en": "revenue",
    ...          "payload": {"tiers": ["srdi_sme"], "regions": ["江苏省"]}}
    >>> explain_match({"tiers": ["srdi_sme"], "regions": ["江苏"]}, event)
    {'tiers': ['srdi_sme'], 'regions': ['江苏']}
    >>> explain_match({"tiers": ["little_giant"]}, event) is None
    True
    """
    reason: dict[str, list[str]] = {}
    private = PRIVATE_EVENTS.get(event["type"])
    if private and not filters.get(private):
        return None  # one company's eligibility is news to its own subscription alone
    for key in FILTER_KEYS:
        wanted = filters.get(key)
        if not wanted:
            continue
        if key in PRIVATE_EVENTS.values() and key != private:
            continue  # a profile subscription may take other events too (--event)
        if event["type"] == "source_broken" and key not in SOURCE_EVENT_KEYS:
            continue
        have = [fold(v) for v in _event_values(event, key)]
        if key in _CONTAINS or key == "keywords":
            hits = [w for w in wanted if any(fold(w) in value for value in have)]
        else:
            hits = [w for w in wanted if fold(w) in have]
        if not hits:
            return None
        reason[key] = hits
    return reason


def select_events(filters: dict[str, list[str]], events: list[dict[str, Any]]
                  ) -> list[tuple[dict[str, Any], dict[str, list[str]]]]:
    """The events a subscription takes, with the reason for each, in order.

    A ``new_version`` event is dropped when the same change's ``criteria_changed`` event is
    taken too (one change, one alert).
    """
    taken = []
    for event in events:
        reason = explain_match(filters, event)
        if reason is not None:
            taken.append((event, reason))
    criteria_changes = {(e.get("payload") or {}).get("change_key") for e, _ in taken
                        if e["type"] == "criteria_changed"}
    return [(event, reason) for event, reason in taken
            if not (event["type"] == "new_version"
                    and (event.get("payload") or {}).get("change_key") in criteria_changes)]


def describe_filters(filters: dict[str, list[str]]) -> str:
    """One line for ``subscribe --list``.

    >>> describe_filters({"tiers": ["srdi_sme"], "keywords": ["营业收入", "研发"]})
    'tiers=srdi_sme keywords=营业收入,研发'
    >>> describe_filters({})
    'everything'
    """
    parts = [f"{key}={','.join(filters[key])}" for key in FILTER_KEYS if filters.get(key)]
    return " ".join(parts) or "everything"


def describe_reason(reason: dict[str, list[str]]) -> str:
    """The reason an alert was sent, for people.

    >>> describe_reason({"tiers": ["srdi_sme"], "keywords": ["营业收入"]})
    'tier srdi_sme; keyword 营业收入'
    >>> describe_reason({})
    'you subscribed to every event'
    """
    singular = {"types": "event type", "tiers": "tier", "metrics": "metric",
                "issuers": "issuer", "regions": "region", "sources": "source",
                "keywords": "keyword", "languages": "language", "profiles": "profile"}
    parts = [f"{singular[key]} {', '.join(values)}" for key, values in reason.items()]
    return "; ".join(parts) or "you subscribed to every event"
