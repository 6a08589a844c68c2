"""Word documents: DOCX (Office Open XML) and the binary DOC and WPS formats.

DOCX is read straight from ``word/document.xml`` with lxml: paragraphs and table rows
in body order, table cells tab-separated (python-docx would need a second pass to
interleave tables with paragraphs, and is not needed for reading).

DOC (Word 97-2003) and WPS (Kingsoft WPS Writer 2005 and later, which writes the same
Word 97 layout in an OLE compound file) are read by walking the Word 97 piece table
([MS-DOC] 2.4.1): the FIB in the ``WordDocument`` stream locates the ``Clx`` in the
``0Table``/``1Table`` stream; its ``PlcPcd`` maps character positions to byte offsets,
each piece either 8-bit ("compressed", cp1252) or UTF-16LE. Only the main document text
(the first ``ccpText`` characters) is returned, not headers, footnotes or text boxes.
Table row ends are told apart from cell ends through the paragraph properties
(``sprmPFTtp`` in the PAPX FKPs), so rows come out one per line, cells tab-separated.
"""

from __future__ import annotations

import bisect
import re
import struct
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import lxml
import olefile
from lxml import etree

from policywatch.crawler.documents.archive import find_member, open_zip, parse_xml, read_member
from policywatch.crawler.documents.base import (
    Document,
    UnreadableDocument,
    UnsupportedFormat,
)
from policywatch.crawler.documents.ole import (
    ole_kind,
    ole_stream,
    ole_title,
    open_ole,
    unknown_ole_error,
)

DOCX_READER = f"lxml-{lxml.__version__}/policywatch.docx.v1"
DOC_READER = f"olefile-{olefile.__version__}/policywatch.doc.v1"
WPS_READER = f"olefile-{olefile.__version__}/policywatch.wps.v1"

_OFFICE_DOCUMENT_REL = re.compile(r"/officeDocument$")

# ---------------------------------------------------------------------------------------
# Shared text tidying


def _tidy(lines: list[str]) -> str:
    """Join lines, trimming blanks at the ends (tabs between cells are kept)."""
    cleaned = (line.strip(" \u3000\xa0").rstrip("\t ") for line in lines)
    return "\n".join(line for line in cleaned if line.strip(" \t\u3000"))


def _one_line(text: str) -> str:
    """Squash a table cell onto one line so rows stay one per line."""
    return " ".join(text.replace("\t", " ").split())


# ---------------------------------------------------------------------------------------
# DOCX


def _local(element: etree._Element) -> str:
    # Match local names so both transitional and strict OOXML namespaces work.
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


# Revision marks and duplicated content we must not read: deleted text, the source of a
# move, and the VML fallback that repeats each DrawingML text box.
_DOCX_SKIP = {"del", "moveFrom", "Fallback", "instrText", "delText", "sectPr", "pPr", "rPr"}


def _docx_blocks(container: etree._Element) -> Iterator[str]:
    """Yield the lines of a body, cell or text box: paragraphs and table rows in order."""
    for child in container:
        name = _local(child)
        if name in _DOCX_SKIP:
            continue
        if name == "p":
            yield from _docx_paragraph(child)
        elif name == "tbl":
            yield from _docx_table(child)
        else:
            # sdt/sdtContent, customXml, ins, moveTo ... wrap paragraphs and tables.
            yield from _docx_blocks(child)


def _docx_paragraph(paragraph: etree._Element) -> Iterator[str]:
    """Yield a paragraph's text, then the lines of any text boxes anchored in it."""
    parts: list[str] = []
    boxes: list[str] = []

    def walk(node: etree._Element) -> None:
        for child in node:
            name = _local(child)
            if name in _DOCX_SKIP:
                continue
            if name == "t":
                parts.append(child.text or "")
            elif name == "tab":
                parts.append("\t")
            elif name in {"br", "cr"}:
                parts.append("\n")
            elif name == "noBreakHyphen":
                parts.append("-")
            elif name == "txbxContent":
                boxes.extend(_docx_blocks(child))
            else:
                walk(child)

    walk(paragraph)
    yield from "".join(parts).split("\n")
    yield from boxes


def _docx_table(table: etree._Element) -> Iterator[str]:
    """Yield one tab-separated line per row; nested tables are flattened into their cell."""
    for row in table.iter():
        if _local(row) != "tr" or _enclosing_table(row) is not table:
            continue
        cells = [
            _one_line(" ".join(_docx_blocks(cell)))
            for cell in row.iter()
            if _local(cell) == "tc" and _enclosing_row(cell) is row
        ]
        yield "\t".join(cells)


def _enclosing_table(node: etree._Element) -> etree._Element | None:
    parent = node.getparent()
    while parent is not None and _local(parent) != "tbl":
        parent = parent.getparent()
    return parent


def _enclosing_row(node: etree._Element) -> etree._Element | None:
    parent = node.getparent()
    while parent is not None and _local(parent) != "tr":
        parent = parent.getparent()
    return parent


def _docx_main_part(archive: Any) -> str:
    """Return the main document part's path from ``_rels/.rels`` (usually word/document.xml)."""
    rels_info = find_member(archive, "_rels/.rels")
    if rels_info is not None:
        rels = parse_xml(read_member(archive, rels_info, "DOCX file"), "DOCX _rels/.rels")
        for rel in rels:
            if _OFFICE_DOCUMENT_REL.search(rel.get("Type", "")) and rel.get("Target"):
                return rel.get("Target", "").lstrip("/")
    return "word/document.xml"


def _core_title(archive: Any, what: str) -> str | None:
    """Return ``dc:title`` from ``docProps/core.xml`` when the producer filled it in."""
    info = find_member(archive, "docProps/core.xml")
    if info is None:
        return None
    try:
        core = parse_xml(read_member(archive, info, what), f"{what} docProps/core.xml")
    except UnreadableDocument:
        return None  # a broken title is no reason to lose the text
    for element in core.iter():
        if _local(element) == "title" and element.text and element.text.strip():
            return " ".join(element.text.split())
    return None


def read_docx(data: bytes, declared_charset: str | None = None) -> Document:
    """Read a DOCX: paragraphs and table rows (cells tab-separated) in body order.

    Tracked deletions are left out, insertions kept; text boxes follow the paragraph
    they are anchored in.

    Raises:
        UnreadableDocument: corrupt, truncated, or without a main document part.
        ArchiveLimitExceeded: the ZIP container is a zip bomb.
    """
    del declared_charset
    archive = open_zip(data, "DOCX file")
    with archive:
        part = _docx_main_part(archive)
        info = find_member(archive, part)
        if info is None:
            raise UnreadableDocument(f"DOCX file has no main document part ({part})")
        root = parse_xml(read_member(archive, info, "DOCX file"), f"DOCX {part}")
        bodies = [element for element in root if _local(element) == "body"]
        text = _tidy(list(_docx_blocks(bodies[0] if bodies else root)))
        title = _core_title(archive, "DOCX file")
    return Document(format="docx", text=text, reader=DOCX_READER, title=title)


# ---------------------------------------------------------------------------------------
# Word 97 piece table


_FIB_IDENT = 0xA5EC
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_NFIB_WORD97 = 0x00C0  # Word 6.0/95 files have nFib 101-105 and a different FIB
_CLX_INDEX = 33  # fcClx/lcbClx in FibRgFcLcb97
_BTE_PAPX_INDEX = 13  # fcPlcfBtePapx/lcbPlcfBtePapx
_FKP_SIZE = 512

# Paragraph sprms that tell a table's cell and row ends apart.
_SPRM_IN_TABLE = 0x2416
_SPRM_TTP = 0x2417
_SPRM_INNER_CELL = 0x244B
_SPRM_INNER_TTP = 0x244C
_SPRM_TDEF_TABLE = 0xD608
_SPRM_CHG_TABS = 0xC615
_SPRA_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}

# Bytes 0x80-0x9F of a compressed piece are cp1252; the five cp1252 leaves undefined
# stay as their Latin-1 code points, as Word shows them.
_CP1252_HIGH = {
    byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte)
    for byte in range(0x80, 0xA0)
}
# Word's special characters ([MS-DOC] 2.8.25); paragraph and cell marks are decided
# per position, the rest here. Pictures, drawn objects, note and comment anchors drop out.
_SPECIAL = {
    0x0B: "\n", 0x0C: "\n", 0x0E: "\n", 0x1E: "-", 0x1F: "", 0xA0: " ",
    0x01: "", 0x02: "", 0x03: "", 0x04: "", 0x05: "", 0x08: "",
}
_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = 0x13, 0x14, 0x15


def _u16(data: bytes, offset: int) -> int:
    return struct.unpack_from("<H", data, offset)[0]


def _u32(data: bytes, offset: int) -> int:
    return struct.unpack_from("<I", data, offset)[0]


def _sprm_operand_size(sprm: int, grpprl: bytes, pos: int) -> int:
    """Size of the operand that starts at ``pos`` for ``sprm`` ([MS-DOC] 2.2.5.1)."""
    spra = sprm >> 13
    if spra != 6:
        return _SPRA_SIZE[spra]
    if sprm == _SPRM_TDEF_TABLE:
        return 1 + _u16(grpprl, pos)  # cb counts the rest of the operand plus one
    if sprm == _SPRM_CHG_TABS and grpprl[pos] == 255:
        # PChgTabsDelsClose then PChgTabsAdd, each with its own count of tab stops.
        deletes = grpprl[pos + 1]
        adds_at = pos + 2 + 4 * deletes
        return 1 + (1 + 4 * deletes) + (1 + 3 * grpprl[adds_at])
    return 1 + grpprl[pos]


def _paragraph_flags(grpprl: bytes) -> int:
    """Return a bit set of in-table (1), row end (2), inner cell (4), inner row end (8)."""
    flags = 0
    pos = 0
    try:
        while pos + 2 <= len(grpprl):
            sprm = _u16(grpprl, pos)
            pos += 2
            size = _sprm_operand_size(sprm, grpprl, pos)
            operand = grpprl[pos] if pos < len(grpprl) else 0
            if operand:
                flags |= {
                    _SPRM_IN_TABLE: 1, _SPRM_TTP: 2, _SPRM_INNER_CELL: 4, _SPRM_INNER_TTP: 8,
                }.get(sprm, 0)
            pos += size
    except (IndexError, struct.error):
        pass  # a truncated property list keeps the flags found so far
    return flags


def _paragraph_runs(word: bytes, table: bytes, fc: int, lcb: int) -> list[tuple[int, int, int]]:
    """Return ``(fc_start, fc_end, flags)`` for every paragraph, from the PAPX FKPs."""
    runs: list[tuple[int, int, int]] = []
    if lcb < 12 or fc + lcb > len(table):
        return runs
    count = (lcb - 4) // 8
    for index in range(count):
        pn = _u32(table, fc + 4 * (count + 1) + 4 * index) & 0x3FFFFF
        page = word[pn * _FKP_SIZE : (pn + 1) * _FKP_SIZE]
        if len(page) < _FKP_SIZE:
            continue
        crun = page[_FKP_SIZE - 1]
        if 4 * (crun + 1) + 13 * crun > _FKP_SIZE - 1:
            continue
        for run in range(crun):
            start, end = _u32(page, 4 * run), _u32(page, 4 * run + 4)
            offset = page[4 * (crun + 1) + 13 * run] * 2
            flags = 0
            if offset:
                cb = page[offset]
                if cb:
                    grpprl = page[offset + 1 : offset + 2 * cb]
                else:
                    grpprl = page[offset + 2 : offset + 2 + 2 * page[offset + 1]]
                flags = _paragraph_flags(grpprl[2:])  # skip the style index
            runs.append((start, end, flags))
    runs.sort()
    return runs


def _flags_at(runs: list[tuple[int, int, int]], starts: list[int], fc: int) -> int | None:
    index = bisect.bisect_right(starts, fc) - 1
    if index >= 0 and runs[index][0] <= fc < runs[index][1]:
        return runs[index][2]
    return None


def _decode_compressed(raw: bytes) -> str:
    return "".join(_CP1252_HIGH[b] if 0x80 <= b < 0xA0 else chr(b) for b in raw)


def _mark_text(char: str, flags: int | None) -> str:
    """Map a paragraph mark (CR) or cell mark (BEL) to newline, tab or space."""
    if flags is None:
        return "\t" if char == "\x07" else "\n"
    if char == "\x07":
        return "\n" if flags & 2 else "\t"
    if flags & 8:
        return "\n"
    if flags & 4:
        return "\t"
    # A paragraph break inside a cell: keep the row on one line.
    return " " if flags & 1 else "\n"


def word97_text(word: bytes, table_streams: dict[str, bytes], what: str) -> str:
    """Extract the main text of a Word 97 ``WordDocument`` stream.

    Args:
        word: the ``WordDocument`` stream.
        table_streams: the ``0Table`` and/or ``1Table`` streams by name.
        what: how to name the file in errors.

    Raises:
        UnreadableDocument: encrypted, or the FIB or piece table is corrupt.
        UnsupportedFormat: Word 6.0/95, whose FIB and text layout differ.
    """
    if len(word) < 0x40 or _u16(word, 0) != _FIB_IDENT:
        raise UnreadableDocument(f"{what}: the WordDocument stream has no Word FIB")
    nfib, flags = _u16(word, 2), _u16(word, 0x0A)
    if flags & _F_ENCRYPTED:
        # fObfuscated only says which scheme (XOR or RC4); either way we cannot read it.
        raise UnreadableDocument(f"{what} is password-protected (encrypted)")
    try:
        csw = _u16(word, 32)
        lw_at = 32 + 2 + 2 * csw + 2
        cslw = _u16(word, lw_at - 2)
        ccp_text = struct.unpack_from("<i", word, lw_at + 12)[0]
        fclcb_at = lw_at + 4 * cslw + 2
        cb_fclcb = _u16(word, fclcb_at - 2)
        if nfib < _NFIB_WORD97 and not (csw == 14 and cslw == 22):
            raise UnsupportedFormat(f"{what} is a Word 6.0/95 document (nFib {nfib})")
        if cb_fclcb <= _CLX_INDEX or ccp_text < 0:
            raise UnreadableDocument(f"{what}: the FIB is corrupt")
        fc_clx, lcb_clx = struct.unpack_from("<II", word, fclcb_at + 8 * _CLX_INDEX)
        fc_papx, lcb_papx = struct.unpack_from("<II", word, fclcb_at + 8 * _BTE_PAPX_INDEX)
    except struct.error as exc:
        raise UnreadableDocument(f"{what}: the FIB is truncated") from exc
    table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
    table = table_streams.get(table_name)
    if table is None:
        raise UnreadableDocument(f"{what}: the {table_name} stream is missing")
    pieces = _pieces(table, fc_clx, lcb_clx, what)
    runs = _paragraph_runs(word, table, fc_papx, lcb_papx)
    starts = [run[0] for run in runs]

    out: list[str] = []
    fields: list[bool] = []  # per open field: True once past its separator (the result)
    # Real pieces never overlap, so their text fits in the stream; a crafted table with
    # many pieces pointing at the same bytes would otherwise multiply the output.
    budget = len(word)
    for cp_start, cp_end, fc_raw in pieces:
        if cp_start >= ccp_text:
            break
        count = min(cp_end, ccp_text) - cp_start
        if count <= 0:
            continue
        budget -= count
        if budget < 0:
            raise UnreadableDocument(f"{what}: the piece table is corrupt (pieces overlap)")
        compressed = bool(fc_raw & 0x40000000)
        fc = fc_raw & 0x3FFFFFFF
        if compressed:
            offset, width = fc // 2, 1
            raw = word[offset : offset + count]
            text = _decode_compressed(raw)
        else:
            offset, width = fc, 2
            raw = word[offset : offset + 2 * count]
            text = raw.decode("utf-16-le", errors="replace")
        if len(raw) < count * width:
            raise UnreadableDocument(f"{what} is truncated: a text piece runs past the end")
        for index, char in enumerate(text):
            code = ord(char)
            if code == _FIELD_BEGIN:
                fields.append(False)
                continue
            if code == _FIELD_SEPARATOR:
                if fields:
                    fields[-1] = True
                continue
            if code == _FIELD_END:
                if fields:
                    fields.pop()
                continue
            if not all(fields):
                continue  # inside a field's code ("HYPERLINK ...", "PAGE"), not its result
            if char in "\r\x07":
                out.append(_mark_text(char, _flags_at(runs, starts, offset + index * width)))
            elif code in _SPECIAL:
                out.append(_SPECIAL[code])
            elif code >= 0x20 or char == "\t":
                out.append(char)
    return _tidy("".join(out).split("\n"))


def _pieces(table: bytes, fc_clx: int, lcb_clx: int, what: str) -> list[tuple[int, int, int]]:
    """Return ``(cp_start, cp_end, fc_raw)`` for each piece of the Clx's PlcPcd."""
    end = fc_clx + lcb_clx
    if lcb_clx == 0 or end > len(table):
        raise UnreadableDocument(f"{what}: the piece table (Clx) is missing or truncated")
    pos = fc_clx
    try:
        while pos < end:
            clxt = table[pos]
            if clxt == 1:  # Prc: property modifiers of fast-saved files, not needed for text
                pos += 3 + _u16(table, pos + 1)
                continue
            if clxt != 2:
                break
            lcb = _u32(table, pos + 1)
            plc = table[pos + 5 : pos + 5 + lcb]
            count = (lcb - 4) // 12
            if count <= 0 or len(plc) < 4 + 12 * count:
                break
            cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
            base = 4 * (count + 1)
            return [
                (cps[i], cps[i + 1], _u32(plc, base + 8 * i + 2))
                for i in range(count)
                if cps[i + 1] > cps[i]
            ]
    except (IndexError, struct.error) as exc:
        raise UnreadableDocument(f"{what}: the piece table (Clx) is corrupt") from exc
    raise UnreadableDocument(f"{what}: the piece table (Clx) is corrupt")


def _read_word97(data: bytes, fmt: str, reader: str) -> Document:
    what = f"{fmt.upper()} file"
    ole = open_ole(data, what)
    with closing(ole):
        kind = ole_kind(ole)
        if kind == "encrypted":
            raise UnreadableDocument(f"{what} is a password-protected (encrypted) Office file")
        if kind == "powerpoint":
            raise UnsupportedFormat(f"{what} is a PowerPoint presentation")
        if kind == "works":
            raise UnsupportedFormat(f"{what} is a Microsoft Works document, not Word/WPS")
        if kind != "word":
            raise unknown_ole_error(ole, what, "WordDocument stream")
        word = ole_stream(ole, "WordDocument", what)
        tables = {
            name: ole_stream(ole, name, what)
            for name in ("0Table", "1Table")
            if ole.exists(name)
        }
        text = word97_text(word, tables, what)
        title = ole_title(ole)
    return Document(format=fmt, text=text, reader=reader, title=title)


def read_doc(data: bytes, declared_charset: str | None = None) -> Document:
    """Read a Word 97-2003 ``.doc`` (main text; table rows one per line).

    A workbook saved as ``.doc`` is an XLS to this reader's caller
    (:func:`policywatch.crawler.documents.registry.reader_for` looks inside first).

    Raises:
        UnreadableDocument: corrupt, truncated or password-protected.
        UnsupportedFormat: Word 6.0/95, or an OLE file holding no Word document.
    """
    del declared_charset
    return _read_word97(data, "doc", DOC_READER)


def read_wps(data: bytes, declared_charset: str | None = None) -> Document:
    """Read a Kingsoft WPS Writer ``.wps`` (an OLE file in Word 97 layout).

    Raises:
        UnreadableDocument: corrupt, truncated or password-protected.
        UnsupportedFormat: an older non-OLE WPS, or a Microsoft Works ``.wps``.
    """
    del declared_charset
    return _read_word97(data, "wps", WPS_READER)
