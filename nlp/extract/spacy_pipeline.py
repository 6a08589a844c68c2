"""The spaCy pipelines: ``blank("zh")`` segmented by jieba, ``blank("en")``, and our components.

One configured pipeline per language, built once per process (:func:`get_pipeline`), is the
only tokenization path. The jieba user dictionary (``data/userdict.txt``) is loaded into
jieba before the Chinese pipeline is built, so policy terms (营业收入总额, 研发费用,
专精特新) come out as single tokens. Components are registered under versioned names; they
run rules over the one segmented Doc and leave their results in ``Doc._`` attributes:

=============================  ======================================================
``policywatch_mentions_v1``    ``doc._.pw_mentions``: metrics, numbers, dates, tiers, ...
``policywatch_clauses_v1``     ``doc._.pw_structure``: clause tree, lines, sentences
``policywatch_tiers_v1``       ``doc._.pw_tiers``, ``doc.spans["policywatch_tiers"]``
``policywatch_criteria_v1``    ``doc._.pw_criteria``, ``doc._.pw_scoring``
``policywatch_metadata_v1``    ``doc._.pw_metadata``: title, doc_number, issuer, dates
=============================  ======================================================
"""

from __future__ import annotations

from functools import cache

from policywatch.nlp.extract.clauses import clause_parser
from policywatch.nlp.extract.criteria import criteria_assembler
from policywatch.nlp.extract.dates import DateMention, date_roles
from policywatch.nlp.extract.jieba_words import (  # noqa: F401 - USER_DICTIONARY re-exported
    USER_DICTIONARY,
    load_user_dictionary,
)
from policywatch.nlp.extract.lightweight_spacy import Doc, Language, spacy  # torch-free
from policywatch.nlp.extract.mentions import DATE, TIER, mention_scanner
from policywatch.nlp.extract.metadata import metadata_reader
from policywatch.nlp.extract.tiers import TierContext, infer_tier, tiers_mentioned

COMPONENTS = (
    "policywatch_mentions_v1",
    "policywatch_clauses_v1",
    "policywatch_tiers_v1",
    "policywatch_criteria_v1",
    "policywatch_metadata_v1",
)

_EXTENSIONS = ("pw_text", "pw_title_hint", "pw_mentions", "pw_structure", "pw_tiers",
               "pw_tier_context", "pw_criteria", "pw_scoring", "pw_metadata")
for _name in _EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@cache
def get_pipeline(language: str) -> Language:
    """Return the pipeline for ``zh`` or ``en``, built on first use and cached.

    Raises:
        ValueError: an unsupported language.
    """
    if language == "zh":
        load_user_dictionary()
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    elif language == "en":
        nlp = spacy.blank("en")
    else:
        raise ValueError(f"unsupported language {language!r} (zh or en)")
    for name in COMPONENTS:
        nlp.add_pipe(name, config={"language": language})
    return nlp


def process(text: str, language: str, title: str | None = None) -> Doc:
    """Segment ``text`` once and run every component over it.

    Args:
        text: the notice text (newlines separate paragraphs).
        language: ``zh`` or ``en``.
        title: a title known from elsewhere; components read it from ``doc._.pw_title_hint``.
    """
    nlp = get_pipeline(language)
    doc = nlp.make_doc(text)
    doc._.pw_text = text
    doc._.pw_title_hint = title
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc


class _Component:
    def __init__(self, language: str) -> None:
        self.language = language


def _text(doc: Doc) -> str:
    # Doc.text rebuilds the string from every token; read it once and keep it.
    if doc._.pw_text is None:
        doc._.pw_text = doc.text
    return doc._.pw_text


class MentionsComponent(_Component):
    """Finds every rule mention in the Doc's text."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.pw_mentions = mention_scanner(self.language).scan(_text(doc))
        return doc


class ClausesComponent(_Component):
    """Parses the clause tree, lines and sentences."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.pw_structure = clause_parser(self.language).parse(_text(doc))
        return doc


class TiersComponent(_Component):
    """Lists the tiers mentioned and decides the tier in force at each position."""

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc._.pw_mentions
        title_tiers = []
        if doc._.pw_title_hint:
            title_mentions = mention_scanner(self.language).scan(doc._.pw_title_hint)
            title_tiers = [m.value for m in title_mentions if m.kind == TIER]
        doc._.pw_tiers = tiers_mentioned(mentions, title_tiers)
        lines = doc._.pw_structure.lines
        context = TierContext(self.language, lines, mentions, _text(doc),
                              default=title_tiers[0] if title_tiers else None)
        if context.default is None and lines:
            # Without a title from elsewhere, the first line (the title, as a rule) decides,
            # a prerequisite named there never; without one, the 认定标准 a line names.
            context.default = context.first_tier(lines[0].start, lines[0].end) or (
                context.subject())
        doc._.pw_tier_context = context
        spans = [doc.char_span(m.start, m.end, label=m.value, alignment_mode="expand")
                 for m in mentions if m.kind == TIER]
        doc.spans["policywatch_tiers"] = [span for span in spans if span is not None]
        return doc


class CriteriaComponent(_Component):
    """Assembles criteria and scoring entries."""

    def __call__(self, doc: Doc) -> Doc:
        criteria, scoring = criteria_assembler(self.language).assemble(
            _text(doc), doc._.pw_structure, doc._.pw_mentions, doc._.pw_tier_context)
        inferred = None
        if criteria and all(c["tier"] is None for c in criteria):
            # No tier named as the subject: the tier above a prerequisite, else (a bare list
            # of conditions) the tier its criteria imply; either is said to be inferred.
            inferred = doc._.pw_tier_context.tier_above_prerequisite() or (
                None if doc._.pw_tiers else infer_tier(criteria))
        for criterion in criteria:
            if inferred:
                criterion["tier"] = inferred
            criterion["tier_inferred"] = inferred is not None
        doc._.pw_criteria = criteria
        doc._.pw_scoring = scoring
        return doc


class MetadataComponent(_Component):
    """Reads title, document number, issuer and the four dates."""

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc._.pw_mentions
        metadata = metadata_reader(self.language).read(
            _text(doc), doc._.pw_structure.lines, mentions, doc._.pw_title_hint)
        dates = [DateMention(m.start, m.end, m.value) for m in mentions if m.kind == DATE]
        metadata["dates"] = date_roles(self.language).assign(_text(doc), dates)
        doc._.pw_metadata = metadata
        return doc


@Language.factory("policywatch_mentions_v1", default_config={"language": "zh"})
def make_mentions(nlp: Language, name: str, language: str) -> MentionsComponent:
    """Factory of :class:`MentionsComponent`."""
    return MentionsComponent(language)


@Language.factory("policywatch_clauses_v1", default_config={"language": "zh"})
def make_clauses(nlp: Language, name: str, language: str) -> ClausesComponent:
    """Factory of :class:`ClausesComponent`."""
    return ClausesComponent(language)


@Language.factory("policywatch_tiers_v1", default_config={"language": "zh"})
def make_tiers(nlp: Language, name: str, language: str) -> TiersComponent:
    """Factory of :class:`TiersComponent`."""
    return TiersComponent(language)


@Language.factory("policywatch_criteria_v1", default_config={"language": "zh"})
def make_criteria(nlp: Language, name: str, language: str) -> CriteriaComponent:
    """Factory of :class:`CriteriaComponent`."""
    return CriteriaComponent(language)


@Language.factory("policywatch_metadata_v1", default_config={"language": "zh"})
def make_metadata(nlp: Language, name: str, language: str) -> MetadataComponent:
    """Factory of :class:`MetadataComponent`."""
    return MetadataComponent(language)
