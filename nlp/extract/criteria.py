"""Assembling criteria from mentions: metric, comparator, value, period and condition.

Within each sentence a number becomes a threshold when a comparator stands next to it
(or it is a range), and it belongs to the nearest metric: before it in the same clause
segment (营业收入总额在1000万元以上), else after it (5项以上Ⅰ类知识产权), else earlier in
the sentence with a fitting unit. Ratio wording (占营业收入总额比重, "% of revenue") turns the
numerator metric into its ratio (rd_expense -> rd_ratio). Conditions come from three shapes:

* a band: ``上年度营业收入总额在1亿元以上的企业，…`` / "For enterprises with revenue of …,";
* an explicit route condition before 但 / but: ``或营业收入在1000万元以下，但…``;
* an alternative: a route after 或 / or, or a child of a clause that says 满足下列条件之一,
  carries ``{"alternative_to": <the first threshold of the main route>}``.

Scoring tables (``A. 5%以上(20分)``, anything under a ``满分`` heading) go to ``scoring``,
never to ``criteria``; nor do reward amounts (a sentence about 奖励 / 补助), a threshold a
sentence waives (…不作要求) or counts of firms (累计认定2860家: unit ``firms``). A threshold
an application is refused under (暂不接收营业收入低于5000万元企业) is the criterion with the
opposite comparator. Two metrics joined by 或 before one threshold (营业收入平均增长率或利润率
6%以上) give the second as an alternative to the first.

The vocabulary is open: a threshold on a measurable quantity that no metric id names is kept
as metric ``other`` with the words that name it in ``phrase`` (净利润平均增长率10%以上),
never dropped and never filed under a metric it is not; a metric phrase that does not fit the
number's unit is never forced onto it (资产总额 is ``total_assets``, never ``revenue``).
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from policywatch.nlp.extract.clauses import Sentence, Structure
from policywatch.nlp.extract.lexicon import load_data
from policywatch.nlp.extract.mentions import (
    ALTERNATIVES,
    BUT,
    CMP_PREFIX,
    CMP_SUFFIX,
    COND_PREFIX,
    COND_SUFFIX,
    EACH,
    GROWTH,
    IGNORE,
    MAX_POINTS,
    METRIC,
    OR,
    PERIOD,
    POINTS,
    QUANTITY,
    RATIO,
    REFUSAL,
    REWARD,
    TIER,
    WAIVER,
    Mention,
)
from policywatch.nlp.extract.numbers import Quantity
from policywatch.nlp.extract.tiers import TierContext

OPS = (">=", "<=", ">", "<", "==")
#: The metric of a threshold no metric id names; its words are in the criterion's ``phrase``.
OTHER = "other"
#: Units a threshold of ``other`` may have: amounts, shares, counts of things, multiples,
#: durations, ranks and signs; never firms (a count of firms), points (scoring), a calendar
#: year without 成立, days or months (deadlines), nor a bare number.
OTHER_UNITS = frozenset({"yuan", "percent", "count", "times", "years", "rank", "*"})
#: Mentions that name nothing measured: left out of an ``other`` threshold's words.
_NOT_WORDS = frozenset({PERIOD, OR, BUT, EACH, IGNORE, COND_PREFIX, TIER, ALTERNATIVES})
#: An ``other`` threshold's words are cut to this many characters (the end, nearest the number).
_PHRASE_MAX = 40
#: 不低于同年度厦门市GDP增速的1.5倍: a multiple may stand far from its comparator.
_RELATIVE_GAP = re.compile(r"^[^，,；;。:：]{0,30}的\s*$")
_APPROXIMATE = re.compile(r"\s*(?:左右|上下|approximately\b|or so\b)")
#: A refused threshold is the criterion with the opposite comparator.
_OPPOSITE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "=="}


@dataclass
class Comparison:
    """One bound: ``metric op value`` in the metric's base unit, over ``period``."""

    metric: str
    op: str
    value: float
    unit: str | None
    period: str | None
    phrase: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The bound as a JSON-ready dict (integral values as int); ``phrase`` for ``other``."""
        bound = {"metric": self.metric, "op": self.op, "value": _number(self.value),
                 "unit": self.unit, "period": self.period}
        if self.metric == OTHER:
            bound["phrase"] = self.phrase
        return bound


@dataclass
class Finding:
    """A number resolved to its metric(s): one or two bounds per metric."""

    quantity: Mention
    comparisons: list[Comparison]
    route: int = 0
    is_condition: bool = False
    condition: dict[str, Any] | None = None
    #: Comparisons from this index on are alternatives to the first (A或B 6%以上).
    alternatives_from: int | None = None


@dataclass
class Vocabulary:
    """Metric units and ratio composition, read from the data files."""

    units: dict[str, str]
    compose: dict[str, dict[str, str]]
    period_each: dict[str, str]
    by_unit: dict[str, dict[str, str]]
    growth: dict[str, str]
    ratio_only: frozenset[str]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Return the metric vocabulary (cached)."""
    metrics = load_data("metrics")["metrics"]
    return Vocabulary(
        units={metric: spec["unit"] for metric, spec in metrics.items()},
        compose=load_data("ratios")["compose"],
        period_each=load_data("periods")["each"],
        by_unit={metric: spec["by_unit"] for metric, spec in metrics.items()
                 if "by_unit" in spec},
        growth={metric: spec["growth"] for metric, spec in metrics.items() if "growth" in spec},
        ratio_only=frozenset(metric for metric, spec in metrics.items()
                             if spec.get("ratio_only")),
    )


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


@dataclass
class _SentenceView:
    """The mentions of one sentence with the segment boundaries between them."""

    sentence: Sentence
    mentions: list[Mention]
    boundaries: list[int]
    text: str
    #: 或 between two metrics that share one threshold: no route break.
    shared_or: set[int] = field(default_factory=set)

    def segment(self, position: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.boundaries, position)
        start = self.boundaries[index - 1] if index > 0 else self.sentence.start
        end = self.boundaries[index] if index < len(self.boundaries) else self.sentence.end
        return start, end


@dataclass
class ExtractionState:
    """What carries from one sentence to the next while walking the document."""

    alt_anchor: dict[str, Comparison | None] = field(default_factory=dict)
    alt_marker_at: dict[str, int] = field(default_factory=dict)
    last_anchor: tuple[str | None, Comparison | None] = (None, None)
    heading_cache: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    scoring_cache: dict[str, bool] = field(default_factory=dict)
    last_scoring_metric: tuple[str | None, str | None, str | None] = (None, None, None)


class CriteriaAssembler:
    """Turns the mentions of a parsed text into criteria and scoring entries."""

    def __init__(self, language: str) -> None:
        self.language = language
        comparators = load_data("comparators")[language]
        markers = load_data("markers")
        flags = re.IGNORECASE if language == "en" else 0
        self.filler = re.compile(comparators["filler"], flags)
        self.max_gap = comparators["max_gap"]
        self.coordination = re.compile(markers["coordination"][language], flags)
        self.separators = re.compile(markers["separators"][language])
        phrase = markers["other_phrase"][language]
        self.phrase_lead = re.compile(phrase["lead"], flags)
        self.phrase_trail = re.compile(phrase["trail"], flags)
        self.phrase_min = re.compile(phrase["min"])
        self.phrase_scope = re.compile(phrase["scope"], flags)
        self.phrase_uncounted = re.compile(phrase["uncounted"], flags)
        self.exception_group = tuple(w.lower() for w in markers[language]["exception_group"])
        self.vocab = vocabulary()

    # ----------------------------------------------------------------- public
    def assemble(self, text: str, structure: Structure, mentions: Sequence[Mention],
                 tiers: TierContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Return ``(criteria, scoring)`` for a text.

        Args:
            text: the notice text.
            structure: its clauses and sentences (:mod:`policywatch.nlp.extract.clauses`).
            mentions: its mentions (:mod:`policywatch.nlp.extract.mentions`), ordered by position.
            tiers: the tier in force at each position.
        """
        starts = [m.start for m in mentions]
        state = ExtractionState()
        criteria: list[dict[str, Any]] = []
        scoring: list[dict[str, Any]] = []
        for sentence in structure.sentences:
            low = bisect.bisect_left(starts, sentence.start)
            high = bisect.bisect_left(starts, sentence.end)
            sentence_mentions = [m for m in mentions[low:high] if m.end <= sentence.end]
            if not sentence_mentions:
                continue
            view = self._view(text, sentence, sentence_mentions)
            self._sentence(view, structure, mentions, starts, tiers, state, criteria, scoring)
        if all(c["metric"] == OTHER for c in criteria):
            # Thresholds on quantities no metric id names count only in a text that states
            # criteria we know: a tax rule's 15000元 or a plan's 5年以上 is not one.
            criteria = []
        return _distinct(_disjoint_bands(criteria)), scoring

    # ----------------------------------------------------------- per sentence
    def _view(self, text: str, sentence: Sentence, mentions: list[Mention]) -> _SentenceView:
        # A comma inside brackets (有效发明专利（含集成电路布图设计专有权，下同）2项) parts no
        # segments: the bracket qualifies the words before it.
        boundaries = [match.start() + sentence.start for match in
                      self.separators.finditer(text[sentence.start:sentence.end])
                      if not _bracket_depth(text, sentence.start, match.start() + sentence.start)]
        boundaries.extend(m.start for m in mentions if m.kind in (OR, BUT))
        boundaries.sort()
        return _SentenceView(sentence, mentions, boundaries, text)

    def _sentence(self, view: _SentenceView, structure: Structure, all_mentions: Sequence[Mention],
                  starts: list[int], tiers: TierContext, state: ExtractionState,
                  criteria: list[dict[str, Any]], scoring: list[dict[str, Any]]) -> None:
        sentence = view.sentence
        clause_id = sentence.clause
        kinds = {m.kind for m in view.mentions}
        points = next((m.value for m in view.mentions if m.kind == POINTS), None)
        in_scoring = points is not None or self._is_scoring(structure, clause_id, all_mentions,
                                                            starts, state)
        findings = [f for f in (self._finding(view, q, structure, all_mentions, starts, state,
                                              in_scoring)
                                for q in view.mentions if q.kind == QUANTITY) if f is not None]
        if not in_scoring and (REWARD in kinds or any(
                m.kind == WAIVER and self._waives(view, m) for m in view.mentions)):
            # A reward's amounts and the bar it pays out at, or a threshold the sentence
            # waives, are no criteria.
            return
        if in_scoring:
            if findings and findings[-1].comparisons:
                last = findings[-1].comparisons[-1]
                state.last_scoring_metric = (clause_id, last.metric, last.period)
            if findings or (points is not None and self._is_option(structure, clause_id)):
                scoring.extend(self._scoring_entries(view, findings, points, structure,
                                                     all_mentions, starts, tiers, state))
            return
        if not findings:
            if ALTERNATIVES in kinds and clause_id is not None:
                state.alt_anchor.setdefault(clause_id, None)
                state.alt_marker_at.setdefault(clause_id, sentence.start)
            return
        self._routes_and_conditions(view, findings, state)
        inherited = self._inherited_alternative(structure, clause_id, sentence.start, state)
        first_number = min(f.quantity.start for f in findings)
        tier = tiers.tier_at(first_number, sentence.start)
        text = view.text[sentence.start:sentence.end].strip()
        for finding in findings:
            if finding.is_condition:
                continue
            condition = finding.condition
            if condition is None and finding.route == 0 and inherited is not None:
                condition = inherited
            for index, comparison in enumerate(finding.comparisons):
                own = condition
                if finding.alternatives_from is not None and index >= finding.alternatives_from:
                    own = {"alternative_to": finding.comparisons[0].as_dict()}
                criteria.append({"tier": tier, **comparison.as_dict(), "condition": own,
                                 "text": text, "clause": clause_id})
        # A next sentence opening with 或 / "or" is an alternative to this one's main route.
        last_main = self._route_anchor(view, [f for f in findings if f.route == 0],
                                       sentence.end)
        if last_main is not None:
            state.last_anchor = (clause_id, last_main)
        if ALTERNATIVES in kinds and clause_id is not None:
            marker = next(m for m in view.mentions if m.kind == ALTERNATIVES)
            before = [f for f in findings if f.quantity.start < marker.start and not f.is_condition]
            anchor = before[0].comparisons[0] if before and before[0].comparisons else None
            state.alt_anchor[clause_id] = anchor
            state.alt_marker_at[clause_id] = sentence.start

    def _waives(self, view: _SentenceView, waiver: Mention) -> bool:
        """Whether a waiver word waives its sentence's thresholds. In brackets it is an
        exception for some firms (…不低于2000万元（对于集成电路企业，不受此限）) and the
        threshold stands, unless the bracket names no firms: （不作为第一批申报条件）."""
        start = view.sentence.start
        if not _bracket_depth(view.text, start, waiver.start):
            return True
        opening = max(view.text.rfind("(", start, waiver.start),
                      view.text.rfind("（", start, waiver.start))
        bracket = view.text[opening + 1:waiver.start].lower()
        return not any(word in bracket for word in self.exception_group)

    # -------------------------------------------------------------- findings
    def _finding(self, view: _SentenceView, quantity_mention: Mention, structure: Structure,
                 all_mentions: Sequence[Mention], starts: list[int], state: ExtractionState,
                 scoring: bool = False) -> Finding | None:
        quantity: Quantity = quantity_mention.value
        if quantity.unit == "years" and quantity.value >= 1000:
            return None  # a calendar year (2022年), not a duration
        op = quantity.op or self._comparator(view, quantity_mention)
        if op in _INCLUSIVE and _INCLUDED.match(view.text, quantity_mention.end):
            op = _INCLUSIVE[op]  # 超过2.5%(含): the bound itself passes
        if op is None and not quantity.is_range:
            return None
        if _APPROXIMATE.match(view.text, quantity_mention.end):
            return None  # 5—10年左右, 10%左右: an estimate, not a bar
        metrics = self._metrics_for(view, quantity_mention)
        if not metrics:
            metrics = self._condition_on_last_threshold(view, quantity_mention, state)
        if not metrics and not self._names_its_own(view, quantity_mention):
            # A bare number under a heading that names the metric (（一）研发费用总额：…):
            # only when its own segment names nothing else.
            heading_metric, _ = self._clause_metric(structure, view.sentence.clause, all_mentions,
                                                    starts, state)
            fitted = self._fit(heading_metric, quantity) if heading_metric else None
            if fitted:
                metrics = [(fitted, None)]
        carried_period = None
        if not metrics and scoring:
            # A scoring row may leave its metric to the row before: "…5%以上的，得20分；
            # 3%-5%的，得10分".
            clause_id, metric, carried_period = state.last_scoring_metric
            if metric and clause_id == view.sentence.clause and self._fits(metric, quantity):
                metrics = [(metric, None)]
        phrase = None
        if not metrics and not scoring and quantity.unit in OTHER_UNITS:
            phrase = self._other_phrase(view, quantity_mention)
            if phrase:
                metrics = [(OTHER, None)]
        if not metrics:
            return None
        if op is not None and not quantity.is_range and any(
                m.kind == REFUSAL for m in view.mentions):
            # 暂不接收营业收入低于5000万元企业的申请: what passes is revenue >= 5000万元.
            op = _OPPOSITE[op]
        lead = self._shared_or_lead(view, quantity_mention, metrics[0][0])
        if lead is not None:
            metrics = [(lead, None), *metrics]
        period = self._period(view, quantity_mention) or carried_period
        if period is None and metrics[0][1] is None and metrics[0][0] != OTHER:
            _, heading_period = self._clause_metric(structure, view.sentence.clause, all_mentions,
                                                    starts, state)
            period = heading_period
        comparisons = []
        for metric, _mention in metrics:
            unit = self.vocab.units.get(metric, quantity.unit if quantity.unit != "*" else None)
            words = phrase if metric == OTHER else None
            if quantity.is_range and op is None:
                # 5000万元（含）-1亿元（不含）: brackets say which bounds pass.
                # A 不含 inside the range's own words can only follow its lower bound.
                low_op = ">" if _EXCLUDED.search(
                    view.text, quantity_mention.start, quantity_mention.end) else ">="
                high_op = "<" if _EXCLUDED.match(view.text, quantity_mention.end) else "<="
                comparisons.append(Comparison(metric, low_op, quantity.value, unit, period, words))
                comparisons.append(Comparison(metric, high_op, quantity.upper or 0.0, unit,
                                              period, words))
            elif quantity.is_range:
                # "不低于3%-5%" is unusual; keep the bound the comparator points at.
                value = quantity.value if op in (">=", ">") else (quantity.upper or 0.0)
                comparisons.append(Comparison(metric, op, value, unit, period, words))
            else:
                comparisons.append(Comparison(metric, op or "==", quantity.value, unit, period,
                                              words))
        finding = Finding(quantity_mention, comparisons)
        if lead is not None:
            finding.alternatives_from = len(comparisons) // len(metrics)
        return finding

    def _condition_on_last_threshold(self, view: _SentenceView, quantity_mention: Mention,
                                     state: ExtractionState) -> list[tuple[str, Mention | None]]:
        """…不低于1500万元；if below RMB 15 million, …: a condition that names no metric
        is on the threshold just stated (the previous sentence's, in the same clause)."""
        seg_start, _ = view.segment(quantity_mention.start)
        if not any(m.kind == COND_PREFIX and seg_start <= m.start < quantity_mention.start
                   for m in view.mentions):
            return []
        if any(m.kind in (METRIC, RATIO) and m.start < quantity_mention.start
               for m in view.mentions):
            return []
        clause_id, anchor = state.last_anchor
        if anchor is None or clause_id != view.sentence.clause:
            return []
        fitted = self._fit(anchor.metric, quantity_mention.value)
        return [(fitted, None)] if fitted else []

    def _shared_or_lead(self, view: _SentenceView, quantity_mention: Mention,
                        metric: str) -> str | None:
        """The metric before a 或 that shares this threshold: 营业收入平均增长率或利润率6%以上
        (revenue_growth, then operating_margin), 主营业务收入或净利润平均增长率10%以上
        (main_business_growth, then other); None when the 或 starts a route of its own."""
        quantity: Quantity = quantity_mention.value
        seg_start, _ = view.segment(quantity_mention.start)
        mentions = view.mentions
        index = next((i for i, m in enumerate(mentions) if m.start == seg_start and m.kind == OR),
                     None)
        if index is None or index == 0:
            return None
        before = mentions[index - 1]
        if before.kind != METRIC or view.text[before.end:seg_start].strip():
            return None
        lead = self._fit(before.value, quantity)
        growth_word = any(m.kind == GROWTH and seg_start <= m.start < quantity_mention.start
                          for m in mentions)
        if lead is None and growth_word:
            # 主营业务收入或净利润平均增长率: the growth word is shared by both.
            lead = self.vocab.growth.get(before.value)
        if lead is None or lead == metric:
            return None
        view.shared_or.add(seg_start)
        return lead

    def _comparator(self, view: _SentenceView, quantity: Mention) -> str | None:
        mentions = view.mentions
        index = mentions.index(quantity)
        if index + 1 < len(mentions):
            after = mentions[index + 1]
            gap = view.text[quantity.end:after.start]
            if after.kind == CMP_SUFFIX and len(gap) <= 2 and not gap.strip():
                return after.value
        if quantity.value.unit == "times":
            # 不低于同年度厦门市GDP增速的1.5倍: a multiple of another quantity may stand far
            # from its comparator, past the words naming that quantity.
            seg_start, _ = view.segment(quantity.start)
            for before in reversed(mentions[:index]):
                if before.start < seg_start:
                    break
                if before.kind == CMP_PREFIX:
                    if _RELATIVE_GAP.match(view.text[before.end:quantity.start]):
                        return before.value
                    break
        for before in reversed(mentions[:index]):
            gap = view.text[before.end:quantity.start]
            if len(gap) > self.max_gap:
                break
            if before.kind == CMP_PREFIX and self.filler.match(gap):
                return before.value
            if before.kind not in (PERIOD,):
                break
        return self._shared_suffix(view, index)

    def _shared_suffix(self, view: _SentenceView, index: int) -> str | None:
        """发明专利2项或实用新型专利5项及以上: the 及以上 after the second number of an
        或 pair bounds the first as well."""
        mentions = view.mentions
        unit = mentions[index].value.unit
        if unit is None:
            return None
        position = index + 1
        while position < len(mentions) and mentions[position].kind in (METRIC, RATIO):
            position += 1
        if position >= len(mentions) or mentions[position].kind != OR:
            return None
        for following in mentions[position + 1:]:
            if following.kind in (METRIC, RATIO):
                continue
            if following.kind != QUANTITY or following.value.unit != unit:
                return None
            after = mentions.index(following) + 1
            if after < len(mentions) and mentions[after].kind == CMP_SUFFIX and \
                    not view.text[following.end:mentions[after].start].strip():
                return mentions[after].value
            return None
        return None

    def _metrics_for(self, view: _SentenceView,
                     quantity_mention: Mention) -> list[tuple[str, Mention | None]]:
        quantity: Quantity = quantity_mention.value
        mentions = view.mentions
        index = mentions.index(quantity_mention)
        seg_start, seg_end = view.segment(quantity_mention.start)
        # "3% of revenue": ratio wording right after a percentage.
        if quantity.unit == "percent":
            for after in mentions[index + 1:index + 3]:
                if after.kind == RATIO and after.start - quantity_mention.end <= 3:
                    metric = self._compose(view, after.value, before=quantity_mention.start)
                    if metric:
                        return [(metric, after)]
                if after.kind not in (CMP_SUFFIX,):
                    break
        before = [m for m in mentions[:index] if m.kind in (METRIC, RATIO) and m.start >= seg_start]
        for candidate in reversed(before):
            metric = self._resolve(view, candidate)
            fitted = self._fit(metric, quantity) if metric else None
            if fitted:
                return self._coordinated(view, candidate, fitted)
        after = [m for m in mentions[index + 1:] if m.kind in (METRIC, RATIO) and m.start < seg_end]
        for candidate in after:
            metric = self._resolve(view, candidate)
            if metric is None:
                continue
            if quantity.unit is None and candidate.start - quantity_mention.end > 12:
                break
            fitted = self._fit(metric, quantity, following=True)
            if fitted:
                return [(fitted, candidate)]
            break
        if quantity.unit is None:
            return []
        shared = self._shared_head_after_or(view, quantity, index, seg_end)
        if shared is not None:
            return [shared]
        if self._names_its_own(view, quantity_mention):
            # The segment names what the number measures, just not with a metric id: that
            # is an ``other`` threshold, never the metric of an earlier segment.
            return []
        earlier = [m for m in mentions[:index] if m.kind in (METRIC, RATIO) and m.start < seg_start]
        for candidate in reversed(earlier):
            metric = self._resolve(view, candidate)
            fitted = self._fit(metric, quantity) if metric else None
            if fitted:
                return [(fitted, candidate)]
        return []

    def _shared_head_after_or(self, view: _SentenceView, quantity: Quantity, index: int,
                              seg_end: int) -> tuple[str, Mention] | None:
        """国家级(排名前五)或省级科技奖励(排名前三): a number with no metric of its own before
        a 或 takes the metric the next route names first, when it fits."""
        mentions = view.mentions
        following = [m for m in mentions[index + 1:] if m.start >= seg_end]
        if not following or following[0].kind != OR or following[0].start != seg_end:
            return None
        for mention in following[1:]:
            if mention.kind == QUANTITY:
                return None
            if mention.kind == METRIC:
                fitted = self._fit(mention.value, quantity)
                return (fitted, mention) if fitted else None
        return None

    def _fit(self, metric: str, quantity: Quantity, following: bool = False) -> str | None:
        """The metric a number of this unit measures under this metric's words: the metric
        itself when the units agree, its ``by_unit`` variant (市场占有率 + 前3位 =
        market_rank), or None."""
        if metric in self.vocab.ratio_only:
            return None  # 主导产品销售收入 is only ever the numerator of a share
        if quantity.unit == "*":
            return metric  # 为正数: a sign fits any quantity
        if quantity.growth and metric in self.vocab.growth:
            return self.vocab.growth[metric]  # 营业收入正增长: revenue_growth > 0
        if self._fits(metric, quantity, following):
            return metric
        if quantity.unit is None:
            return None
        return self.vocab.by_unit.get(metric, {}).get(quantity.unit)

    def _words_before(self, view: _SentenceView, quantity_mention: Mention,
                      seg_start: int) -> str | None:
        """What the segment says before the number and its comparator, trimmed of
        connectives, periods and fillers; None when nothing is left that names anything."""
        mentions = view.mentions
        end = quantity_mention.start
        index = mentions.index(quantity_mention)
        for before in reversed(mentions[:index]):
            if before.end <= seg_start:
                break
            if before.kind == CMP_PREFIX and len(view.text[before.end:end]) <= self.max_gap:
                end = before.start
            break
        for mention in mentions:
            # The words before a band's 的企业 say which firms, not what is measured.
            if mention.kind == COND_SUFFIX and seg_start <= mention.start and mention.end <= end:
                seg_start = mention.end
        parts = []
        position = seg_start
        for mention in mentions:
            if mention.start < seg_start or mention.start >= end:
                continue
            if mention.kind in _NOT_WORDS:
                parts.append(view.text[position:mention.start])
                position = mention.end
        parts.append(view.text[position:end])
        return self._tidy_phrase(" ".join(parts))

    def _names_its_own(self, view: _SentenceView, quantity_mention: Mention) -> bool:
        """Whether the number's segment names what it measures: words before it, or words
        after a count (或5项以上与主要产品相关的实用新型专利)."""
        seg_start = view.segment(quantity_mention.start)[0]
        return bool(self._words_before(view, quantity_mention, seg_start) or (
            quantity_mention.value.unit == "count" and self._words_after(view, quantity_mention)))

    def _text_after(self, view: _SentenceView, quantity_mention: Mention) -> str:
        """The text after the number (and its comparator) to the end of its segment."""
        _, seg_end = view.segment(quantity_mention.start)
        start = quantity_mention.end
        index = view.mentions.index(quantity_mention)
        if index + 1 < len(view.mentions):
            after = view.mentions[index + 1]
            if after.kind == CMP_SUFFIX and after.start - start <= 2:
                start = after.end
        return view.text[start:seg_end]

    def _words_after(self, view: _SentenceView, quantity_mention: Mention) -> str | None:
        """What follows the number (and its comparator) to the end of its segment:
        或5项及以上与主要产品相关的实用新型专利、外观设计专利 names what the 5 counts."""
        return self._tidy_phrase(self._text_after(view, quantity_mention))

    def _tidy_phrase(self, words: str) -> str | None:
        words = " ".join(words.split())
        if self.language == "zh":
            words = words.replace(" ", "")
        for _ in range(2):
            words = self.phrase_trail.sub("", self.phrase_lead.sub("", words))
        words = words.strip(" 。.;；")
        if self.phrase_scope.match(words):
            return None  # 省内, 全国: where, not what
        return words if self.phrase_min.search(words) else None

    def _other_phrase(self, view: _SentenceView, quantity_mention: Mention) -> str | None:
        """The words naming a threshold that no metric id names: before the number in its
        segment, else after it; None when neither names anything."""
        if self.phrase_uncounted.match(self._text_after(view, quantity_mention)):
            return None  # 具有一个以上方面较突出的示范性: a count of qualities, not a quantity
        seg_start, _ = view.segment(quantity_mention.start)
        words = self._words_before(view, quantity_mention, seg_start)
        if words is None:
            words = self._words_after(view, quantity_mention)
        return words[-_PHRASE_MAX:] if words else None

    def _resolve(self, view: _SentenceView, mention: Mention) -> str | None:
        if mention.kind == METRIC:
            return mention.value
        return self._compose(view, mention.value, before=mention.start)

    def _compose(self, view: _SentenceView, denominator: str, before: int) -> str | None:
        # The numerator is the nearest metric before the ratio wording that has a ratio
        # over this denominator: 研发费用总额…且占营业收入总额比重 -> rd_ratio.
        for mention in reversed(view.mentions):
            if mention.start >= before or mention.kind != METRIC:
                continue
            ratios = self.vocab.compose.get(mention.value)
            if not ratios:
                continue
            if denominator == "*":
                return next(iter(ratios.values()), None) if len(ratios) == 1 else None
            if denominator in ratios:
                return ratios[denominator]
        return None

    def _coordinated(self, view: _SentenceView, mention: Mention,
                     metric: str) -> list[tuple[str, Mention | None]]:
        # "成长性指标及专业化指标得分均不低于15分": one threshold, two metrics.
        result = [(metric, mention)]
        if mention.kind != METRIC:
            return result
        index = view.mentions.index(mention)
        current = mention
        for previous in reversed(view.mentions[:index]):
            if previous.kind != METRIC:
                break
            gap = view.text[previous.end:current.start]
            if not self.coordination.match(gap) or \
                    self.vocab.units.get(previous.value) != self.vocab.units.get(metric):
                break
            result.insert(0, (previous.value, previous))
            current = previous
        return result

    def _fits(self, metric: str, quantity: Quantity, following: bool = False) -> bool:
        unit = self.vocab.units.get(metric)
        if quantity.unit is None:
            # A bare number counts things named right after it: "2 valid invention patents".
            return following and unit == "count"
        return unit == quantity.unit

    def _period(self, view: _SentenceView, quantity_mention: Mention) -> str | None:
        mentions = view.mentions
        index = mentions.index(quantity_mention)
        seg_start, seg_end = view.segment(quantity_mention.start)
        period: Mention | None = None
        for mention in reversed(mentions[:index]):
            if mention.kind == PERIOD and mention.start >= seg_start:
                period = mention
                break
        if period is None:
            period = next((m for m in mentions[index + 1:]
                           if m.kind == PERIOD and m.start < seg_end), None)
        if period is None:
            period = self._inherited_period(view, mentions[:index], seg_start, seg_end)
        if period is None:
            return None
        value = period.value
        before_number = period.end <= quantity_mention.start
        each_from = max(seg_start, period.end if before_number else seg_start)
        if any(m.kind == EACH and each_from <= m.start < quantity_mention.start
               for m in mentions[:index]):
            value = self.vocab.period_each.get(value, value)
        return value

    def _inherited_period(self, view: _SentenceView, before: list[Mention], seg_start: int,
                          seg_end: int) -> Mention | None:
        # Drafting convention: a period carries to the end of its sentence unless restated
        # (上年度研发费用总额不低于100万元，且占营业收入总额比重不低于3%), but a condition's
        # period stays in the condition (上年度营业收入在1亿元以上的企业，近2年…).
        boundary = view.sentence.start
        for mention in before:
            if mention.kind in (COND_SUFFIX, BUT):
                boundary = mention.end
            elif mention.kind == COND_PREFIX:
                boundary = max(boundary, view.segment(mention.end)[1])
        for mention in reversed(before):
            if mention.kind == PERIOD and mention.start >= boundary:
                return mention
        return None

    # ------------------------------------------------- routes and conditions
    def _routes_and_conditions(self, view: _SentenceView, findings: list[Finding],
                               state: ExtractionState) -> None:
        mentions = view.mentions
        sentence = view.sentence
        text = view.text
        starts_with_or = bool(mentions) and mentions[0].kind == OR and \
            not text[sentence.start:mentions[0].start].strip()
        carried_clause, carried_anchor = state.last_anchor
        carried = carried_anchor if starts_with_or and carried_clause == sentence.clause else None
        # Routes: an 或 / or counts only once a threshold precedes it (国家级或省级 does not).
        or_positions = [m.start for m in mentions if m.kind == OR
                        and m.start not in view.shared_or]
        seen_before = carried is not None
        route_breaks: list[int] = []
        for position in or_positions:
            if seen_before or any(f.quantity.start < position for f in findings):
                route_breaks.append(position)
        for finding in findings:
            finding.route = bisect.bisect_right(route_breaks, finding.quantity.start)

        zones = self._condition_zones(view, findings)
        for zone_end, members in zones:
            for finding in members:
                finding.is_condition = True
            condition = _condition_of([c for f in members for c in f.comparisons])
            followers = [f for f in findings if f.quantity.start >= zone_end
                         and not f.is_condition and f.condition is None]
            if not followers:
                for finding in members:
                    finding.is_condition = False  # a band with nothing after is a threshold
                continue
            for finding in followers:
                finding.condition = condition

        for finding in findings:
            if finding.route == 0 or finding.is_condition or finding.condition is not None:
                continue
            anchor = self._route_anchor(view, findings, route_breaks[finding.route - 1]) or carried
            if anchor is not None:
                finding.condition = {"alternative_to": anchor.as_dict()}
        if carried is not None:
            for finding in findings:
                if finding.route == 0 and not finding.is_condition and finding.condition is None:
                    finding.condition = {"alternative_to": carried.as_dict()}
                    finding.route = 1

    def _route_anchor(self, view: _SentenceView, findings: list[Finding],
                      or_position: int) -> Comparison | None:
        # "A，或B": B is the alternative to the threshold right before 或, skipping
        # parenthesised sub-thresholds (评价得分60分以上(其中…不低于15分)，或…).
        for finding in reversed(findings):
            start = finding.quantity.start
            if start >= or_position or finding.is_condition or not finding.comparisons:
                continue
            if _bracket_depth(view.text, view.sentence.start, start) == 0:
                return finding.comparisons[0]
        return None

    def _condition_zones(self, view: _SentenceView,
                         findings: list[Finding]) -> list[tuple[int, list[Finding]]]:
        zones: list[tuple[int, list[Finding]]] = []
        zone_start = view.sentence.start
        for mention in view.mentions:
            if mention.kind == COND_SUFFIX:
                # A band stands in the brackets its 的企业 stands in: …2亿元以上（成长性特别
                # 好的企业可放宽至1亿元） makes no band of the 2亿元.
                depth = _bracket_depth(view.text, view.sentence.start, mention.start)
                members = [f for f in findings if zone_start <= f.quantity.start < mention.start
                           and _bracket_depth(view.text, view.sentence.start,
                                              f.quantity.start) == depth]
                if members:
                    zones.append((mention.end, members))
                zone_start = mention.end
            elif mention.kind == COND_PREFIX:
                _, seg_end = view.segment(mention.end)
                members = [f for f in findings if mention.start <= f.quantity.start < seg_end]
                if members:
                    zones.append((seg_end, members))
                zone_start = seg_end
            elif mention.kind == BUT:
                route_of_but = None
                members = []
                for finding in findings:
                    if zone_start <= finding.quantity.start < mention.start:
                        members.append(finding)
                        route_of_but = finding.route
                members = [f for f in members if f.route == route_of_but]
                if members:
                    zones.append((mention.end, members))
                zone_start = mention.end
        return zones

    def _inherited_alternative(self, structure: Structure, clause_id: str | None,
                               position: int, state: ExtractionState) -> dict[str, Any] | None:
        # Children of a clause that says 满足下列条件之一 are alternatives to its first
        # threshold; so are later sentences of that clause when the list runs inline
        # (…或满足下列条件之一：1.近三年… 2.近两年…).
        for index, clause in enumerate(structure.ancestors(clause_id)):
            if clause.id not in state.alt_anchor:
                continue
            if index == 0 and position <= state.alt_marker_at.get(clause.id, position):
                continue
            anchor = state.alt_anchor[clause.id]
            if anchor is None:
                return {"alternative_group": clause.id}
            return {"alternative_to": anchor.as_dict()}
        return None

    # --------------------------------------------------------------- scoring
    def _is_option(self, structure: Structure, clause_id: str | None) -> bool:
        clause = structure.clause(clause_id)
        return clause is not None and clause.style == "option"

    def _is_scoring(self, structure: Structure, clause_id: str | None,
                    mentions: Sequence[Mention], starts: list[int],
                    state: ExtractionState) -> bool:
        if clause_id is None:
            return False
        if clause_id not in state.scoring_cache:
            clause = structure.clause(clause_id)
            own = clause is not None and any(
                m.kind == MAX_POINTS for m in _mentions_between(mentions, starts, clause.start,
                                                                clause.head_end))
            parent = clause.parent if clause is not None else None
            state.scoring_cache[clause_id] = own or self._is_scoring(structure, parent, mentions,
                                                                     starts, state)
        return state.scoring_cache[clause_id]

    def _clause_metric(self, structure: Structure, clause_id: str | None,
                       mentions: Sequence[Mention], starts: list[int],
                       state: ExtractionState) -> tuple[str | None, str | None]:
        """The metric (and period) a clause's heading line names, searching up the tree."""
        if clause_id is None:
            return None, None
        if clause_id not in state.heading_cache:
            clause = structure.clause(clause_id)
            result: tuple[str | None, str | None] = (None, None)
            if clause is not None:
                line_mentions = _mentions_between(mentions, starts, clause.start,
                                                  clause.head_end)
                metric = None
                for mention in line_mentions:
                    if mention.kind == METRIC:
                        metric = mention.value
                    elif mention.kind == RATIO and metric in self.vocab.compose:
                        ratios = self.vocab.compose[metric]
                        metric = ratios.get(mention.value) or (
                            next(iter(ratios.values())) if mention.value == "*" and ratios
                            else metric)
                period = next((m.value for m in line_mentions if m.kind == PERIOD), None)
                result = (metric, period) if metric else self._clause_metric(
                    structure, clause.parent, mentions, starts, state)
            state.heading_cache[clause_id] = result
        return state.heading_cache[clause_id]

    def _scoring_entries(self, view: _SentenceView, findings: list[Finding], points: float | None,
                         structure: Structure, mentions: Sequence[Mention], starts: list[int],
                         tiers: TierContext, state: ExtractionState) -> list[dict[str, Any]]:
        clause = structure.clause(view.sentence.clause)
        option = clause.key[1:] if clause is not None and clause.style == "option" else None
        base = {"tier": tiers.tier_at(view.sentence.start),  # scoring rows follow their heading
                "points": _number(points) if points is not None else None, "option": option,
                "text": view.text[view.sentence.start:view.sentence.end].strip(),
                "clause": view.sentence.clause}
        if not findings:
            metric, period = self._clause_metric(structure, view.sentence.clause, mentions, starts,
                                                 state)
            return [{**base, "metric": metric, "period": period, "unit": None, "bounds": []}]
        entries: dict[str, dict[str, Any]] = {}
        for finding in findings:
            for comparison in finding.comparisons:
                entry = entries.setdefault(comparison.metric, {
                    **base, "metric": comparison.metric, "period": comparison.period,
                    "unit": comparison.unit, "bounds": []})
                entry["bounds"].append({"op": comparison.op, "value": _number(comparison.value)})
        return list(entries.values())


def _interval(comparisons: list[dict[str, Any]]) -> tuple[float, float, bool, bool]:
    """The values that pass every comparison: (low, high, low included, high included)."""
    low, high, low_in, high_in = -math.inf, math.inf, False, False
    for c in comparisons:
        value = float(c["value"])
        if c["op"] in (">=", ">") and (value > low or (value == low and c["op"] == ">")):
            low, low_in = value, c["op"] == ">="
        elif c["op"] in ("<=", "<") and (value < high or (value == high and c["op"] == "<")):
            high, high_in = value, c["op"] == "<="
    return low, high, low_in, high_in


def _disjoint(a: tuple[float, float, bool, bool], b: tuple[float, float, bool, bool]) -> bool:
    first, second = sorted((a, b))
    return first[1] < second[0] or (first[1] == second[0] and not (first[3] and second[2]))


def _disjoint_bands(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sentences that each pair a threshold on one metric with other thresholds, where those
    thresholds cannot hold together (营业收入在一亿元及以上，且…不低于3%； 营业收入五千万元（含）
    -1亿元（不含），且…不低于6%), are bands: the metric says which firms the rest applies to.
    Its thresholds become the condition of the sentence's other criteria, not criteria."""
    by_sentence: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for criterion in criteria:
        by_sentence[(criterion["clause"], criterion["text"])].append(criterion)
    bands: dict[int, dict[str, Any]] = {}  # id(criterion) -> the band condition it takes
    dropped: set[int] = set()
    metrics = {c["metric"] for c in criteria if c["metric"] != OTHER and c["condition"] is None}
    for metric in metrics:
        rows = []
        for members in by_sentence.values():
            own = [c for c in members if c["metric"] == metric and c["condition"] is None]
            rest = [c for c in members if c["metric"] != metric]
            if own and rest:
                rows.append((own, rest, _interval(own)))
        if len(rows) < 2 or not all(_disjoint(a[2], b[2]) for i, a in enumerate(rows)
                                    for b in rows[i + 1:]):
            continue
        for own, rest, _ in rows:
            parts = [{k: c[k] for k in ("metric", "op", "value", "unit", "period")} for c in own]
            condition = parts[0] if len(parts) == 1 else {"all": parts}
            dropped.update(id(c) for c in own)
            for c in rest:
                if c["condition"] is None:
                    bands[id(c)] = condition
    return [{**c, "condition": bands.get(id(c), c["condition"])} for c in criteria
            if id(c) not in dropped]


def _distinct(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each criterion once: a text that restates a threshold (a notice quoting the standard
    it applies) states one criterion, not two."""
    seen = set()
    kept = []
    for criterion in criteria:
        key = json.dumps([criterion.get(k) for k in (
            "tier", "metric", "op", "value", "period", "condition", "phrase")],
            sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            kept.append(criterion)
    return kept


#: A range bound a bracketed 不含 leaves out.
_EXCLUDED = re.compile(r"\s*[(（]\s*不含(?:本数)?\s*[)）]")
#: A strict comparator made inclusive by a bracketed 含 right after the number.
_INCLUSIVE = {">": ">=", "<": "<="}
_INCLUDED = re.compile(r"\s*[(（]\s*(?:含|包含|包括)(?:本数)?\s*[)）]")


def _bracket_depth(text: str, start: int, position: int) -> int:
    depth = 0
    for char in text[start:position]:
        if char in "(（":
            depth += 1
        elif char in ")）" and depth:
            depth -= 1
    return depth


def _condition_of(comparisons: list[Comparison]) -> dict[str, Any] | None:
    if not comparisons:
        return None
    if len(comparisons) == 1:
        return comparisons[0].as_dict()
    return {"all": [c.as_dict() for c in comparisons]}


def _mentions_between(mentions: Sequence[Mention], starts: list[int], start: int,
                      end: int) -> Sequence[Mention]:
    return mentions[bisect.bisect_left(starts, start):bisect.bisect_left(starts, end)]


@cache
def criteria_assembler(language: str) -> CriteriaAssembler:
    """Return the (cached) assembler for ``zh`` or ``en``."""
    return CriteriaAssembler(language)
