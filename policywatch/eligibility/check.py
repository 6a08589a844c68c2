"""The eligibility check: a company profile against every measure in force for it.

:func:`check_profile` is the library entry point (``policywatch check``, the web app's
``/api/check``): for every measure that applies to the company's region, the version in
force on the date (:mod:`policywatch.eligibility.versions`), and for each of its tiers the
status with every criterion (:mod:`policywatch.eligibility.rules`). :func:`check_many`
runs many profiles against the same versions (``check --csv``) and counts statuses per
tier, and with ``compare_previous`` how many flip from the version before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from policywatch.eligibility.profiles import Profile, is_national, merge_region, region_applies
from policywatch.eligibility.rules import STATUSES, evaluate
from policywatch.eligibility.versions import (
    MeasureVersion,
    in_force,
    latest_in_force,
    load_measures,
    previous_version,
    tier_sort_key,
    tiers_of,
)
from policywatch.eligibility.words import (
    STATUS_NAMES,
    describe_actual,
    describe_criterion,
    group_name,
    tier_name,
)
from policywatch.errors import PolicywatchError
from policywatch.store import Store


class CheckError(PolicywatchError):
    """A check that cannot run as asked (a bad date, an unknown tier)."""


def parse_day(text: str | None) -> str:
    """An ISO date for ``--as-of`` (today, UTC, when None).

    >>> parse_day("2026-4-1")
    '2026-04-01'
    """
    if text is None:
        return datetime.now(UTC).date().isoformat()
    parts = text.strip().replace("/", "-").split("-")
    try:
        return date(*(int(p) for p in parts)).isoformat()  # type: ignore[misc]
    except (TypeError, ValueError):
        raise CheckError(f"{text!r} is not a date like 2026-04-01") from None


@dataclass
class Catalog:
    """Every measure's versions, read once for any number of checks."""

    measures: dict[str, list[MeasureVersion]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store) -> Catalog:
        from policywatch.alerts.events import notice_clusters

        return cls(load_measures(store, notice_clusters(store)))

    def applicable(self, region: str | None) -> dict[str, list[MeasureVersion]]:
        """The measures that apply in ``region`` (by the region of their source)."""
        return {m: versions for m, versions in self.measures.items()
                if region_applies(versions[-1].region, region)}


def _row(version: MeasureVersion, tier: str, outcome: Any,
         newest: MeasureVersion | None) -> dict[str, Any]:
    carried = newest is not None and newest.version_id != version.version_id
    return {
        **version.facts(), "tier": tier, "status": outcome.status,
        "criteria": [c.as_dict() for c in outcome.criteria], "notes": list(outcome.notes),
        "carried_from": version.version_id if carried else None,
        "newest_version_id": newest.version_id if newest else None,
    }


def check_profile(store: Store | None, profile: Profile, *, as_of: str | None = None,
                  tiers: Iterable[str] = (), region: str | None = None,
                  catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """Check one company against every measure in force for it on ``as_of``.

    Args:
        store: the open store (not read when ``catalog`` is given).
        profile: the company (:func:`policywatch.eligibility.profiles.load_profile`,
            :func:`~policywatch.eligibility.profiles.profile_from_mapping`).
        as_of: ISO date (default today, UTC).
        tiers: only these tier ids (default all).
        region: the company's region instead of the profile's.
        catalog: measures read before (many checks against one store).

    Returns:
        One row per measure and tier, national measures first: ``notice_id``, ``title``,
        ``doc_number``, ``tier``, ``status`` (eligible, not_eligible, unknown),
        ``criteria`` (``metric``, ``op``, ``value``, ``unit``, ``period``, ``condition``,
        ``actual``, ``result``: met, unmet, unknown or not_applicable, ``role``, ``group``,
        ``group_result``, ``text``, ``clause``), ``version_id``, ``measure_id``,
        ``effective``, ``expires``, ``region``, ``notes`` and ``carried_from`` (the
        version the tier's criteria come from when the newest one in force states none).
    """
    day = parse_day(as_of)
    if catalog is None:
        if store is None:
            raise CheckError("check_profile needs a store or a catalog")
        catalog = Catalog.from_store(store)
    profile = merge_region(profile, region)
    wanted = set(tiers)
    rows = []
    for versions in catalog.applicable(profile.region).values():
        newest = latest_in_force(versions, day)
        for tier in tiers_of(versions):
            if wanted and tier not in wanted:
                continue
            version = in_force(versions, tier, day)
            if version is None:
                continue
            outcome = evaluate(version.rules(tier), profile.figures)
            rows.append(_row(version, tier, outcome, newest))
    rows.sort(key=lambda r: (not is_national(r["region"]), r["region"] or "",
                             r["measure_id"], tier_sort_key(r["tier"])))
    return rows


@dataclass
class TierSummary:
    """How many companies have each status under one version of a measure for one tier,
    and, against the version before, how many changed status and how."""

    measure_id: str
    tier: str
    version: MeasureVersion
    previous: MeasureVersion | None
    counts: Counter[str] = field(default_factory=Counter)
    flips: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure_id": self.measure_id, "tier": self.tier,
            "version_id": self.version.version_id, "notice_id": self.version.notice_id,
            "title": self.version.title, "doc_number": self.version.doc_number,
            "effective": self.version.start, "region": self.version.region,
            "counts": {s: self.counts.get(s, 0) for s in STATUSES},
            "previous_version_id": self.previous.version_id if self.previous else None,
            "flipped": sum(n for key, n in self.flips.items()
                           if key.split("->")[0] != key.split("->")[1]),
            "flips": dict(sorted(self.flips.items())),
        }


def check_many(store: Store | None, profiles: list[Profile], *, as_of: str | None = None,
               tiers: Iterable[str] = (), region: str | None = None,
               compare_previous: bool = False, catalog: Catalog | None = None
               ) -> tuple[list[dict[str, Any]], list[TierSummary]]:
    """Check many companies; return each one's rows and a summary per measure and tier.

    With ``compare_previous``, each company is also checked against the version before
    the one in force (for the same tier) and the summary counts the status changes
    (``eligible->not_eligible``: 3).
    """
    day = parse_day(as_of)
    catalog = catalog or Catalog.from_store(store)  # type: ignore[arg-type]
    wanted = set(tiers)
    summaries: dict[tuple[str, str, int], TierSummary] = {}
    results = []
    for profile in profiles:
        profile = merge_region(profile, region)
        rows = check_profile(None, profile, as_of=day, tiers=wanted, catalog=catalog)
        versions_of = catalog.measures
        for row in rows:
            versions = versions_of[row["measure_id"]]
            version = next(v for v in versions if v.version_id == row["version_id"])
            key = (row["measure_id"], row["tier"], row["version_id"])
            summary = summaries.get(key)
            if summary is None:
                previous = previous_version(versions, row["tier"], version) \
                    if compare_previous else None
                summary = summaries[key] = TierSummary(row["measure_id"], row["tier"], version,
                                                       previous)
            summary.counts[row["status"]] += 1
            if summary.previous is not None:
                before = evaluate(summary.previous.rules(row["tier"]), profile.figures).status
                row["previous_version_id"] = summary.previous.version_id
                row["previous_status"] = before
                summary.flips[f"{before}->{row['status']}"] += 1
        results.append({"name": profile.name, "region": profile.region, "origin": profile.origin,
                        "results": rows})
    ordered = sorted(summaries.values(), key=lambda s: (
        not is_national(s.version.region), s.version.region or "", s.measure_id,
        tier_sort_key(s.tier)))
    return results, ordered


def render_text(rows: list[dict[str, Any]], profile: Profile, as_of: str) -> list[str]:
    """``policywatch check`` without --json: a block per measure, a line per criterion
    (result, threshold, the company's figure, the clause), routes and bands under the
    group they form."""
    from policywatch.eligibility.words import RESULT_NAMES

    lines = [f"{profile.name}" + (f" ({profile.region})" if profile.region else
                                  " (no region: national measures only)")
             + f", as of {as_of}"]
    if not rows:
        lines.append("No measure with criteria is in force for this company on that date "
                     "(crawl or import, then `policywatch process`).")
    current = None
    for row in rows:
        if row["measure_id"] != current:
            current = row["measure_id"]
            number = f"{row['doc_number']} " if row.get("doc_number") else ""
            where = "national" if is_national(row["region"]) else row["region"]
            lines += ["", f"{number}{row['title']}",
                      f"  in force from {row['effective']} ({where}; measure "
                      f"{row['measure_id']}, notice {row['notice_id']}, version "
                      f"{row['version_id']})"]
        zh, en = STATUS_NAMES[row["status"]]
        lines.append(f"  {tier_name(row['tier'], 'zh')} {tier_name(row['tier'], 'en')}: "
                     f"{zh} {en}")
        if row.get("carried_from") and row.get("newest_version_id"):
            lines.append(f"    (version {row['newest_version_id']} states no criteria for this "
                         f"tier; they are version {row['version_id']}'s)")
        group = None
        for criterion in row["criteria"]:
            indent = "    "
            if criterion["group"]:
                indent = "      "
                if criterion["group"] != group:
                    what = ("one route is enough" if criterion["role"] == "route"
                            else "the band the company is in applies")
                    lines.append(f"    {RESULT_NAMES[criterion['group_result']][1]:<14} "
                                 f"{group_name(criterion['group'])}: {what}")
            group = criterion["group"]
            actual = describe_actual(criterion["actual"], criterion["unit"], "zh")
            source = f"{criterion['clause'] or ''} {criterion['text'] or ''}".strip()
            lines.append(f"{indent}{RESULT_NAMES[criterion['result']][1]:<14} "
                         f"{describe_criterion(criterion, 'zh')} | 企业 {actual} | "
                         f"{clip(source, 48)}")
        for note in row.get("notes") or []:
            lines.append(f"    note: {note}")
    return lines


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_summary(summaries: list[TierSummary], companies: int, as_of: str,
                   compare_previous: bool) -> list[str]:
    """``check --csv``: per measure and tier, statuses counted (and flips)."""
    lines = [f"{companies} companies, as of {as_of}"]
    for summary in summaries:
        version = summary.version
        number = f" {version.doc_number}" if version.doc_number else ""
        counts = ", ".join(f"{summary.counts.get(s, 0)} {STATUS_NAMES[s][1]}" for s in STATUSES)
        lines.append(f"{version.title}{number} (measure {summary.measure_id}, version "
                     f"{version.version_id}, from {version.start})")
        lines.append(f"  {tier_name(summary.tier, 'en')}: {counts}")
        if compare_previous:
            if summary.previous is None:
                lines.append("    no earlier version states criteria for this tier")
                continue
            document = summary.as_dict()
            changes = ", ".join(f"{n} {k.replace('->', ' -> ')}"
                                for k, n in document["flips"].items()
                                if k.split("->")[0] != k.split("->")[1]) or "none"
            lines.append(f"    against version {summary.previous.version_id} (from "
                         f"{summary.previous.start}): {document['flipped']} changed status "
                         f"({changes})")
    return lines
