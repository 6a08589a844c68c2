"""Joining lines that a PDF, a Word export or a paste broke inside a sentence.

A PDF's text layer ends a line wherever the printed line ended, and many reposts keep
those breaks: ``不低\\n于3%``, ``近2年研发费用总额占营业收入总额比\\n重均不低于6%``. Every
later step reads a line as a unit (clauses start at line starts, sentences never cross a
line), so a threshold split by such a break is lost. :func:`join_broken_lines` removes
the breaks that fall inside a sentence and keeps the ones that carry structure.

A break is joined when the line before it does not end a sentence (。；!? and the like)
and the line after it does not start a numbered clause or hold only a date (the date under
a signature) or a document number, and either

* the line before ends where no sentence can (a comma, 的, "and", "of") or the line after
  starts where none can (a closing mark, 。);

* the line before is *full*: the text was wrapped at a fixed width (a PDF) and this line
  reaches that width, which is found from the text itself (several lines end within a few
  columns of the longest ones); or
* the break cuts a rule phrase or a number in two (``不低\\n于``, ``比\\n重``, ``100\\n万元``),
  or stands between a number and the words that make it a threshold (``不低于\\n3%``,
  ``3%\\n以上``).

The result has the reading form the store hashes (:func:`policywatch.store.text.reading_form`):
a break next to a Chinese character or mark is removed with the spaces around it, any
other becomes one space, so joining never changes what a reader sees, only where lines end.
The exceptions are digits on both sides of a break in Chinese text (``800\n0万元``) and an
English word broken after its hyphen (``debt-to-\nasset``): both are joined without a
space.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

from policywatch.nlp.extract.clauses import clause_parser
from policywatch.nlp.extract.dates import date_scanner
from policywatch.nlp.extract.lexicon import load_data
from policywatch.nlp.extract.mentions import (
    CMP_PREFIX,
    CMP_SUFFIX,
    DATE,
    DOCNO,
    METRIC,
    PERIOD,
    QUANTITY,
    RATIO,
    Mention,
    mention_scanner,
    resolve_overlaps,
)
from policywatch.store.doc_numbers import find_english_doc_numbers, is_doc_number

# The characters next to which store.text.reading_form drops a space (CJK ideographs,
# CJK punctuation, full-width forms): a break beside one of them joins with nothing.
_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_HYPHEN_BREAK = re.compile(r"[A-Za-z]-$")
# The wide (W) and full-width (F) characters of Unicode's East Asian Width, in blocks:
# Hangul Jamo, CJK radicals to Yi, Hangul, compatibility ideographs, vertical and small
# forms, full-width forms, ideographs beyond the BMP.
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\ua4cf"
                   "\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60"
                   "\uffe0-\uffe6\U00020000-\U0003fffd]")
# How far around a break a phrase that straddles it is looked for (the longest rule
# phrases are about this long).
_WINDOW = {"zh": 24, "en": 64}
# A date or a document number standing alone is a short line, with a digit or 年 in it.
_ALONE_MAX = 48
_NUMERIC = re.compile("[0-9０-９年〇零一二两三四五六七八九十百千万亿%％]")
# How far from a break a number may stand and still make a threshold cut by it.
_NUMBER_REACH = 10
_LEADS_TO_NUMBER = frozenset({CMP_PREFIX, METRIC, RATIO, PERIOD})


def display_width(line: str) -> int:
    """Columns a line takes in print: a Chinese character or full-width mark is two.

    >>> display_width("营业收入100万元"), display_width("revenue")
    (15, 7)
    """
    return len(line) + len(_WIDE.findall(line))


class LineJoiner:
    """Joins broken lines of texts in one language (see the module docstring)."""

    def __init__(self, language: str) -> None:
        spec = load_data("markers")["line_breaks"]
        self.language = language
        self.sentence_end = re.compile(spec["sentence_end"][language])
        self.continuation = re.compile(spec["continuation"][language])
        self.open_end = re.compile(spec["open_end"][language], re.IGNORECASE)
        self.min_wrap = spec["min_wrap_width"]
        self.slack = spec["wrap_slack"]
        self.min_full_lines = spec["min_full_lines"]
        self.min_full_share = spec["min_full_share"]
        self.max_over_share = spec["max_over_share"]
        self.parser = clause_parser(language)
        self.scanner = mention_scanner(language)

    def join(self, text: str) -> str:
        """Return ``text`` with the breaks inside sentences removed.

        >>> LineJoiner("zh").join("占营业收入总额比\\n重均不低\\n于6%。\\n（二）资产负债率")
        '占营业收入总额比重均不低于6%。\\n（二）资产负债率'
        """
        lines = text.split("\n")
        if len(lines) < 2:
            return text
        stripped = [line.strip() for line in lines]
        wrap = self.wrap_width([display_width(line) for line in stripped if line])
        out: list[str] = [lines[0]]
        for index in range(1, len(lines)):
            before, after = stripped[index - 1], stripped[index]
            if before and after and out[-1].strip() and self._joins(before, after, wrap):
                out[-1] = _glue(out[-1], lines[index], self.language == "zh")
            else:
                out.append(lines[index])
        return "\n".join(out)

    def wrap_width(self, widths: Sequence[int]) -> int | None:
        """The width the text was wrapped at, or None when its lines show no such width.

        Wrapped text has many lines ending within a few columns of the same width (the
        rest end paragraphs); text with one paragraph per line has lengths all over.

        >>> LineJoiner("zh").wrap_width([76, 76, 75, 76, 30, 74, 12])
        76
        >>> LineJoiner("zh").wrap_width([120, 64, 88, 30, 250, 12]) is None
        True
        >>> LineJoiner("zh").wrap_width([73, 71, 72, 180, 120, 96, 150, 73]) is None
        True
        """
        long_lines = [w for w in widths if w >= self.min_wrap]
        if len(long_lines) < self.min_full_lines:
            return None
        needed = max(self.min_full_lines, self.min_full_share * len(long_lines))
        for width in sorted(set(long_lines), reverse=True):
            near = sum(1 for w in long_lines if width - self.slack <= w <= width)
            if near >= needed:
                # Wrapped at this width, no line can be much longer (a few may be: a
                # title set apart, a line the printer let run over).
                over = sum(1 for w in long_lines if w > width + self.slack)
                return width if over <= self.max_over_share * len(long_lines) else None
        return None

    def _joins(self, before: str, after: str, wrap: int | None) -> bool:
        # Cheap tests first: most lines end a sentence, start a clause or fill the width,
        # and only the rest need the rule phrases scanned across the break.
        if self.sentence_end.search(before) or _stands_alone(after):
            return False
        if self._starts_clause(after):
            # Only an amount cut from its comparator or unit continues into a line that
            # reads as numbered ("no less than\n1 million yuan", "RMB\n15 million").
            return after[0].isdigit() and self._cut(before, after) in (
                "inside", "after_comparator")
        if self.continuation.match(after) or self.open_end.search(before):
            return True
        if self.language == "zh" and self._full(before, wrap):
            return True
        if self._cut(before, after) is not None:
            return True
        if self.language == "en":
            # An English sentence that goes on in lower case (or in a word broken at its
            # hyphen, or with an amount) was broken, not ended; a capital may start a
            # heading, and English lines are too ragged for the width to tell.
            return (after[0].islower() or bool(_HYPHEN_BREAK.search(before))
                    or (self._opens_with_amount(after) and before[-1].islower()))
        return False

    def _full(self, line: str, wrap: int | None) -> bool:
        return wrap is not None and wrap - self.slack <= display_width(line) <= wrap

    def _starts_clause(self, line: str) -> bool:
        if self._opens_with_amount(line):
            return False  # "10 million yuan", "15%": an amount, not clause 10 or 15
        numbered = self.parser._numbering(line, [])  # noqa: SLF001 - the one numbering rule
        return numbered is not None

    def _opens_with_amount(self, line: str) -> bool:
        if not line[0].isdigit():
            return False
        found = self.scanner.quantities.scan(line[:_WINDOW[self.language]])
        return bool(found) and found[0].start == 0 and (
            found[0].unit is not None or found[0].scaled)

    def _window_mentions(self, window: str, cut: int) -> list[Mention]:
        """Rule phrases, amounts and dates of a few characters around a break (what can be
        cut in two; document numbers and points cannot matter here)."""
        found = [Mention(entry.kind, match.start(), match.end(), entry.value)
                 for match in self.scanner.phrase_re.finditer(window)
                 if (entry := self.scanner.table.lookup(match.group())) is not None]
        if _NUMERIC.search(window, max(0, cut - _NUMBER_REACH), cut + _NUMBER_REACH):
            # Amounts and dates only where a number stands near the break.
            found += [Mention(QUANTITY, q.start, q.end, q)
                      for q in self.scanner.quantities.scan(window)]
            found += [Mention(DATE, d.start, d.end, d.date) for d in date_scanner().scan(window)]
        return resolve_overlaps(found)

    def _cut(self, before: str, after: str) -> str | None:
        """``inside`` when the break cuts a rule phrase or an amount in two,
        ``after_comparator`` when an amount follows its comparator across it, ``between``
        when it stands between an amount and another word of its threshold, else None."""
        window = _WINDOW[self.language]
        left, gap, right = _glue_parts(before[-window:], after[:window],
                                       self.language == "zh")
        cut, resume = len(left), len(left) + len(gap)
        mentions = self._window_mentions(left + gap + right, cut)
        if any(m.start < cut and m.end > resume and _cuttable(m) for m in mentions):
            return "inside"
        ending = [m for m in mentions if m.end == cut]
        opening = [m for m in mentions if m.start == resume]
        if ending and opening:
            last, first = ending[-1].kind, opening[0].kind
            if last == CMP_PREFIX and first == QUANTITY:
                return "after_comparator"
            if (last in _LEADS_TO_NUMBER and first == QUANTITY) or (
                    last == QUANTITY and first in (CMP_SUFFIX, METRIC)):
                return "between"
        return None


def _cuttable(mention: Mention) -> bool:
    """Whether a mention found across a break shows the break was inside it.

    Not a document number (it reads its issuer code backwards across any Chinese
    characters, so one under a title would seem to take the title's end), nor digits
    alone ("5\n3.1": a score, then an item number), only an amount with its unit.
    """
    if mention.kind == DOCNO:
        return False
    if mention.kind == QUANTITY:
        return mention.value.unit is not None or mention.value.scaled
    return True


def _stands_alone(line: str) -> bool:
    """A line that is one date (under a signature) or one document number (under a
    title): it is never the end of the line above, however full that line is."""
    if len(line) > _ALONE_MAX or not _NUMERIC.search(line):
        return False
    if is_doc_number(line):
        return True
    numbers = find_english_doc_numbers(line)
    if numbers and numbers[0][0] == 0 and numbers[0][1] == len(line):
        return True
    found = date_scanner().scan(line)
    return len(found) == 1 and found[0].start == 0 and found[0].end == len(line)


def _glue_parts(before: str, after: str, chinese: bool) -> tuple[str, str, str]:
    """Two lines as they join: (the first without trailing space, what goes between,
    the second without leading space).

    What goes between is what reading_form reads there: nothing beside a Chinese
    character or mark, one space elsewhere; except nothing between digits in Chinese text
    (``800\n0万元``) and after an English word broken at its hyphen (``debt-to-\nasset``).
    """
    left, right = before.rstrip(), after.lstrip()
    if not left or not right:
        return left, "", right
    # Judged as reading_form judges them, after NFKC: "（" is then "(", not a CJK mark.
    last, first = unicodedata.normalize("NFKC", left[-1]), unicodedata.normalize("NFKC", right[0])
    if _CJK.match(last[-1:]) or _CJK.match(first[:1]):
        return left, "", right
    if chinese and left[-1].isdigit() and right[0].isdigit():
        return left, "", right
    if _HYPHEN_BREAK.search(left) and right[0].isalpha():
        return left, "", right
    return left, " ", right


def _glue(before: str, after: str, chinese: bool) -> str:
    return "".join(_glue_parts(before, after, chinese))


@cache
def line_joiner(language: str) -> LineJoiner:
    """Return the (cached) joiner for ``zh`` or ``en``."""
    return LineJoiner(language)


def join_broken_lines(text: str, language: str) -> str:
    """Remove the line breaks that fall inside sentences (see the module docstring).

    >>> join_broken_lines("上年度营业收入总额不低\\n于1000万元。", "zh")
    '上年度营业收入总额不低于1000万元。'
    """
    return line_joiner(language).join(text)
