"""spaCy's English tokenizer in plain Python, so that a search needs no spaCy import.

Every query is segmented in both languages (an English query, and the English senses a
Chinese query translates to), and importing spaCy costs about a second of a cold
``policywatch search`` (more than the search itself on a small database). This module
runs the algorithm of spaCy's ``Tokenizer`` (its reference form is ``Tokenizer.explain``
in ``spacy/tokenizer.pyx``: whitespace spans, special cases, prefixes and suffixes split
off in turn, ``url_match``, infixes, then the special cases that span several tokens)
over the rules of ``spacy.blank("en")``, dumped to ``nlp/data/en_tokenizer.json`` by
:func:`dump_rules` (run ``python -m policywatch.nlp.retrieval.english_tokens`` after a spaCy
upgrade). ``tests/test_startup.py`` checks that both give the same tokens on every English
text of the project and the reference pack, CC-CEDICT's senses included.

>>> english_tokens("SMEs' R&D spending (3.5%) isn't e.g. 100km/h.")[:8]
['SMEs', "'", 'R&D', 'spending', '(', '3.5', '%', ')']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "en_tokenizer.json"


@dataclass
class _Token:
    text: str
    space: bool = False


class EnglishTokenizer:
    """spaCy's tokenizer algorithm over dumped rules (prefix, suffix, infix, URL, specials)."""

    def __init__(self, rules: dict[str, Any]) -> None:
        def compiled(entry: dict[str, Any] | None) -> re.Pattern[str] | None:
            return re.compile(entry["pattern"], entry["flags"]) if entry else None

        self.prefix = compiled(rules["prefix"])
        self.suffix = compiled(rules["suffix"])
        self.infix = compiled(rules["infix"])
        self.token_match = compiled(rules["token_match"])
        self.url_match = compiled(rules["url_match"])
        self.specials: dict[str, list[str]] = rules["specials"]
        # Special cases that affix splitting would cut apart are found again after it, as
        # token sequences (spaCy's _special_matcher, built with faster_heuristics on).
        self.patterns: dict[tuple[str, ...], str] = {}
        for key in sorted(self.specials):
            if (self._prefix_len(key) or self._infixes(key) or self._suffix_len(key)
                    or " " in key):
                pattern = tuple(t.text for t in self._tokenize_affixes(key, False))
                if pattern:
                    self.patterns.setdefault(pattern, key)
        self.longest = max((len(p) for p in self.patterns), default=0)

    def _prefix_len(self, text: str) -> int:
        found = self.prefix.search(text) if self.prefix else None
        return found.end() - found.start() if found else 0

    def _suffix_len(self, text: str) -> int:
        found = self.suffix.search(text) if self.suffix else None
        return found.end() - found.start() if found else 0

    def _infixes(self, text: str) -> list[re.Match[str]]:
        return list(self.infix.finditer(text)) if self.infix else []

    def _matches(self, pattern: re.Pattern[str] | None, text: str) -> bool:
        return bool(pattern and pattern.match(text))

    def _split_affixes(self, text: str, specials: bool
                       ) -> tuple[str, list[str], list[str]]:
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while text and len(text) != last_size:
            if self._matches(self.token_match, text):
                break
            if specials and text in self.specials:
                break
            last_size = len(text)
            pre_len = self._prefix_len(text)
            prefix = minus_pre = ""
            if pre_len:
                prefix, minus_pre = text[:pre_len], text[pre_len:]
                if minus_pre and specials and minus_pre in self.specials:
                    text = minus_pre
                    prefixes.append(prefix)
                    break
            suf_len = self._suffix_len(text[pre_len:])
            suffix = minus_suf = ""
            if suf_len:
                suffix, minus_suf = text[-suf_len:], text[:-suf_len]
                if minus_suf and specials and minus_suf in self.specials:
                    text = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(text):
                text = text[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                text = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                text = minus_suf
                suffixes.append(suffix)
        return text, prefixes, suffixes

    def _attach(self, text: str, prefixes: list[str], suffixes: list[str],
                specials: bool) -> list[_Token]:
        out = [_Token(prefix) for prefix in prefixes]
        if text:
            if specials and text in self.specials:
                out.extend(_Token(orth) for orth in self.specials[text])
            elif self._matches(self.token_match, text) or self._matches(self.url_match, text):
                out.append(_Token(text))
            else:
                start = 0
                for match in self._infixes(text):
                    if match.start() == 0:
                        continue
                    if match.start() != start:
                        out.append(_Token(text[start:match.start()]))
                    if match.start() != match.end():
                        out.append(_Token(text[match.start():match.end()]))
                    start = match.end()
                if text[start:]:
                    out.append(_Token(text[start:]))
        out.extend(_Token(suffix) for suffix in reversed(suffixes))
        return out

    def _span(self, span: str, specials: bool) -> list[_Token]:
        if specials and span in self.specials:
            return [_Token(orth) for orth in self.specials[span]]
        text, prefixes, suffixes = self._split_affixes(span, specials)
        return self._attach(text, prefixes, suffixes, specials)

    def _tokenize_affixes(self, text: str, specials: bool) -> list[_Token]:
        tokens: list[_Token] = []
        if not text:
            return tokens
        start = 0
        in_ws = text[0].isspace()
        for i, char in enumerate(text):
            if char.isspace() != in_ws:
                if start < i:
                    tokens.extend(self._span(text[start:i], specials))
                if char == " ":
                    tokens[-1].space = True
                    start = i + 1
                else:
                    start = i
                in_ws = not in_ws
        if start < len(text):
            tokens.extend(self._span(text[start:], specials))
            tokens[-1].space = text[-1] == " " and not in_ws
        return tokens

    def _apply_special_spans(self, tokens: list[_Token]) -> list[_Token]:
        if not self.patterns:
            return tokens
        texts = [token.text for token in tokens]
        found: list[tuple[int, int]] = []
        for start in range(len(texts)):
            for size in range(1, min(self.longest, len(texts) - start) + 1):
                if tuple(texts[start:start + size]) in self.patterns:
                    found.append((start, start + size))
        if not found:
            return tokens
        # Longest first, then leftmost; a span touching a token already seen is dropped.
        found.sort(key=lambda span: (span[1] - span[0], -span[0]))
        seen: set[int] = set()
        kept = []
        for start, end in reversed(found):
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        kept.sort()
        out: list[_Token] = []
        position = 0
        for start, end in kept:
            out.extend(tokens[position:start])
            span_text = "".join(t.text + (" " if t.space else "") for t in tokens[start:end - 1])
            span_text += tokens[end - 1].text
            rule = self.specials.get(span_text)
            if rule is None:
                out.extend(tokens[start:end])
            else:
                replaced = [_Token(orth) for orth in rule]
                replaced[-1].space = tokens[end - 1].space
                out.extend(replaced)
            position = end
        out.extend(tokens[position:])
        return out

    def __call__(self, text: str) -> list[str]:
        """Return the tokens of ``text``, whitespace tokens included, as spaCy makes them."""
        return [t.text for t in self._apply_special_spans(self._tokenize_affixes(text, True))]


@lru_cache(maxsize=1)
def english_tokenizer() -> EnglishTokenizer:
    """The tokenizer over the dumped rules of ``spacy.blank("en")`` (built once)."""
    return EnglishTokenizer(json.loads(RULES_FILE.read_text(encoding="utf-8")))


def english_tokens(text: str) -> list[str]:
    """Return the non-space tokens ``spacy.blank("en")`` makes of ``text``."""
    return [token for token in english_tokenizer()(text) if not token.isspace()]


def dump_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """Write the rules of ``spacy.blank("en")``'s tokenizer to ``path`` (needs spaCy).

    Returns:
        The rules written.
    """
    from policywatch.nlp.extract.lightweight_spacy import spacy

    tokenizer = spacy.blank("en").tokenizer

    def pattern(method: Any) -> dict[str, Any] | None:
        if method is None:
            return None
        compiled = method.__self__
        return {"pattern": compiled.pattern, "flags": int(compiled.flags)}

    orth = spacy.symbols.ORTH
    rules = {
        "spacy": spacy.__version__,
        "prefix": pattern(tokenizer.prefix_search),
        "suffix": pattern(tokenizer.suffix_search),
        "infix": pattern(tokenizer.infix_finditer),
        "token_match": pattern(tokenizer.token_match),
        "url_match": pattern(tokenizer.url_match),
        "faster_heuristics": bool(tokenizer.faster_heuristics),
        "specials": {key: [token[orth] for token in value]
                     for key, value in sorted(tokenizer.rules.items())},
    }
    path.write_text(json.dumps(rules, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return rules


if __name__ == "__main__":  # pragma: no cover - a maintenance step after a spaCy upgrade
    written = dump_rules()
    print(f"wrote {RULES_FILE} (spaCy {written['spacy']}, {len(written['specials'])} "
          "special cases)")
