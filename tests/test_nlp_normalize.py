"""Joining lines broken inside a sentence (PDF text layers, Word exports, pasted text).

The issue's case: the 2022 Little Giant standard scores perfectly as text and lost a third
of its criteria as a PDF, because a PDF's text layer ends lines inside phrases. Here the
reconstructed texts of the labelled set are printed to PDFs wrapped at fixed widths
(``tests/pdf_support.py``, reportlab), read back as a crawl reads them
(``policywatch.crawler.documents.read_document``) and extracted.
"""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from policywatch.crawler.documents import read_document
from policywatch.nlp.evaluation.extraction import criterion_key, strip_header
from policywatch.nlp.extract.normalize import LineJoiner, display_width, join_broken_lines
from policywatch.nlp.extract.notice import extract_notice
from policywatch.store.text import reading_form
from tests.pdf_support import (
    EXTRACTION,
    HELD_OUT_PDF,
    heldout_pdf_bytes,
    wrap_lines,
    wrapped_pdf,
)

# fmt: off
JOINED = [
    # the two cases: a comparator and a ratio phrase cut in two
    ("研发费用总额占营业收入总额比重不低\n于3%。",
     "研发费用总额占营业收入总额比重不低于3%。"),
    ("近2年研发费用总额占营业收入总额比\n重均不低于6%。",
     "近2年研发费用总额占营业收入总额比重均不低于6%。"),
    # an amount after its comparator, a comparator after its amount, an amount cut in two
    ("上年度营业收入总额不低于\n1000万元。", "上年度营业收入总额不低于1000万元。"),
    ("上年度营业收入总额1000万元\n以上。", "上年度营业收入总额1000万元以上。"),
    ("近2年新增股权融资总额800\n0万元以上。", "近2年新增股权融资总额8000万元以上。"),
    ("上年度营业收入总额在1亿元以上的企业，\n近2年研发费用总额占比均不低于3%。",
     "上年度营业收入总额在1亿元以上的企业，近2年研发费用总额占比均不低于3%。"),
    ("截至上年末，企业资产负债率不高于70%\n。", "截至上年末，企业资产负债率不高于70%。"),
    # English: a sentence going on in lower case, after a comparator, a hyphenated word
    ("Its R&D expenses were no less than\n1 million yuan in the previous year.",
     "Its R&D expenses were no less than 1 million yuan in the previous year."),
    ("revenue of at least RMB 15\nmillion in the previous year.",
     "revenue of at least RMB 15 million in the previous year."),
    ("its debt-to-\nasset ratio is no higher than 70%.", "its debt-to-asset ratio is no higher than 70%."),
    ("R&D expenses shall be 30 million yuan or more, and\nR&D personnel shall account for 50%.",
     "R&D expenses shall be 30 million yuan or more, and R&D personnel shall account for 50%."),
]
KEPT = [
    # numbered clauses, a heading, a title over its number, a signature over its date
    "认定条件：\n（一）从事特定细分市场时间达到2年以上；\n（二）资产负债率不高于70%。",
    "一、申报条件\n企业应当同时满足以下条件",
    "工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知\n工信部企业〔2022〕63号",
    "工业和信息化部\n2022年6月1日",
    "3.从事特定细分市场年限(满分5分)\n5\n3.1 A 10年以上(5分)",
    "(1) it has been engaged in a niche market for 3 years or more;\n(2) its debt ratio is no higher than 80%.",
    "Certification Standards for SRDI SMEs\nI. Certification conditions",
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), JOINED)
def test_nlp_normalize_joins_breaks_inside_a_sentence(text, expected):
    language = "en" if text.isascii() else "zh"
    assert join_broken_lines(text, language) == expected


@pytest.mark.parametrize("text", KEPT)
def test_nlp_normalize_keeps_the_breaks_that_carry_structure(text):
    language = "en" if text.isascii() else "zh"
    assert join_broken_lines(text, language) == text


def test_nlp_normalize_finds_the_wrap_width_of_wrapped_text_only():
    joiner = LineJoiner("zh")
    text = strip_header((EXTRACTION / "little-giant-notice-2022.zh.txt").read_text(encoding="utf-8"))
    wrapped = wrap_lines(text, 76)
    assert joiner.wrap_width([display_width(line) for line in wrapped]) == 76
    # One paragraph per line: lengths all over, no wrap width, nothing joined by width.
    assert joiner.wrap_width([display_width(line) for line in text.split("\n")]) is None


def _read(text: str, language: str) -> str:
    """The store's reading form, less the two spaces the joiner leaves out on purpose:
    between digits in Chinese text (``20\n26年`` is 2026) and after a hyphen that ended
    an English line (``debt-to-\nasset``)."""
    form = re.sub(r"(?<=[A-Za-z])- (?=[A-Za-z])", "-", reading_form(text))
    return re.sub(r"(?<=[0-9]) (?=[0-9])", "", form) if language == "zh" else form


@pytest.mark.parametrize("path", sorted(EXTRACTION.glob("*.txt")), ids=lambda p: p.stem)
def test_nlp_normalize_keeps_the_reading_form_the_store_hashes(path):
    text = strip_header(path.read_text(encoding="utf-8"))
    language = "en" if ".en." in path.name else "zh"
    for variant in (text, "\n".join(wrap_lines(text, 60))):
        joined = join_broken_lines(variant, language)
        assert _read(joined, language) == _read(variant, language)
    # A text written one paragraph per line is left as it is.
    assert join_broken_lines(text, language) == text


def _labels(name: str) -> dict:
    return json.loads((EXTRACTION / f"{name}.json").read_text(encoding="utf-8"))


def _criteria_keys(text: str) -> Counter:
    return Counter(criterion_key(c) for c in extract_notice(text)["criteria"])


PDF_CASES = ["little-giant-notice-2022.zh", "srdi-standard-2026.zh", "guangdong-rules-2024.zh",
             "jiangnan-srdi-measures-2025.zh", "little-giant-standard-2022.en",
             "srdi-sme-conditions-2022.en"]


@pytest.mark.parametrize("width", [50, 76, 90])
@pytest.mark.parametrize("name", PDF_CASES)
def test_nlp_normalize_a_pdf_keeps_every_criterion_of_its_text(name, width):
    labels = _labels(name)
    text = strip_header((EXTRACTION / labels["file"]).read_text(encoding="utf-8"))
    pdf_text = read_document(wrapped_pdf(text, width), f"{name}.pdf").text
    expected = Counter(criterion_key(c) for c in labels["criteria"])
    assert _criteria_keys(pdf_text) == expected


def test_nlp_normalize_the_little_giant_pdf_breaks_inside_phrases_and_loses_nothing():
    labels = _labels("little-giant-notice-2022.zh")
    pdf_text = read_document(HELD_OUT_PDF.read_bytes(), HELD_OUT_PDF.name).text
    lines = pdf_text.split("\n")
    # The text layer does break inside phrases: "…比重" or "不低于" split across lines.
    assert any(a.endswith(("比", "不低", "占营业")) or b.startswith(("重", "于", "收入"))
               for a, b in zip(lines, lines[1:], strict=False))
    result = extract_notice(pdf_text)
    assert Counter(criterion_key(c) for c in result["criteria"]) == Counter(
        criterion_key(c) for c in labels["criteria"])
    assert result["doc_number"] == labels["doc_number"]
    assert result["title"] == labels["title"]
    assert result["dates"] == labels["dates"]


def test_nlp_normalize_the_committed_heldout_pdf_is_the_one_pdf_support_makes():
    made = read_document(heldout_pdf_bytes(), "made.pdf").text
    assert read_document(HELD_OUT_PDF.read_bytes(), HELD_OUT_PDF.name).text == made
