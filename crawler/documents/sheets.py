"""Spreadsheets: XLS (Excel 97-2003, also WPS ``.et``) with xlrd, XLSX with openpyxl.

Text layout, the same for both: for each sheet in workbook order a line with the sheet
name, then one line per non-empty row with the cells tab-separated. Numbers that are
whole print without ``.0`` (``1000``, not ``1000.0``), dates as ISO dates, formulas as
their cached values.
"""

from __future__ import annotations

import datetime
import io
import warnings
from collections.abc import Iterable
from contextlib import closing

import openpyxl
import xlrd

from policywatch.crawler.documents.archive import open_zip
from policywatch.crawler.documents.base import (
    Document,
    DocumentError,
    UnreadableDocument,
)
from policywatch.crawler.documents.ole import (
    ole_kind,
    ole_stream,
    ole_title,
    open_ole,
    unknown_ole_error,
)

XLS_READER = f"xlrd-{xlrd.__version__}/policywatch.xls.v1"
XLSX_READER = f"openpyxl-{openpyxl.__version__}/policywatch.xlsx.v1"

# Shared strings let a small file put one long string in a million cells; stop
# before the joined text eats the memory (50 million characters is ~100 MB of text).
MAX_TEXT_CHARS = 50_000_000
# Excel's own row limit: a sheet claiming more is hostile (openpyxl pads missing rows,
# so a single cell at row 10**9 would otherwise be a billion empty rows).
_MAX_ROWS = 1_048_576


def _number(value: float) -> str:
    """Print a number as a person would read it in the sheet.

    >>> _number(1000.0), _number(0.035), _number(0.1 + 0.2)
    ('1000', '0.035', '0.3')
    """
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"


def _value_text(value: object) -> str:
    """Text for one cell value from openpyxl (or a converted xlrd value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    # Keep each row on one line: line breaks inside a cell (Alt+Enter) become spaces.
    return " ".join(str(value).split())


class _Lines:
    """Output lines of a workbook, with a cap on their total length."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.lines: list[str] = []
        self.chars = 0

    def add_sheet(self, name: str, rows: Iterable[Iterable[str]]) -> None:
        """Add a sheet-name line, then one tab-separated line per non-empty row.

        Raises:
            UnreadableDocument: the text passes :data:`MAX_TEXT_CHARS`.
        """
        self._add(name)
        for row in rows:
            cells = list(row)
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                self._add("\t".join(cells))

    def _add(self, line: str) -> None:
        self.chars += len(line) + 1
        if self.chars > MAX_TEXT_CHARS:
            raise UnreadableDocument(
                f"{self.what}: text exceeds the limit of {MAX_TEXT_CHARS:,} characters"
            )
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


# ---------------------------------------------------------------------------------------
# XLS


def _xls_cell(cell: xlrd.sheet.Cell, datemode: int) -> str:
    ctype = cell.ctype
    if ctype == xlrd.XL_CELL_DATE:
        try:
            return _value_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return _number(cell.value)
    if ctype == xlrd.XL_CELL_NUMBER:
        return _number(cell.value)
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    return _value_text(cell.value) if ctype == xlrd.XL_CELL_TEXT else ""


def read_xls(data: bytes, declared_charset: str | None = None) -> Document:
    """Read an Excel 97-2003 (BIFF8, or BIFF5 with its code page) workbook.

    A Word file saved as ``.xls`` is a DOC to this reader's caller
    (:func:`policywatch.crawler.documents.registry.reader_for` looks inside first).

    Raises:
        UnreadableDocument: corrupt, truncated or password-protected.
        UnsupportedFormat: an OLE file that holds no workbook.
    """
    del declared_charset
    what = "XLS file"
    ole = open_ole(data, what)
    with closing(ole):
        kind = ole_kind(ole)
        if kind == "encrypted":
            raise UnreadableDocument(f"{what} is a password-protected (encrypted) Office file")
        if kind != "excel":
            raise unknown_ole_error(ole, what, "Excel workbook")
        # xlrd's own compound-file code loops until memory runs out on a cyclic sector
        # chain, so olefile (which bounds chains by the stream size) extracts the
        # workbook stream and xlrd only parses the BIFF records in it.
        stream = ole_stream(ole, "Workbook" if ole.exists("Workbook") else "Book", what)
        title = ole_title(ole)
    try:
        # xlrd prints warnings to stdout by default; keep them out of crawl logs.
        book = xlrd.open_workbook(file_contents=stream, logfile=io.StringIO(), on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise UnreadableDocument(f"{what} is password-protected (encrypted)") from exc
        raise UnreadableDocument(f"{what} is corrupt: {exc}") from exc
    except Exception as exc:  # xlrd raises struct.error, IndexError, AssertionError ...
        raise UnreadableDocument(f"{what} is corrupt: {type(exc).__name__}: {exc}") from exc
    lines = _Lines(what)
    try:
        names = book.sheet_names()
        for index, name in enumerate(names):
            sheet = book.sheet_by_index(index)
            rows = (
                (_xls_cell(cell, book.datemode) for cell in sheet.row(row))
                for row in range(sheet.nrows)
            )
            lines.add_sheet(name, rows)
            book.unload_sheet(index)
    except DocumentError:
        raise
    except Exception as exc:  # a corrupt sheet record
        raise UnreadableDocument(f"{what} is corrupt: {type(exc).__name__}: {exc}") from exc
    finally:
        book.release_resources()
    return Document(
        format="xls",
        text=lines.text(),
        reader=XLS_READER,
        title=title,
        metadata={"sheets": names},
    )


# ---------------------------------------------------------------------------------------
# XLSX


def read_xlsx(data: bytes, declared_charset: str | None = None) -> Document:
    """Read an XLSX workbook in openpyxl's read-only mode, formulas as cached values.

    Raises:
        UnreadableDocument: corrupt, truncated, or not a workbook.
        ArchiveLimitExceeded: the ZIP container is a zip bomb.
    """
    del declared_charset
    what = "XLSX file"
    # Check the container ourselves first: openpyxl would inflate whatever it is given.
    open_zip(data, what).close()
    lines = _Lines(what)
    names: list[str] = []
    try:
        with warnings.catch_warnings():
            # "Workbook contains no default style" and similar are noise for reading.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                for sheet in book.worksheets:
                    names.append(sheet.title)
                    # Ignore the stored <dimension>: it may claim a million columns.
                    sheet.reset_dimensions()
                    rows = (
                        (_value_text(value) for value in row)
                        for _, row in zip(
                            range(_MAX_ROWS), sheet.iter_rows(values_only=True), strict=False
                        )
                    )
                    lines.add_sheet(sheet.title, rows)
                title = book.properties.title if book.properties else None
            finally:
                book.close()
    except DocumentError:
        raise
    except Exception as exc:  # openpyxl raises KeyError, InvalidFileException, lxml errors ...
        raise UnreadableDocument(f"{what} is corrupt: {type(exc).__name__}: {exc}") from exc
    return Document(
        format="xlsx",
        text=lines.text(),
        reader=XLSX_READER,
        title=title or None,
        metadata={"sheets": names},
    )
