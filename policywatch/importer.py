"""``policywatch import``: saved files become notices, exactly like crawled pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policywatch.crawler.documents import DocumentError, UnsupportedFormat, read_document
from policywatch.crawler.documents.registry import detect_format
from policywatch.crawler.parsers import PARSERS, LayoutMismatch, source_for_url
from policywatch.settings import LimitSettings
from policywatch.store import Capture, Store, record_capture
from policywatch.store.notices import upsert_source

IMPORT_SOURCE = {"id": "import", "name": "Imported files", "platform": "file",
                 "region": None, "language": None, "home_url": None}


class ImportFailed(Exception):
    """One file could not be imported; the message names the file and the reason."""


@dataclass(frozen=True)
class ImportResult:
    """The outcome of importing one file (printed as one JSON line by the CLI)."""

    path: str
    notice_id: int
    version_id: int
    status: str
    parser: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        row: dict[str, object] = {"path": self.path, "notice_id": self.notice_id,
                                  "version_id": self.version_id, "status": self.status}
        if self.parser:
            row["parser"] = self.parser
        if self.note:
            row["note"] = self.note
        return row


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _source_page_fields(data: bytes, url: str | None, source: str | None,
                        path: Path) -> tuple[str, dict[str, object], dict[str, object]] | None:
    """Parse a saved page with its site's parser: the one named, or the one of the URL's host.

    A page saved from gov.cn then carries the title, document number and dates its
    metadata table states, exactly as ``policywatch parse`` and a crawl read them.

    Returns:
        (text, version fields, metadata), or None when no source parser applies.

    Raises:
        ImportFailed: ``source`` was named and the page is not laid out as its pages are.
    """
    name = source or source_for_url(url)
    if name is None:
        return None
    try:
        page = PARSERS[name](data, url, None)
    except LayoutMismatch as exc:
        if source:
            raise ImportFailed(f"{path}: does not look like a {source} page: {exc}") from None
        return None  # a page of that host in another layout: read it as plain HTML
    if not page.body_text.strip():
        return None
    fields: dict[str, object] = {
        "title": page.title, "doc_number": page.doc_number, "issuer": page.issuer,
        "index_number": page.index_number, "written_date": page.written_date,
        "published_date": page.published_date, "language": page.language,
        "encoding": page.encoding, "format": "html", "parser": page.parser,
    }
    metadata: dict[str, object] = {"attachments": page.attachments, **page.raw_metadata,
                                   "parsed_as": name}
    return page.body_text, fields, metadata


def import_file(store: Store, path: Path, url: str | None = None,
                run_id: int | None = None, source: str | None = None,
                limits: LimitSettings | None = None) -> ImportResult:
    """Read one saved file and record it as a version of its notice.

    A saved page of a known site (``source``, or the host of ``url``) is read by that
    site's parser; anything else by the format readers. A file of a format no reader
    knows is kept as bytes with ``note`` saying so.

    Args:
        store: the open store.
        path: the file (HTML, TXT, and every attachment format the readers know).
        url: the page this file is a copy of; gives it that page's identity.
        run_id: the import run that records it.
        source: the source whose page parser reads the file (``govcn``, ``miit``, ...).
        limits: size and text-length bounds (defaults: :class:`LimitSettings`).

    Raises:
        ImportFailed: the file is missing, unreadable, empty, corrupt, too large, or its
            text is too long.
    """
    limits = limits or LimitSettings()
    if source is not None and source not in PARSERS:
        raise ImportFailed(f"no parser for source {source!r}; known: {', '.join(sorted(PARSERS))}")
    try:
        size = path.stat().st_size
        if size > limits.import_max_bytes and path.is_file():
            raise ImportFailed(
                f"{path}: {_megabytes(size)} is over the import limit of "
                f"{_megabytes(limits.import_max_bytes)} ([limits] import_max_bytes)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFailed(f"{path}: is a directory") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}") from None
    note = None
    try:
        document = read_document(data, filename=path.name)
    except UnsupportedFormat:
        fmt = detect_format(data, path.name, None)
        text, fields, metadata = "", {"title": path.name, "format": fmt}, {"status": "unsupported"}
        note = f"kept as bytes: no reader for {fmt} files"
    except DocumentError as exc:
        raise ImportFailed(f"{path}: {exc}") from None
    else:
        if not document.text.strip():
            raise ImportFailed(f"{path}: no text found in the {document.format} file")
        text = document.text
        fields = {"title": document.title, "format": document.format,
                  "encoding": document.encoding, "parser": document.reader}
        metadata = dict(document.metadata)
        if document.format == "html":
            parsed = _source_page_fields(data, url, source, path)
            if parsed is not None:
                text, fields, metadata = parsed
    if len(text) > limits.max_text_chars:
        raise ImportFailed(
            f"{path}: its text has {len(text):,} characters, over the limit of "
            f"{limits.max_text_chars:,} ([limits] max_text_chars); not a notice?")
    upsert_source(store, IMPORT_SOURCE)
    result = record_capture(
        store,
        Capture(
            raw=data,
            text=text,
            kind="file",
            url=url,
            source_id="import",
            fetched_from=str(path.resolve()),
            run_id=run_id,
            fields=fields,
            metadata=metadata,
        ),
    )
    return ImportResult(str(path), result.notice_id, result.version_id, result.status,
                        parser=str(fields.get("parser") or "") or None, note=note)
