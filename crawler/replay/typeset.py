"""Typeset a plain text as the PDF or DOCX attachment the replay serves, at request time.

The 2022 attachments are real texts of the reference pack; the replay must not store
copies of them, so it makes the files when they are asked for. Both formats are the
smallest a reader accepts, with nothing but the text: a PDF in the built-in CID font
STSong-Light (``UniGB-UCS2-H``, not embedded: no font file is needed to write or read it),
lines of at most 44 characters, 17 points apart, on A4 pages; a DOCX with one paragraph per
line. Their metadata say they are typeset by the replay, not the official files.

>>> pdf_bytes("附件", "第一行\\n\\n第二行").startswith(b"%PDF-1.3")
True
>>> docx_bytes("附件", "第一行")[:2]
b'PK'
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.sax.saxutils import escape

PRODUCER = "policywatch replay: typeset from the reference pack, not the official file"
LINE_CHARS = 44
TITLE_Y, FIRST_Y, STEP, BOTTOM = 790, 760, 17, 60

# The CID font of the Adobe-GB1 collection every PDF reader knows, with the widths of its
# proportional Latin glyphs (CIDs 1-95); every other glyph is 1000 units wide.
_FONT = (
    b"<< /BaseFont /STSong-Light /DescendantFonts [ << /BaseFont /STSong-Light "
    b"/CIDSystemInfo << /Ordering (GB1) /Registry (Adobe) /Supplement 0 >> /DW 1000 "
    b"/FontDescriptor << /Ascent 752 /CapHeight 737 /Descent -271 /Flags 6 "
    b"/FontBBox [ -25 -254 1000 880 ] /FontName /STSongStd-Light /ItalicAngle 0 "
    b"/Leading 148 /MaxWidth 1000 /MissingWidth 500 /StemH 91 /StemV 58 "
    b"/Type /FontDescriptor /XHeight 553 >> /Subtype /CIDFontType0 /Type /Font "
    b"/W [ 1 [ 207 270 342 467 462 797 710 239 374 ] 10 [ 374 423 605 238 375 238 334 462 ] "
    b"18 26 462 27 28 238 29 31 605 32 [ 344 748 684 560 695 739 563 511 729 793 318 312 "
    b"666 526 896 758 772 544 772 628 465 607 753 711 972 647 620 607 374 333 374 606 500 "
    b"239 417 503 427 529 415 264 444 518 241 230 495 228 793 527 524 ] 81 [ 524 504 338 "
    b"336 277 517 450 652 466 452 407 370 258 370 605 ] ] >> ] /Encoding /UniGB-UCS2-H "
    b"/Name /F2 /Subtype /Type0 /Type /Font >>"
)


def text_lines(text: str, width: int = LINE_CHARS) -> list[str]:
    """The non-blank lines of ``text``, each cut into pieces of at most ``width`` characters.

    >>> text_lines("甲乙丙\\n\\n丁", width=2)
    ['甲乙', '丙', '丁']
    """
    lines = []
    for line in text.splitlines():
        line = line.strip()
        lines.extend(line[start:start + width] for start in range(0, len(line), width))
    return lines


def _utf16_hex(text: str) -> bytes:
    return b"<" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _show(y: int, size: float, text: str) -> bytes:
    leading = round(size * 1.2, 1)
    return (f"BT 1 0 0 1 60 {y} Tm /F2 {size:g} Tf {leading:g} TL ".encode()
            + _utf16_hex(text) + b" Tj T* ET\n")


def pdf_bytes(title: str, text: str) -> bytes:
    """A PDF of ``title`` (14 pt) over the lines of ``text`` (10.5 pt)."""
    pages: list[list[bytes]] = [[_show(TITLE_Y, 14, title)]]
    y = FIRST_Y
    for line in text_lines(text):
        if y < BOTTOM:
            pages.append([])
            y = TITLE_Y
        pages[-1].append(_show(y, 10.5, line))
        y -= STEP
    count = len(pages)
    # Objects: 1 catalog, 2 page tree, 3 font, 4 info, then a page and its contents each.
    kids = " ".join(f"{5 + 2 * n} 0 R" for n in range(count)).encode()
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R /PageMode /UseNone >>",
        b"<< /Type /Pages /Count " + str(count).encode() + b" /Kids [ " + kids + b" ] >>",
        _FONT,
        b"<< /Title " + _utf16_hex("\ufeff" + title) + b" /Producer (" + PRODUCER.encode()
        + b") /CreationDate (D:20000101000000+00'00') >>",
    ]
    for number, page in enumerate(pages):
        stream = zlib.compress(b"".join(page))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [ 0 0 595.2756 841.8898 ] /Resources << "
            b"/Font << /F2 3 0 R >> /ProcSet [ /PDF /Text ] >> /Contents "
            + str(6 + 2 * number).encode() + b" 0 R >>")
        objects.append(b"<< /Filter /FlateDecode /Length " + str(len(stream)).encode()
                       + b" >>\nstream\n" + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.3\n%\x93\x8c\x8b\x9e\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\n"
              f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.'
    'xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-'
    'properties" Target="docProps/core.xml"/></Relationships>')


def docx_bytes(title: str, text: str) -> bytes:
    """A DOCX with one paragraph per non-blank line of ``text`` and ``title`` as its title."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{escape(line.strip())}</w:t></w:r></w:p>"
                         for line in text.splitlines() if line.strip())
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<w:document xmlns:w="{_W}"><w:body>{paragraphs}</w:body></w:document>')
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(PRODUCER)}</dc:creator>"
            "</cp:coreProperties>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("word/document.xml", document), ("docProps/core.xml", core)):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body.encode("utf-8"))
    return out.getvalue()
