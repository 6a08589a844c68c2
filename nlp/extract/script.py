"""Reading traditional-character reposts and ruby residue as the rules read simplified text.

Policies are issued in simplified characters, but many copies that researchers find are
traditional-character conversions (Hong Kong and Taiwan mirrors, machine rewrites): 營業收入
不低於1000萬元 says what 营业收入不低于1000万元 says, and every rule phrase is written in
simplified characters. :func:`simplified` converts such a text with OpenCC's ``t2s``
tables (phrases first, then characters, as OpenCC does); a text with fewer than
``MIN_TRADITIONAL`` traditional-only characters is returned unchanged, so simplified text
never pays for the conversion.

Pages that annotate characters with pinyin (ruby) lose the markup when copied as text and
leave ``專(zhuān)精特新``: :func:`without_ruby` drops a bracketed syllable that follows a
Chinese character, which no policy text writes on purpose.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

#: Traditional-only characters a text must hold before it is converted.
MIN_TRADITIONAL = 3

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_RUBY = re.compile(rf"(?<=[\u3400-\u9fff])(?:[(（]\s*[a-z{_TONED}]{{1,6}}\s*[)）])+")


@cache
def _converter():
    from opencc import OpenCC  # a pure-Python OpenCC; loaded only for traditional text

    return OpenCC("t2s")


@cache
def _traditional_only() -> re.Pattern[str]:
    """Characters OpenCC maps from traditional to simplified that are not simplified
    characters themselves (業, 於, 萬; not 台 or 里, which both scripts write)."""
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    simplified_chars = {line.split("\t", 1)[0] for line in
                        (folder / "STCharacters.txt").read_text(encoding="utf-8").splitlines()}
    only = []
    for line in (folder / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source not in simplified_chars and source not in targets.split():
            only.append(source)
    return re.compile("[" + re.escape("".join(only)) + "]")


def is_traditional(text: str) -> bool:
    """Whether ``text`` holds at least ``MIN_TRADITIONAL`` traditional-only characters.

    >>> is_traditional("營業收入不低於1000萬元"), is_traditional("营业收入不低于1000万元")
    (True, False)
    """
    found = 0
    for _ in _traditional_only().finditer(text):
        found += 1
        if found >= MIN_TRADITIONAL:
            return True
    return False


def simplified(text: str) -> str:
    """``text`` in simplified characters (unchanged when it is not traditional).

    >>> simplified("上年度營業收入不低於1000萬元。")
    '上年度营业收入不低于1000万元。'
    """
    return _converter().convert(text) if is_traditional(text) else text


def without_ruby(text: str) -> str:
    """``text`` without pinyin left in brackets after Chinese characters.

    >>> without_ruby("专(zhuān)精特新中小企业(yè), 上年度(2023)")
    '专精特新中小企业, 上年度(2023)'
    >>> without_ruby("企业(ye)(ye)营业收入")
    '企业营业收入'
    """
    return _RUBY.sub("", text)
