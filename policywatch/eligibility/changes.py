"""When a new version flips a company's status: ``eligibility_changed`` events.

A ``subscribe --profile`` subscription keeps its company profile in the store. For each
measure that applies to the company's region and each tier, every version is compared
with the version that stated the tier's criteria before it; a version stored after the
subscription (its id above the subscription's starting point) whose status differs makes
one event, named by subscription, measure, version and tier, so it is derived once
however often ``notify`` runs. The event names the criteria whose result changed, in
Chinese and English, and is private to its subscription (its ``profiles`` filter).

:mod:`policywatch.alerts.events` records the events (adding the facets every event has);
this module decides them and never imports the alert modules.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policywatch.eligibility.profiles import (
    Profile,
    ProfileError,
    profile_from_mapping,
    region_applies,
)
from policywatch.eligibility.rules import MET, NOT_APPLICABLE, UNMET, TierOutcome, evaluate
from policywatch.eligibility.versions import MeasureVersion, load_measures, tiers_of
from policywatch.eligibility.words import (
    RESULT_NAMES,
    STATUS_NAMES,
    describe_actual,
    describe_criterion,
    tier_name,
)
from policywatch.store import Store
from policywatch.store.eligibility import (
    change_between,
    last_version_id,
    profile_subscriptions,
    set_subscription_profile,
)

EVENT_TYPE = "eligibility_changed"
LOG = logging.getLogger(__name__)
PROFILE_FILTER = "profiles"
SUMMARY_ITEMS = 6  # criteria named in a summary; the payload has them all


def profile_key(subscription_id: int) -> str:
    """The value of a profile subscription's ``profiles`` filter and of its events'.

    >>> profile_key(7)
    'subscription-7'
    """
    return f"subscription-{subscription_id}"


def attach_profile(store: Store, subscription_id: int, profile: Profile,
                   filters: dict[str, Any], *, backfill: bool = False) -> dict[str, Any]:
    """Keep ``profile`` on a new subscription; return its filters, now naming the profile.

    Without ``backfill`` the versions stored now are the starting point: only a version
    stored later can flip a status and make an event.
    """
    filters = {**filters, PROFILE_FILTER: [profile_key(subscription_id)]}
    since = 0 if backfill else last_version_id(store)
    set_subscription_profile(store, subscription_id, profile.as_dict(), since, filters)
    return filters


@dataclass
class Flip:
    """One version changing one tier's status for one company."""

    measure_id: str
    tier: str
    old: MeasureVersion
    new: MeasureVersion
    before: TierOutcome
    after: TierOutcome
    criteria: list[dict[str, Any]]


def _key(criterion: dict[str, Any]) -> tuple[str, ...]:
    from policywatch.nlp.link.diff import criterion_key

    return criterion_key(criterion)


def _loose_key(criterion: dict[str, Any]) -> tuple[str, str]:
    side = "lower" if criterion["op"] in (">=", ">") else "upper"
    return (str(criterion["metric"]), side)


def flipped_criteria(before: TierOutcome, after: TierOutcome) -> list[dict[str, Any]]:
    """The criteria whose result differs between two versions' outcomes for a company.

    Criteria pair as the criteria diff pairs them (tier, metric, floor or ceiling, and
    condition), then by metric and side where one is left on each side. A new criterion
    is named unless it is met; a dropped one only when it was unmet (it blocked before).
    """
    old = [o.as_dict() for o in before.criteria]
    new = [o.as_dict() for o in after.criteria]
    for item in (*old, *new):
        item["tier"] = before.tier
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    free = {id(o): o for o in old}
    left_new = []
    for item in new:
        partner = next((o for o in free.values() if _key(o) == _key(item)), None)
        if partner is not None:
            del free[id(partner)]
            pairs.append((partner, item))
        else:
            left_new.append(item)
    for item in left_new:
        same = [o for o in free.values() if _loose_key(o) == _loose_key(item)]
        news = [n for n in left_new if _loose_key(n) == _loose_key(item)]
        if len(same) == 1 and len(news) == 1:
            del free[id(same[0])]
            pairs.append((same[0], item))
        else:
            pairs.append((None, item))
    pairs.extend((o, None) for o in free.values())
    flipped = []
    for was, now in pairs:
        if was is not None and now is not None:
            if was["result"] == now["result"] or {was["result"], now["result"]} <= {
                    NOT_APPLICABLE}:
                continue
            change = "changed"
        elif now is not None:
            if now["result"] == MET:
                continue
            change = "added"
        else:
            assert was is not None
            if was["result"] != UNMET:
                continue
            change = "removed"
        flipped.append({"metric": (now or was)["metric"], "change": change,  # type: ignore[index]
                        "old": was, "new": now})
    return flipped


def _item(flip: dict[str, Any], language: str) -> str:
    was, now = flip["old"], flip["new"]
    sample = now or was
    results = RESULT_NAMES
    index = 0 if language == "zh" else 1
    actual = describe_actual(sample["actual"], sample["unit"], language)
    if flip["change"] == "changed":
        old_text = describe_criterion(was, language)
        new_text = describe_criterion(now, language, metric_name=now["metric"] != was["metric"])
        threshold = old_text if describe_criterion(now, language) == old_text else (
            f"{old_text} → {new_text}" if language == "zh" else f"{old_text} -> {new_text}")
        if language == "zh":
            return (f"{threshold}，企业{actual}：{results[was['result']][0]}→"
                    f"{results[now['result']][0]}")
        return (f"{threshold}, company {actual}: {results[was['result']][1]} -> "
                f"{results[now['result']][1]}")
    if flip["change"] == "added":
        return (f"新增 {describe_criterion(now, 'zh')}，企业{actual}：{results[now['result']][0]}"
                if language == "zh" else f"new: {describe_criterion(now, 'en')}, company "
                f"{actual}: {results[now['result']][1]}")
    return (f"删除 {describe_criterion(was, 'zh')}（原为{results[was['result']][index]}）"
            if language == "zh" else f"dropped: {describe_criterion(was, 'en')} (was "
            f"{results[was['result']][index]})")


def summaries(profile_name: str, flip: Flip) -> tuple[str, str]:
    """The event's summary in Chinese and in English."""
    new = flip.new
    before, after = STATUS_NAMES[flip.before.status], STATUS_NAMES[flip.after.status]
    number_zh = f"（{new.doc_number}，{new.start}起施行）" if new.doc_number else \
        f"（{new.start}起施行）"
    number_en = f" ({new.doc_number}, in force from {new.start})" if new.doc_number else \
        f" (in force from {new.start})"
    items = flip.criteria[:SUMMARY_ITEMS]
    more = len(flip.criteria) - len(items)
    zh_items = "；".join(_item(c, "zh") for c in items) + (f"；另有{more}项" if more else "")
    en_items = "; ".join(_item(c, "en") for c in items) + (f"; and {more} more" if more else "")
    title = (new.title or "").replace("《", "〈").replace("》", "〉")
    zh = (f"{profile_name}：{tier_name(flip.tier, 'zh')}资格由“{before[0]}”变为“{after[0]}”，"
          f"依据《{title}》{number_zh}" + (f"；变化的条件：{zh_items}" if items else ""))
    en = (f"{profile_name}: {tier_name(flip.tier, 'en')} status {before[1]} -> {after[1]} "
          f"under \u201c{new.title}\u201d{number_en}"
          + (f"; criteria that flipped: {en_items}" if items else ""))
    return zh, en


def status_flips(measures: Mapping[str, list[MeasureVersion]], profile: Profile,
                 since_version_id: int = 0, tiers: set[str] | None = None) -> list[Flip]:
    """Every version after ``since_version_id`` that changes the profile's status for a
    tier against the version before it, in the measures that apply to its region."""
    flips = []
    for measure_id, versions in measures.items():
        if not region_applies(versions[-1].region, profile.region):
            continue
        for tier in tiers_of(versions):
            if tiers and tier not in tiers:
                continue
            stated = [v for v in versions if tier in v.criteria]
            for old, new in zip(stated, stated[1:], strict=False):
                if new.version_id <= since_version_id:
                    continue
                before = evaluate(old.rules(tier), profile.figures)
                after = evaluate(new.rules(tier), profile.figures)
                if before.status != after.status:
                    flips.append(Flip(measure_id, tier, old, new, before, after,
                                      flipped_criteria(before, after)))
    return flips


def profile_events(store: Store, clusters: Mapping[int, int], known: set[str]
                   ) -> list[dict[str, Any]]:
    """``eligibility_changed`` events not recorded yet, for every profile subscription;
    their keys are added to ``known``. The payload lacks the facets of
    :func:`policywatch.alerts.events.facets`, which the caller adds."""
    subscriptions = profile_subscriptions(store)
    if not subscriptions:
        return []
    measures = load_measures(store, clusters)
    events = []
    for subscription in subscriptions:
        try:
            profile = profile_from_mapping(subscription["profile"])
        except ProfileError as exc:  # e.g. a metric renamed since: the others still run
            LOG.warning("subscription #%s: its profile cannot be read (%s); "
                        "subscribe --profile again", subscription["id"], exc)
            continue
        key = profile_key(subscription["id"])
        for flip in status_flips(measures, profile,
                                 subscription["profile_since_version_id"] or 0):
            dedup = (f"{EVENT_TYPE}:{key}:{flip.measure_id}:v{flip.new.version_id}:"
                     f"{flip.tier}")
            if dedup in known:
                continue
            known.add(dedup)
            zh, en = summaries(profile.name, flip)
            notice_ids = list(dict.fromkeys([flip.old.notice_id, flip.new.notice_id]))
            events.append({
                "type": EVENT_TYPE, "dedup_key": dedup,
                "title": f"{profile.name}: {flip.new.title}", "notice_ids": notice_ids,
                "measure_id": flip.measure_id,
                "change_id": change_between(store, flip.old.version_id, flip.new.version_id),
                "source_id": flip.new.source_id, "summary_zh": zh, "summary_en": en,
                "payload": {
                    PROFILE_FILTER: [key], "subscription_id": subscription["id"],
                    "profile_name": profile.name, "tier": flip.tier, "tiers": [flip.tier],
                    "metrics": sorted({c["metric"] for c in flip.criteria}),
                    "old_status": flip.before.status, "new_status": flip.after.status,
                    "old_version_id": flip.old.version_id,
                    "new_version_id": flip.new.version_id,
                    "version_ids": [flip.old.version_id, flip.new.version_id],
                    "effective": flip.new.start, "criteria": flip.criteria,
                },
            })
    return events
