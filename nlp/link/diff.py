"""Diffs between two versions of a measure: pure functions with one return shape.

Three diffs, chosen by name from :data:`DIFFS`:

- ``criteria``: the typed comparison of two versions' extracted criteria
  ("revenue >= 10 million yuan -> >= 15 million yuan"), no entry for unchanged ones;
- ``clauses``: clauses aligned across versions even when renumbered or moved, each
  ``unchanged|changed|added|removed|moved``, with a word-level redline for changed ones;
- ``text``: a word-level redline of two whole texts (for documents without clauses).

Words are the tokens of the one spaCy pipeline (jieba for Chinese), so a redline never
cuts 营业收入总额 in half. Nothing here reads the store: callers pass versions in.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from difflib import SequenceMatcher
from typing import Any

from policywatch.nlp.extract.lexicon import display_names

DIFF_VERSION = "policywatch.diff.v2"
Criterion = dict[str, Any]
Clause = dict[str, Any]

_LOWER = {">=", ">"}
_UPPER = {"<=", "<"}
_SPACE = re.compile(r"\s+")
# Two clauses whose text shares at least this much (Dice over character bigrams) are the
# same clause edited; below it, one was removed and another added.
SAME_CLAUSE_SIMILARITY = 0.5


# -- naming things for people -------------------------------------------------------------
def _display(kind: str, key: Any, language: str) -> str:
    entry = display_names(kind).get(str(key))
    return entry[language] if entry else str(key)


def format_value(value: float, unit: str | None, language: str) -> str:
    """Write a threshold as a person would.

    >>> format_value(15000000, "yuan", "zh"), format_value(15000000, "yuan", "en")
    ('1500万元', '15 million yuan')
    >>> format_value(100000000, "yuan", "zh"), format_value(80, "percent", "en")
    ('1亿元', '80%')
    """
    number = float(value)
    if unit == "yuan":
        if language == "zh":
            if number >= 1e8 and number % 1e7 == 0:
                return f"{number / 1e8:g}亿元"
            return f"{number / 1e4:g}万元" if number >= 1e4 else f"{number:g}元"
        if number >= 1e6:
            return f"{number / 1e6:g} million yuan"
        return f"{number:,.0f} yuan"
    if unit == "percent":
        return f"{number:g}%"
    if unit == "rank":
        return f"第{number:g}名" if language == "zh" else f"rank {number:g}"
    suffix = {"years": ("年", " years"), "points": ("分", " points"), "count": ("项", "")}
    zh, en = suffix.get(unit or "", ("", f" {unit}" if unit else ""))
    return f"{number:g}{zh if language == 'zh' else en}"


def describe_threshold(criterion: Criterion | None, language: str) -> str:
    """``>= 1500万元 (上年度)``: comparator, value and period of one criterion."""
    if criterion is None:
        return "—"
    text = (f"{_display('ops', criterion['op'], language)} "
            f"{format_value(criterion['value'], criterion.get('unit'), language)}")
    if criterion.get("period"):
        period = _display("periods", criterion["period"], language)
        text += f"（{period}）" if language == "zh" else f" ({period})"
    return text


# -- criteria ------------------------------------------------------------------------------
def _direction(op: str) -> str:
    return "lower" if op in _LOWER else "upper" if op in _UPPER else "exact"


def _bound(condition: dict[str, Any]) -> tuple[str, str, str]:
    return (str(condition.get("metric")), str(condition.get("op")),
            f"{float(condition.get('value', 0)):g}")


def _route(condition: Any) -> str | None:
    """The name of an alternative route (the metric it stands in for, or the clause that
    lists the routes), or None for a condition that is not a route. A route's own threshold
    is its metric's criterion, diffed on its own, so its numbers are never part of the key."""
    if isinstance(condition, dict) and "alternative_to" in condition:
        return "alt:" + str(condition["alternative_to"].get("metric"))
    if isinstance(condition, dict) and "alternative_group" in condition:
        return "altgroup:" + str(condition["alternative_group"])
    return None


def _condition_signature(condition: Any) -> str:
    """A condition's identity, bounds included: each band of a table is its own criterion.

    >>> _condition_signature({"all": [{"metric": "revenue", "op": ">=", "value": 5e7},
    ...                               {"metric": "revenue", "op": "<=", "value": 1e8}]})
    'if:revenue:<=:1e+08&revenue:>=:5e+07'
    >>> _condition_signature({"alternative_to": {"metric": "revenue", "op": ">=", "value": 1}})
    'alt:revenue'
    """
    if not condition:
        return ""
    route = _route(condition)
    if route:
        return route
    if isinstance(condition, dict) and "all" in condition:
        parts = sorted(":".join(_bound(part)) for part in condition["all"]
                       if isinstance(part, dict))
        return "if:" + "&".join(parts)
    if isinstance(condition, dict):
        return "if:" + ":".join(_bound(condition))
    return "if:" + str(condition)


def _condition_shape(condition: Any, floors: frozenset[tuple[str, str]], tier: str) -> str:
    """What a condition is about, without its numbers: criteria that lost their exact
    partner may still pair on this, when exactly one on each side has it.

    "Revenue below 10 million, but equity financing of 20 million" (2022) and "revenue of
    15 million, or equity financing of 20 million" (2026) are the same route: a ceiling on
    a metric that the same tier must otherwise reach is an alternative to that floor.
    """
    if not condition:
        return ""
    route = _route(condition)
    if route:
        return route
    if isinstance(condition, dict) and "all" in condition:
        metrics = sorted({str(part.get("metric")) for part in condition["all"]
                          if isinstance(part, dict)})
        return "band:" + ",".join(metrics)
    if isinstance(condition, dict):
        metric, side = str(condition.get("metric")), _direction(condition.get("op", ""))
        if side == "upper" and (tier, metric) in floors:
            return "alt:" + metric
        return f"if:{metric}:{side}"
    return "if:" + str(condition)


def _floors(criteria: list[Criterion]) -> frozenset[tuple[str, str]]:
    return frozenset((str(c.get("tier")), str(c["metric"])) for c in criteria
                     if _direction(c["op"]) == "lower" and not c.get("condition"))


def _metric_name(criterion: Criterion) -> str:
    # A threshold no metric id names is told apart by the text's own words for it.
    if criterion["metric"] == "other" and criterion.get("phrase"):
        return f"other:{criterion['phrase']}"
    return str(criterion["metric"])


def criterion_key(criterion: Criterion) -> tuple[str, str, str, str]:
    """The identity of a criterion across versions: tier, metric (for ``other``, with its
    phrase), bound side and its condition with the condition's bounds (so every band and
    route stays apart)."""
    return (str(criterion.get("tier")), _metric_name(criterion), _direction(criterion["op"]),
            _condition_signature(criterion.get("condition")))


def _shape_key(criterion: Criterion, floors: frozenset[tuple[str, str]]
               ) -> tuple[str, str, str, str]:
    tier = str(criterion.get("tier"))
    return (tier, _metric_name(criterion), _direction(criterion["op"]),
            _condition_shape(criterion.get("condition"), floors, tier))


def describe_condition(condition: Any, language: str) -> str:
    """A condition in words: ``alternative to revenue >= 15 million yuan`` or ``if ...``."""
    if not condition:
        return "无条件" if language == "zh" else "unconditional"
    if isinstance(condition, dict) and "alternative_to" in condition:
        other = condition["alternative_to"]
        metric = _display("metrics", other.get("metric"), language)
        threshold = describe_threshold(other, language) if "op" in other else ""
        return f"替代：{metric} {threshold}" if language == "zh" else \
            f"alternative to {metric} {threshold}"
    if isinstance(condition, dict) and "op" in condition:
        metric = _display("metrics", condition.get("metric"), language)
        return f"适用于{metric} {describe_threshold(condition, language)}" if language == "zh" \
            else f"if {metric} {describe_threshold(condition, language)}"
    if isinstance(condition, dict) and "alternative_group" in condition:
        # "…或满足第四条所列条件之一": a route whose main threshold the text leaves unnamed.
        group = condition["alternative_group"]
        return (f"替代条件之一（{group}）" if language == "zh"
                else f"one of the alternative conditions ({group})")
    if isinstance(condition, dict) and "all" in condition:
        parts = [part for part in condition["all"] if isinstance(part, dict) and "op" in part]
        metric = _display("metrics", parts[0].get("metric"), language) if parts else ""
        bounds = (" 且 " if language == "zh" else " and ").join(
            describe_threshold({**part, "period": None}, language) for part in parts)
        return f"适用于{metric} {bounds}" if language == "zh" else f"if {metric} {bounds}"
    return str(condition)


def _band_note(criterion: Criterion | None, language: str) -> str:
    """Which band of a table a criterion belongs to (routes are named elsewhere)."""
    condition = (criterion or {}).get("condition")
    if not isinstance(condition, dict) or "alternative_to" in condition:
        return ""
    text = describe_condition(condition, language)
    return f"（{text}）" if language == "zh" else f" ({text})"


def _typed(criterion: Criterion) -> dict[str, Any]:
    return {k: criterion.get(k) for k in ("op", "value", "unit", "period", "condition")}


def _substance(criterion: Criterion) -> dict[str, Any]:
    """What must differ for a criterion to have changed. An alternative route is compared by
    the metric it stands in for: that metric's own threshold is its own criterion, so a new
    revenue floor is one change, not also a change of every route around it."""
    typed = _typed(criterion)
    condition = typed["condition"]
    if isinstance(condition, dict) and "alternative_to" in condition:
        typed["condition"] = {"alternative_to": condition["alternative_to"].get("metric")}
    return typed


def _summary(change: str, old: Criterion | None, new: Criterion | None, language: str) -> str:
    sample = new or old
    assert sample is not None
    tier = _display("tiers", sample.get("tier"), language)
    metric = _display("metrics", sample["metric"], language)
    alternative = ""
    condition = sample.get("condition")
    if isinstance(condition, dict) and ("alternative_to" in condition or (
            _direction(condition.get("op", "")) == "upper" and "metric" in condition)):
        route = condition.get("alternative_to", condition)
        other = _display("metrics", route["metric"], language)
        alternative = f"（{other}的替代条件）" if language == "zh" else \
            f" (alternative to {other})"
    condition_note = ""
    if change == "changed" and old and new and old.get("condition") != new.get("condition"):
        before = describe_condition(old.get("condition"), language)
        after = describe_condition(new.get("condition"), language)
        condition_note = f"；条件：{before} → {after}" if language == "zh" else \
            f"; condition: {before} -> {after}"
    if not alternative and not condition_note:
        alternative = _band_note(sample, language)
    if language == "zh":
        verb = {"changed": "", "added": "新增：", "removed": "删除："}[change]
        if change == "changed":
            return (f"{tier} {metric}{alternative}：{describe_threshold(old, 'zh')} → "
                    f"{describe_threshold(new, 'zh')}{condition_note}")
        return f"{tier} {verb}{metric}{alternative} {describe_threshold(sample, 'zh')}"
    if change == "changed":
        return (f"{tier}: {metric} threshold{alternative} {describe_threshold(old, 'en')} -> "
                f"{describe_threshold(new, 'en')}{condition_note}")
    word = "new criterion" if change == "added" else "criterion removed"
    return f"{tier}: {word}: {metric}{alternative} {describe_threshold(sample, 'en')}"


def _pair_criteria(old: list[Criterion], new: list[Criterion]
                   ) -> list[tuple[Criterion | None, Criterion | None]]:
    """Pair two versions' criteria: same identity first, then the same shape where exactly
    one criterion on each side is left with it; everything else is removed or added."""
    def unique(items: list[Criterion]) -> list[Criterion]:
        seen: set[str] = set()
        kept = []
        for item in items:  # a criterion restated in a summary clause is one criterion
            mark = json.dumps([criterion_key(item), _substance(item)], sort_keys=True,
                              default=str)
            if mark not in seen:
                seen.add(mark)
                kept.append(item)
        return kept

    old, new = unique(old), unique(new)
    pairs: list[tuple[Criterion | None, Criterion | None]] = []
    free_old: dict[tuple[str, str, str, str], list[Criterion]] = {}
    for item in old:
        free_old.setdefault(criterion_key(item), []).append(item)
    left_new: list[Criterion] = []
    for item in new:
        partners = free_old.get(criterion_key(item))
        if partners:
            pairs.append((partners.pop(0), item))
        else:
            left_new.append(item)
    left_old = [item for items in free_old.values() for item in items]
    old_floors, new_floors = _floors(old), _floors(new)
    by_shape_old: dict[tuple[str, str, str, str], list[Criterion]] = {}
    by_shape_new: dict[tuple[str, str, str, str], list[Criterion]] = {}
    for item in left_old:
        by_shape_old.setdefault(_shape_key(item, old_floors), []).append(item)
    for item in left_new:
        by_shape_new.setdefault(_shape_key(item, new_floors), []).append(item)
    paired_old: set[int] = set()
    for item in left_new:
        shape = _shape_key(item, new_floors)
        olds, news = by_shape_old.get(shape, []), by_shape_new.get(shape, [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], item))
            paired_old.add(id(olds[0]))
        else:
            pairs.append((None, item))
    pairs.extend((item, None) for item in left_old if id(item) not in paired_old)
    return pairs


def criteria_changes(old: list[Criterion], new: list[Criterion]) -> list[dict[str, Any]]:
    """Compare two versions' criteria; unchanged ones produce no entry.

    A criterion's identity is its tier, metric, bound side (a floor or a ceiling) and its
    condition with the condition's bounds, so "revenue >= 10 million" and "revenue >= 15
    million" are one criterion changed, and each band of an R&D table is diffed on its
    own. Criteria whose condition itself changed pair up only when that is unambiguous;
    otherwise the old one is reported removed and the new one added, never dropped.

    >>> old = [{"tier": "srdi_sme", "metric": "revenue", "op": ">=", "value": 10000000,
    ...         "unit": "yuan", "period": "last_year", "condition": None}]
    >>> new = [dict(old[0], value=15000000)]
    >>> criteria_changes(old, new)[0]["summary_en"]
    'SRDI SMEs: revenue threshold >= 10 million yuan (last year) -> >= 15 million yuan (last year)'
    """
    changes = []
    for was, now in _pair_criteria(old, new):
        if was is not None and now is not None and _substance(was) == _substance(now):
            continue
        change = "changed" if was is not None and now is not None else (
            "added" if now is not None else "removed")
        sample = now or was
        assert sample is not None
        changes.append({
            "tier": sample.get("tier"),
            "metric": sample["metric"],
            "change": change,
            "old": _typed(was) if was is not None else None,
            "new": _typed(now) if now is not None else None,
            "summary_zh": _summary(change, was, now, "zh"),
            "summary_en": _summary(change, was, now, "en"),
        })
    return changes


# -- words and redlines ------------------------------------------------------------------
def words(text: str, language: str = "zh") -> list[str]:
    """Split text into the pipeline's tokens, keeping whitespace so redlines rejoin exactly."""
    from policywatch.nlp.extract.spacy_pipeline import get_pipeline

    doc = get_pipeline("zh" if language != "en" else "en").make_doc(text)
    return [token.text_with_ws for token in doc]


def redline(old_text: str, new_text: str, language: str = "zh") -> list[dict[str, str]]:
    """Word-level redline: a list of ``{"op": "equal"|"delete"|"insert", "text"}``.

    >>> [op for op in redline("营业收入总额在1000万元以上", "营业收入总额在1500万元以上")
    ...  if op["op"] != "equal"]
    [{'op': 'delete', 'text': '1000'}, {'op': 'insert', 'text': '1500'}]
    """
    old_words, new_words = words(old_text, language), words(new_text, language)
    ops: list[dict[str, str]] = []
    matcher = SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append({"op": "equal", "text": "".join(old_words[i1:i2])})
            continue
        if i2 > i1:
            ops.append({"op": "delete", "text": "".join(old_words[i1:i2])})
        if j2 > j1:
            ops.append({"op": "insert", "text": "".join(new_words[j1:j2])})
    return ops


def text_changes(old_text: str, new_text: str, language: str = "zh") -> list[dict[str, str]]:
    """The ``text`` diff: a redline of two whole texts."""
    return redline(old_text, new_text, language)


# -- clauses -------------------------------------------------------------------------------
def _normalized(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def _bigrams(text: str) -> set[str]:
    folded = _normalized(text)
    return {folded[i:i + 2] for i in range(len(folded) - 1)} or {folded}


def clause_similarity(a: str, b: str) -> float:
    """Dice coefficient over character bigrams: cheap, language-agnostic, order-tolerant.

    >>> round(clause_similarity("营业收入在1000万元以上", "营业收入在1500万元以上"), 2)
    0.87
    """
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def _brief(clause: Clause) -> dict[str, Any]:
    return {"id": clause.get("id"), "label": clause.get("label"), "text": clause.get("text")}


def with_loose_paragraphs(clauses: list[Clause], text: str) -> list[Clause]:
    """The clause tree plus every line of ``text`` that no clause holds, in text order.

    Numbered clauses miss preambles, signatures, notes added in brackets ("（该文件已于
    2026年4月1日废止…）") and annexes without numbers; a diff of clauses alone would show
    an edited page as unchanged. Loose lines get ids ``p1``, ``p2``, ... and no label.

    >>> tree = [{"id": "art1", "label": "第一条", "text": "本办法自印发之日起施行。"}]
    >>> page = "关于印发的通知" + chr(10) + "第一条 本办法自印发之日起施行。"
    >>> [c["id"] for c in with_loose_paragraphs(tree, page)]
    ['p1', 'art1']
    """
    if not text:
        return list(clauses)
    held = [_normalized(c.get("text", "")) for c in clauses]
    remaining = {i: h for i, h in enumerate(held) if h}
    merged: list[Clause] = []
    emitted: set[int] = set()
    loose = 0
    for line in text.splitlines():
        folded = _normalized(line)
        if not folded:
            continue
        owner = next((i for i, h in remaining.items() if h in folded or folded in h), None)
        if owner is not None:
            for i in range(owner + 1):  # a clause appears where its line does
                if i not in emitted:
                    merged.append(clauses[i])
                    emitted.add(i)
            continue
        loose += 1
        merged.append({"id": f"p{loose}", "label": None, "text": line.strip()})
    merged.extend(c for i, c in enumerate(clauses) if i not in emitted)
    return merged


# Candidate pairs for "changed" are found through shared character bigrams; bigrams that
# occur in more clauses than this say little ("企业", "以上") and are not followed.
_COMMON_BIGRAM = 50
_CANDIDATES_PER_CLAUSE = 8


def _similar_pairs(old: list[Clause], new: list[Clause], free_old: list[int],
                   free_new: list[int]) -> list[tuple[float, int, int, int]]:
    """Scored (similarity, -distance, old, new) pairs worth considering, best first.

    Near-linear: each new clause is scored only against the old clauses that share its
    rarer bigrams (an inverted index), so two 1,000-clause versions align in well under a
    second instead of a million similarity computations.
    """
    grams_old = {i: _bigrams(old[i]["text"]) for i in free_old}
    postings: dict[str, list[int]] = {}
    for i, grams in grams_old.items():
        for gram in grams:
            postings.setdefault(gram, []).append(i)
    scored = []
    for j in free_new:
        grams = _bigrams(new[j]["text"])
        shared: dict[int, int] = {}
        for gram in grams:
            hits = postings.get(gram, ())
            if len(hits) > _COMMON_BIGRAM:
                continue
            for i in hits:
                shared[i] = shared.get(i, 0) + 1
        best = sorted(shared, key=lambda i: (-shared[i], abs(i - j)))[:_CANDIDATES_PER_CLAUSE]
        if len(free_old) <= _CANDIDATES_PER_CLAUSE:  # small documents: try every pair
            best = list(free_old)
        for i in best:
            x = grams_old[i]
            score = 2 * len(x & grams) / (len(x) + len(grams)) if x and grams else 0.0
            scored.append((score, -abs(i - j), i, j))
    scored.sort(reverse=True)
    return scored


def clause_changes(old: list[Clause], new: list[Clause], language: str = "zh"
                   ) -> list[dict[str, Any]]:
    """Align two clause trees and say what happened to each clause.

    Identical text is matched first (``unchanged``, or ``moved`` when its label or place
    changed, e.g. 第三条 -> 第四条); then the most similar remaining pairs above
    :data:`SAME_CLAUSE_SIMILARITY` are ``changed`` and get a word-level redline; the rest
    are ``removed`` or ``added``. The result follows the new document's order, with removed
    clauses after the clause that preceded them.
    """
    old = [c for c in old if _normalized(c.get("text", ""))]
    new = [c for c in new if _normalized(c.get("text", ""))]
    pairs: dict[int, int] = {}  # new index -> old index
    by_text: dict[str, list[int]] = {}
    for i, clause in enumerate(old):
        by_text.setdefault(_normalized(clause["text"]), []).append(i)
    for j, clause in enumerate(new):
        candidates = by_text.get(_normalized(clause["text"]))
        if candidates:
            pairs[j] = candidates.pop(0)
    taken = set(pairs.values())
    used_old: set[int] = set()
    # Most edits keep clauses in place: between two clauses that matched exactly, the
    # unmatched ones are paired in order when they are similar enough (linear, and right
    # for the common case of every clause edited a little).
    anchors = [(-1, -1), *sorted((j, i) for j, i in pairs.items()), (len(new), len(old))]
    for (j0, i0), (j1, i1) in zip(anchors, anchors[1:], strict=False):
        gap_new = [j for j in range(j0 + 1, j1) if j not in pairs]
        gap_old = [i for i in range(i0 + 1, i1) if i not in taken]
        for i, j in zip(gap_old, gap_new, strict=False):
            if clause_similarity(old[i]["text"], new[j]["text"]) >= SAME_CLAUSE_SIMILARITY:
                pairs[j] = i
                used_old.add(i)
    taken |= used_old
    free_old = [i for i in range(len(old)) if i not in taken]
    free_new = [j for j in range(len(new)) if j not in pairs]
    for score, _, i, j in _similar_pairs(old, new, free_old, free_new):
        if score < SAME_CLAUSE_SIMILARITY:
            break
        if i in used_old or j in pairs:
            continue
        pairs[j] = i
        used_old.add(i)
    # Relative order of matched clauses tells a move from a renumbering that follows
    # an insertion: a clause is "moved" only if it left its place among the matches.
    matched = sorted(pairs.items())
    old_rank = {i: rank for rank, i in enumerate(sorted(i for _, i in matched))}
    entries: list[tuple[float, dict[str, Any]]] = []
    for new_rank, (j, i) in enumerate(matched):
        same_text = _normalized(old[i]["text"]) == _normalized(new[j]["text"])
        moved = old_rank[i] != new_rank or old[i].get("label") != new[j].get("label")
        status = ("moved" if moved else "unchanged") if same_text else "changed"
        entry: dict[str, Any] = {"status": status, "old": _brief(old[i]), "new": _brief(new[j])}
        if not same_text:
            entry["redline"] = redline(old[i]["text"], new[j]["text"], language)
            entry["similarity"] = round(clause_similarity(old[i]["text"], new[j]["text"]), 3)
        entries.append((j, entry))
    for j in range(len(new)):
        if j not in pairs:
            entries.append((j, {"status": "added", "old": None, "new": _brief(new[j])}))
    new_of_old = {i: j for j, i in pairs.items()}
    previous = -1
    for i in range(len(old)):
        if i in new_of_old:
            previous = max(previous, new_of_old[i])
            continue
        entries.append((previous + 0.5, {"status": "removed", "old": _brief(old[i]),
                                         "new": None}))
    entries.sort(key=lambda pair: pair[0])
    return [entry for _, entry in entries]


# -- the whole diff ------------------------------------------------------------------------
def diff_versions(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Diff two versions, each ``{"version_id", "notice_id", "title", "published", "text",
    "language", "extraction": {"criteria": [...], "clauses": [...]}}``.

    Returns:
        ``{"diff", "old", "new", "criteria_changes", "clauses", "counts"}``; ``clauses`` holds
        the clause tree plus every line outside it (see :func:`with_loose_paragraphs`), so
        every changed line of the text shows.
    """
    language = new.get("language") or old.get("language") or "zh"
    old_x, new_x = old.get("extraction") or {}, new.get("extraction") or {}
    old_clauses = with_loose_paragraphs(old_x.get("clauses") or [], old.get("text") or "")
    new_clauses = with_loose_paragraphs(new_x.get("clauses") or [], new.get("text") or "")
    clauses = clause_changes(old_clauses, new_clauses, language)
    counts: dict[str, int] = {}
    for entry in clauses:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    meta = ("version_id", "notice_id", "title", "published", "doc_number", "url")
    return {
        "diff": DIFF_VERSION,
        "old": {k: old.get(k) for k in meta},
        "new": {k: new.get(k) for k in meta},
        "criteria_changes": criteria_changes(old_x.get("criteria") or [],
                                             new_x.get("criteria") or []),
        "clauses": clauses,
        "counts": counts,
    }


def clause_summary(diff: dict[str, Any], language: str, width: int = 60) -> str:
    """A one-line account of a diff's wording changes, for a change without criteria.

    Names the first changed, added or removed lines rather than saying "clause wording
    changed" over a diff nobody can find.

    >>> clause_summary({"clauses": [{"status": "added", "old": None, "new": {"label": None,
    ...     "text": "（该文件已于2026年4月1日废止）"}}]}, "zh")
    '新增：（该文件已于2026年4月1日废止）'
    """
    words = {"zh": {"changed": "修改", "added": "新增", "removed": "删除", "sep": "；",
                    "more": "等{n}处", "none": "格式或空白变化"},
             "en": {"changed": "changed", "added": "added", "removed": "removed", "sep": "; ",
                    "more": " and {n} more", "none": "layout or whitespace only"}}[language]
    touched = [c for c in diff.get("clauses", []) if c["status"] in {"changed", "added",
                                                                     "removed"}]
    if not touched:
        return words["none"]
    parts = []
    for clause in touched[:2]:
        side = clause["new"] or clause["old"]
        text = " ".join(f"{side.get('label') or ''} {side.get('text') or ''}".split())
        if len(text) > width:
            text = text[: width - 1] + "…"
        parts.append(f"{words[clause['status']]}：{text}" if language == "zh"
                     else f"{words[clause['status']]}: {text}")
    summary = words["sep"].join(parts)
    if len(touched) > 2:
        summary += words["more"].format(n=len(touched) - 2)
    return summary


DIFFS: dict[str, Callable[..., Any]] = {
    "criteria": criteria_changes,
    "clauses": clause_changes,
    "text": text_changes,
}


def diff_fingerprint(diff: dict[str, Any]) -> str:
    """A stable text form of a diff's substance (for events that must fire once)."""
    return json.dumps({"criteria": diff["criteria_changes"],
                       "clauses": [(c["status"], (c["old"] or {}).get("id"),
                                    (c["new"] or {}).get("id")) for c in diff["clauses"]
                                   if c["status"] != "unchanged"]},
                      ensure_ascii=False, sort_keys=True)
