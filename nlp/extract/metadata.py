"""Title, document number (文号) and issuer of a notice, read from its text.

Labels win (发文字号：…, Issued by: …); otherwise the layout of a Chinese official document
decides: the title lines stand above the document number line, and the issuer's name stands
on the line above the date under the signature. Document numbers are written the canonical
way whatever brackets the text uses (粤工信规字[2024]5号 -> 粤工信规字〔2024〕5号), by
:mod:`policywatch.store.doc_numbers`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from policywatch.nlp.extract.clauses import Line
from policywatch.nlp.extract.lexicon import load_data
from policywatch.nlp.extract.mentions import DATE, DOCNO, Mention
from policywatch.store.doc_numbers import find_doc_numbers, is_doc_number

_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff《》“”])[ \t\u3000]+(?=[\u4e00-\u9fff《》“”])")
_SENTENCE_PUNCT = re.compile(r"[。；;！？!?]|[，,：:](?=.)")


class MetadataReader:
    """Reads title, document number and issuer in one language."""

    def __init__(self, language: str) -> None:
        spec = load_data("metadata")
        self.language = language
        flags = re.IGNORECASE if language == "en" else 0
        self.labels = {
            field: re.compile(r"^\s*(?:" + "|".join(_label_pattern(label, language)
                                                   for label in by_lang[language]) +
                              r")\s*[:：]\s*(?P<value>\S.*)$", flags)
            for field, by_lang in spec["labels"].items()
        }
        self.spaced_number = re.compile(
            r"(?:^|\s)(?:" + "|".join(_label_pattern(label, language)
                                     for label in spec["labels"]["doc_number"][language]) +
            r")[ \t\u3000]+(?P<value>\S+)", flags)
        self.title_split = spec["issuer_title_split"][language]
        self.issuer_suffixes = tuple(spec["issuer_suffixes"])
        self.title_max = spec["title_max"][language]
        self.header_lines = spec["header_lines"]
        self.title_endings = tuple(spec["title_endings"][language])
        self.not_title = tuple(spec["not_title"][language])

    def read(self, text: str, lines: Sequence[Line], mentions: Sequence[Mention],
             title: str | None = None) -> dict[str, str | None]:
        """Return ``{"title", "doc_number", "issuer"}`` (None where the text gives none).

        Args:
            text: the notice text.
            lines: its lines (:class:`policywatch.nlp.extract.clauses.Line`).
            mentions: its mentions, for document numbers and dates.
            title: a title known from elsewhere (the page's metadata); it wins.
        """
        labelled = self._labelled(text, lines)
        docno_line = self._doc_number_line(text, lines, mentions)
        doc_number = labelled.get("doc_number")
        if doc_number is not None:
            numbers = find_doc_numbers(doc_number)
            doc_number = numbers[0][2] if numbers else doc_number
        elif docno_line is not None:
            doc_number = docno_line[1]
        resolved_title = title or labelled.get("title") or self._title(text, lines, docno_line)
        issuer = labelled.get("issuer") or self._signature_issuer(text, lines, mentions) or \
            self._title_issuer(resolved_title)
        return {"title": resolved_title, "doc_number": doc_number, "issuer": issuer}

    def _labelled(self, text: str, lines: Sequence[Line]) -> dict[str, str]:
        found: dict[str, str] = {}
        for line in lines[: self.header_lines * 3]:
            content = text[line.start:line.end]
            for field, regex in self.labels.items():
                match = regex.match(content)
                if match and field not in found:
                    found[field] = _tidy(match.group("value"))
            if "doc_number" not in found:
                # A disclosure table sets label and value apart by spaces, several to a
                # line (文件编号 杭政办函〔2023〕81号 成文日期 2024-05-29).
                match = self.spaced_number.search(content)
                if match and is_doc_number(match.group("value")):
                    found["doc_number"] = match.group("value")
        return found

    def _doc_number_line(self, text: str, lines: Sequence[Line],
                         mentions: Sequence[Mention]) -> tuple[int, str] | None:
        # The number of the notice itself stands alone on its line; numbers cited in the
        # body (…（工信部企业〔2022〕63号）同时废止) never do.
        by_start = {m.start: m for m in mentions if m.kind == DOCNO}
        for index, line in enumerate(lines):
            mention = by_start.get(line.start)
            if mention is not None and mention.end == line.end:
                return index, mention.value
        return None

    def _title(self, text: str, lines: Sequence[Line],
               docno_line: tuple[int, str] | None) -> str | None:
        if not lines:
            return None
        if docno_line is not None and 0 < docno_line[0] <= self.header_lines:
            # The title stands right above the number, maybe over several lines; page chrome
            # (发布日期：…, a repeated heading) above it ends the title.
            parts: list[str] = []
            for line in reversed(lines[: docno_line[0]]):
                content = text[line.start:line.end].strip()
                if re.fullmatch(r"[（(].*[)）]", content):
                    continue  # an editor's note such as （该文件已于…废止）
                if not self._title_like(content) or content in parts or \
                        sum(map(len, parts)) + len(content) > self.title_max:
                    break
                parts.insert(0, content)
            if parts:
                return _tidy(("" if self.language == "zh" else " ").join(parts))
        header = [_tidy(text[line.start:line.end]) for line in lines[: self.header_lines]]
        if docno_line is not None and docno_line[0] == 0:
            # A notice that opens with its number has no title above it; the title of what
            # it issues stands under the signature (深工信规〔2025〕8号 … 实施细则).
            header = [_tidy(text[line.start:line.end])
                      for line in lines[1: 1 + 2 * self.header_lines]]
        if header and not self._title_like(header[0]):
            # Page chrome first (an information-disclosure table: 索引号 …, 文件编号 …): the
            # title is the first line further down that reads as one.
            header = [_tidy(text[line.start:line.end])
                      for line in lines[: 2 * self.header_lines]]
        for content in header:
            folded = content.lower() if self.language == "en" else content
            if self._title_like(content) and folded.endswith(self.title_endings):
                return content
        if not header or (docno_line is not None and docno_line[0] == 0):
            return None
        return header[0] if self._title_like(header[0]) else None

    def _title_like(self, content: str) -> bool:
        folded = content.lower() if self.language == "en" else content
        if not content or len(content) > self.title_max:
            return False
        if any(marker in folded for marker in self.not_title):
            return False
        if self.language == "zh":
            return not re.search(r"[：:。；;]", content)
        return not re.search(r"[:.;]$", content)

    def _signature_issuer(self, text: str, lines: Sequence[Line],
                          mentions: Sequence[Mention]) -> str | None:
        date_lines = {m.start: m for m in mentions if m.kind == DATE}
        for index, line in enumerate(lines):
            mention = date_lines.get(line.start)
            if mention is None or mention.end != line.end or index == 0:
                continue
            previous = text[lines[index - 1].start:lines[index - 1].end]
            if len(previous) <= 40 and not _SENTENCE_PUNCT.search(previous) and \
                    previous.rstrip().endswith(self.issuer_suffixes):
                # Joint signatures are set apart by spaces: 国务院办公厅　中央军委办公厅.
                return _CJK_GAP.sub("、", previous.strip())
            return None
        return None

    def _title_issuer(self, title: str | None) -> str | None:
        if not title or self.language != "zh":
            return None
        head, found, _ = title.partition(self.title_split)
        if found and head.endswith(self.issuer_suffixes):
            return head
        return None


def _label_pattern(label: str, language: str) -> str:
    if language == "zh":
        return r"\s*".join(re.escape(char) for char in label)
    return r"\s+".join(re.escape(word) for word in label.split())


def _tidy(value: str) -> str:
    """Collapse layout spaces: 几 个 问 题 的 通 知 -> 几个问题的通知."""
    return " ".join(_CJK_GAP.sub("", value).split())


@cache
def metadata_reader(language: str) -> MetadataReader:
    """Return the (cached) reader for ``zh`` or ``en``."""
    return MetadataReader(language)
