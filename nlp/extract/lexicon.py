"""Loading the rule data in ``nlp/data/`` and compiling phrase lists into regexes.

Rules live as data (JSON) so that a new synonym, comparator or period is a data change,
not a code change. Phrase lists compile into one trie-shaped regex per language: at each
position the longest phrase wins, and the scan stays fast because alternatives branch on
their first character instead of being tried one by one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
LANGUAGES = ("zh", "en")


class RuleDataError(ValueError):
    """A rule file is malformed (for example one phrase given two meanings)."""


@cache
def load_data(name: str) -> dict[str, Any]:
    """Return the parsed JSON rule file ``nlp/data/<name>.json`` (cached per process).

    >>> load_data("periods")["zh"]["上年度"]
    'last_year'
    """
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


# -- one data file per concept -----------------------------------------------------------
# Every wording of a tier is in tiers.json and every wording of a metric in metrics.json:
# the exact phrases extraction reads, the names people see ("display"), the looser words a
# searcher types ("search") and, for tiers, the title words linking compares ("title_words").
# The functions below are how the other stages read them.


def display_names(kind: str) -> dict[str, dict[str, str]]:
    """How diffs, alerts and commands name the ids of ``kind``: ``{id: {"zh", "en"}}``.

    ``tiers`` and ``metrics`` come from their own files (the tier key ``null`` is
    tiers.json's ``no_tier``); ``periods`` and ``ops`` from display.json.

    >>> display_names("metrics")["revenue"], display_names("ops")[">="]["zh"]
    ({'zh': '营业收入', 'en': 'revenue'}, '≥')
    >>> display_names("tiers")["little_giant"]["en"]
    '"Little Giant" enterprises'
    """
    return _display_names(kind)


@cache
def _display_names(kind: str) -> dict[str, dict[str, str]]:
    if kind not in ("tiers", "metrics"):
        return load_data("display")[kind]
    spec = load_data(kind)
    names = {key: entry["display"] for key, entry in spec[kind].items() if "display" in entry}
    if kind == "tiers":
        names["null"] = spec["no_tier"]
    return names


def search_wordings(kind: str) -> list[dict[str, Any]]:
    """The search glossary's entries for ``tiers`` or ``metrics``, in their file's order.

    Each is ``{"kind": "tier"|"metric", "id", "zh", "en"}`` from an id's ``search`` words.

    >>> [entry["id"] for entry in search_wordings("tiers")]
    ['innovative_sme', 'srdi_sme', 'little_giant']
    """
    singular = {"tiers": "tier", "metrics": "metric"}[kind]
    return [{"kind": singular, "id": key, "zh": list(entry["search"]["zh"]),
             "en": list(entry["search"]["en"])}
            for key, entry in load_data(kind)[kind].items() if "search" in entry]


def tier_title_words() -> dict[str, dict[str, list[str]]]:
    """Title-vocabulary concepts named by tier ids (see title_terms.json for the rest).

    >>> tier_title_words()["little_giant"]["zh"]
    ['小巨人']
    """
    return {key: entry["title_words"] for key, entry in load_data("tiers")["tiers"].items()
            if "title_words" in entry}


def fold_width(text: str) -> str:
    """Fold full-width ASCII (digits, letters, ``％``, ``．``) and U+3000 to half-width.

    Length-preserving, so offsets found in the folded text are valid in the original.

    >>> fold_width("１５０万元，８０％")
    '150万元，80%'
    """
    return text.translate(_WIDTH_TABLE)


# Full-width commas stay as they are: they separate clauses, they never group digits.
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if code != 0xFF0C}
_WIDTH_TABLE[0x3000] = 0x20


def expand_quotes(phrase: str, quote_pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Expand each pair of straight double quotes in ``phrase`` into every quote pair.

    >>> expand_quotes('"小巨人"企业', [("“", "”"), ("", "")])
    ['“小巨人”企业', '小巨人企业']
    """
    if '"' not in phrase:
        return [phrase]
    head, _, tail = phrase.partition('"')
    inner, _, rest = tail.partition('"')
    variants = []
    for opening, closing in quote_pairs:
        for expanded_rest in expand_quotes(rest, quote_pairs):
            variants.append(f"{head}{opening}{inner}{closing}{expanded_rest}")
    return list(dict.fromkeys(variants))


def normalize_phrase(text: str, language: str) -> str:
    """The form a phrase is looked up by: case-folded and single-spaced for English."""
    if language == "en":
        return " ".join(text.lower().split())
    return text


def trie_pattern(phrases: Iterable[str], *, flexible_space: bool = False) -> str:
    """Compile literal phrases into a regex whose match at a position is the longest phrase.

    Args:
        phrases: the literals.
        flexible_space: let a space in a phrase match any run of whitespace (English).

    >>> re.fullmatch(trie_pattern(["以上", "以下", "及以上"]), "及以上") is not None
    True
    """
    trie: dict[str, Any] = {}
    for phrase in phrases:
        if not phrase:
            continue
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = []
        for char in sorted(key for key in node if key):
            atom = r"\s+" if (flexible_space and char == " ") else re.escape(char)
            branches.append(atom + build(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A phrase may end here: the longer continuation is tried first (greedy), so the
        # longest phrase wins and a shorter one is the fallback when the longer fails.
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@dataclass(frozen=True)
class PhraseEntry:
    """What a lexicon phrase means: its mention kind and the payload (a metric id, ...)."""

    kind: str
    value: Any


class PhraseTable:
    """Literal phrases of one language mapped to their meaning, scanned with one regex."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.entries: dict[str, PhraseEntry] = {}

    def add(self, phrase: str, kind: str, value: Any) -> None:
        """Add a phrase; the same phrase may not mean two different things.

        Raises:
            RuleDataError: the phrase is already in the table with another meaning.
        """
        key = normalize_phrase(phrase, self.language)
        entry = PhraseEntry(kind, value)
        existing = self.entries.get(key)
        if existing is not None and existing != entry:
            raise RuleDataError(
                f"phrase {phrase!r} ({self.language}) is both {existing} and {entry}")
        self.entries[key] = entry

    def compile(self) -> re.Pattern[str]:
        """Return the scanning regex: longest phrase first, word-bounded in English."""
        body = trie_pattern(self.entries, flexible_space=self.language == "en")
        if self.language == "en":
            # An optional plural ending, and no match inside a longer word.
            return re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?:s|es)?(?![A-Za-z])", re.IGNORECASE)
        return re.compile(body)

    def lookup(self, matched: str) -> PhraseEntry | None:
        """Return the entry for a matched text (undoing the optional English plural)."""
        key = normalize_phrase(matched, self.language)
        entry = self.entries.get(key)
        if entry is None and self.language == "en":
            for ending in ("es", "s"):
                if key.endswith(ending) and key[: -len(ending)] in self.entries:
                    return self.entries[key[: -len(ending)]]
        return entry
