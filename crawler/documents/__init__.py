"""Turning captured bytes into text, one reader per format.

Pure functions over bytes: no network, no Scrapy, so ``policywatch import`` and the
crawler's pipelines share one path. :func:`read_document` picks the reader by content
(magic bytes) before trusting a file name or a Content-Type header, because government
servers often send PDFs as ``application/octet-stream`` and HTML as ``.htm`` downloads.
"""

from policywatch.crawler.documents.base import (
    Document,
    DocumentError,
    EmptyDocument,
    UnreadableDocument,
    UnsupportedFormat,
)
from policywatch.crawler.documents.registry import detect_format, read_document

__all__ = [
    "Document",
    "DocumentError",
    "EmptyDocument",
    "UnreadableDocument",
    "UnsupportedFormat",
    "detect_format",
    "read_document",
]
