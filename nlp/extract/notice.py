"""``extract_notice``: everything the extraction stage reads out of one notice text."""

from __future__ import annotations

from typing import Any

from policywatch.nlp.extract.language import detect_language  # noqa: F401 - re-exported
from policywatch.nlp.extract.normalize import join_broken_lines
from policywatch.nlp.extract.script import simplified, without_ruby
from policywatch.nlp.extract.spacy_pipeline import process

#: Producer tag stored with every extraction. Bump it whenever rules or data change: the
#: stage then re-extracts every version and replaces rows made by older versions.
EXTRACTOR_VERSION = "policywatch.extract.v11"

def extract_notice(text: str, *, title: str | None = None,
                   language: str | None = None) -> dict[str, Any]:
    """Extract metadata, tiers, criteria, scoring tables and clauses from a notice.

    A pure function of its arguments: the same text gives the same result.

    Args:
        text: the notice text, paragraphs separated by newlines.
        title: the title when known from elsewhere (page metadata); otherwise read from text.
        language: ``zh`` or ``en`` (``zh-CN`` and the like count as ``zh``); detected from
            the text when omitted.

    Raises:
        ValueError: a language other than Chinese or English.

    Returns:
        A dict with ``extractor``, ``language``, ``title``, ``doc_number``, ``issuer``,
        ``dates`` (``written``, ``published``, ``effective``, ``expires`` as ISO dates or
        None), ``tiers`` (canonical ids), ``criteria`` (``tier``, ``metric``, ``op``,
        ``value``, ``unit``, ``period``, ``condition``, ``text``, ``clause``), ``scoring``
        (points tables, kept apart from criteria) and ``clauses`` (the clause tree).

    >>> result = extract_notice("专精特新中小企业认定\\n(一)从事特定细分市场时间达到2年以上。")
    >>> [(c["tier"], c["metric"], c["op"], c["value"]) for c in result["criteria"]]
    [('srdi_sme', 'years_in_niche', '>=', 2)]
    """
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    language = language.lower().replace("_", "-").split("-")[0] if language else (
        detect_language(body))
    if language not in ("zh", "en"):
        raise ValueError(f"unsupported language {language!r} (zh or en)")
    # Lines a PDF or a paste broke inside a sentence are joined first, so every later
    # step reads whole sentences (the reading form is unchanged: see normalize).
    if language == "zh":
        # Traditional-character reposts and ruby residue read as the simplified original.
        body = without_ruby(simplified(body))
        title = without_ruby(simplified(title)) if title else title
    body = join_broken_lines(body, language)
    doc = process(body, language, title)
    metadata = doc._.pw_metadata
    return {
        "extractor": EXTRACTOR_VERSION,
        "language": language,
        "title": metadata["title"],
        "doc_number": metadata["doc_number"],
        "issuer": metadata["issuer"],
        "dates": metadata["dates"],
        "tiers": doc._.pw_tiers,
        "criteria": doc._.pw_criteria,
        "scoring": doc._.pw_scoring,
        "clauses": [clause.as_dict() for clause in doc._.pw_structure.clauses],
    }
