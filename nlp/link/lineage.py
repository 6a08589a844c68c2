"""Lineage signals: what a notice says about other notices, and how two notices relate.

Pure functions over notice records (``{"notice_id", "title", "text", "doc_number",
"issuer", "region", "language", "published"}``); the linking stage
(:mod:`policywatch.nlp.link.linking`)
retrieves candidates from the store and writes the edges. Signals, strongest first:

1. explicit references: a document number or a quoted title (《…》（…〔2023〕12号）) with
   the verb around it: 同时废止 (supersedes), 修订/修改 (amends), 根据/贯彻落实 (implements
   when a province cites a national measure), 解读 in the citing title (interprets);
2. the same title series: normalized titles equal once 暂行/试行/year/wrapper words are
   removed (暂行办法 -> 办法 is a new version of the same measure);
3. translations: an English notice that names the Chinese one's document number, or whose
   title and date match through the bilingual glossary, or whose embedding is close when
   the model covers both languages;
4. embedding similarity and clause overlap, which only ever support a link (they raise or
   lower confidence) and never create a typed edge on their own.

Only normative documents (kind ``normative``, see :mod:`policywatch.nlp.extract.kinds`) form
version series and are superseded or amended: a news report about a revision, an
interpretation or a list cites or interprets the measure and is never its version.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from policywatch.store.doc_numbers import (
    find_doc_numbers,
    find_english_doc_numbers,
    normalize_doc_number,
    number_key,
)

LINKER_VERSION = "policywatch.lineage.v2"

_QUOTED = re.compile(r"《([^《》]{4,80})》\s*(?:[（(]([^（）()]{0,40}号)[）)])?")
_WRAPPER = re.compile(
    r"^(?:[\u4e00-\u9fff、]{0,30}?)?关于(?:印发|发布|公布)?《?(.+?)》?"
    r"的(?:通知|公告|通告|批复|决定)$")
_SERIES_NOISE = re.compile(
    r"[（(][^）)]*(?:试行|修订|征求意见稿|\d{4}年?)[^）)]*[）)]|暂行|试行|\d{4}年(?:版|度)?")
_SPACE = re.compile(r"\s+")

# Verbs near a reference and the relation they state, nearest wins (data, not branches).
RELATION_CUES: tuple[tuple[str, str], ...] = (
    ("同时废止", "supersedes"), ("予以废止", "supersedes"), ("废止", "supersedes"),
    ("不再执行", "supersedes"), ("停止执行", "supersedes"), ("代替", "supersedes"),
    # A revised text (修订后的…印发) replaces the old one; 修改/修正 change parts of it.
    ("修订", "supersedes"), ("修改", "amends"), ("修正", "amends"),
    ("根据", "implements"), ("依据", "implements"), ("贯彻落实", "implements"),
    ("按照", "implements"), ("落实", "implements"),
    ("repeal", "supersedes"), ("replace", "supersedes"), ("amend", "amends"),
    ("pursuant to", "implements"), ("in accordance with", "implements"),
)
INTERPRETATION_MARKERS = ("解读", "答记者问", "政策问答", "一图读懂", "interpretation", "explainer",
                          "q&a")
CUE_WINDOW = 24
# Only normative documents form version series by title. Yearly activity notices
# (2024年度…名单的公示, 关于开展2025年…申报工作的通知) share titles across years but are
# not versions of each other.
NORMATIVE_SUFFIXES = ("办法", "标准", "细则", "规定", "条例", "规则", "意见", "指引", "指南",
                      "准则", "措施", "制度", "目录")


@dataclass(frozen=True)
class Reference:
    """One mention of another document inside a notice."""

    title: str | None
    doc_number: str | None
    cue: str | None  # the relation its verb states, if any
    text: str  # the span, for evidence


def title_core(title: str | None) -> str:
    """The measure's own name inside a notice title.

    >>> title_core("工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知")
    '优质中小企业梯度培育管理暂行办法'
    """
    if not title:
        return ""
    folded = _SPACE.sub("", unicodedata.normalize("NFKC", title)).replace('"', "“")
    quoted = re.search(r"《(.+?)》", folded)
    if quoted and ("印发" in folded or "发布" in folded or "公布" in folded):
        return quoted.group(1)
    match = _WRAPPER.match(folded)
    return match.group(1) if match else folded


def series_key(title: str | None) -> str:
    """Titles of versions of one measure share this key (暂行, 试行, years removed).

    >>> series_key("关于印发《优质中小企业梯度培育管理暂行办法》的通知") == series_key(
    ...     "关于印发《优质中小企业梯度培育管理办法》的通知")
    True
    """
    core = title_core(title)
    return _SERIES_NOISE.sub("", core).strip("，,。 ")


AFTER_WINDOW = 10


def _cue_near(text: str, start: int, end: int) -> str | None:
    """The relation stated by the verb nearest to a reference.

    Chinese puts repeal and revision verbs after their object (《X》同时废止, 对《X》进行了修订)
    and basis verbs before it (根据《X》): look both ways, nearest wins.
    """
    before = text[max(0, start - CUE_WINDOW):start].lower()
    after = text[end:end + AFTER_WINDOW].lower()
    best: tuple[int, str] | None = None
    for word, relation in RELATION_CUES:
        position = before.rfind(word)
        if position >= 0:
            distance = len(before) - position
            if best is None or distance < best[0]:
                best = (distance, relation)
        position = after.find(word)
        if position >= 0 and relation in {"supersedes", "amends"}:
            if best is None or position < best[0]:
                best = (position, relation)
    return best[1] if best else None


def references(text: str) -> list[Reference]:
    """Every document a notice cites: quoted titles (with their number) and bare numbers.

    >>> [r.doc_number for r in references(
    ...     "《优质中小企业梯度培育管理暂行办法》（工信部企业〔2022〕63号）同时废止。")]
    ['工信部企业〔2022〕63号']
    """
    folded = unicodedata.normalize("NFKC", text)
    found: list[Reference] = []
    covered: list[tuple[int, int]] = []
    for match in _QUOTED.finditer(folded):
        title, number = match.group(1), normalize_doc_number(match.group(2))
        found.append(Reference(title, number, _cue_near(folded, match.start(), match.end()),
                               match.group(0)))
        covered.append(match.span())
    for start, end, number in find_doc_numbers(folded):
        if any(a <= start < b for a, b in covered):
            continue
        found.append(Reference(None, number, _cue_near(folded, start, end), folded[start:end]))
    for start, end, number in find_english_doc_numbers(folded):
        found.append(Reference(None, number, _cue_near(folded, start, end), folded[start:end]))
    return found


def is_interpretation(title: str | None) -> bool:
    """Whether a title announces an interpretation (解读) of another document."""
    lowered = (title or "").lower()
    return any(marker in lowered for marker in INTERPRETATION_MARKERS)


@dataclass(frozen=True)
class Edge:
    """A typed, evidenced relation from one notice to another."""

    source: int
    target: int
    type: str  # supersedes | amends | translation_of | same_as | interprets | implements | cites
    confidence: float
    evidence: dict[str, Any]


def _later(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a.get("published") or "") >= (b.get("published") or "")


def _kind(record: dict[str, Any]) -> str:
    return record.get("kind") or "other"


def versionable(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two notices may be versions of one measure: both normative."""
    return _kind(a) == "normative" and _kind(b) == "normative"


# A translation states the same amounts, shares, periods and dates as its original: at
# least this many shared language-free facts, and this share of all facts on both sides.
# Standards of one tier share their common values (2 years, 3%, 70%) whatever the issuer,
# so the overlap must be high, a stated date must agree, and only the best match counts.
TRANSLATION_MIN_SHARED = 5
TRANSLATION_MIN_JACCARD = 0.6


def fingerprint_values(text: str | None, language: str = "zh") -> list[str]:
    """The language-free facts of a text: every quantity written with a unit (amounts in
    yuan, percentages, years, counts) and every date. A translation, written or machine-made,
    keeps nearly all of them; its words share nothing with the original's.

    >>> fingerprint_values("上年度营业收入总额在1500万元以上，自2025年7月1日起施行。")
    ['d:2025-07-01', 'q:15000000yuan']
    >>> fingerprint_values("operating revenue of RMB 15 million or more; effective on July 1, 2025",
    ...                    "en")
    ['d:2025-07-01', 'q:15000000yuan']
    """
    if not text:
        return []
    from policywatch.nlp.extract.dates import date_scanner
    from policywatch.nlp.extract.numbers import quantity_scanner

    scanner = quantity_scanner("en" if language == "en" else "zh")
    # "2025年" reads as 2025 years: a year, which the dates below already hold.
    values = {f"q:{q.value:.12g}{q.unit}" for q in scanner.scan(text)
              if q.unit and not (q.unit == "years" and q.value >= 100)}
    values |= {f"d:{mention.date.isoformat()}" for mention in date_scanner().scan(text)}
    return sorted(values)


def translation_evidence(a_values: set[str], b_values: set[str], a_articles: int | None,
                         b_articles: int | None) -> dict[str, Any] | None:
    """Evidence that two notices in different languages are one text, or None.

    >>> zh = {"q:15000000yuan", "q:3percent", "q:4.5percent", "q:2years", "q:70percent",
    ...       "d:2025-07-01", "d:2025-05-20"}
    >>> translation_evidence(zh, zh - {"d:2025-05-20"}, 6, 6)["shared_facts"]
    6
    >>> translation_evidence(zh, {"q:15000000yuan", "q:3percent", "d:2026-01-01"}, 6, 6) is None
    True
    """
    shared = a_values & b_values
    union = a_values | b_values
    if len(shared) < TRANSLATION_MIN_SHARED or not union:
        return None
    jaccard = len(shared) / len(union)
    if jaccard < TRANSLATION_MIN_JACCARD:
        return None
    a_dates = {v for v in a_values if v.startswith("d:")}
    b_dates = {v for v in b_values if v.startswith("d:")}
    if a_dates and b_dates and not a_dates & b_dates:
        return None  # both state dates and none agree: two texts
    if a_articles and b_articles and abs(a_articles - b_articles) > max(2, a_articles // 5):
        return None  # a summary quoting some thresholds is not the whole text translated
    evidence: dict[str, Any] = {"shared_facts": len(shared), "facts_overlap": round(jaccard, 3)}
    if a_articles and b_articles:
        evidence["articles"] = [a_articles, b_articles]
    return evidence


def relate(new: dict[str, Any], old: dict[str, Any], *, cited: list[Reference],
           similarity: float | None = None, similarity_usable: bool = False) -> Edge | None:
    """Decide the typed edge from ``new`` to a candidate ``old``, if any.

    Args:
        new: the notice being linked (with its ``kind``).
        old: a candidate retrieved for it.
        cited: ``new``'s references that point at ``old`` (by number or title).
        similarity: cosine similarity of the two notices' embeddings, if computed.
        similarity_usable: whether the embedding model covers both texts' languages.
    """
    evidence: dict[str, Any] = {}
    if similarity is not None:
        evidence["embedding_similarity"] = round(similarity, 3)
    support = 0.05 if similarity_usable and similarity is not None and similarity > 0.6 else 0.0
    new_lang, old_lang = new.get("language") or "zh", old.get("language") or "zh"
    if new_lang != old_lang:
        key_new = {number_key(r.doc_number) for r in cited} | {
            number_key(new.get("doc_number"))}
        number_match = number_key(old.get("doc_number")) in key_new - {None}
        reported = "news" in (_kind(new), _kind(old)) or \
            "interpretation" in (_kind(new), _kind(old))
        if number_match:
            evidence["doc_number"] = old.get("doc_number")
            if reported:
                return Edge(new["notice_id"], old["notice_id"], "cites", 0.9, evidence)
            return Edge(new["notice_id"], old["notice_id"], "translation_of", 0.95, evidence)
        if similarity_usable and similarity is not None and similarity > 0.8 and not reported:
            return Edge(new["notice_id"], old["notice_id"], "translation_of", 0.75, evidence)
        return None
    if cited:
        # The strongest mention is the evidence: one with a number and a verb beats a bare
        # title (the interpretation's own heading quotes the title without either).
        reference = max(cited, key=lambda r: (r.cue is not None, r.doc_number is not None))
        evidence["quote"] = reference.text
        if reference.doc_number:
            evidence["doc_number"] = reference.doc_number
        if _kind(new) == "interpretation" or is_interpretation(new.get("title")):
            return Edge(new["notice_id"], old["notice_id"], "interprets", 0.9 + support,
                        evidence)
        cue = reference.cue
        if cue in {"supersedes", "amends"} and versionable(new, old):
            confidence = 0.97 if cue == "supersedes" else 0.9
            if not _later(new, old):
                # An older notice naming the newer one that repeals it ("该文件已废止，现行
                # 标准见《…》"): the newer one supersedes it.
                return Edge(old["notice_id"], new["notice_id"], cue, confidence - 0.02,
                            dict(evidence, stated_by="the repealed notice"))
            return Edge(new["notice_id"], old["notice_id"], cue, confidence, evidence)
        if cue == "implements" and new.get("region") not in (None, "national") and \
                old.get("region") in (None, "national"):
            return Edge(new["notice_id"], old["notice_id"], "implements", 0.9, evidence)
        if _kind(new) == "news":
            evidence["reported"] = True
        return Edge(new["notice_id"], old["notice_id"], "cites", 0.85 + support, evidence)
    same_number = new.get("doc_number") and new.get("doc_number") == old.get("doc_number")
    if same_number and new.get("language") == old.get("language"):
        # The same document published on two sites (MIIT and gov.cn): one measure.
        evidence["doc_number"] = new.get("doc_number")
        return Edge(new["notice_id"], old["notice_id"], "same_as", 0.95, evidence)
    key = series_key(new.get("title"))
    same_series = key.endswith(NORMATIVE_SUFFIXES) and key == series_key(old.get("title"))
    if same_series and versionable(new, old) and new.get("issuer") == old.get("issuer") and \
            _later(new, old) and new.get("doc_number") != old.get("doc_number"):
        evidence["series"] = series_key(new.get("title"))
        evidence["titles"] = [old.get("title"), new.get("title")]
        return Edge(new["notice_id"], old["notice_id"], "supersedes", 0.8 + support, evidence)
    return None


_SELF_REPEAL = re.compile(
    r"(?:该|本|此)(?:文件|通知|办法|标准|细则|规定|意见|措施|规则|条件)"
    r"(?:已)?(?:于|自)?\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*(?:起)?"
    r"(?:已)?(?:废止|失效|停止执行|不再执行)"
    r"(?:[，,；;。]?\s*(?:现行(?:标准|文件|办法)?|请)?(?:见|参见|执行|按)?\s*《(?P<successor>[^》]{2,80})》)?")


def repeal_statement(text: str | None) -> dict[str, Any] | None:
    """A page's statement that it is itself repealed, with the date and successor it names.

    >>> found = repeal_statement("（该文件已于2026年4月1日废止，现行标准见《认定标准（修订）》）")
    >>> found["date"], found["successor"]
    ('2026-04-01', '认定标准（修订）')
    >>> repeal_statement("本办法自印发之日起施行，原《暂行办法》同时废止。") is None
    True
    """
    if not text:
        return None
    match = _SELF_REPEAL.search(text)
    if not match:
        return None
    day = None
    if match.group("date"):
        numbers = re.findall(r"\d+", match.group("date"))
        day = f"{int(numbers[0]):04d}-{int(numbers[1]):02d}-{int(numbers[2]):02d}"
    return {"date": day, "successor": match.group("successor"), "text": match.group(0)}
