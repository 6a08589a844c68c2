"""Company profiles: what a firm reports about itself, read from TOML, JSON or CSV.

A profile has a ``name``, an optional ``region`` (``江苏省``, ``江苏省苏州市``; national
measures apply everywhere, provincial and city ones where the region names them) and
``metrics`` keyed by the extraction's metric ids (``policywatch metrics`` lists them with
their units), or by their display names (营业收入, revenue)::

    name = "示例精密机械有限公司"
    region = "某某省"

    [metrics]
    years_in_niche = 2
    revenue = "1200万"                  # yuan; 12000000, "1200万元", "12 million" alike
    rd_expense = 1200000
    rd_ratio = 4                        # percent
    evaluation_score = 65
    equity_financing.last_2_years = 0
    rd_ratio.each_of_last_2_years = [4.2, 3.6]   # yearly, most recent first

A plain value answers whatever period a standard asks about (the firm's figure where the
years do not differ); ``metric.period`` gives the figure of one period (``last_year``,
``as_of_last_year_end``, ``last_2_years``, ``last_3_years``, ``each_of_last_2_years``,
``each_of_last_3_years``) and wins over the plain value for that period; a metric with
both writes the plain one as ``metric.value``. Amounts are in the metric's base unit
(yuan, percent, years, count, points, rank), or written as people write them (``1500万``,
``1.2亿元``, ``15 million``, ``4%``, ``3年``). A missing metric is unknown, never met.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from policywatch.errors import PolicywatchError

PLAIN = "value"  # the key of a metric's plain value next to per-period ones


class ProfileError(PolicywatchError):
    """A profile that cannot be read: the message names the file, field and fix."""


@dataclass(frozen=True)
class MetricInfo:
    """One metric of ``nlp/data/metrics.json``: id, base unit and display names."""

    id: str
    unit: str
    zh: str | None
    en: str | None


@cache
def metric_catalog() -> dict[str, MetricInfo]:
    """Every metric id the extraction knows, with its unit and names (metrics.json)."""
    from policywatch.nlp.extract.lexicon import load_data

    catalog = {}
    for key, entry in load_data("metrics")["metrics"].items():
        display = entry.get("display") or {}
        catalog[key] = MetricInfo(key, entry.get("unit") or "", display.get("zh"),
                                  display.get("en"))
    return catalog


@cache
def period_ids() -> frozenset[str]:
    """Every period id a criterion can carry (periods.json)."""
    from policywatch.nlp.extract.lexicon import load_data

    data = load_data("periods")
    return frozenset([*data["zh"].values(), *data["en"].values(), *data["each"].values()])


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


@cache
def _metric_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for info in metric_catalog().values():
        for name in (info.id, info.zh, info.en):
            if name:
                names.setdefault(_fold(name), info.id)
    return names


def resolve_metric(name: str, where: str = "") -> str:
    """A metric id from an id or a display name in Chinese or English.

    >>> resolve_metric("营业收入"), resolve_metric("R&D share of revenue")
    ('revenue', 'rd_ratio')
    """
    found = _metric_names().get(_fold(name))
    if found is None:
        raise ProfileError(f"{where}unknown metric {name!r}; `policywatch metrics` lists them "
                           f"({', '.join(sorted(metric_catalog()))})")
    return found


def parse_amount(value: Any, unit: str, where: str = "") -> float:
    """A figure in the metric's base unit from a number or a written amount.

    >>> parse_amount("1500万", "yuan"), parse_amount("15 million", "yuan")
    (15000000.0, 15000000.0)
    >>> parse_amount("1.2亿元", "yuan"), parse_amount("4%", "percent"), parse_amount(3, "years")
    (120000000.0, 4.0, 3.0)
    """
    if isinstance(value, bool) or value is None:
        raise ProfileError(f"{where}{value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        number = _written_amount(value, unit, where)
    else:
        raise ProfileError(f"{where}{value!r} is not a number or an amount like '1500万'")
    if math.isnan(number) or math.isinf(number):
        raise ProfileError(f"{where}{value!r} is not a finite number")
    return number


def _written_amount(text: str, unit: str, where: str) -> float:
    from policywatch.nlp.extract.lexicon import fold_width
    from policywatch.nlp.extract.numbers import quantity_scanner

    raw = fold_width(text).strip()
    try:
        return float(raw.replace(",", "").replace("_", ""))
    except ValueError:
        pass  # a written amount: 1500万, 1.2亿元, 15 million, 4%
    for language in ("zh", "en"):
        found = quantity_scanner(language).scan(raw)
        if len(found) != 1 or found[0].start != 0 or found[0].end != len(raw.rstrip("。. ")):
            continue
        quantity = found[0]
        if quantity.is_range:
            break
        if quantity.unit not in (None, unit):
            raise ProfileError(f"{where}{text!r} is in {quantity.unit}, the metric in {unit}")
        return float(quantity.value)
    raise ProfileError(f"{where}cannot read {text!r} as an amount (write 12000000, '1200万', "
                       "'1.2亿元', '12 million' or '4%')")


@dataclass(frozen=True)
class Profile:
    """A company as the eligibility check sees it.

    ``figures`` maps a metric id to ``{None: plain value, period: value}``; a value of an
    ``each_of_last_N_years`` period may be a tuple of yearly figures, most recent first.
    """

    name: str
    region: str | None = None
    figures: dict[str, dict[str | None, Any]] = field(default_factory=dict)
    origin: str | None = None  # the file (and row) it was read from

    def as_dict(self) -> dict[str, Any]:
        """The profile as a file would hold it (JSON-ready; amounts in base units)."""
        metrics: dict[str, Any] = {}
        for metric, values in sorted(self.figures.items()):
            if set(values) == {None}:
                metrics[metric] = values[None]
                continue
            metrics[metric] = {(PLAIN if key is None else key):
                               (list(value) if isinstance(value, tuple) else value)
                               for key, value in values.items()}
        return {"name": self.name, "region": self.region, "metrics": metrics}


def profile_from_mapping(document: Mapping[str, Any], origin: str | None = None) -> Profile:
    """Read a profile from the parsed form of a file (or a web form's fields).

    ``metrics`` may hold plain values, ``{period: value}`` tables and dotted
    ``"metric.period"`` keys.

    >>> p = profile_from_mapping({"name": "A", "region": "江苏省",
    ...     "metrics": {"营业收入": "1200万", "rd_ratio.each_of_last_2_years": [4, 3.5]}})
    >>> p.figures["revenue"][None], p.figures["rd_ratio"]["each_of_last_2_years"]
    (12000000.0, (4.0, 3.5))
    """
    where = f"{origin}: " if origin else ""
    if not isinstance(document, Mapping):
        raise ProfileError(f"{where}a profile is a table with name, region and [metrics]")
    unknown = set(document) - {"name", "region", "metrics"}
    if unknown:
        raise ProfileError(f"{where}unknown field(s) {', '.join(sorted(unknown))}; a profile "
                           "has name, region and [metrics]")
    name = str(document.get("name") or "").strip()
    if not name:
        raise ProfileError(f"{where}the profile needs a name")
    region = document.get("region")
    region = str(region).strip() or None if region is not None else None
    metrics = document.get("metrics") or {}
    if not isinstance(metrics, Mapping):
        raise ProfileError(f"{where}[metrics] must be a table of metric = value")
    figures: dict[str, dict[str | None, Any]] = {}
    for key, value in metrics.items():
        metric_name, _, period = str(key).partition(".")
        metric = resolve_metric(metric_name, where)
        values = value if isinstance(value, Mapping) else {period or PLAIN: value}
        if period and isinstance(value, Mapping):
            raise ProfileError(f"{where}{key}: a period takes a value, not a table")
        for period_key, amount in values.items():
            _add_figure(figures, metric, str(period_key), amount, f"{where}{metric}: ")
    return Profile(name=name, region=region, figures=figures, origin=origin)


def _add_figure(figures: dict[str, dict[str | None, Any]], metric: str, period: str,
                amount: Any, where: str) -> None:
    unit = metric_catalog()[metric].unit
    key: str | None = None if period == PLAIN else period
    if key is not None and key not in period_ids():
        raise ProfileError(f"{where}unknown period {period!r}; known: {PLAIN} (any period), "
                           + ", ".join(sorted(period_ids())))
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return  # an empty cell: not known
    if isinstance(amount, (list, tuple)):
        if key is None or not key.startswith("each_of_"):
            raise ProfileError(f"{where}a list of yearly figures goes with an each_of_... "
                               "period, e.g. rd_ratio.each_of_last_2_years = [4.2, 3.6]")
        value: Any = tuple(parse_amount(v, unit, where) for v in amount)
    else:
        value = parse_amount(amount, unit, where)
    figures.setdefault(metric, {})[key] = value


def load_profile(path: Path) -> Profile:
    """Read a profile file: ``.toml`` or ``.json`` (by suffix; TOML otherwise).

    Raises:
        ProfileError: the file is missing, does not parse, or names an unknown metric,
            period or amount.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read profile {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
        document = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: not a valid {path.suffix.lstrip('.') or 'TOML'} "
                           f"profile: {exc}") from None
    return profile_from_mapping(document, origin=str(path))


def read_profiles_csv(source: Path | str) -> list[Profile]:
    """One profile per row of a CSV file (or of CSV text): columns ``name``, ``region`` and
    metric ids or names, optionally ``metric.period``; an empty cell is unknown.

    >>> rows = read_profiles_csv("name,region,revenue,rd_ratio\\nA,江苏省,1200万,4\\nB,,,\\n")
    >>> [(p.name, p.region, sorted(p.figures)) for p in rows]
    [('A', '江苏省', ['rd_ratio', 'revenue']), ('B', None, [])]
    """
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"cannot read {source}: {exc}") from None
        label = str(source)
    else:
        text, label = source, "CSV"
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "name" not in columns:
        raise ProfileError(f"{label}: the first row names the columns, one of them 'name'")
    profiles = []
    for number, row in enumerate(reader, start=2):
        cells = {(k or "").strip(): v for k, v in row.items() if k is not None}
        metrics = {k: v for k, v in cells.items() if k not in ("name", "region") and k}
        document = {"name": (cells.get("name") or "").strip() or f"row {number}",
                    "region": cells.get("region"), "metrics": metrics}
        profiles.append(profile_from_mapping(document, origin=f"{label} line {number}"))
    return profiles


def region_applies(measure_region: str | None, company_region: str | None) -> bool:
    """Whether a measure of ``measure_region`` applies to a company of ``company_region``.

    National measures (region ``national``, ``全国`` or none) apply everywhere; a
    provincial or city one where the company's region names it (江苏 and 江苏省苏州市 are
    in 江苏省; 江苏省 is not in 苏州市). A company without a region gets national ones.

    >>> region_applies("national", None), region_applies("江苏省", "江苏省苏州市")
    (True, True)
    >>> region_applies("苏州市", "江苏省"), region_applies("江苏省", None)
    (False, False)
    """
    if is_national(measure_region):
        return True
    if not company_region:
        return False
    return region_core(measure_region or "") in _fold(company_region)


def is_national(region: str | None) -> bool:
    """True for a national measure's region.

    >>> is_national("national"), is_national("全国"), is_national("北京市")
    (True, True, False)
    """
    return not region or _fold(region) in {"national", "全国", "中央", "国家", "china"}


_REGION_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区",
                    "自治州", "省", "市", "区", "县")


def region_core(region: str) -> str:
    """A region's name without its administrative suffix (江苏省 -> 江苏).

    >>> region_core("江苏省"), region_core("广西壮族自治区"), region_core("北京市")
    ('江苏', '广西', '北京')
    """
    folded = _fold(region)
    for suffix in _REGION_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix) + 1:
            return folded[: -len(suffix)]
    return folded


def describe_metrics() -> list[dict[str, Any]]:
    """Every metric for ``policywatch metrics``: id, unit and names (zh, en)."""
    return [{"id": info.id, "unit": info.unit, "zh": info.zh, "en": info.en}
            for info in metric_catalog().values()]


def merge_region(profile: Profile, region: str | None) -> Profile:
    """The profile with ``region`` instead of its own (``check --region``)."""
    if region is None:
        return profile
    return Profile(profile.name, region, profile.figures, profile.origin)

