"""Finding every rule mention in a text in one pass per rule family.

A mention is a span with a kind (``METRIC``, ``QUANTITY``, ``TIER``, ...) and a payload
(the metric id, a :class:`~nlp.numbers.Quantity`, the tier id, ...). Lexicon phrases from
all the data files scan together in one trie regex; numbers, dates, document numbers
(:mod:`policywatch.store.doc_numbers`, the grammar the crawler shares) and points have their
own patterns (an English text's numbers too: ``Dong Jing Xin Qi [2025] No. 7``). Overlaps
resolve leftmost-longest, so ``近2年`` is a period
and not the quantity ``2年``, and ``2022年6月1日`` is a date and not ``2022年``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from policywatch.nlp.extract.dates import date_scanner
from policywatch.nlp.extract.lexicon import PhraseTable, expand_quotes, load_data
from policywatch.nlp.extract.numbers import quantity_scanner
from policywatch.store.doc_numbers import find_doc_numbers, find_english_doc_numbers

# Mention kinds.
TIER = "TIER"
METRIC = "METRIC"
RATIO = "RATIO"
PERIOD = "PERIOD"
CMP_PREFIX = "CMP_PREFIX"
CMP_SUFFIX = "CMP_SUFFIX"
OR = "OR"
BUT = "BUT"
EACH = "EACH"
IGNORE = "IGNORE"
COND_PREFIX = "COND_PREFIX"
COND_SUFFIX = "COND_SUFFIX"
ALTERNATIVES = "ALTERNATIVES"
REWARD = "REWARD"
WAIVER = "WAIVER"
REFUSAL = "REFUSAL"
GROWTH = "GROWTH"
QUANTITY = "QUANTITY"
DATE = "DATE"
DOCNO = "DOCNO"
POINTS = "POINTS"
MAX_POINTS = "MAX_POINTS"

# Which kind wins when two mentions start at the same place and are equally long.
_PRIORITY = {DATE: 0, DOCNO: 1, MAX_POINTS: 2, POINTS: 3, QUANTITY: 9}
_MARKER_KINDS = {"or": OR, "but": BUT, "each": EACH, "ignore": IGNORE,
                 "condition_prefix": COND_PREFIX, "condition_suffix": COND_SUFFIX,
                 "alternatives": ALTERNATIVES, "reward": REWARD, "waiver": WAIVER,
                 "refusal": REFUSAL, "growth": GROWTH}


@dataclass(slots=True)
class Mention:
    """One rule mention at ``text[start:end]``; ``value`` depends on ``kind``."""

    kind: str
    start: int
    end: int
    value: Any


def build_phrase_table(language: str) -> PhraseTable:
    """Collect the lexicon phrases of one language from every data file.

    Raises:
        RuleDataError: a phrase is given two meanings across the files.
    """
    table = PhraseTable(language)
    for metric, spec in load_data("metrics")["metrics"].items():
        for phrase in spec.get(language, []):
            table.add(phrase, METRIC, metric)
    ratios = load_data("ratios")
    forms = ratios["forms"][language]
    for denominator, spec in ratios["denominators"].items():
        for noun in spec.get(language, []):
            for prefix in forms["prefixes"]:
                for suffix in forms["suffixes"]:
                    joiner = " " if language == "en" else ""
                    phrase = joiner.join(part for part in (prefix, noun, suffix) if part)
                    table.add(phrase, RATIO, denominator)
    for phrase in ratios["bare"].get(language, []):
        table.add(phrase, RATIO, "*")
    for phrase, period in load_data("periods")[language].items():
        table.add(phrase, PERIOD, period)
    comparators = load_data("comparators")[language]
    for phrase, op in comparators["prefix"].items():
        table.add(phrase, CMP_PREFIX, op)
    for phrase, op in comparators["suffix"].items():
        table.add(phrase, CMP_SUFFIX, op)
    markers = load_data("markers")[language]
    for name, kind in _MARKER_KINDS.items():
        for phrase in markers.get(name, []):
            table.add(phrase, kind, name)
    for phrase, tier in tier_phrases(language).items():
        table.add(phrase, TIER, tier)
    return table


def tier_phrases(language: str) -> dict[str, str]:
    """Return every phrase (quote variants expanded) naming a tier, mapped to its id.

    English text often quotes the Chinese name, so ``en`` includes the Chinese phrases.

    >>> tier_phrases("zh")["专精特新「小巨人」企业"]
    'little_giant'
    """
    spec = load_data("tiers")
    pairs = [tuple(pair) for pair in spec["quote_pairs"]]
    languages = ("zh",) if language == "zh" else ("en", "zh")
    phrases: dict[str, str] = {}
    for tier, names in spec["tiers"].items():
        for lang in languages:
            for phrase in names.get(lang, []):
                for variant in expand_quotes(phrase, pairs):
                    phrases[variant] = tier
    return phrases


class MentionScanner:
    """Scans a text for every mention kind of one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.table = build_phrase_table(language)
        self.phrase_re = self.table.compile()
        self.quantities = quantity_scanner(language)
        markers = load_data("markers")
        flags = re.IGNORECASE if language == "en" else 0
        self.period_res = [(re.compile(pattern, flags), period)
                           for pattern, period in load_data("periods")["patterns"][language]]
        self.metric_res = [(re.compile(pattern, flags), metric)
                           for metric, spec in load_data("metrics")["metrics"].items()
                           for pattern in spec.get("patterns", {}).get(language, [])]
        self.points_res = [re.compile(p, flags) for p in markers["points"][language]]
        self.max_points_res = [re.compile(p, flags) for p in markers["max_points"][language]]

    def scan(self, text: str) -> list[Mention]:
        """Return the non-overlapping mentions of ``text``, ordered by position."""
        found: list[Mention] = []
        lookup = self.table.lookup
        for match in self.phrase_re.finditer(text):
            entry = lookup(match.group())
            if entry is not None:
                found.append(Mention(entry.kind, match.start(), match.end(), entry.value))
        for kind, regexes in ((PERIOD, self.period_res), (METRIC, self.metric_res)):
            for regex, value in regexes:
                for match in regex.finditer(text):
                    found.append(Mention(kind, match.start(), match.end(), value))
        for quantity in self.quantities.scan(text):
            found.append(Mention(QUANTITY, quantity.start, quantity.end, quantity))
        for date in date_scanner().scan(text):
            found.append(Mention(DATE, date.start, date.end, date.date))
        numbers = find_doc_numbers(text)
        if self.language == "en":
            # Dong Jing Xin Qi [2025] No. 7: an English text numbers itself in pinyin, written
            # the one way store.doc_numbers writes it, so number_key compares it with 〔〕 ones.
            numbers += find_english_doc_numbers(text)
        for start, end, number in numbers:
            found.append(Mention(DOCNO, start, end, number))
        for kind, regexes in ((POINTS, self.points_res), (MAX_POINTS, self.max_points_res)):
            for regex in regexes:
                for match in regex.finditer(text):
                    found.append(Mention(kind, match.start(), match.end(),
                                         float(match.group("num").translate(_DIGITS))))
        return resolve_overlaps(found)


_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}


def resolve_overlaps(found: list[Mention]) -> list[Mention]:
    """Keep the leftmost-longest mention wherever two overlap.

    >>> [m.kind for m in resolve_overlaps([Mention("QUANTITY", 1, 3, None),
    ...                                    Mention("PERIOD", 0, 3, None)])]
    ['PERIOD']
    """
    found.sort(key=lambda m: (m.start, -(m.end - m.start), _PRIORITY.get(m.kind, 5)))
    kept: list[Mention] = []
    last_end = -1
    for mention in found:
        if mention.start >= last_end:
            kept.append(mention)
            last_end = mention.end
    return kept


@cache
def mention_scanner(language: str) -> MentionScanner:
    """Return the (cached) scanner for ``zh`` or ``en``."""
    return MentionScanner(language)
