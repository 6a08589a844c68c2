"""What kind of document a notice is: a normative text, a work notice, an interpretation,
a news report, a list, a form.

Linking, search and alerts act on the kind: only normative documents (standards, measures,
rules, and the notices that issue them) form version series and are superseded, amended or
repealed; a newspaper report about a revision or an explainer interprets or cites them and
is never their version. The kind is read from the title (what it says it is, ``types`` in
``nlp/data/kinds.json``), the opening of the text (news wording) and its structure (a
translation of a standard keeps its articles).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policywatch.nlp.extract.lexicon import load_data

KINDS = ("normative", "notice", "interpretation", "news", "list", "form", "other")
NORMATIVE = "normative"
_TITLE_NOISE = re.compile(
    r"[\s“”\"'《》〈〉（）()【】\[\]]+|\.(pdf|docx?|xlsx?|ofd|wps|txt|html?)$", re.IGNORECASE)
_ISSUES = re.compile(r"(?:印发|发布|公布)(.+?)的(?:通知|公告|决定)")
_TRAILING_NOTE = re.compile(r"[（(][^）)]*[）)]$")
_HAN = re.compile(r"[\u4e00-\u9fff]")
OPENING_CHARS = 240


@dataclass(frozen=True)
class DocumentKind:
    """A kind, the title's type and the reasons for it (evidence for people)."""

    kind: str
    doc_type: str | None
    reasons: tuple[str, ...] = field(default=())

    @property
    def normative(self) -> bool:
        return self.kind == NORMATIVE

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "doc_type": self.doc_type, "reasons": list(self.reasons)}


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data = load_data("kinds")
    kind_of_type = {t: kind for kind, types in data["kinds"].items() for t in types}
    markers = {lang: re.compile(pattern, re.MULTILINE | re.IGNORECASE)
               for lang, pattern in data["article_markers"].items()}
    headlines = {lang: re.compile(pattern, re.IGNORECASE)
                 for lang, pattern in data.get("news_title_patterns", {}).items()}
    return {**data, "kind_of_type": kind_of_type, "article_res": markers,
            "headline_res": headlines}


def known_types() -> list[str]:
    """Every document type a title can have, plus ``news`` (an English release without one).

    >>> known_types()[:3]
    ['interpretation', 'publicity', 'list']
    """
    return [t["id"] for t in _data()["types"]] + ["news"]


def is_chinese(text: str | None) -> bool:
    """Whether a title is written in Chinese (any Han character).

    >>> is_chinese("关于印发《办法》的通知"), is_chinese("China issues measures")
    (True, False)
    """
    return bool(_HAN.search(text or ""))


def title_subject(title: str) -> str:
    """What a Chinese title names: the issued document of 印发《X》的通知, without brackets,
    file extensions or a trailing note such as （2026年修订）.

    >>> title_subject("关于印发《江苏省专精特新中小企业认定标准（2026年修订）》的通知")
    '江苏省专精特新中小企业认定标准'
    """
    folded = unicodedata.normalize("NFKC", title)
    issued = _ISSUES.search(folded)
    subject = issued.group(1) if issued else folded
    subject = _TRAILING_NOTE.sub("", subject.strip().strip("《》〈〉"))
    subject = _TRAILING_NOTE.sub("", _TITLE_NOISE.sub("", subject))
    return subject


def document_type(title: str | None, language: str | None = None) -> str | None:
    """The type a title says a document is (``types`` in kinds.json), or None.

    A notice that issues another document is typed by that document.

    >>> document_type("工业和信息化部关于印发《优质中小企业梯度培育管理办法》的通知")
    'measures'
    >>> document_type("关于第六批专精特新“小巨人”企业名单的公示")
    'publicity'
    >>> document_type("Interim measures for the graded cultivation of high-quality SMEs", "en")
    'measures'
    """
    if not title:
        return None
    types = _data()["types"]
    if language == "zh" or is_chinese(title):
        subject = title_subject(title)
        for doc_type in types:
            if any(subject.endswith(word) for word in doc_type["zh"]):
                return doc_type["id"]
        return None
    lowered = title.lower()
    for doc_type in types:
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in doc_type["en"]):
            return doc_type["id"]
    return None


def article_count(text: str | None, language: str | None = None) -> int:
    """How many articles (第N条 / Article N) open a line of the text.

    >>> article_count("第一条 目的。\\n第二条 范围。\\n第三条 条件。")
    3
    """
    if not text:
        return 0
    res = _data()["article_res"]
    pattern = res["en"] if language == "en" else res["zh"]
    return len(pattern.findall(text))


def _cues(kind: str, language: str, text: str) -> list[str]:
    lowered = text.lower()
    return [cue for cue in _data()[kind][language] if cue in lowered]


def document_kind(title: str | None, text: str | None = None, *, language: str | None = None,
                  doc_number: str | None = None) -> DocumentKind:
    """Decide a document's kind from its title, text and document number.

    Args:
        title: the title as stored.
        text: the body text (its opening and article structure are read).
        language: ``zh`` or ``en`` (guessed from the title when None).
        doc_number: the document number (文号) it carries, if any: news has none.

    >>> document_kind("工业和信息化部关于印发《优质中小企业梯度培育管理办法》的通知",
    ...               "第一条 为...", doc_number="工信部企业〔2026〕2号").kind
    'normative'
    >>> document_kind("工信部修订发布《优质中小企业梯度培育管理办法》",
    ...               "参考消息网2026-01-19号报道 工业和信息化部今天修订发布了...").kind
    'news'
    >>> document_kind("《优质中小企业梯度培育管理办法》政策解读", "一、修订背景").kind
    'interpretation'
    >>> document_kind("China unveils measures for graded cultivation of high-quality SMEs",
    ...               "BEIJING, Jan 19 -- The Ministry of Industry and Information "
    ...               "Technology (MIIT) has released revised measures", language="en").kind
    'news'
    """
    title = title or ""
    body = text or ""
    language = language or ("zh" if is_chinese(title or body[:200]) else "en")
    doc_type = document_type(title, language)
    reasons: list[str] = []
    opening = body[:OPENING_CHARS]
    interpretation = _cues("interpretation_cues", language, title)
    if interpretation:
        reasons.append(f"title says {interpretation[0]}")
        return DocumentKind("interpretation", doc_type or "interpretation", tuple(reasons))
    grouped = _data()["kind_of_type"].get(doc_type) if doc_type else None
    if grouped in {"list", "form"}:
        return DocumentKind(grouped, doc_type, (f"title type {doc_type}",))
    articles = article_count(body, language)
    news = _cues("news_cues", language, f"{title}\n{opening}")
    headline = _data()["headline_res"].get(language)
    if headline is not None and headline.search(title.strip()):
        news.append("a headline")
    if not doc_number and articles < 3 and news:
        reasons.append(f"reported: {news[0].strip()}")
        return DocumentKind("news", doc_type, tuple(reasons))
    if grouped == NORMATIVE:
        return DocumentKind(NORMATIVE, doc_type, (f"title type {doc_type}",))
    if language == "en" and articles >= 3:
        return DocumentKind(NORMATIVE, doc_type, (f"{articles} articles",))
    if grouped == "notice":
        return DocumentKind("notice", doc_type, (f"title type {doc_type}",))
    if language == "zh" and articles >= 3 and doc_number:
        return DocumentKind(NORMATIVE, doc_type, (f"{articles} articles and a number",))
    if language == "en" and not doc_number:
        return DocumentKind("news", doc_type, ("English release without type or number",))
    return DocumentKind("other", doc_type, tuple(reasons))
