"""Choosing the reader for a file: by content first, then name, then Content-Type.

The readers import nothing from here; a ZIP bundle reads its members with this module's
choice because :func:`read_bundle` hands it in
(:class:`~policywatch.crawler.documents.archive.MemberFormats`).
"""

from __future__ import annotations

import os

from policywatch.crawler.documents.archive import MemberFormats, read_zip
from policywatch.crawler.documents.base import Document, EmptyDocument, Reader, UnsupportedFormat
from policywatch.crawler.documents.encoding import looks_binary
from policywatch.crawler.documents.html import read_html
from policywatch.crawler.documents.ofd import read_ofd
from policywatch.crawler.documents.office import read_doc, read_docx, read_wps
from policywatch.crawler.documents.ole import ole_kind_of
from policywatch.crawler.documents.pdf import read_pdf
from policywatch.crawler.documents.sheets import read_xls, read_xlsx
from policywatch.crawler.documents.text import read_text


def read_bundle(data: bytes, declared_charset: str | None = None) -> Document:
    """Read a ZIP bundle (:func:`~policywatch.crawler.documents.archive.read_zip`), each
    member with the reader this module chooses for it."""
    return read_zip(data, declared_charset, formats=MEMBER_FORMATS)


READERS: dict[str, Reader] = {
    "html": read_html,
    "txt": read_text,
    "pdf": read_pdf,
    "docx": read_docx,
    "doc": read_doc,
    "wps": read_wps,
    "xls": read_xls,
    "xlsx": read_xlsx,
    "ofd": read_ofd,
    "zip": read_bundle,
}
# OLE compound files: what they hold can differ from what their name says.
_OLE_FORMATS = {"doc", "wps", "xls"}

_EXTENSIONS = {
    ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html",
    ".txt": "txt", ".text": "txt",
    ".pdf": "pdf", ".doc": "doc", ".docx": "docx", ".wps": "wps", ".xls": "xls",
    ".xlsx": "xlsx", ".ofd": "ofd", ".zip": "zip", ".et": "xls",
}
_CONTENT_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html", "text/plain": "txt",
    "application/pdf": "pdf", "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/zip": "zip", "application/ofd": "ofd",
}


def _sniff(data: bytes) -> str | None:
    head = data[:2048].lstrip()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # DOC, XLS or WPS: the reader for the name decides
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "zip"  # DOCX, XLSX, OFD or a plain bundle
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in lowered \
            or b"<div" in lowered or b"<table" in lowered or b"<head" in lowered \
            or lowered.startswith((b"<p>", b"<p ")):  # a bare fragment, as CMS APIs return
        return "html"
    return None


def detect_format(data: bytes, filename: str | None = None,
                  content_type: str | None = None) -> str:
    """Return the format name for a file.

    Content wins where it is conclusive; a ZIP or OLE container is refined by the name
    (a ``.docx`` is a ZIP). Text without markup is ``txt``.

    >>> detect_format(b"%PDF-1.7 ...", "notice.doc")
    'pdf'
    >>> detect_format("<p>附件</p>".encode(), None, "application/octet-stream")
    'html'
    """
    ext = os.path.splitext(filename or "")[1].lower()
    by_name = _EXTENSIONS.get(ext)
    ctype = (content_type or "").split(";")[0].strip().lower()
    by_type = _CONTENT_TYPES.get(ctype)
    sniffed = _sniff(data)
    if sniffed == "zip":
        return by_name if by_name in {"docx", "xlsx", "ofd", "zip"} else (
            by_type if by_type in {"docx", "xlsx", "ofd"} else "zip")
    if sniffed == "ole":
        return by_name if by_name in {"doc", "xls", "wps"} else (
            by_type if by_type in {"doc", "xls"} else "doc")
    if sniffed:
        return sniffed
    if by_name in {"html", "txt"} or by_type in {"html", "txt"}:
        return by_name if by_name in {"html", "txt"} else by_type  # type: ignore[return-value]
    if not looks_binary(data):
        return "txt"
    return by_name or by_type or "unknown"


def reader_for(fmt: str, data: bytes) -> Reader | None:
    """The reader for a format; an Office 97-2003 file is read by what it holds.

    Sites publish workbooks saved as ``.doc`` and Word files saved as ``.xls``; the OLE
    streams (:func:`~policywatch.crawler.documents.ole.ole_kind_of`) tell them apart.

    >>> reader_for("pdf", b"%PDF-1.7").__name__, reader_for("doc", b"not OLE").__name__
    ('read_pdf', 'read_doc')
    """
    if fmt in _OLE_FORMATS:
        holds = ole_kind_of(data)
        if holds == "excel":
            fmt = "xls"
        elif holds == "word" and fmt == "xls":
            fmt = "doc"
    return READERS.get(fmt)


MEMBER_FORMATS = MemberFormats(detect=detect_format, reader_for=reader_for)


def _charset_of(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip()
    return None


def read_document(data: bytes, filename: str | None = None,
                  content_type: str | None = None) -> Document:
    """Read any supported file into a :class:`Document`.

    Args:
        data: the file's bytes.
        filename: its name or URL path, used to refine the format.
        content_type: the HTTP Content-Type, used last (servers often get it wrong).

    Raises:
        EmptyDocument: no bytes.
        UnsupportedFormat: no reader for the format (the caller keeps the bytes).
        UnreadableDocument: the reader found the bytes corrupt.
    """
    if not data.strip():
        raise EmptyDocument("the file is empty")
    fmt = detect_format(data, filename, content_type)
    reader = reader_for(fmt, data)
    if reader is None:
        raise UnsupportedFormat(f"no reader for format {fmt!r}")
    return reader(data, _charset_of(content_type))
