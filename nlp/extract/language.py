"""Which language a text is in: Chinese or English (no spaCy, no jieba: search reads it
for every query)."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """Return ``zh`` or ``en`` from the share of Chinese characters in the text.

    An English word has several letters where a Chinese one has one character, so a third
    as many Chinese characters as Latin letters already means Chinese.

    >>> detect_language("专精特新中小企业认定")
    'zh'
    >>> detect_language("SRDI SMEs (专精特新中小企业) must meet these criteria")
    'en'
    >>> detect_language("SRDI SMEs (专精特新中小企业)")  # 7 characters, 7 letters: Chinese
    'zh'
    """
    sample = text[:4000]
    cjk = len(_CJK.findall(sample))
    latin = len(_LATIN.findall(sample))
    return "zh" if cjk * 3 >= latin and cjk > 0 else "en"
