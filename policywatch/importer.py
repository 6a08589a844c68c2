"""``policywatch import``: saved files become notices, exactly like crawled pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policywatch.crawler.documents import DocumentError, read_document
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

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "notice_id": self.notice_id,
                "version_id": self.version_id, "status": self.status}


def import_file(store: Store, path: Path, url: str | None = None,
                run_id: int | None = None) -> ImportResult:
    """Read one saved file and record it as a version of its notice.

    Args:
        store: the open store.
        path: the file (HTML, TXT, and every attachment format the readers know).
        url: the page this file is a copy of; gives it that page's identity.
        run_id: the import run that records it.

    Raises:
        ImportFailed: the file is missing, unreadable, empty, corrupt or of no known format.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFailed(f"{path}: is a directory") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        document = read_document(data, filename=path.name)
    except DocumentError as exc:
        raise ImportFailed(f"{path}: {exc}") from None
    if not document.text.strip():
        raise ImportFailed(f"{path}: no text found in the {document.format} file")
    upsert_source(store, IMPORT_SOURCE)
    result = record_capture(
        store,
        Capture(
            raw=data,
            text=document.text,
            kind="file",
            url=url,
            source_id="import",
            fetched_from=str(path.resolve()),
            run_id=run_id,
            fields={"title": document.title, "format": document.format,
                    "encoding": document.encoding, "parser": document.reader},
            metadata=document.metadata,
        ),
    )
    return ImportResult(str(path), result.notice_id, result.version_id, result.status)
