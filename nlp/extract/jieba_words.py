"""jieba with the policy user dictionary, and Chinese segmentation without spaCy.

The Chinese pipeline (:mod:`policywatch.nlp.extract.spacy_pipeline`) is ``spacy.blank("zh")``
with the jieba segmenter: its tokens are exactly jieba's words of the text, whitespace
between them kept as whitespace tokens. :func:`chinese_words` returns the same words, minus
the whitespace, straight from jieba, so a Chinese search query is segmented as the index
was without importing spaCy (about a second of a cold ``policywatch search``).
"""

from __future__ import annotations

import logging
import threading

import jieba

from policywatch.nlp.extract.lexicon import DATA_DIR
from policywatch.nlp.extract.memory import freeze_loaded_data

USER_DICTIONARY = DATA_DIR / "userdict.txt"

_dictionary_lock = threading.Lock()
_dictionary_loaded = False


def load_user_dictionary() -> None:
    """Load the policy-term dictionary into jieba (once per process).

    jieba keeps one global dictionary, so after this call plain ``jieba.lcut`` sees the same
    words as the pipeline: both segment 营业收入总额 as one token.
    """
    global _dictionary_loaded
    with _dictionary_lock:
        if _dictionary_loaded:
            return
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        for raw in USER_DICTIONARY.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            word, freq, tag = (line.split() + [None, None])[:3]
            jieba.add_word(word, int(freq) if freq else None, tag)
        _dictionary_loaded = True
        freeze_loaded_data()


def chinese_words(text: str) -> list[str]:
    """Return the non-space tokens the Chinese pipeline makes of ``text``, in order.

    spaCy's Chinese tokenizer keeps every non-empty word of ``jieba.cut(text,
    cut_all=False)`` and turns the whitespace between words into whitespace tokens; jieba
    never puts whitespace and other characters in one word, so dropping the whitespace
    words gives the pipeline's non-space tokens.

    >>> chinese_words("营业收入总额 不低于1000万元")
    ['营业收入总额', '不低于', '1000', '万元']
    """
    load_user_dictionary()
    return [word for word in jieba.cut(text, cut_all=False) if word and not word.isspace()]
