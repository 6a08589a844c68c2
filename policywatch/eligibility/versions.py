"""The versions of each measure as the eligibility check sees them, and which one is in
force on a date.

A *document* is one text however many sites publish it: notices joined by ``same_as``
(and ``translation_of``) edges are one document, read from the original-language copy
with the most page versions; its latest text takes in the criteria of the other copies
in that language (a MIIT page that carries the attachments the gov.cn copy lacks). A
*version* is one page version of that copy, with the criteria of its own text (when the
text is normative or an applying notice; interpretations, news, lists and forms restate
or report and are left out) and of its normative attachments.

The version in force for a tier on a date is, among the measure's versions that state
criteria for that tier, the one that started last (effective date, else publication,
else writing, else first capture) on or before the date, and that has neither expired
(``expires`` before the date) nor been repealed by then (a page stating 该文件已于…废止).
So a successor published but not yet in force leaves its predecessor in force, and a
successor silent on a tier leaves the tier to the version before it (the 2026 Measures
keep the 2022 innovative-SME standard until a merged one is issued); the result says so
(``carried``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from policywatch.eligibility.rules import Criterion, TierRules, compile_tier, unique_criteria
from policywatch.store import Store
from policywatch.store.eligibility import (
    attachment_extractions,
    criteria_by_extraction,
    measure_version_rows,
    stated_repeals,
)

#: Document kinds whose own criteria are eligibility conditions (None: extracted before
#: kinds were read).
OWN_KINDS = frozenset({"normative", "notice", None})
#: Attachment kinds whose criteria belong to the notice that carries them.
ATTACHMENT_KINDS = frozenset({"normative", None})
TIER_ORDER = ("innovative_sme", "srdi_sme", "little_giant")


@dataclass
class MeasureVersion:
    """One version of a measure's document, with its dates and criteria by tier."""

    measure_id: str
    notice_id: int
    version_id: int
    document: int  # the lowest notice id of the document's copies
    title: str | None
    doc_number: str | None
    issuer: str | None
    region: str | None
    language: str | None
    source_id: str | None
    start: str  # ISO date it takes effect (see the module docstring)
    effective: str | None
    published: str | None
    expires: str | None
    repealed_on: str | None
    criteria: dict[str, list[Criterion]] = field(default_factory=dict)
    _rules: dict[str, TierRules] = field(default_factory=dict, repr=False)

    def rules(self, tier: str) -> TierRules:
        """The tier's criteria read once (:func:`~policywatch.eligibility.rules.compile_tier`)."""
        if tier not in self._rules:
            self._rules[tier] = compile_tier(tier, self.criteria.get(tier, []))
        return self._rules[tier]

    def in_force_on(self, day: str) -> bool:
        """Started by ``day``, not expired before it, not repealed by it."""
        return (self.start <= day and (self.expires is None or day <= self.expires)
                and (self.repealed_on is None or day < self.repealed_on))

    @property
    def order(self) -> tuple[str, str, int]:
        return (self.start, self.published or "", self.version_id)

    def facts(self) -> dict[str, Any]:
        """The version's identity for output."""
        return {"measure_id": self.measure_id, "notice_id": self.notice_id,
                "version_id": self.version_id, "title": self.title,
                "doc_number": self.doc_number, "issuer": self.issuer, "region": self.region,
                "effective": self.start, "published": self.published,
                "expires": self.expires, "repealed_on": self.repealed_on}


def _day(value: Any) -> str | None:
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def tier_sort_key(tier: str | None) -> tuple[int, str]:
    """Tiers in the order of the graded system (innovative, SRDI, Little Giant)."""
    return (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), str(tier))


def load_measures(store: Store, clusters: Mapping[int, int]) -> dict[str, list[MeasureVersion]]:
    """Every measure's versions that state criteria, oldest start first.

    Args:
        store: the open store.
        clusters: notice -> its copies' lowest id (``same_as``/``translation_of``), as
            :func:`policywatch.alerts.events.notice_clusters` gives it.
    """
    rows = measure_version_rows(store)
    attachments = attachment_extractions(store, [r["version_id"] for r in rows])
    extraction_ids = [r["extraction_id"] for r in rows if r["kind"] in OWN_KINDS]
    extraction_ids += [a["extraction_id"] for found in attachments.values() for a in found
                       if a["kind"] in ATTACHMENT_KINDS]
    criteria = criteria_by_extraction(store, extraction_ids)

    def criteria_of(row: dict[str, Any]) -> list[Criterion]:
        found = list(criteria.get(row["extraction_id"], [])) if row["kind"] in OWN_KINDS else []
        for attachment in attachments.get(row["version_id"], []):
            if attachment["kind"] in ATTACHMENT_KINDS:
                found += criteria.get(attachment["extraction_id"], [])
        return found

    by_notice: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_notice.setdefault(row["notice_id"], []).append(row)
    repealed: dict[int, str] = {}
    for repeal in stated_repeals(store):
        when = _day(repeal["repeal"].get("date")) or _day(repeal["published_date"]) \
            or _day(repeal["fetched_at"])
        document = clusters.get(repeal["notice_id"], repeal["notice_id"])
        if when and (document not in repealed or when < repealed[document]):
            repealed[document] = when

    documents: dict[tuple[str, int], list[int]] = {}
    for notice_id, versions in by_notice.items():
        key = (versions[0]["measure_id"], clusters.get(notice_id, notice_id))
        documents.setdefault(key, []).append(notice_id)
    measures: dict[str, list[MeasureVersion]] = {}
    for (measure_id, document), members in sorted(documents.items()):
        languages = [by_notice[m][-1]["language"] for m in members]
        main = "zh" if "zh" in languages else languages[0]
        same = [m for m in members if by_notice[m][-1]["language"] == main]
        primary = max(same, key=lambda m: (len(by_notice[m]), len(criteria_of(by_notice[m][-1])),
                                          -m))
        copies = [by_notice[m][-1] for m in same if m != primary]
        for row in by_notice[primary]:
            found = criteria_of(row)
            dates = dict(row["dates"])
            if row["version_id"] == row["latest_version_id"]:
                for copy in copies:  # the same text elsewhere: what this copy lacks
                    found += criteria_of(copy)
                    for key, value in copy["dates"].items():
                        if dates.get(key) is None:
                            dates[key] = value
            version = _version(measure_id, document, row, dates, repealed.get(document), found)
            if version.criteria:
                measures.setdefault(measure_id, []).append(version)
    for versions in measures.values():
        versions.sort(key=lambda v: v.order)
    return measures


def _version(measure_id: str, document: int, row: dict[str, Any], dates: dict[str, Any],
             repealed_on: str | None, found: list[Criterion]) -> MeasureVersion:
    published = _day(row["published_date"]) or _day(dates.get("published"))
    effective = _day(dates.get("effective"))
    start = (effective or published or _day(dates.get("written")) or _day(row["written_date"])
             or _day(row["fetched_at"]) or "0000-00-00")
    by_tier: dict[str, list[Criterion]] = {}
    for criterion in unique_criteria(found):
        if criterion.get("tier"):  # a threshold no tier claims cannot decide a tier
            by_tier.setdefault(criterion["tier"], []).append(criterion)
    return MeasureVersion(
        measure_id=measure_id, notice_id=row["notice_id"], version_id=row["version_id"],
        document=document, title=row["title"], doc_number=row["doc_number"],
        issuer=row["issuer"], region=row["region"], language=row["language"],
        source_id=row["source_id"], start=start, effective=effective, published=published,
        expires=_day(dates.get("expires")), repealed_on=repealed_on,
        criteria=dict(sorted(by_tier.items(), key=lambda item: tier_sort_key(item[0]))))


def in_force(versions: list[MeasureVersion], tier: str, day: str) -> MeasureVersion | None:
    """The version in force for ``tier`` on ``day`` (ISO date), or None."""
    candidates = [v for v in versions if tier in v.criteria and v.in_force_on(day)]
    return max(candidates, key=lambda v: v.order) if candidates else None


def latest_in_force(versions: list[MeasureVersion], day: str) -> MeasureVersion | None:
    """The measure's newest version in force on ``day`` whatever its tiers."""
    candidates = [v for v in versions if v.in_force_on(day)]
    return max(candidates, key=lambda v: v.order) if candidates else None


def previous_version(versions: list[MeasureVersion], tier: str,
                     current: MeasureVersion) -> MeasureVersion | None:
    """The version that stated the tier's criteria before ``current`` did."""
    earlier = [v for v in versions if tier in v.criteria and v.order < current.order]
    return max(earlier, key=lambda v: v.order) if earlier else None


def tiers_of(versions: list[MeasureVersion]) -> list[str]:
    """Every tier some version of the measure states criteria for, in tier order."""
    return sorted({t for v in versions for t in v.criteria}, key=tier_sort_key)
