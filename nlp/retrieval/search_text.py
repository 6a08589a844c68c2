"""Search terms and passages: what the search index stores and what a query is made of.

Segmentation is the project's one path
(:func:`policywatch.nlp.extract.spacy_pipeline.get_pipeline`: jieba with the
policy user dictionary for Chinese, spaCy's tokenizer for English), read here without
importing spaCy (:func:`tokens`); this module only normalizes its tokens for the index:

- NFKC, lower case, characters other than letters and digits dropped, so that FTS5's
  ``unicode61`` tokenizer sees exactly one token per term (``R&D`` -> ``rd``);
- English words stemmed (Snowball English: ``guarantees`` -> ``guarante``);
- a Chinese word of three or more characters also yields the shorter dictionary words
  inside it (jieba's search mode), because the user dictionary keeps 营业收入总额 whole while
  a query may say 营业收入: both then share 营业 and 收入;
- stop words (``glossary.json``) dropped on both sides.

A passage is one or more lines of a notice, cut at clause boundaries
(:mod:`policywatch.nlp.extract.clauses`)
and at about :data:`PASSAGE_CHARS` characters, so a result points at the clause that
answers rather than at a whole notice.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba
import snowballstemmer

from policywatch.nlp.extract.jieba_words import USER_DICTIONARY, chinese_words
from policywatch.nlp.extract.language import detect_language
from policywatch.nlp.extract.lexicon import load_data, search_wordings
from policywatch.nlp.retrieval.english_tokens import english_tokens

#: Producer tag of the index rows; bump when normalization or passage cutting changes.
SEARCH_TERMS_VERSION = "policywatch.search-terms.v3"
#: Longest passage, in characters, before it is cut (a clause rarely needs more).
PASSAGE_CHARS = {"zh": 320, "en": 1000}
#: A numbered clause starts a new passage once the current one is at least this long.
PASSAGE_MIN_CHARS = {"zh": 60, "en": 200}
#: Text handed to the embedder: title and passage, cut here (models read ~256 tokens).
EMBED_CHARS = 1200
#: How much of an enclosing clause's opening line a passage inside it carries as context.
LEAD_IN_CHARS = 80
_CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z]")
_SENTENCE_END = {"zh": re.compile(r"(?<=[。；！？;!?])"), "en": re.compile(r"(?<=[.;!?])\s+")}
_SKIPPED_CLAUSE_STYLES = {"chapter", "section"}


@lru_cache(maxsize=1)
def glossary() -> dict:
    """Return the bilingual policy glossary, cached.

    ``nlp/data/glossary.json`` with its ``{"include": "tiers"}`` and ``{"include":
    "metrics"}`` entries replaced by the search wordings of tiers.json and metrics.json
    (:func:`~policywatch.nlp.extract.lexicon.search_wordings`), in place.
    """
    data = load_data("glossary")
    entries: list[dict] = []
    for entry in data["entries"]:
        if "include" in entry:
            entries.extend(search_wordings(entry["include"]))
        else:
            entries.append(entry)
    return {**data, "entries": entries}


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return the normalized stop words of both languages."""
    words = set()
    for language in ("zh", "en"):
        for word in glossary()["stopwords"][language]:
            normalized = normalize_term(word, stop=False)
            if normalized:
                words.add(normalized)
    return frozenset(words)


@lru_cache(maxsize=1)
def segmenter_tag() -> str:
    """Return the producer tag stored with index rows (rules, jieba, user dictionary).

    >>> segmenter_tag().startswith("policywatch.search-terms.v3+jieba-")
    True
    """
    digest = hashlib.sha256(USER_DICTIONARY.read_bytes())
    # The glossary as search reads it: its tier and metric words live in other files.
    digest.update(json.dumps(glossary(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return f"{SEARCH_TERMS_VERSION}+jieba-{jieba.__version__}+data-{digest.hexdigest()[:8]}"


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def normalize_term(token: str, stop: bool = True) -> str | None:
    """Return the index form of one token, or None for punctuation and stop words.

    >>> [normalize_term(t) for t in ("R&D", "Guarantees", "营业收入", "，", "的")]
    ['rd', 'guarante', '营业收入', None, None]
    """
    text = unicodedata.normalize("NFKC", token).lower()
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                       if unicodedata.category(ch) != "Mn")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    if not text:
        return None
    if text.isascii() and _LATIN.search(text):
        text = _STEMMER.stemWord(text)
    if stop and text in stop_words():
        return None
    return text


@lru_cache(maxsize=200_000)
def subwords(term: str) -> tuple[str, ...]:
    """Return the dictionary words of two to four characters inside a Chinese word: jieba's
    search mode stops at three, which leaves 专精特新 out of 专精特新中小企业.

    >>> subwords("营业收入总额")
    ('营业', '收入', '总额', '营业收入')
    >>> subwords("专精特新中小企业")
    ('专精', '中小', '企业', '小企业', '专精特新', '中小企业')
    """
    if len(term) < 3 or not _CJK.match(term):
        return ()
    found = []
    for size in (2, 3, 4):
        for start in range(len(term) - size + 1):
            gram = term[start:start + size]
            if gram != term and jieba.get_FREQ(gram) and gram not in found:
                found.append(gram)
    return tuple(gram for gram in found if gram not in stop_words())


def language_of(text: str) -> str:
    """Return ``zh`` or ``en`` for a text or a query (any Chinese character makes it zh
    when there is little else).

    >>> language_of("Little Giant R&D threshold"), language_of("小巨人 研发费用")
    ('en', 'zh')
    """
    return detect_language(text)


def tokens(text: str, language: str) -> list[str]:
    """Return the raw tokens of ``text`` as the project's pipeline for ``language`` makes
    them, without its whitespace tokens.

    The pipeline's tokenizers are read without importing spaCy, which would cost a cold
    search about a second: Chinese is jieba's words
    (:func:`~policywatch.nlp.extract.jieba_words.chinese_words`), English spaCy's English
    rules run in Python (:mod:`policywatch.nlp.retrieval.english_tokens`, checked against
    spaCy by the tests).
    """
    if language == "zh":
        return chinese_words(text)
    if language == "en":
        return english_tokens(text)
    raise ValueError(f"unsupported language {language!r} (zh or en)")


def index_terms(text: str, language: str) -> list[str]:
    """Return the normalized terms of ``text`` as the index stores them (with repeats).

    >>> index_terms("营业收入总额不低于1000万元", "zh")
    ['营业收入总额', '营业', '收入', '总额', '营业收入', '不低于', '低于', '1000', '万元']
    """
    terms: list[str] = []
    for token in tokens(text, language):
        term = normalize_term(token)
        if term is None:
            continue
        terms.append(term)
        terms.extend(subwords(term))
    return terms


def query_terms(text: str, language: str | None = None) -> list[str]:
    """Return the distinct terms of a query, in order.

    >>> query_terms("Financing guarantees for small firms")
    ['financ', 'guarante', 'small', 'firm']
    """
    language = language or language_of(text)
    return list(dict.fromkeys(index_terms(text, language)))


def query_concepts(text: str, language: str | None = None) -> list[list[tuple[str, ...]]]:
    """Return the concepts of a query: one per word, each a list of alternatives.

    An alternative is a tuple of terms that must all occur. Coverage of these concepts,
    not term counts, tells a passage that matches one word of four from one matching all.

    >>> query_concepts("小巨人 研发费用")
    [[('小巨人',)], [('研发费用',)]]
    """
    language = language or language_of(text)
    concepts: dict[str, list[tuple[str, ...]]] = {}
    for token in tokens(text, language):
        term = normalize_term(token)
        if term is not None and term not in concepts:
            concepts[term] = [(term,)]
    return list(concepts.values())


def _phrase_in(phrase: str, text: str, language: str) -> bool:
    if language == "zh":
        return phrase in text
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


@lru_cache(maxsize=2)
def _synonym_groups(language: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(group) for group in load_data("synonyms")["groups"].get(language, []))


def expanded_query(text: str, language: str | None = None
                   ) -> tuple[list[str], list[list[tuple[str, ...]]]]:
    """The query's terms and concepts, with each synonym group it names widened to the
    group's other words (``nlp/data/synonyms.json``): 研发投入 also finds 研发费用.

    >>> terms, concepts = expanded_query("小巨人 研发投入")
    >>> "研发费用" in terms, [("研发费用",)] in [[a] for c in concepts for a in c]
    (True, True)
    """
    language = language or language_of(text)
    terms = query_terms(text, language)
    concepts = query_concepts(text, language)
    lowered = unicodedata.normalize("NFKC", text).lower()
    for group in _synonym_groups(language):
        named = [member for member in group if _phrase_in(member, lowered, language)]
        if not named:
            continue
        alternatives = [alt for alt in (phrase_alternative(m, language) for m in group) if alt]
        covered = {term for member in named for term in phrase_alternative(member, language)}
        concepts = [c for c in concepts if not (len(c) == 1 and set(c[0]) <= covered)]
        concepts.append(list(dict.fromkeys(alternatives)))
        terms += [term for alt in alternatives for term in alt if term not in terms]
    return terms, concepts


@lru_cache(maxsize=1)
def _criteria_cues() -> dict[str, tuple[str, ...]]:
    cues = {lang: list(words) for lang, words in load_data("synonyms")["criteria_cues"].items()}
    for entry in glossary()["entries"]:
        if entry.get("kind") == "metric":
            cues["zh"] += entry.get("zh", [])
            cues["en"] += [word.lower() for word in entry.get("en", [])]
    return {lang: tuple(dict.fromkeys(words)) for lang, words in cues.items()}


def is_criteria_query(text: str, language: str | None = None) -> bool:
    """Whether a query asks about certification criteria (thresholds, conditions, metrics):
    governing documents then rank ahead of news, lists and forms.

    >>> is_criteria_query("小巨人 研发投入 门槛"), is_criteria_query("2025年第一批名单")
    (True, False)
    >>> is_criteria_query("revenue threshold for specialized SMEs", "en")
    True
    """
    language = language or language_of(text)
    lowered = unicodedata.normalize("NFKC", text).lower()
    return any(cue in lowered for cue in _criteria_cues().get(language, ()))


def phrase_alternative(phrase: str, language: str) -> tuple[str, ...]:
    """Return the terms (without sub-words) a phrase needs, e.g. for a translation.

    >>> phrase_alternative("financing guarantees", "en")
    ('financ', 'guarante')
    """
    found = []
    for token in tokens(phrase, language):
        term = normalize_term(token)
        if term is not None and term not in found:
            found.append(term)
    return tuple(found)


def concept_coverage(concepts: list[list[tuple[str, ...]]], terms: set[str]) -> float:
    """Return the share of ``concepts`` that a passage's ``terms`` satisfy.

    A term counts as present when it is, or when every sub-word of it is (营业收入 in a
    query is present in a passage that says 营业收入总额).

    >>> concept_coverage([[("小巨人",)], [("研发费用",)]], {"小巨人", "研发费用总额"})
    0.5
    """
    if not concepts:
        return 0.0

    def present(term: str) -> bool:
        if term in terms:
            return True
        parts = subwords(term)
        return bool(parts) and all(part in terms for part in parts)

    satisfied = sum(1 for alternatives in concepts
                    if any(alt and all(present(t) for t in alt) for alt in alternatives))
    return satisfied / len(concepts)


@dataclass(frozen=True)
class Passage:
    """A piece of a notice: ``text`` as written, the clause label it starts with, and
    ``context``: the opening words of the clauses it sits inside that it does not hold
    itself (第五条 专精特新中小企业应当…同时满足以下条件：, above items (二)–(六))."""

    ordinal: int
    text: str
    clause: str | None
    context: str | None = None


def _clause_label(structure, clause_id: str | None, language: str) -> str | None:
    chain = [c for c in reversed(structure.ancestors(clause_id))
             if c.style not in _SKIPPED_CLAUSE_STYLES]
    if not chain:
        return None
    return ("" if language == "zh" else " ").join(c.label.strip() for c in chain)


def _lead_in(structure, clause_id: str | None, before: int) -> str | None:
    """The opening line of each clause around ``clause_id`` that starts before ``before``
    (outermost first, chapters and sections left out): what items cut off from their clause
    are about."""
    leads = []
    for clause in reversed(structure.ancestors(clause_id)):
        if clause.style in _SKIPPED_CLAUSE_STYLES or clause.start >= before:
            continue
        first = next((part for part in clause.text_parts if part.strip()), "")
        leads.append(first.strip()[:LEAD_IN_CHARS])
    return "\n".join(lead for lead in leads if lead) or None


def _cut_long(line: str, language: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END[language].split(line):
        while len(sentence) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        joiner = "" if language == "zh" or not current else " "
        if current and len(current) + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = current + joiner + sentence
    if current.strip():
        pieces.append(current)
    return [piece.strip() for piece in pieces if piece.strip()]


def split_passages(text: str, language: str) -> list[Passage]:
    """Cut a notice text into passages at clause boundaries.

    >>> text = "第一条 总则内容。\\n第二条 营业收入1000万元以上。"
    >>> [(p.clause, p.text) for p in split_passages(text, "zh")]
    [('第一条', '第一条 总则内容。\\n第二条 营业收入1000万元以上。')]

    A passage that starts inside a clause keeps the clause's opening words as ``context``:

    >>> items = "\\n".join(f"（{n}）第{n}项条件，" + "内容" * 60 for n in "一二三")
    >>> passages = split_passages("第五条 专精特新中小企业应当满足以下条件：\\n" + items, "zh")
    >>> [(p.clause, p.context) for p in passages][-1]
    ('第五条（三）', '专精特新中小企业应当满足以下条件：')
    """
    language = language if language in PASSAGE_CHARS else "en"
    from policywatch.nlp.extract.clauses import clause_parser  # indexing only, not queries

    limit, minimum = PASSAGE_CHARS[language], PASSAGE_MIN_CHARS[language]
    structure = clause_parser(language).parse(text)
    passages: list[Passage] = []
    lines: list[str] = []
    label: str | None = None

    context: str | None = None

    def flush() -> None:
        nonlocal lines, label, context
        body = "\n".join(lines).strip()
        if body:
            passages.append(Passage(len(passages), body, label, context))
        lines, label, context = [], None, None

    for line in structure.lines:
        line_text = text[line.start:line.end].strip()
        if not line_text:
            continue
        size = sum(len(part) + 1 for part in lines)
        opens_clause = line.style is not None
        if lines and (size + len(line_text) > limit or (opens_clause and size >= minimum)):
            flush()
        if not lines:
            label = _clause_label(structure, line.clause, language) if opens_clause else None
            context = _lead_in(structure, line.clause, line.start)
        if len(line_text) > limit:
            pieces = _cut_long(line_text, language, limit)
            for piece in pieces[:-1]:
                lines.append(piece)
                flush()
            lines.append(pieces[-1])
            continue
        lines.append(line_text)
    flush()
    return passages


def embed_text(title: str | None, passage_text: str) -> str:
    """Return the text the embedder sees for a passage: its notice title, then the passage."""
    combined = f"{title}\n{passage_text}" if title else passage_text
    return combined[:EMBED_CHARS]


def embed_key(text: str) -> str:
    """Return the content key of an embedded text (sha256 hex).

    >>> embed_key("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def has_chinese(text: str) -> bool:
    """Return True when ``text`` contains a Chinese character."""
    return bool(_HAS_CJK.search(text))
