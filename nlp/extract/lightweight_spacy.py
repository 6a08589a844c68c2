"""Import spaCy without torch.

spaCy's model library, thinc, imports torch at its own import when torch is installed
(``thinc.compat``), to offer torch-backed layers. Our pipelines are ``spacy.blank`` plus
rule components: they never run a thinc model, let alone a torch one, yet importing torch
costs 2-8 s, most of a cold ``policywatch search``. So spaCy is imported here with torch
hidden from the import system (thinc then records ``has_torch = False``), and torch is made
importable again right after: sentence-transformers, when a command does embed, imports it
as usual.

Every module that needs spaCy imports it (and ``Language``, ``Doc``) from here, so this
runs before spaCy's first import.
"""

from __future__ import annotations

import sys
from types import ModuleType


def _import_spacy_without_torch() -> ModuleType:
    if "torch" in sys.modules or "thinc" in sys.modules:  # already imported: nothing to save
        import spacy
        import spacy.language
        import spacy.tokens

        return spacy
    hidden = ("torch", "tensorflow", "mxnet", "cupy")
    previous = {name: sys.modules.get(name) for name in hidden}
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment] - "not importable"
    try:
        import spacy
        import spacy.language
        import spacy.tokens
    finally:
        for name, module in previous.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return spacy


spacy = _import_spacy_without_torch()
Language = spacy.language.Language
Doc = spacy.tokens.Doc

__all__ = ["Doc", "Language", "spacy"]
