"""OLE compound files: the container of DOC, WPS and XLS, opened and told apart safely.

Word, WPS Writer and Excel 97-2003 files are all OLE compound files; which one a file is
shows in its streams, not in its name (sites publish workbooks saved as ``.doc``), so the
readers (:mod:`~policywatch.crawler.documents.office`,
:mod:`~policywatch.crawler.documents.sheets`) and the registry that picks one share these
checks.
"""

from __future__ import annotations

import io
from contextlib import closing

import olefile

from policywatch.crawler.documents.base import (
    DocumentError,
    UnreadableDocument,
    UnsupportedFormat,
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def open_ole(data: bytes, what: str) -> olefile.OleFileIO:
    """Open an OLE compound file.

    Raises:
        UnsupportedFormat: not a compound file at all (WPS 2000 and older are not).
        UnreadableDocument: corrupt or truncated.
    """
    if not data.startswith(_OLE_MAGIC):
        raise UnsupportedFormat(f"{what} is not an OLE compound file")
    try:
        return olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError ...
        raise UnreadableDocument(f"{what} is corrupt or truncated: {exc}") from exc


def ole_kind(ole: olefile.OleFileIO) -> str | None:
    """Name what an OLE file holds, from its streams.

    Returns:
        ``"encrypted"`` (a password-protected DOCX/XLSX wrapper), ``"word"``, ``"excel"``,
        ``"powerpoint"``, ``"works"`` (Microsoft Works, also ``.wps``) or None.
    """
    if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
        return "encrypted"
    if ole.exists("WordDocument"):
        return "word"
    if ole.exists("Workbook") or ole.exists("Book"):
        return "excel"
    if ole.exists("PowerPoint Document"):
        return "powerpoint"
    if ole.exists("MatOST") or ole.exists("CONTENTS"):
        return "works"
    return None


def unknown_ole_error(ole: olefile.OleFileIO, what: str, expected: str) -> DocumentError:
    """The error for an OLE file without the stream a reader needs.

    No streams at all means the directory is garbage (corrupt); other streams mean a
    format we do not read (Visio, MSG, ...), which the caller may keep as it is.
    """
    try:
        streams = ["/".join(path) for path in ole.listdir()]
    except Exception:  # a directory too broken to list
        streams = []
    if not streams:
        return UnreadableDocument(f"{what}: the compound file's directory is corrupt or empty")
    return UnsupportedFormat(f"{what} holds no {expected} (streams: {', '.join(streams[:8])})")


def ole_stream(ole: olefile.OleFileIO, name: str, what: str) -> bytes:
    """Return one stream's bytes; a broken stream is an unreadable document."""
    try:
        with closing(ole.openstream(name)) as stream:
            return stream.read()
    except Exception as exc:  # a broken FAT chain surfaces as OSError or IndexError
        raise UnreadableDocument(f"{what}: stream {name} is corrupt: {exc}") from exc


def _decode_property(value: bytes, codepage: object) -> str:
    """Decode an 8-bit property string by its property set's code page.

    The code page is stored as a signed 16-bit integer (65001, UTF-8, reads as -535);
    when it is missing or wrong, UTF-8 and then GB18030 are tried.
    """
    candidates = []
    if isinstance(codepage, int):
        number = codepage & 0xFFFF
        candidates.append("utf-8" if number == 65001 else f"cp{number}")
    for codec in [*candidates, "utf-8", "gb18030"]:
        try:
            return value.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return value.decode("gb18030", errors="replace")


def ole_title(ole: olefile.OleFileIO) -> str | None:
    """Return the SummaryInformation title, decoded with the property set's code page."""
    try:
        meta = ole.get_metadata()
    except Exception:  # a broken property set is no reason to lose the text
        return None
    title = meta.title
    if isinstance(title, bytes):
        title = _decode_property(title, meta.codepage)
    if not isinstance(title, str):
        return None
    title = " ".join(title.replace("\x00", "").split())
    return title or None


def ole_kind_of(data: bytes) -> str | None:
    """What an OLE file holds (:func:`ole_kind`), or None when it is no readable OLE file.

    >>> ole_kind_of(b"%PDF-1.7") is None
    True
    """
    if not data.startswith(_OLE_MAGIC):
        return None
    try:
        with closing(olefile.OleFileIO(io.BytesIO(data))) as ole:
            return ole_kind(ole)
    except Exception:  # olefile raises OSError, struct.error, ...: the reader will say why
        return None
