"""One tier's criteria evaluated against one company's figures: pure functions.

Nothing here reads the store, a file or the clock: criteria come in as the extraction
stores them (``tier``, ``metric``, ``op``, ``value`` in base units, ``unit``, ``period``,
``condition``, ``text``, ``clause``), figures as :data:`Figures`, and the answer is a
:class:`TierOutcome`. :func:`compile_tier` reads how a tier's criteria combine once, so a
version's rules can be evaluated against many companies (``policywatch bench check``).

How criteria combine (the shapes ``policywatch.nlp.extract.criteria`` writes):

* no condition: required.
* ``{"alternative_to": T}``: another way to satisfy T, the criterion of the same tier with
  T's metric, comparator and value (chains are followed: an alternative to an alternative
  belongs to the same group; a T that is not among the criteria stands in as written).
  The group passes when any route passes.
* a single ceiling on a metric the tier must otherwise reach (``或上年度营业收入总额在1000
  万元以下，但近2年新增股权融资总额…达到2000万元以上``): a route to that floor; the route
  passes when both its condition and its own threshold hold.
* ``{"alternative_group": clause}``: "any one of the conditions listed" with no threshold
  of its own; an alternative to the criterion whose sentence points at the list
  (``评价得分达到六十分以上，或满足第四条所列条件之一``), else a requirement on its own.
* any other bound or ``{"all": [...]}`` on a metric: a band of a table (``上年度营业收入
  总额在1亿元以上的企业…不低于3%；在5000万元—1亿元的企业…不低于6%``): the criteria of
  the band the company falls in apply. At a shared boundary either band will do, as such
  tables say (满足以下一项即可). A company outside every band is ``unknown`` (the text
  read says nothing for it), unless an unconditional criterion on the same metric is there
  to cover it.

Three-valued throughout: a missing figure makes ``unknown``, never ``met``. A route or
requirement is ``met`` only when all it needs is met, ``unmet`` as soon as one part is
unmet; a group is ``met`` when any route is met and ``unmet`` only when every route is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Criterion = dict[str, Any]
#: A company's figures: metric id -> {period id or None (the plain value): number, or a
#: tuple of yearly numbers, most recent first, for an ``each_of_last_N_years`` period}.
Figures = Mapping[str, Mapping[str | None, Any]]

MET, UNMET, UNKNOWN, NOT_APPLICABLE = "met", "unmet", "unknown", "not_applicable"
RESULTS = (MET, UNMET, UNKNOWN, NOT_APPLICABLE)
ELIGIBLE, NOT_ELIGIBLE = "eligible", "not_eligible"
STATUSES = (ELIGIBLE, NOT_ELIGIBLE, UNKNOWN)

_LOWER = frozenset({">=", ">"})
_UPPER = frozenset({"<=", "<"})
# Which stored figure answers a criterion's period, best first. A plain value (None)
# answers any period: the profile gives one figure where the years do not differ.
_LOOKUP = {
    None: (None, "last_year", "as_of_last_year_end"),
    "last_year": ("last_year", "as_of_last_year_end", None),
    "as_of_last_year_end": ("as_of_last_year_end", "last_year", None),
}
# Wording of a sentence that points at a list of alternative conditions.
_LIST_POINTERS = ("条件之一", "一项即可", "之一即可", "one of the following", "any one of",
                  "one of the conditions")


def each_years(period: str | None) -> int:
    """How many years an ``each_of_last_N_years`` period covers (0 for other periods).

    >>> each_years("each_of_last_2_years"), each_years("last_2_years"), each_years(None)
    (2, 0, 0)
    """
    if period and period.startswith("each_of_last_") and period.endswith("_years"):
        number = period.removeprefix("each_of_last_").removesuffix("_years")
        return int(number) if number.isdigit() else 0
    return 0


def lookup(figures: Figures, metric: str, period: str | None) -> Any:
    """The company's figure for ``metric`` over ``period``: a number, a tuple of yearly
    numbers, or None when the profile does not say.

    >>> figures = {"revenue": {None: 1.2e7, "last_2_years": 3e7}}
    >>> lookup(figures, "revenue", "last_year"), lookup(figures, "revenue", "last_2_years")
    (12000000.0, 30000000.0)
    >>> lookup(figures, "rd_ratio", "last_year") is None
    True
    """
    values = figures.get(metric)
    if not values:
        return None
    for key in _LOOKUP.get(period, (period, None)):
        if key in values and values[key] is not None:
            return values[key]
    return None


def compare(actual: float, op: str, threshold: float) -> bool:
    """``actual op threshold``, with a tolerance for amounts parsed in different ways.

    >>> compare(15000000.000000002, ">=", 15000000), compare(2, ">", 2), compare(70, "<=", 70)
    (True, False, True)
    """
    slack = 1e-9 * max(1.0, abs(threshold))
    if op == ">=":
        return actual >= threshold - slack
    if op == ">":
        return actual > threshold + slack
    if op == "<=":
        return actual <= threshold + slack
    if op == "<":
        return actual < threshold - slack
    if op == "==":
        return abs(actual - threshold) <= slack
    raise ValueError(f"unknown comparator {op!r}")


def check_value(actual: Any, op: str, threshold: float, period: str | None) -> str:
    """Met, unmet or unknown for one figure (yearly figures: each year must pass).

    >>> check_value(4.0, ">=", 3, "last_year"), check_value(None, ">=", 3, None)
    ('met', 'unknown')
    >>> check_value((4.0, 2.5), ">=", 3, "each_of_last_2_years")
    'unmet'
    >>> check_value((4.0,), ">=", 3, "each_of_last_2_years")
    'unknown'
    """
    if actual is None:
        return UNKNOWN
    if isinstance(actual, (tuple, list)):
        years = each_years(period) or 1
        values = list(actual)[:years]
        if any(not compare(float(v), op, threshold) for v in values):
            return UNMET
        return MET if len(values) >= years else UNKNOWN
    return MET if compare(float(actual), op, threshold) else UNMET


def all_of(results: Iterable[str]) -> str:
    """Three-valued AND: unmet beats unknown beats met (an empty list is met).

    >>> all_of(["met", "unknown"]), all_of(["unknown", "unmet"]), all_of([])
    ('unknown', 'unmet', 'met')
    """
    seen = set(results)
    if UNMET in seen:
        return UNMET
    return UNKNOWN if UNKNOWN in seen else MET


def any_of(results: Iterable[str]) -> str:
    """Three-valued OR: met beats unknown beats unmet (an empty list is unknown).

    >>> any_of(["unmet", "met"]), any_of(["unmet", "unknown"]), any_of(["unmet"])
    ('met', 'unknown', 'unmet')
    """
    seen = set(results)
    if MET in seen:
        return MET
    return UNMET if seen and seen <= {UNMET} else UNKNOWN


def status_of(result: str) -> str:
    """A tier's status from the AND of its requirements.

    >>> status_of("met"), status_of("unmet"), status_of("unknown")
    ('eligible', 'not_eligible', 'unknown')
    """
    return {MET: ELIGIBLE, UNMET: NOT_ELIGIBLE}.get(result, UNKNOWN)


# -- compiling a tier's criteria ---------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """One way through a group: all ``members`` (criterion indices) must hold, after the
    ``conditions`` (bounds on the company's figures) hold."""

    members: tuple[int, ...]
    conditions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Requirement:
    """A part of the tier that must hold.

    ``kind`` is ``single`` (``members`` has the one criterion), ``any`` (``routes``: one
    of them) or ``bands`` (``bands``: the routes of the bands of one table, chosen by
    their conditions; ``covered`` when an unconditional criterion on ``metric`` applies
    outside them). ``name`` is the group's name in the output (a metric id, a clause or
    ``band:<metric>``).
    """

    kind: str
    members: tuple[int, ...] = ()
    routes: tuple[Route, ...] = ()
    name: str | None = None
    metric: str | None = None
    covered: bool = False


@dataclass(frozen=True)
class TierRules:
    """A tier's criteria read once: evaluate them against any number of companies."""

    tier: str | None
    criteria: tuple[Criterion, ...]
    requirements: tuple[Requirement, ...]
    opaque: tuple[int, ...] = ()  # criteria whose condition has a shape we cannot read


@dataclass
class CriterionOutcome:
    """How one criterion came out for the company."""

    criterion: Criterion
    actual: Any
    result: str
    role: str  # required | route | band
    group: str | None = None
    group_result: str | None = None

    def as_dict(self) -> dict[str, Any]:
        c = self.criterion
        actual = list(self.actual) if isinstance(self.actual, tuple) else self.actual
        return {"metric": c["metric"], "op": c["op"], "value": c["value"],
                "unit": c.get("unit"), "period": c.get("period"),
                "condition": c.get("condition"), "actual": actual, "result": self.result,
                "role": self.role, "group": self.group, "group_result": self.group_result,
                "text": c.get("text"), "clause": c.get("clause") or c.get("clause_id")}


@dataclass
class TierOutcome:
    """A tier's status for the company, with every criterion and any notes."""

    tier: str | None
    status: str
    criteria: list[CriterionOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _bounds(condition: Any) -> list[dict[str, Any]] | None:
    """The bounds of a band or route condition, or None for another shape."""
    if not isinstance(condition, dict):
        return None
    if "all" in condition and isinstance(condition["all"], list):
        parts = [p for p in condition["all"] if isinstance(p, dict)]
        return parts if parts and all("metric" in p and "op" in p and "value" in p
                                      for p in parts) else None
    if "metric" in condition and "op" in condition and "value" in condition:
        return [condition]
    return None


def _same_threshold(a: dict[str, Any], b: dict[str, Any]) -> bool:
    try:
        value_a, value_b = float(a.get("value")), float(b.get("value"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    periods = (a.get("period"), b.get("period"))
    return (a.get("metric") == b.get("metric") and a.get("op") == b.get("op")
            and abs(value_a - value_b) <= 1e-9 * max(1.0, abs(value_a))
            and (None in periods or periods[0] == periods[1]))


def _signature(criterion: Criterion) -> tuple[Any, ...]:
    condition = criterion.get("condition")
    return (criterion.get("tier"), criterion["metric"], criterion["op"],
            float(criterion["value"]), criterion.get("period"),
            repr(sorted(condition.items())) if isinstance(condition, dict) else None)


def unique_criteria(criteria: Iterable[Criterion]) -> list[Criterion]:
    """Criteria without repeats (a threshold restated in a summary, or read from both a
    page and its attachment), first occurrence kept.

    >>> c = {"tier": "srdi_sme", "metric": "revenue", "op": ">=", "value": 1e7}
    >>> len(unique_criteria([c, dict(c, text="again"), dict(c, value=1.5e7)]))
    2
    """
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for criterion in criteria:
        key = _signature(criterion)
        if key not in seen:
            seen.add(key)
            kept.append(criterion)
    return kept


def compile_tier(tier: str | None, criteria: Sequence[Criterion]) -> TierRules:
    """Read how one tier's criteria combine (see the module docstring).

    Args:
        tier: the tier id the criteria belong to.
        criteria: that tier's criteria, in document order.
    """
    items: list[Criterion] = list(unique_criteria(criteria))
    kinds: list[str] = []
    floors: dict[str, int] = {}
    for index, criterion in enumerate(items):
        if not criterion.get("condition") and criterion["op"] in _LOWER:
            floors.setdefault(criterion["metric"], index)
    for criterion in items:
        condition = criterion.get("condition")
        bounds = _bounds(condition)
        if not condition:
            kinds.append("plain")
        elif isinstance(condition, dict) and isinstance(condition.get("alternative_to"), dict):
            kinds.append("alt")
        elif isinstance(condition, dict) and condition.get("alternative_group"):
            kinds.append("group")
        elif bounds is not None:
            ceiling = len(bounds) == 1 and bounds[0]["op"] in _UPPER
            kinds.append("ceiling" if ceiling and bounds[0]["metric"] in floors else "band")
        else:
            kinds.append("opaque")

    # Alternatives: parent links, then groups by root.
    parent: dict[int, int] = {}
    for index in range(len(items)):
        if kinds[index] != "alt":
            continue
        target = items[index]["condition"]["alternative_to"]
        found = next((j for j, other in enumerate(items)
                      if j != index and kinds[j] != "band" and _same_threshold(other, target)),
                     None)
        if found is None:  # the main route as the alternative names it
            stand_in = {"tier": tier, "metric": target.get("metric"), "op": target.get("op"),
                        "value": target.get("value"), "unit": target.get("unit"),
                        "period": target.get("period"), "condition": None,
                        "text": items[index].get("text"),
                        "clause": items[index].get("clause") or items[index].get("clause_id"),
                        "stand_in": True}
            if stand_in["metric"] is None or stand_in["op"] is None or stand_in["value"] is None:
                kinds[index] = "opaque"
                continue
            items.append(stand_in)
            kinds.append("plain")
            found = len(items) - 1
        parent[index] = found
    groups_named: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    for index, kind in enumerate(kinds):
        if kind == "group":
            groups_named.setdefault(str(items[index]["condition"]["alternative_group"]),
                                    []).append(index)
    for name, members in groups_named.items():
        pointer = next((j for j, other in enumerate(items)
                        if kinds[j] == "plain" and j not in parent
                        and any(word in (other.get("text") or "") for word in _LIST_POINTERS)),
                       None)
        if pointer is None:  # the first listed condition heads the group on its own
            pointer, members = members[0], members[1:]
            kinds[pointer] = "plain"
            names[pointer] = name
        for member in members:
            parent[member] = pointer

    def root(index: int) -> int:
        seen = {index}
        while index in parent and parent[index] not in seen:
            index = parent[index]
            seen.add(index)
        if kinds[index] == "ceiling":  # an alternative to a route joins that route's group
            return floors[_bounds(items[index]["condition"])[0]["metric"]]  # type: ignore[index]
        return index

    routes_of: dict[int, list[Route]] = {}
    for index in parent:
        routes_of.setdefault(root(index), []).append(Route((index,)))
    for index, kind in enumerate(kinds):
        if kind == "ceiling":
            floor = floors[_bounds(items[index]["condition"])[0]["metric"]]  # type: ignore[index]
            routes_of.setdefault(floor, []).append(
                Route((index,), tuple(_bounds(items[index]["condition"]) or ())))

    requirements: list[Requirement] = []
    in_group = set(parent) | {i for i, k in enumerate(kinds) if k == "ceiling"}
    bands: dict[str, list[int]] = {}
    for index, kind in enumerate(kinds):
        if kind == "band":
            metric = _bounds(items[index]["condition"])[0]["metric"]  # type: ignore[index]
            bands.setdefault(metric, []).append(index)
    emitted_bands: set[str] = set()
    for index, kind in enumerate(kinds):
        if kind == "plain" and index not in in_group:
            alternatives = routes_of.get(index)
            if not alternatives:
                requirements.append(Requirement("single", members=(index,)))
                continue
            head = Route(tuple([index, *_bracketed_siblings(items, kinds, index, in_group)]))
            name = names.get(index, str(items[index]["metric"]))
            requirements.append(Requirement("any", routes=(head, *alternatives), name=name))
        elif kind == "band":
            metric = _bounds(items[index]["condition"])[0]["metric"]  # type: ignore[index]
            if metric in emitted_bands:
                continue
            emitted_bands.add(metric)
            by_band: dict[str, list[int]] = {}
            for member in bands[metric]:
                by_band.setdefault(repr(items[member]["condition"]), []).append(member)
            routes = tuple(Route(tuple(members), tuple(_bounds(items[members[0]]["condition"])
                                                       or ()))
                           for members in by_band.values())
            covered = any(kinds[j] == "plain" and items[j]["metric"] in
                          {items[m]["metric"] for m in bands[metric]} for j in range(len(items)))
            requirements.append(Requirement("bands", routes=routes, name=f"band:{metric}",
                                            metric=metric, covered=covered))
    siblings = {m for r in requirements if r.kind == "any" for m in r.routes[0].members[1:]}
    requirements = [r for r in requirements
                    if not (r.kind == "single" and r.members[0] in siblings)]
    opaque = tuple(i for i, k in enumerate(kinds) if k == "opaque")
    return TierRules(tier=tier, criteria=tuple(items), requirements=tuple(requirements),
                     opaque=opaque)


def _bracketed_siblings(items: list[Criterion], kinds: list[str], head: int,
                        taken: set[int]) -> list[int]:
    """Thresholds in brackets after a group's head qualify it (评价得分达到60分以上（其中创新
    能力指标得分不低于20分…），或满足下列条件之一): they belong to the head's route."""
    text = items[head].get("text") or ""
    if "其中" not in text and "of which" not in text:
        return []
    clause = items[head].get("clause") or items[head].get("clause_id")
    return [j for j, other in enumerate(items)
            if j != head and j not in taken and kinds[j] == "plain"
            and other.get("text") == text
            and (other.get("clause") or other.get("clause_id")) == clause]


# -- evaluating ----------------------------------------------------------------------------
def _condition_result(bounds: Sequence[dict[str, Any]], figures: Figures) -> tuple[str, Any]:
    results, actual = [], None
    for bound in bounds:
        actual = lookup(figures, bound["metric"], bound.get("period"))
        results.append(check_value(actual, bound["op"], float(bound["value"]),
                                   bound.get("period")))
    return all_of(results), actual


def _band_result(route_results: list[str], conditions: list[str], covered: bool) -> str:
    """A table's result: the bands the company is in decide; while its figure for the
    table's metric is unknown, only a met band can make it met (it may lie in no band)."""
    known = [r for r, c in zip(route_results, conditions, strict=True) if c == MET]
    maybe = [r for r, c in zip(route_results, conditions, strict=True) if c == UNKNOWN]
    if MET in known:
        return MET
    if maybe:
        return UNKNOWN
    if known:
        return any_of(known)
    return MET if covered else UNKNOWN  # outside the table: the unconditional one decides


def evaluate(rules: TierRules, figures: Figures) -> TierOutcome:
    """The tier's status for one company, with each criterion's result.

    >>> revenue = {"tier": "srdi_sme", "metric": "revenue", "op": ">=", "value": 1.5e7,
    ...            "period": "last_year"}
    >>> equity = {"tier": "srdi_sme", "metric": "equity_financing", "op": ">=", "value": 2e7,
    ...           "period": "last_2_years", "condition": {"alternative_to": revenue}}
    >>> rules = compile_tier("srdi_sme", [revenue, equity])
    >>> evaluate(rules, {"revenue": {None: 1.2e7}, "equity_financing": {None: 2.5e7}}).status
    'eligible'
    >>> evaluate(rules, {"revenue": {None: 1.2e7}}).status
    'unknown'
    """
    items = rules.criteria
    outcomes: dict[int, CriterionOutcome] = {}
    results: list[str] = []
    notes: list[str] = []

    def own(index: int) -> str:
        criterion = items[index]
        actual = lookup(figures, criterion["metric"], criterion.get("period"))
        result = check_value(actual, criterion["op"], float(criterion["value"]),
                             criterion.get("period"))
        outcomes[index] = CriterionOutcome(criterion, actual, result, "required")
        return result

    for requirement in rules.requirements:
        if requirement.kind == "single":
            results.append(own(requirement.members[0]))
            continue
        route_results = []
        applicable = []
        for route in requirement.routes:
            if route.conditions:
                condition, _ = _condition_result(route.conditions, figures)
            else:
                condition = MET
            member_results = [own(m) for m in route.members]
            if condition == UNMET:
                for member in route.members:
                    outcomes[member].result = NOT_APPLICABLE
            route_results.append(all_of([condition, *member_results]))
            applicable.append(condition)
        if requirement.kind == "any":
            result = any_of(route_results)
            role = "route"
        else:
            role = "band"
            result = _band_result(route_results, applicable, requirement.covered)
            if not any(c != UNMET for c in applicable) and not requirement.covered:
                notes.append(f"no band of {requirement.metric} covers the company's figure")
        for route in requirement.routes:
            for member in route.members:
                outcome = outcomes[member]
                outcome.role, outcome.group, outcome.group_result = role, requirement.name, result
        results.append(result)
    for index in rules.opaque:
        criterion = items[index]
        outcomes[index] = CriterionOutcome(
            criterion, lookup(figures, criterion["metric"], criterion.get("period")), UNKNOWN,
            "required")
        results.append(UNKNOWN)
        notes.append(f"the condition of {criterion['metric']} has a shape this check cannot "
                     "read")
    ordered = [outcomes[i] for i in sorted(outcomes)]
    return TierOutcome(rules.tier, status_of(all_of(results)), ordered, notes)


def evaluate_tier(tier: str | None, criteria: Sequence[Criterion],
                  figures: Figures) -> TierOutcome:
    """:func:`compile_tier` then :func:`evaluate`, for one company.

    >>> floor = {"tier": "srdi_sme", "metric": "years_in_niche", "op": ">=", "value": 3}
    >>> evaluate_tier("srdi_sme", [floor], {"years_in_niche": {None: 2}}).status
    'not_eligible'
    """
    return evaluate(compile_tier(tier, criteria), figures)


def bare_status(criteria: Sequence[Criterion], figures: Figures) -> str:
    """Every criterion compared as if required, no bands or alternatives: the baseline
    ``policywatch bench check`` times against the real evaluation (not a correct answer
    for a tier with routes or bands)."""
    results = []
    for criterion in criteria:
        actual = lookup(figures, criterion["metric"], criterion.get("period"))
        results.append(check_value(actual, criterion["op"], float(criterion["value"]),
                                   criterion.get("period")))
    return status_of(all_of(results))
