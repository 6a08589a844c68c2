"""Tiers of the graded-cultivation system, named in Chinese or English, quotes and all.

Canonical ids: ``innovative_sme`` (创新型中小企业, from 2026 科技和创新型中小企业), ``srdi_sme``
(专精特新中小企业) and ``little_giant`` (专精特新"小巨人"企业). Phrases and quote pairs come
from ``data/tiers.json`` and are scanned with every other rule phrase by
:mod:`policywatch.nlp.extract.mentions` (:func:`~policywatch.nlp.extract.mentions.tier_phrases`);
the longest phrase wins, so 专精特新“小巨人”企业 is one ``little_giant`` mention and never
also an ``srdi_sme`` one. This module reads the ``TIER`` mentions: which tiers a notice
names and which tier each criterion belongs to.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from policywatch.nlp.extract.lexicon import load_data
from policywatch.nlp.extract.mentions import TIER, Mention

if TYPE_CHECKING:
    from policywatch.nlp.extract.clauses import Line

STRUCTURAL_STYLES = frozenset({"annex", "chapter", "section"})
_NOT_WORDS = re.compile(r"[\s\W_]+")
_DIGIT = re.compile(r"[0-9０-９]")
_RUN_IN_END = re.compile(r"[。：:]")
HEADING_STYLES = frozenset({None, "annex", "chapter", "section", "article", "part"})


def tiers_mentioned(mentions: Sequence[Mention], title_tiers: Sequence[str] = ()) -> list[str]:
    """Return the tier ids mentioned, in order of first mention, each once.

    >>> from policywatch.nlp.extract.mentions import Mention
    >>> tiers_mentioned([Mention("TIER", 0, 2, "srdi_sme"), Mention("TIER", 5, 9, "srdi_sme")])
    ['srdi_sme']
    """
    seen = dict.fromkeys(title_tiers)
    for mention in mentions:
        if mention.kind == TIER:
            seen.setdefault(mention.value, None)
    return list(seen)


def _little_else(rest: str, most: int) -> bool:
    """Whether what a line says besides its tier is a label at most (``most`` word
    characters, no number): 2、“专精特新”示范中小企业, 市级专精特新：."""
    return len(_NOT_WORDS.sub("", rest)) <= most and not _DIGIT.search(rest)


def infer_tier(criteria: Sequence[dict]) -> str | None:
    """The tier that criteria imply when the text names none: the tier of the first metric
    only one tier line measures (``inferred_from_metrics`` in ``tiers.json``).

    >>> infer_tier([{"metric": "revenue_growth"}, {"metric": "years_in_niche"}])
    'srdi_sme'
    >>> infer_tier([{"metric": "revenue"}]) is None
    True
    """
    implied = load_data("tiers")["inferred_from_metrics"]
    return next((implied[c["metric"]] for c in criteria if c["metric"] in implied), None)


class TierContext:
    """Which tier a criterion belongs to.

    A sentence that names a tier before its first threshold is about that tier
    (专精特新中小企业需同时满足…). Otherwise the tier of the nearest heading above counts: a
    heading names a tier early on and reads as one (a chapter or annex title, or an
    unnumbered line, article or 一、 part that also carries a standards keyword such as 标准,
    认定, 条件, criteria). Items of a list never set it, and a tier named as a prerequisite
    (已被评价为创新型中小企业, 已获得…称号) never does, so "(八)已获得科技和创新型中小企业称号"
    inside the SRDI conditions keeps them SRDI.
    """

    def __init__(self, language: str, lines: Sequence[Line], mentions: Sequence[Mention],
                 text: str, default: str | None) -> None:
        spec = load_data("tiers")
        keywords = spec["heading_keywords"][language]
        window = spec["heading_window"][language]
        self.language = language
        self.text = text
        markers = "|".join(re.escape(p.lower()) for p in spec["prerequisite_markers"][language])
        # "已被认定为省级专精特新中小企业": a level word may stand between marker and tier.
        gap = spec["prerequisite_gap"][language]
        self.prerequisite = re.compile(rf"(?:{markers}){gap}$")
        self.tiers: list[Mention] = []
        self.prerequisites: list[str] = []
        for mention in mentions:
            if mention.kind == TIER:
                if self._is_prerequisite(mention):
                    self.prerequisites.append(mention.value)
                else:
                    self.tiers.append(mention)
        self.starts = [m.start for m in self.tiers]
        self.default = default
        self.positions: list[int] = []
        self.values: list[str] = []
        label_max = spec["label_line_extra"][language]
        heading_only = spec["heading_only"][language]
        heading_only_max = spec["heading_only_extra"][language]
        for line in lines:
            index = bisect.bisect_left(self.starts, line.body_start)
            if index == len(self.tiers) or self.tiers[index].start >= line.end:
                # 市级专精特新： a bare 专精特新 names no tier in running text (专精特新发展),
                # but a line that is nothing else heads the conditions below it.
                body = text[line.body_start:line.end]
                for phrase, tier in heading_only.items():
                    rest = body.replace(phrase, "", 1)
                    if rest != body and _little_else(rest, heading_only_max):
                        self.positions.append(line.start)
                        self.values.append(tier)
                        break
                continue
            first = self.tiers[index]
            body = text[line.body_start:line.end]
            # A line that only names a tier (2、“专精特新”示范中小企业) heads the list below it,
            # whatever its numbering, and so does a tier that opens a line as a run-in heading
            # (“小巨人”企业。(1)制造类。上一年度主营业务收入…).
            rest = body.replace(text[first.start:first.end], "", 1)
            if first.start - line.body_start <= 2:
                rest = _RUN_IN_END.split(text[first.end:line.end], maxsplit=1)[0]
            names_only = _little_else(rest, label_max)
            if line.style not in HEADING_STYLES and not names_only:
                continue
            if first.start - line.body_start > window:
                continue
            lowered = body.lower() if language == "en" else body
            if line.style in STRUCTURAL_STYLES or names_only or any(k in lowered for k in keywords):
                self.positions.append(line.start)
                self.values.append(first.value)

    def _is_prerequisite(self, mention: Mention) -> bool:
        head = self.text[max(0, mention.start - 40):mention.start]
        head = head.lower().rstrip() if self.language == "en" else head.rstrip("“\"「《 ")
        return self.prerequisite.search(head) is not None

    def subject(self) -> str | None:
        """The tier a line names right before a standards word (专精特新“小巨人”企业认定条件):
        the document's subject when its title names none."""
        spec = load_data("tiers")
        words = tuple(spec["subject_words"][self.language])
        window = spec["subject_window"][self.language]
        if not words:
            return None
        for mention in self.tiers:
            after = self.text[mention.end:mention.end + window + max(map(len, words))]
            if any(word in after[:window + len(word)] for word in words):
                return mention.value
        return None

    def tier_above_prerequisite(self) -> str | None:
        """The next tier up the ladder from the highest prerequisite, for a text that names
        tiers only as prerequisites (须获得过江西省专精特新中小企业认定且在有效期内: the
        conditions that follow are for the tier above)."""
        if self.tiers or not self.prerequisites:
            return None
        ladder = load_data("tiers")["ladder"]
        highest = max(ladder.index(tier) for tier in self.prerequisites)
        return ladder[highest + 1] if highest + 1 < len(ladder) else None

    def first_tier(self, start: int, end: int) -> str | None:
        """The first tier named (not as a prerequisite) in ``text[start:end]``."""
        index = bisect.bisect_left(self.starts, start)
        if index < len(self.tiers) and self.tiers[index].start < end:
            return self.tiers[index].value
        return None

    def tier_at(self, position: int, sentence_start: int | None = None) -> str | None:
        """Return the tier in force at ``position``.

        Args:
            position: where the threshold is (its first number).
            sentence_start: where its sentence starts; a tier named between the two wins.
        """
        if sentence_start is not None:
            index = bisect.bisect_left(self.starts, sentence_start)
            if index < len(self.tiers) and self.tiers[index].start < position:
                return self.tiers[index].value
        index = bisect.bisect_right(self.positions, position) - 1
        return self.values[index] if index >= 0 else self.default
