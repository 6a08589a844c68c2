"""Extraction: everything read out of one notice text (tiers, criteria, dates, metadata, clauses).

:func:`policywatch.nlp.extract.notice.extract_notice` is the entry point and
:mod:`policywatch.nlp.extract.stage` runs it over the store's pending versions. The light
modules (``lexicon``, ``numbers``, ``dates``) import without spaCy.
"""
