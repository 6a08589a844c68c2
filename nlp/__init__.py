"""Extraction from notice texts: spaCy (jieba-segmented ``blank("zh")``, ``blank("en")``) with
rule data in ``nlp/data/``.

``extract_notice(text)`` returns a notice's title, document number, issuer, dates, tiers,
criteria, scoring tables and clause tree; :mod:`nlp.stage` runs it over pending versions in
the store. This package imports spaCy and jieba but never Scrapy, and it never fetches.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXTRACTOR_VERSION", "detect_language", "extract_notice"]


def __getattr__(name: str) -> Any:
    # Loaded on first use, so importing a light module (nlp.lexicon, nlp.numbers) does not
    # pull in spaCy.
    if name in __all__:
        from nlp import extract

        return getattr(extract, name)
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")
