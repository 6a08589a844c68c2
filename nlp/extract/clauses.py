"""The clause tree of a notice: 第X条, 一、, （一）, 1., (1), A., Article N, Annex N.

Clause ids come from the numbering, never from the wording or the line position, so a
clause keeps its id when its text changes: ``art3`` (第三条), ``s2.i1`` (二、 then （一）),
``art3.i2.p1``, ``annex3.s1``. Articles are numbered through the whole document, so their id
leaves out the chapter; everything else is prefixed by its parent's id. Styles live in
``data/clauses.json``; structural ones (annex, chapter, section, article) nest by rank, list
styles by the order they first appear in, the way drafters use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import cn2an

from policywatch.nlp.extract.dates import date_scanner
from policywatch.nlp.extract.lexicon import fold_width, load_data

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
# Every numbering style starts with one of these (附件, 第…条, 一、, （一）, 1., A., Article,
# Chapter, Annex, I.): a cheap first test before the style regexes.
_LABEL_STARTS = frozenset("附第一二三四五六七八九十（(0123456789０１２３４５６７８９"
                          "ABCDEFGHIVXLabcdefghivxl")


@dataclass
class Line:
    """One non-empty line: ``text[start:end]``, its numbering style and its clause."""

    start: int
    end: int
    body_start: int
    style: str | None
    clause: str | None


@dataclass
class Sentence:
    """A sentence (or a ；-separated part of one) inside one line."""

    start: int
    end: int
    clause: str | None
    line: int


@dataclass
class Clause:
    """A numbered clause; ``text`` is its own text, without its children's."""

    id: str
    label: str
    number: int
    level: int
    heading: str | None
    parent: str | None
    style: str
    start: int
    end: int
    key: str
    rank: int | None
    head_end: int = 0
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(part for part in self.text_parts if part)

    def as_dict(self) -> dict[str, Any]:
        """The clause as the extraction result lists it."""
        return {"id": self.id, "label": self.label, "number": self.number, "level": self.level,
                "heading": self.heading, "text": self.text, "parent": self.parent}


@dataclass
class Structure:
    """Clauses, lines and sentences of one text."""

    clauses: list[Clause]
    lines: list[Line]
    sentences: list[Sentence]

    def clause(self, clause_id: str | None) -> Clause | None:
        """Return the clause with this id, or None."""
        if clause_id is None:
            return None
        return self._by_id.get(clause_id)

    def ancestors(self, clause_id: str | None) -> list[Clause]:
        """Return the clause and its ancestors, innermost first."""
        chain = []
        clause = self.clause(clause_id)
        while clause is not None:
            chain.append(clause)
            clause = self.clause(clause.parent)
        return chain

    def __post_init__(self) -> None:
        self._by_id = {clause.id: clause for clause in self.clauses}


@dataclass(frozen=True)
class _Style:
    name: str
    key: str
    regex: re.Pattern[str]
    rank: int | None
    is_global: bool
    sequence: bool


def parse_number_label(num: str, style: str) -> tuple[int, str]:
    """Return (number, id suffix) for a clause number as written.

    >>> parse_number_label("十二", "article"), parse_number_label("B", "option")
    ((12, '12'), (2, 'B'))
    """
    num = fold_width(num).strip()
    if style == "option" or style == "letter":
        return ord(num.upper()) - ord("A") + 1, num
    if style == "decimal":
        return int(num.split(".")[-1]), num.replace(".", "-")
    if num.isdigit():
        return int(num), str(int(num))
    if set(num) <= set(_ROMAN):
        value = _roman(num)
        return value, str(value)
    value = int(cn2an.cn2an(num, "smart"))
    return value, str(value)


def _roman(numeral: str) -> int:
    total = 0
    for index, char in enumerate(numeral):
        value = _ROMAN[char]
        if index + 1 < len(numeral) and _ROMAN[numeral[index + 1]] > value:
            total -= value
        else:
            total += value
    return total


class ClauseParser:
    """Parses the clause tree and sentences of a text in one language."""

    def __init__(self, language: str) -> None:
        spec = load_data("clauses")
        self.language = language
        self.styles = [
            _Style(name=item["name"], key=item["key"],
                   regex=re.compile(item["regex"], re.IGNORECASE if "i" in item.get("flags", "")
                                    else 0),
                   rank=item.get("rank"), is_global=item.get("global", False),
                   sequence=item.get("sequence", False))
            for item in spec["styles"]
        ]
        self.heading_max = spec["heading_max"][language]
        self.heading_sep = re.compile(spec["heading_separators"])
        self.not_heading = re.compile(
            r"[，,。；;：:！？!?]" if language == "zh" else r"[;:!?]|\.\s|\.$")
        end_pattern = spec["sentence_end"] if language == "zh" else spec["en_sentence_end"]
        self.sentence_end = re.compile(end_pattern)
        # A Chinese clause that ends a sentence with 。 still splits on it; English needs
        # the look-behind form so "No. 63" or "1.5" do not end a sentence.
        self.is_zh = language == "zh"

    def parse(self, text: str) -> Structure:
        """Return the clause tree, lines and sentences of ``text``.

        >>> s = ClauseParser("zh").parse("第三条 总则\\n（一）营业收入1000万元以上；\\n1.研发费用")
        >>> [c.id for c in s.clauses]
        ['art3', 'art3.i1', 'art3.i1.p1']
        """
        clauses: list[Clause] = []
        lines: list[Line] = []
        sentences: list[Sentence] = []
        stack: list[Clause] = []
        used: dict[str, int] = {}
        position = 0
        for raw in text.split("\n"):
            line_start = position
            position += len(raw) + 1
            stripped = raw.strip()
            if not stripped:
                continue
            start = line_start + (len(raw) - len(raw.lstrip()))
            end = start + len(stripped)
            numbered = self._numbering(stripped, stack)
            if numbered is None and len(stripped) <= 20 and _is_date_line(stripped):
                # The date under the signature ends the body: what follows (附件：1. …)
                # belongs to no clause above it.
                stack.clear()
                lines.append(Line(start, end, start, None, None))
                continue
            if numbered is None:
                owner = stack[-1] if stack else None
                if owner is not None:
                    owner.text_parts.append(stripped)
                    owner.end = end
                line = Line(start, end, start, None, owner.id if owner else None)
            else:
                style, match = numbered
                clause = self._open(style, match, stack, used, start, end)
                clauses.append(clause)
                body_start = start + match.start("rest")
                line = Line(start, end, body_start, style.name, clause.id)
            lines.append(line)
            self._split_sentences(text, line, len(lines) - 1, sentences)
        return Structure(clauses, lines, sentences)

    def _numbering(self, line: str, stack: list[Clause]) -> tuple[_Style, re.Match[str]] | None:
        if line[0] not in _LABEL_STARTS:
            return None  # most lines are prose: skip trying every style on them
        for style in self.styles:
            match = style.regex.match(line)
            if match is None:
                continue
            if style.sequence and not self._continues(style, match.group("num"), stack):
                continue
            return style, match
        return None

    def _continues(self, style: _Style, num: str, stack: list[Clause]) -> bool:
        # Bare numbering ("1近三年...") counts only as the next number of its list.
        number, _ = parse_number_label(num, style.name)
        if number == 1:
            return True
        return any(c.style == style.name and c.number == number - 1 for c in stack)

    def _open(self, style: _Style, match: re.Match[str], stack: list[Clause],
              used: dict[str, int], start: int, end: int) -> Clause:
        if style.rank is not None:
            while stack and (stack[-1].rank is None or stack[-1].rank >= style.rank):
                stack.pop()
        elif any(c.style == style.name for c in stack):
            while stack[-1].style != style.name:
                stack.pop()
            stack.pop()
        parent = stack[-1] if stack else None
        number, suffix = parse_number_label(match.group("num"), style.name)
        own = f"{style.key}{suffix}"
        if style.is_global:
            annex = next((c for c in reversed(stack) if c.style == "annex"), None)
            clause_id = own if annex is None or style.name == "annex" else f"{annex.id}.{own}"
        else:
            clause_id = f"{parent.id}.{own}" if parent else own
        # A list that restarts without a new parent (a repeated table of contents) would
        # reuse an id: number the repeats so ids stay unique and still derive from labels.
        count = used.get(clause_id, 0) + 1
        used[clause_id] = count
        if count > 1:
            clause_id = f"{clause_id}~{count}"
        rest = match.group("rest").strip()
        label = match.group(0)[: match.start("rest")].strip()
        clause = Clause(id=clause_id, label=label, number=number, level=len(stack) + 1,
                        heading=self._heading(style, rest), parent=parent.id if parent else None,
                        style=style.name, start=start, end=end, key=own, rank=style.rank,
                        head_end=end, text_parts=[rest])
        stack.append(clause)
        return clause

    def _heading(self, style: _Style, rest: str) -> str | None:
        if not rest:
            return None
        if style.rank is not None and style.name != "article":
            return rest
        if style.name == "article":
            bracketed = re.match(r"^[【\[]([^】\]]{1,30})[】\]]", rest)
            return bracketed.group(1) if bracketed else None
        if style.name == "option":
            return None
        separator = self.heading_sep.search(rest)
        if separator and 0 < separator.start() <= self.heading_max and separator.end() < len(rest):
            head = rest[: separator.start()].strip()
            if head and not self.not_heading.search(head):
                return head
        if len(rest) <= self.heading_max and not self.not_heading.search(rest):
            return rest
        return None

    def _split_sentences(self, text: str, line: Line, line_index: int,
                         sentences: list[Sentence]) -> None:
        begin = line.body_start
        for match in self.sentence_end.finditer(text, line.body_start, line.end):
            stop = match.end()
            if text[begin:stop].strip():
                sentences.append(Sentence(begin, stop, line.clause, line_index))
            begin = stop
        if text[begin:line.end].strip():
            sentences.append(Sentence(begin, line.end, line.clause, line_index))


def _is_date_line(line: str) -> bool:
    found = date_scanner().scan(line)
    return len(found) == 1 and found[0].start == 0 and found[0].end == len(line)


@cache
def clause_parser(language: str) -> ClauseParser:
    """Return the (cached) parser for ``zh`` or ``en``."""
    return ClauseParser(language)


def parse_clauses(text: str, language: str = "zh") -> list[dict[str, Any]]:
    """Return the clause tree of ``text`` as dicts (id, label, number, level, heading, text,
    parent).

    >>> [c["id"] for c in parse_clauses("一、认定条件\\n(一)从事特定细分市场时间达到2年以上。")]
    ['s1', 's1.i1']
    """
    return [clause.as_dict() for clause in clause_parser(language).parse(text).clauses]
