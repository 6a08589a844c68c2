"""PDF text layers, with pypdf.

Most notices' PDFs are printed from Word and carry a text layer. Scanned PDFs (page
images only) have none; we say so rather than returning empty text, because OCR is out
of scope and the caller should keep the file for a person to read. PDFs with only an
owner password (printing or copying forbidden, common on government sites) open with
the empty user password and are read normally.
"""

from __future__ import annotations

import io
import re

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError

from policywatch.crawler.documents.base import Document, UnreadableDocument

READER = f"pypdf-{pypdf.__version__}/policywatch.pdf.v1"

# PDF printers prefix the source file: "Microsoft Word - 附件1.docx".
_PRINTER_PREFIX = re.compile(r"^(Microsoft (Word|Excel|PowerPoint) - |WPS (文字|表格) - )", re.I)
_SOURCE_SUFFIX = re.compile(r"\.(docx?|wps|xlsx?|et)$", re.I)


def _clean_title(value: object) -> str | None:
    """Return a usable title from the PDF's /Title, dropping printer boilerplate.

    >>> _clean_title("Microsoft Word - 关于开展认定工作的通知.docx")
    '关于开展认定工作的通知'
    """
    if not isinstance(value, str):
        return None
    title = _SOURCE_SUFFIX.sub("", _PRINTER_PREFIX.sub("", " ".join(value.split())))
    return title or None


def _tidy(text: str) -> list[str]:
    lines = (line.strip(" \u3000\xa0") for line in text.replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def read_pdf(data: bytes, declared_charset: str | None = None) -> Document:
    """Read a PDF's text layer, pages in order.

    ``metadata`` holds ``pages`` (the page count) and, where some pages have no text,
    ``pages_without_text`` (1-based page numbers, e.g. a scanned 盖章 page).

    Raises:
        UnreadableDocument: corrupt or truncated, needs a password, or has no text
            layer at all (a scan: OCR is not supported).
    """
    del declared_charset
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument("PDF file is password-protected (needs a user password)")
        page_count = len(reader.pages)
    except UnreadableDocument:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise UnreadableDocument(f"PDF file is encrypted and cannot be opened: {exc}") from exc
    except Exception as exc:  # pypdf raises PdfReadError, but also ValueError, KeyError ...
        raise UnreadableDocument(
            f"PDF file is corrupt or truncated: {type(exc).__name__}: {exc}"
        ) from exc
    lines: list[str] = []
    empty_pages: list[int] = []
    failed_pages: list[int] = []
    for number in range(page_count):
        try:
            page_lines = _tidy(reader.pages[number].extract_text() or "")
        except Exception:  # one broken content stream should not lose the other pages
            failed_pages.append(number + 1)
            continue
        if not page_lines:
            empty_pages.append(number + 1)
        lines.extend(page_lines)
    if failed_pages and len(failed_pages) == page_count:
        raise UnreadableDocument(f"PDF file is corrupt: no page of {page_count} could be read")
    if not lines:
        raise UnreadableDocument(
            f"PDF file has no text layer ({page_count} page(s), probably scanned images); "
            "OCR is not supported"
        )
    try:
        title = _clean_title(reader.metadata.title if reader.metadata else None)
    except Exception:  # a broken /Info dictionary is no reason to lose the text
        title = None
    metadata: dict[str, object] = {"pages": page_count}
    if empty_pages:
        metadata["pages_without_text"] = empty_pages
    if failed_pages:
        metadata["unreadable_pages"] = failed_pages
    return Document(format="pdf", text="\n".join(lines), reader=READER, title=title,
                    metadata=metadata)
