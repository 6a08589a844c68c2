"""Plain-text files (``.txt``), in any of the encodings Chinese sites use."""

from __future__ import annotations

from policywatch.crawler.documents.base import Document, UnreadableDocument
from policywatch.crawler.documents.encoding import decode_text, looks_binary

READER = "policywatch.txt.v1"


def read_text(data: bytes, declared_charset: str | None = None) -> Document:
    """Read a text file; the first non-empty line serves as the title.

    Raises:
        UnreadableDocument: the bytes are binary, not text.
    """
    if looks_binary(data):
        raise UnreadableDocument("binary content, not a text file")
    text, codec = decode_text(data, declared_charset)
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    body = "\n".join(line for line in lines if line)
    if body.count("\ufffd") > max(3, len(body) // 50):
        raise UnreadableDocument(f"text does not decode cleanly as {codec}")
    title = next((line for line in lines if line), None)
    return Document(format="txt", text=body, reader=READER, title=title, encoding=codec)
