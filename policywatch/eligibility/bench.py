"""``policywatch bench check``: generated companies against every version of every measure.

The profiles are drawn around the thresholds the database holds (each figure between half
and one and a half times a threshold of its metric, one in ten left out, yearly figures for
"each of the last N years"), from a fixed seed, so runs compare. The baseline, timed in the
same run over the same profiles and versions, compares the same numbers with the same
lookups but no band or alternative logic (every criterion required): what the evaluation
costs above the comparisons themselves. How often the two disagree shows what that logic
decides.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import EllipsisType
from typing import Any

from policywatch.eligibility.check import Catalog
from policywatch.eligibility.rules import STATUSES, bare_status, each_years, evaluate
from policywatch.eligibility.versions import MeasureVersion
from policywatch.errors import PolicywatchError
from policywatch.store import open_store
from policywatch.store.reporting import Echo

SEED = 16


def generate_figures(versions: list[MeasureVersion], count: int, seed: int = SEED
                     ) -> list[dict[str, dict[str | None, Any]]]:
    """``count`` companies' figures drawn around the thresholds of ``versions``."""
    thresholds: dict[str, list[float]] = {}
    periods: dict[str, set[str | None]] = {}
    for version in versions:
        for criteria in version.criteria.values():
            for criterion in criteria:
                thresholds.setdefault(criterion["metric"], []).append(float(criterion["value"]))
                periods.setdefault(criterion["metric"], set()).add(criterion.get("period"))
                condition = criterion.get("condition") or {}
                for bound in condition.get("all", [condition]) if isinstance(condition, dict) \
                        else []:
                    if isinstance(bound, dict) and "metric" in bound and "value" in bound:
                        thresholds.setdefault(bound["metric"], []).append(float(bound["value"]))
    chooser = random.Random(seed)
    companies = []
    for _ in range(count):
        figures: dict[str, dict[str | None, Any]] = {}
        for metric, values in thresholds.items():
            if chooser.random() < 0.1:
                continue  # unknown: the profile does not say
            centre = chooser.choice(values) or 1.0
            figures[metric] = {None: round(centre * chooser.uniform(0.5, 1.5), 2)}
            for period in periods[metric]:
                years = each_years(period)
                if years and chooser.random() < 0.5:
                    figures[metric][period] = tuple(
                        round(centre * chooser.uniform(0.5, 1.5), 2) for _ in range(years))
        companies.append(figures)
    return companies


@contextmanager
def _quiet() -> Iterator[None]:
    """Send file descriptors 1 and 2 (this process's and its children's output) to
    /dev/null: the demo's crawl subprocesses print their progress."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


def _database(db: Path | None, work: Path, echo: Echo,
              reference: Path | None | EllipsisType) -> tuple[Path, str]:
    if db is not None:
        return db, f"the database {db}"
    from policywatch.demo import run_demo

    path = work / "demo.db"
    started = time.perf_counter()
    try:
        with _quiet():
            run_demo(path, echo=lambda *_: None, reference=reference)
    except Exception as exc:
        raise PolicywatchError(f"building the demo database failed ({exc}); `policywatch "
                               "demo` shows why, and `policywatch --db PATH bench check` "
                               "reads a database you have") from exc
    echo(f"  built the demo database in {time.perf_counter() - started:.1f}s")
    return path, "the demo database (policywatch demo, built in a temporary folder)"


def bench_check(echo: Echo, profiles: int = 10_000, db: Path | None = None,
                reference: Path | None | EllipsisType = ...) -> dict[str, Any]:
    """Check ``profiles`` generated companies against every version and tier; print
    profiles per second next to the same-run baseline.

    Args:
        echo: where the figures are printed.
        profiles: how many companies.
        db: a processed database to read (default: build the demo's in a temporary folder).
        reference: the reference pack the demo's replay serves.
    """
    work = Path(tempfile.mkdtemp(prefix="policywatch-bench-check-"))
    try:
        echo(f"check benchmark: {profiles} generated company profiles")
        path, what = _database(db, work, echo, reference)
        with open_store(path) as store:
            started = time.perf_counter()
            catalog = Catalog.from_store(store)
            load_s = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    versions = [v for found in catalog.measures.values() for v in found]
    pairs = [(v, tier) for v in versions for tier in v.criteria]
    if not pairs:
        echo(f"  {what} holds no criteria: run `policywatch process` first")
        return {"profiles": profiles, "version_tiers": 0}
    companies = generate_figures(versions, profiles)
    started = time.perf_counter()
    compiled = [(v.rules(tier), v.criteria[tier]) for v, tier in pairs]
    compile_s = time.perf_counter() - started

    started = time.perf_counter()
    statuses = [[evaluate(rules, figures).status for rules, _ in compiled]
                for figures in companies]
    full_s = time.perf_counter() - started
    started = time.perf_counter()
    bare = [[bare_status(criteria, figures) for _, criteria in compiled]
            for figures in companies]
    baseline_s = time.perf_counter() - started

    counts = dict.fromkeys(STATUSES, 0)
    differ = 0
    for full_row, bare_row in zip(statuses, bare, strict=True):
        for full_status, bare_status_ in zip(full_row, bare_row, strict=True):
            counts[full_status] += 1
            differ += full_status != bare_status_
    evaluations = len(companies) * len(pairs)
    criteria = sum(len(c) for _, c in compiled)
    figures = {
        "profiles": len(companies), "measures": len(catalog.measures),
        "versions": len(versions), "version_tiers": len(pairs), "criteria": criteria,
        "load_s": load_s, "compile_s": compile_s, "check_s": full_s,
        "baseline_s": baseline_s, "profiles_per_s": len(companies) / full_s,
        "baseline_profiles_per_s": len(companies) / baseline_s,
        "ratio_to_baseline": baseline_s / full_s, "tier_checks": evaluations,
        "statuses": counts, "baseline_disagrees": differ,
    }
    echo(f"  {what}: {len(catalog.measures)} measures, {len(versions)} versions, "
         f"{len(pairs)} version-tiers, {criteria} criteria (read in {load_s:.2f}s, "
         f"compiled in {compile_s * 1000:.1f} ms)")
    echo(f"  check (bands, routes, yearly figures): {figures['profiles_per_s']:,.0f} profiles/s "
         f"({full_s:.2f}s for {evaluations:,} tier checks)")
    echo(f"  baseline (same comparisons, every criterion required): "
         f"{figures['baseline_profiles_per_s']:,.0f} profiles/s ({baseline_s:.2f}s); the check "
         f"runs at {figures['ratio_to_baseline']:.2f}x the baseline's speed")
    echo(f"  statuses: {counts['eligible']:,} eligible, {counts['not_eligible']:,} not eligible, "
         f"{counts['unknown']:,} unknown; the baseline's status differs in {differ:,} "
         f"({differ / evaluations:.1%}) of them")
    return figures
