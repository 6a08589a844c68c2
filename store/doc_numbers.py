"""Document numbers (发文字号): the one grammar, spelling and comparison key.

A Chinese notice names itself and the documents it cites by number: issuer code, year in
brackets, serial, 号 (工信部企业〔2022〕63号). Sites and texts write the same number many
ways (``[2022]``, ``（2022）``, ``【2022】``, ``第63号``, full-width digits, spaces), and an
English rendering writes it ``MIIT Qiye [2022] No. 63``. Everything that reads, stores or
compares document numbers uses this module:

- the crawler's parsers (:mod:`policywatch.crawler.parsers.notice_fields`) ask whether a
  metadata value or a line of a page is a number (:func:`is_doc_number`);
- extraction (:mod:`policywatch.nlp.extract.mentions`, ``metadata``) finds numbers in a text
  (:func:`find_doc_numbers`);
- linking (:mod:`policywatch.nlp.link.lineage`, ``linking``) writes them one way
  (:func:`normalize_doc_number`) and compares Chinese with English numbers by
  :func:`number_key`; the store indexes ``lineage_notices`` and ``lineage_references`` on
  those two forms (:mod:`policywatch.store.lineage`).

It lives in the store because the store is the one layer both the crawler and the NLP
stage may import: the crawler runs before NLP and never imports it (nor spaCy), and NLP
never imports the crawler. The module itself imports only the standard library.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = "0-9０-９"
_OPEN, _CLOSE = "〔\\[［(（【", "〕\\]］)）】"
#: The bracketed year, serial and 号 of a Chinese number: what a scan looks for first.
_CORE = (rf"[{_OPEN}]\s*(?P<year>(?:[1１][9９]|[2２][0０])[{_DIGITS}]{{2}})\s*[{_CLOSE}]\s*第?\s*"
         rf"(?P<num>[{_DIGITS}]{{1,4}})\s*号")
#: Issuer code (1-16 Chinese characters), then the core: 工信部企业〔2022〕63号, 国办发〔2019〕第6号
#: (a search pattern: :func:`find_doc_numbers` is the fast way to scan a text).
DOC_NUMBER = re.compile(rf"(?P<prefix>[\u4e00-\u9fff]{{1,16}})[ \t\u3000]*{_CORE}")
#: An English rendering: ``MIIT Qiye [2022] No. 63``, ``Guo Ban Fa (2019) No.6``. The
#: capitalised words stay on one line (a heading above is no part of the number).
EN_DOC_NUMBER = re.compile(
    r"\b(?P<prefix>[A-Z][A-Za-z]+(?:[ \t]+[A-Z][A-Za-z]+)*)[ \t]*[\[〔(]\s*(?P<year>\d{4})\s*"
    r"[\]〕)]\s*No\.?\s*(?P<num>\d{1,4})")
_CORE_RE = re.compile(_CORE)
_WIDE_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
_SPACE = re.compile(r"\s+")
_PREFIX_GAP = " \t\u3000"
_PREFIX_MAX = 16


def _canonical(match: re.Match[str]) -> str:
    """The one spelling of a matched Chinese number: 〔〕, half-width digits, no 第, no spaces."""
    year = match.group("year").translate(_WIDE_DIGITS)
    number = int(match.group("num").translate(_WIDE_DIGITS))
    return f"{match.group('prefix')}〔{year}〕{number}号"


def _canonical_english(match: re.Match[str]) -> str:
    prefix = _SPACE.sub(" ", match.group("prefix"))
    return f"{prefix} [{match.group('year')}] No. {int(match.group('num'))}"


def find_doc_numbers(text: str) -> list[tuple[int, int, str]]:
    """Every Chinese document number in ``text`` as ``(start, end, canonical spelling)``.

    The issuer code is read backwards from each bracketed year (at most 16 Chinese
    characters, across spaces but not line breaks): far cheaper than trying the prefix at
    every character, and a number at the start of a line never takes the line above.

    >>> find_doc_numbers("根据《办法》（工信部企业[2022]６３号）执行")
    [(7, 21, '工信部企业〔2022〕63号')]
    >>> find_doc_numbers("国办发 〔2019〕第6号")[0][2]
    '国办发〔2019〕6号'
    """
    found = []
    for core in _CORE_RE.finditer(text):
        prefix_end = core.start()
        while prefix_end > 0 and text[prefix_end - 1] in _PREFIX_GAP:
            prefix_end -= 1
        start = prefix_end
        while (start > 0 and prefix_end - start < _PREFIX_MAX
               and "\u4e00" <= text[start - 1] <= "\u9fff"):
            start -= 1
        if start == prefix_end:
            continue
        match = DOC_NUMBER.fullmatch(text, start, core.end())
        if match:
            found.append((start, core.end(), _canonical(match)))
    return found


def find_english_doc_numbers(text: str) -> list[tuple[int, int, str]]:
    """Every English-rendered number in ``text`` as ``(start, end, canonical spelling)``.

    >>> find_english_doc_numbers("the Measures (MIIT Qiye [2022] No.063) are repealed")
    [(14, 37, 'MIIT Qiye [2022] No. 63')]
    >>> find_english_doc_numbers("Enterprises\\n\\nHua Fu Ban Gui [2022] No. 2")[0][2]
    'Hua Fu Ban Gui [2022] No. 2'
    """
    return [(m.start(), m.end(), _canonical_english(m)) for m in EN_DOC_NUMBER.finditer(text)]


def is_doc_number(value: str | None) -> bool:
    """Whether a whole value (whitespace ignored) is one Chinese document number.

    An index code (索引号 ``006939/2024-00177``) or a sentence that cites a number is not.

    >>> is_doc_number("粤工信规字〔2024〕5号"), is_doc_number("国办发 〔2019〕 第6号")
    (True, True)
    >>> is_doc_number("006939/2024-00177"), is_doc_number("根据工信部企业〔2022〕63号文件")
    (False, False)
    """
    return bool(value) and DOC_NUMBER.fullmatch(_SPACE.sub("", value)) is not None


def normalize_doc_number(value: str | None) -> str | None:
    """One spelling per document number, whatever brackets, digits and spaces it came in.

    Chinese numbers become ``prefix〔year〕serial号`` (第 and leading zeros dropped), English
    renderings ``Prefix [year] No. serial``. A value holding neither is returned with
    compatibility forms folded (NFKC) and whitespace removed; empty is None.

    >>> normalize_doc_number("工信部企业[2022] 63号"), normalize_doc_number("粤工信规字（2024）5号")
    ('工信部企业〔2022〕63号', '粤工信规字〔2024〕5号')
    >>> normalize_doc_number("国办发〔2019〕第6号") == normalize_doc_number("国办发〔2019〕6号")
    True
    >>> normalize_doc_number("MIIT  Qiye [2022] No.063")
    'MIIT Qiye [2022] No. 63'
    """
    if not value:
        return None
    folded = unicodedata.normalize("NFKC", value)
    numbers = find_doc_numbers(folded)
    if numbers:
        return numbers[0][2]
    english = EN_DOC_NUMBER.search(folded)
    if english:
        return _canonical_english(english)
    return _SPACE.sub("", folded) or None


def number_key(value: str | None) -> str | None:
    """``year-serial``: the key a Chinese number and its English rendering share.

    Issuer codes do not translate (工信部企业 is ``MIIT Qiye``), so the key leaves them
    out; it is only ever compared across languages.

    >>> number_key("工信部企业〔2022〕63号"), number_key("MIIT Qiye [2022] No. 63")
    ('2022-63', '2022-63')
    >>> number_key("国办发〔2019〕第6号") == number_key("Guo Ban Fa [2019] No. 6")
    True
    """
    if not value:
        return None
    folded = unicodedata.normalize("NFKC", value)
    match = DOC_NUMBER.search(folded) or EN_DOC_NUMBER.search(folded)
    if not match:
        return None
    return f"{match.group('year').translate(_WIDE_DIGITS)}-{int(match.group('num'))}"
