"""PDFs of notice text wrapped at a fixed width, as a PDF's text layer breaks its lines.

A PDF printed from Word ends a line wherever the printed line ends, inside words and
phrases (不低|于3%); :func:`wrapped_pdf` makes such a PDF from a text (reportlab's built-in
Chinese CID font, so no font file is needed), and reading it back with
``policywatch.crawler.documents.read_document`` gives the text a crawl would store.
The held-out PDF case of the labelled set
(``nlp/evaluation/data/extraction-heldout/little-giant-notice-2022.pdf.zh.pdf``) was made
with :func:`write_heldout_pdf`; ``tests/test_nlp_normalize.py`` checks it still matches.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from pathlib import Path

from policywatch.nlp.evaluation.extraction import strip_header

EXTRACTION = Path(__file__).resolve().parents[1] / "nlp" / "evaluation" / "data" / "extraction"
HELD_OUT = EXTRACTION.parent / "extraction-heldout"
#: The held-out PDF case: the 2022 Little Giant notice (reconstructed) at 76 columns.
HELD_OUT_PDF = HELD_OUT / "little-giant-notice-2022.pdf.zh.pdf"
HELD_OUT_SOURCE = EXTRACTION / "little-giant-notice-2022.zh.txt"
HELD_OUT_WIDTH = 76


def wrap_lines(text: str, width: int) -> list[str]:
    """Break each paragraph of ``text`` into lines of at most ``width`` columns.

    A Chinese character takes two columns and lines break between any two characters
    (as Chinese typesetting does); an all-ASCII paragraph breaks between words. Blank
    lines are dropped, as a PDF's text layer has none.

    >>> wrap_lines("上年度营业收入总额不低于1000万元。", 20)
    ['上年度营业收入总额不', '低于1000万元。']
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if paragraph.isascii():
            lines.extend(textwrap.wrap(paragraph, width))
            continue
        line, used = "", 0
        for char in paragraph:
            columns = 2 if unicodedata.east_asian_width(char) in "WF" else 1
            if used + columns > width:
                lines.append(line)
                line, used = "", 0
            line += char
            used += columns
        if line:
            lines.append(line)
    return lines


def wrapped_pdf(text: str, width: int = HELD_OUT_WIDTH, lines_per_page: int = 40) -> bytes:
    """A PDF whose text layer is ``text`` wrapped at ``width`` columns (see
    :func:`wrap_lines`); the same text gives the same bytes (reportlab's invariant mode)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines = wrap_lines(text, width)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    for first in range(0, len(lines), lines_per_page):
        pdf.setFont("STSong-Light", 10.5)
        for number, line in enumerate(lines[first:first + lines_per_page]):
            pdf.drawString(56, 790 - 18 * number, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def heldout_pdf_bytes() -> bytes:
    """The held-out PDF case as :func:`write_heldout_pdf` makes it."""
    text = strip_header(HELD_OUT_SOURCE.read_text(encoding="utf-8"))
    return wrapped_pdf(text, HELD_OUT_WIDTH)


def write_heldout_pdf() -> Path:
    """(Re)write the held-out PDF case; run ``python -m tests.pdf_support``."""
    HELD_OUT_PDF.write_bytes(heldout_pdf_bytes())
    return HELD_OUT_PDF


if __name__ == "__main__":
    print(write_heldout_pdf())
