"""Attachment readers: PDF, DOCX, DOC, WPS, XLS, XLSX, OFD and ZIP bundles.

Fixtures are built here from realistic notice text where Python can write the format
(DOCX and OFD by hand as XML, XLSX with openpyxl, PDF with reportlab, Word 97 and OLE
files with the small compound-file writer below); DOC, WPS and XLS files written by a
real office suite are committed in ``tests/fixtures/documents`` (see its README).
"""

from __future__ import annotations

import datetime
import io
import math
import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfWriter

from policywatch.crawler.documents import (
    Document,
    DocumentError,
    EmptyDocument,
    UnreadableDocument,
    UnsupportedFormat,
    read_document,
)
from policywatch.crawler.documents import archive as archive_module
from policywatch.crawler.documents import sheets as sheets_module
from policywatch.crawler.documents.archive import ArchiveLimitExceeded, ZipLimits

FIXTURES = Path(__file__).parent / "fixtures" / "documents"

CRITERION = "上年度营业收入总额在1000万元以上"
TITLE = "关于开展2024年度专精特新中小企业认定工作的通知"


# ---------------------------------------------------------------------------------------
# Fixture builders


def make_pdf(pages: list[list[str]], title: str | None = TITLE) -> bytes:
    """A PDF with a Chinese text layer (reportlab's built-in CID font, no font files)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title:
        pdf.setTitle(f"Microsoft Word - {title}.docx")
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for number, line in enumerate(lines):
            pdf.drawString(72, 750 - 20 * number, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_scanned_pdf() -> bytes:
    """A PDF whose page is only an image, as a scanner produces."""
    from PIL import Image  # installed with reportlab
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (200, 280), color=255)
    for x in range(20, 180):
        image.putpixel((x, 40), 0)  # a "line of print"
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawImage(ImageReader(image), 0, 0, width=595, height=842)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_docx(body: str, title: str | None = None, extra: dict[str, bytes] | None = None,
              ) -> bytes:
    """A minimal but valid DOCX around ``body`` (the children of ``<w:body>``)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W_NS}" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
            'xmlns:v="urn:schemas-microsoft-com:vml">'
            f"<w:body>{body}<w:sectPr/></w:body></w:document>"
        ),
    }
    if title:
        parts["docProps/core.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{title}</dc:title></cp:coreProperties>"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text.encode())
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return buffer.getvalue()


def para(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def table(rows: list[list[str]]) -> str:
    cells = "".join(
        "<w:tr>" + "".join(f"<w:tc>{para(cell)}</w:tc>" for cell in row) + "</w:tr>"
        for row in rows
    )
    return f"<w:tbl><w:tblPr/>{cells}</w:tbl>"


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "申报汇总"
    sheet.append(["企业名称", "营业收入（万元）", "研发费用占比", "认定日期"])
    sheet.append(["北京某某科技有限公司", 1200, 0.035, datetime.date(2024, 6, 30)])
    sheet.append([])
    sheet.append(["合计", 1200.0, None, None])
    notes = workbook.create_sheet("说明")
    notes.append([f"{CRITERION}\n（以审计报告为准）"])
    workbook.properties.title = "专精特新中小企业申报汇总表"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(pages: dict[str, list[tuple[float, float, str]]], order: list[str],
             title: str = TITLE, absolute: bool = False) -> bytes:
    """An OFD whose Document.xml lists ``order`` (page folder names) in that order.

    Each page holds TextObjects ``(x, y, text)``; y is the baseline within the page.
    """
    page_list = "".join(
        f'<ofd:Page ID="{10 + index}" BaseLoc="'
        f'{"/Doc_0/" if absolute else ""}Pages/{name}/Content.xml"/>'
        for index, name in enumerate(order)
    )
    parts = {
        "OFD.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" '
            'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
            f"<ofd:DocID>a1b2</ofd:DocID><ofd:Title>{title}</ofd:Title></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
        "Doc_0/Document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
            '<ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID><ofd:PageArea>'
            "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
            "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
            f"<ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"
        ),
    }
    for name, objects in pages.items():
        body = "".join(
            f'<ofd:TextObject ID="{100 + i}" Boundary="{x} {y - 4} 150 5" Font="3" '
            f'Size="4.2"><ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="4" DeltaX="g {len(text) - 1} 4.2">{text}</ofd:TextCode>'
            "</ofd:TextObject>"
            if text else
            f'<ofd:ImageObject ID="{100 + i}" Boundary="0 0 210 297" ResourceID="5"/>'
            for i, (x, y, text) in enumerate(objects)
        )
        parts[f"Doc_0/Pages/{name}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}">'
            f'<ofd:Content><ofd:Layer ID="2">{body}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    return make_zip([(name, text.encode()) for name, text in parts.items()])


def make_zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as bundle:
        for name, data in members:
            bundle.writestr(zipfile.ZipInfo(name, (2024, 6, 1, 9, 0, 0)), data,
                            compress_type=method)
    return buffer.getvalue()


def make_gbk_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A ZIP whose names are GBK bytes without the UTF-8 flag, as Chinese Windows writes.

    zipfile always writes non-ASCII names as UTF-8, so write ASCII placeholders of the
    same byte length and patch the GBK bytes into both headers.
    """
    encoded = [(name.encode("gbk"), data) for name, data in members]
    placeholders = [f"{index}".rjust(len(raw), "#").encode() for index, (raw, _) in
                    enumerate(encoded)]
    data = make_zip([(p.decode(), payload) for p, (_, payload) in zip(placeholders, encoded,
                                                                      strict=True)])
    for placeholder, (raw, _) in zip(placeholders, encoded, strict=True):
        assert data.count(placeholder) == 2  # local header and central directory
        data = data.replace(placeholder, raw)
    return data


def set_zip_flag(data: bytes, index: int, bit: int) -> bytes:
    """Set a general-purpose flag bit on member ``index`` in both of its headers."""
    patched = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[index]
    struct.pack_into("<H", patched, info.header_offset + 6,
                     struct.unpack_from("<H", patched, info.header_offset + 6)[0] | bit)
    central = -1
    for _ in range(index + 1):
        central = data.index(b"PK\x01\x02", central + 1)
    struct.pack_into("<H", patched, central + 8,
                     struct.unpack_from("<H", patched, central + 8)[0] | bit)
    return bytes(patched)


def make_ole(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (CFB v3) holding ``streams`` at the root.

    Streams are padded to 4096 bytes so none goes to the mini stream; directory entries
    form a right-leaning chain, which readers accept as a (degenerate) tree.
    """
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    fat: list[int] = []
    body = bytearray()
    starts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for name in names:
        data = streams[name].ljust(4096, b"\0")
        count = math.ceil(len(data) / 512)
        starts[name], sizes[name] = len(fat), len(data)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end]
        body += data.ljust(count * 512, b"\0")

    def entry(name: str, kind: int, start: int, size: int, right: int = none,
              child: int = none) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", none, right, child) + bytes(36)
                + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, end, 0, child=1 if names else none)]
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else none
        entries.append(entry(name, 2, starts[name], sizes[name], right=right))
    while len(entries) % 4:
        entries.append(entry("", 0, 0, 0))
    dir_start = len(fat)
    dir_count = len(entries) // 4
    fat += [dir_start + i + 1 for i in range(dir_count - 1)] + [end]
    body += b"".join(entries)
    fat_count = 1
    while len(fat) + fat_count > 128 * fat_count:
        fat_count += 1
    fat_start = len(fat)
    fat += [fat_sector] * fat_count
    fat += [free] * (128 * fat_count - len(fat))
    difat = [fat_start + i for i in range(fat_count)] + [free] * (109 - fat_count)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
        + struct.pack("<IIIIIIIII", 0, fat_count, dir_start, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", *difat)
    )
    return header + bytes(body) + struct.pack(f"<{len(fat)}I", *fat)


def word97_streams(pieces: list[tuple[str, bool]], main_chars: int | None = None,
                   nfib: int = 0x00C1, storage_order: list[int] | None = None,
                   ) -> dict[str, bytes]:
    """Word 97 streams built piece by piece: ``(text, compressed)`` in document order.

    ``storage_order`` stores the pieces' bytes in another order, as fast saves do;
    ``main_chars`` (ccpText) may end before the last piece (footnote text follows).
    """
    fib_size = 32 + 2 + 28 + 2 + 88 + 2 + 93 * 8 + 2
    word = bytearray(1024)
    fcs: dict[int, int] = {}
    for index in storage_order or range(len(pieces)):
        text, compressed = pieces[index]
        offset = len(word)
        fcs[index] = (offset * 2) | 0x40000000 if compressed else offset
        word += text.encode("cp1252") if compressed else text.encode("utf-16-le")
    cps = [0]
    for text, _ in pieces:
        cps.append(cps[-1] + len(text))
    plc = struct.pack(f"<{len(cps)}I", *cps) + b"".join(
        struct.pack("<HIH", 0, fcs[index], 0) for index in range(len(pieces))
    )
    # A Prc (fast-save property modifiers) first: readers must skip it.
    table = b"\x01\x02\x00\x00\x00" + b"\x02" + struct.pack("<I", len(plc)) + plc
    flags = 0x0200  # fWhichTblStm: the table stream is 1Table
    fib = struct.pack("<HHHHHHHIBBHHII", 0xA5EC, nfib, 0, 0x0804, 0, flags, 0x00BF, 0, 0, 0,
                      0, 0, 0, 0)
    rg_lw = [0] * 22
    rg_lw[0] = len(word)
    rg_lw[3] = cps[-1] if main_chars is None else main_chars
    fc_lcb = [0] * (93 * 2)
    fc_lcb[33 * 2], fc_lcb[33 * 2 + 1] = 0, len(table)
    fib += struct.pack("<H", 14) + bytes(28) + struct.pack("<H22i", 22, *rg_lw)
    fib += struct.pack("<H186I", 93, *fc_lcb) + struct.pack("<H", 0)
    assert len(fib) == fib_size
    word[: len(fib)] = fib
    return {"WordDocument": bytes(word), "1Table": table}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ---------------------------------------------------------------------------------------
# PDF


def test_pdf_reads_chinese_text_layer() -> None:
    data = make_pdf([[TITLE, "一、专精特新中小企业认定标准", f"（三）{CRITERION}。"],
                     ["申报材料于2024年6月30日前报送。"]])

    document = read_document(data, "附件1.pdf", "application/octet-stream")

    assert document.format == "pdf"
    assert document.text.splitlines() == [
        TITLE, "一、专精特新中小企业认定标准", f"（三）{CRITERION}。",
        "申报材料于2024年6月30日前报送。",
    ]
    assert document.title == TITLE  # "Microsoft Word - ….docx" boilerplate removed
    assert document.metadata == {"pages": 2}
    assert document.reader.startswith("pypdf-") and document.reader.endswith(
        "/policywatch.pdf.v1")


def test_pdf_page_without_text_is_listed() -> None:
    data = make_pdf([[CRITERION], []])

    document = read_document(data, "notice.pdf")

    assert document.text == CRITERION
    assert document.metadata["pages_without_text"] == [2]


def test_pdf_scanned_without_text_layer_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument, match="no text layer") as failure:
        read_document(make_scanned_pdf(), "扫描件.pdf")
    assert "OCR" in str(failure.value)


def test_pdf_password_protected_is_unreadable() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([[CRITERION]])))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    with pytest.raises(UnreadableDocument, match="password"):
        read_document(buffer.getvalue(), "notice.pdf")


def test_pdf_owner_password_only_is_read() -> None:
    # Printing/copying restrictions only: the empty user password opens the file.
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([[CRITERION]])))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    assert read_document(buffer.getvalue(), "notice.pdf").text == CRITERION


@pytest.mark.parametrize("cut", [40, 400, 0.5])
def test_pdf_truncated_is_unreadable(cut: float) -> None:
    data = make_pdf([[CRITERION]])
    end = int(len(data) * cut) if cut < 1 else int(cut)

    with pytest.raises(UnreadableDocument, match="PDF file is corrupt"):
        read_document(data[:end], "notice.pdf")


# ---------------------------------------------------------------------------------------
# DOCX, DOC, WPS


def test_office_docx_paragraphs_and_tables_in_order() -> None:
    text_box = (
        "<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:txbx>"
        f"<w:txbxContent>{para('（联系人：王某，电话：010-12345678）')}</w:txbxContent>"
        "</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>"
        f"<w:txbxContent>{para('（联系人：王某，电话：010-12345678）')}</w:txbxContent>"
        "</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    body = (
        para(TITLE)
        + para("\u3000\u3000一、认定标准")
        # A tracked change: the deleted "500" must not be read, the inserted "1000" must.
        + "<w:p><w:r><w:t>（三）上年度营业收入总额在</w:t></w:r>"
        "<w:del w:id=\"1\" w:author=\"a\"><w:r><w:delText>500</w:delText></w:r></w:del>"
        "<w:ins w:id=\"2\" w:author=\"a\"><w:r><w:t>1000</w:t></w:r></w:ins>"
        "<w:r><w:t>万元以上</w:t><w:tab/><w:t>（必备）</w:t></w:r></w:p>"
        + table([["指标", "标准", "分值"], ["营业收入", "1000万元以上", "20"],
                 ["研发费用占比", "不低于3%", "15"]])
        + text_box
        + para("二、申报时间")
    )

    document = read_document(make_docx(body), "申报指南.docx")

    assert document.format == "docx"
    assert document.text.splitlines() == [
        TITLE,
        "一、认定标准",
        f"（三）{CRITERION}\t（必备）",
        "指标\t标准\t分值",
        "营业收入\t1000万元以上\t20",
        "研发费用占比\t不低于3%\t15",
        "（联系人：王某，电话：010-12345678）",
        "二、申报时间",
    ]
    assert document.reader.startswith("lxml-") and document.reader.endswith(
        "/policywatch.docx.v1")


def test_office_docx_nested_table_stays_in_its_cell() -> None:
    inner = table([["A类", "B类"]])
    body = (
        "<w:tbl><w:tr><w:tc>" + para("企业类型") + "</w:tc><w:tc>" + para("分类：")
        + inner + "</w:tc></w:tr></w:tbl>" + para(CRITERION)
    )

    document = read_document(make_docx(body), "表.docx")

    assert document.text.splitlines() == ["企业类型\t分类： A类 B类", CRITERION]


def test_office_docx_title_from_core_properties() -> None:
    document = read_document(make_docx(para(CRITERION), title=TITLE), "x.docx")

    assert document.title == TITLE


@pytest.mark.parametrize("damage", ["truncated", "no_document_part", "bad_xml"])
def test_office_docx_corrupt_is_unreadable(damage: str) -> None:
    data = make_docx(para(CRITERION))
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "no_document_part":
        data = make_zip([("[Content_Types].xml", b"<Types/>"), ("word/other.xml", b"<x/>")])
    else:
        data = make_docx(f"<w:p><w:r><w:t>{CRITERION}</w:r></w:p>")

    with pytest.raises(UnreadableDocument):
        read_document(data, "notice.docx")


def test_office_doc_reads_word97_fixture() -> None:
    document = read_document(fixture("notice.doc"), "notice.doc", "application/msword")

    assert document.format == "doc"
    assert document.title == TITLE
    assert document.text.splitlines() == [
        TITLE,
        "各区工业和信息化主管部门：",
        "根据《优质中小企业梯度培育管理暂行办法》，现将有关事项通知如下。",
        "一、专精特新中小企业认定标准",
        "（一）从事特定细分市场时间达到2年以上；",
        "（二）上年度研发费用总额不低于100万元，且占营业收入总额比重不低于3%；",
        f"（三）{CRITERION}。",
        "指标\t标准\t分值",
        "营业收入\t1000万元以上\t20",
        "研发费用占比\t不低于3%\t15",
        "Contact: sme@example.gov.cn",
    ]
    assert document.reader.startswith("olefile-") and document.reader.endswith(
        "/policywatch.doc.v1")


def test_office_doc_piece_table_mixes_compressed_and_unicode_pieces() -> None:
    pieces = [
        (f"{TITLE}\r", False),
        ("Fee: 100 € – see “Annex 2”\r", True),  # 8-bit piece: bytes 0x80 0x96 0x93 0x94
        (f"{CRITERION}，详见", False),
        ('\x13 HYPERLINK "https://www.miit.gov.cn/" \x14工信部网站\x15。\r', False),
        ("脚注：以审计报告为准。\r", False),  # footnote story, after ccpText
    ]
    main = sum(len(text) for text, _ in pieces[:4])
    # Stored back to front, as a fast save leaves them.
    data = make_ole(word97_streams(pieces, main_chars=main, storage_order=[4, 3, 2, 1, 0]))

    document = read_document(data, "notice.doc")

    assert document.text.splitlines() == [
        TITLE, "Fee: 100 € – see “Annex 2”", f"{CRITERION}，详见工信部网站。",
    ]


def test_office_doc_encrypted_is_unreadable() -> None:
    data = bytearray(fixture("notice.doc"))
    fib = next(offset for offset in range(0, len(data), 512)
               if data[offset:offset + 2] == b"\xec\xa5")
    data[fib + 0x0A + 1] |= 0x01  # fEncrypted (0x0100 of the FibBase flags)

    with pytest.raises(UnreadableDocument, match="password-protected"):
        read_document(bytes(data), "notice.doc")


def test_office_encrypted_ooxml_is_unreadable() -> None:
    # Password-protected DOCX/XLSX are OLE files wrapping an encrypted package.
    data = make_ole({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 64})

    with pytest.raises(UnreadableDocument, match="encrypted"):
        read_document(data, "申报表.docx")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "no_table_stream"])
def test_office_doc_corrupt_is_unreadable(damage: str) -> None:
    data = fixture("notice.doc")
    if damage == "truncated":
        data = data[:3000]
    elif damage == "garbage":
        data = data[:512] + bytes(random.Random(7).randbytes(len(data) - 512))
    else:
        data = make_ole({"WordDocument": word97_streams([(CRITERION, False)])["WordDocument"]})

    with pytest.raises(UnreadableDocument):
        read_document(data, "notice.doc")


def test_office_doc_word95_is_unsupported() -> None:
    streams = word97_streams([(CRITERION, False)], nfib=0x0068)
    # Word 6/95 FIBs have no csw/cslw counts where Word 97 keeps them.
    streams["WordDocument"] = streams["WordDocument"][:32] + bytes(2) + streams[
        "WordDocument"][34:]

    with pytest.raises(UnsupportedFormat, match="Word 6.0/95"):
        read_document(make_ole(streams), "old.doc")


def test_office_doc_overlapping_pieces_are_refused() -> None:
    # 500 pieces all pointing at the same bytes: 500x the stream's text, a crafted file.
    streams = word97_streams([(CRITERION * 10, False)])
    count, length = 500, len(CRITERION) * 10
    plc = struct.pack(f"<{count + 1}I", *range(0, (count + 1) * length, length))
    plc += struct.pack("<HIH", 0, 1024, 0) * count
    word = bytearray(streams["WordDocument"])
    struct.pack_into("<i", word, 76, count * length)  # ccpText
    struct.pack_into("<II", word, 154 + 33 * 8, 0, 5 + len(plc))  # fcClx, lcbClx
    table = b"\x02" + struct.pack("<I", len(plc)) + plc

    with pytest.raises(UnreadableDocument, match="pieces overlap"):
        read_document(make_ole({"WordDocument": bytes(word), "1Table": table}), "x.doc")


def test_office_wps_reads_kingsoft_writer_file() -> None:
    document = read_document(fixture("notice.wps"), "notice.wps")

    assert document.format == "wps"
    assert document.text.splitlines() == [
        "市中小企业服务中心关于征集创新型中小企业的通知",
        f"申报企业应为在本市注册的独立法人，{CRITERION}。",
        "截止时间：2024年6月30日。",
    ]
    assert document.reader.endswith("/policywatch.wps.v1")


def test_office_wps_microsoft_works_is_unsupported() -> None:
    data = make_ole({"CONTENTS": b"\x00" * 128, "SPELLING": b"\x00" * 16})

    with pytest.raises(UnsupportedFormat, match="Works"):
        read_document(data, "旧文档.wps")


def test_office_doc_workbook_named_doc_is_read_as_sheet() -> None:
    document = read_document(fixture("summary.xls"), "附件2.doc")

    assert document.format == "xls"
    assert "申报汇总" in document.text.splitlines()


def test_office_word_file_named_xls_is_read_as_doc() -> None:
    assert read_document(fixture("notice.doc"), "附件1.xls") == read_document(
        fixture("notice.doc"), "附件1.doc")


# ---------------------------------------------------------------------------------------
# XLS, XLSX


def test_sheets_xls_sheet_names_and_rows() -> None:
    document = read_document(fixture("summary.xls"), "summary.xls",
                             "application/vnd.ms-excel")

    assert document.format == "xls"
    assert document.text.splitlines() == [
        "申报汇总",
        "企业名称\t营业收入（万元）\t研发费用占比\t认定日期",
        "北京某某科技有限公司\t1200\t0.035\t2024-06-30",
        "上海某某材料股份有限公司\t1000.5\t0.05\t2024-07-01",
        "说明",
        CRITERION,
    ]
    assert document.metadata["sheets"] == ["申报汇总", "说明"]
    assert document.reader.startswith("xlrd-") and document.reader.endswith(
        "/policywatch.xls.v1")


def test_sheets_xlsx_sheet_names_and_rows() -> None:
    document = read_document(make_xlsx(), "汇总表.xlsx")

    assert document.format == "xlsx"
    assert document.text.splitlines() == [
        "申报汇总",
        "企业名称\t营业收入（万元）\t研发费用占比\t认定日期",
        "北京某某科技有限公司\t1200\t0.035\t2024-06-30",
        "合计\t1200",
        "说明",
        f"{CRITERION} （以审计报告为准）",
    ]
    assert document.title == "专精特新中小企业申报汇总表"
    assert document.reader.startswith("openpyxl-") and document.reader.endswith(
        "/policywatch.xlsx.v1")


def test_sheets_xlsx_false_dimension_is_ignored() -> None:
    # A sheet claiming the whole grid would make openpyxl pad 17 billion empty cells.
    source = zipfile.ZipFile(io.BytesIO(make_xlsx()))
    members = []
    for info in source.infolist():
        data = source.read(info)
        if info.filename == "xl/worksheets/sheet1.xml":
            data = data.replace(b'<dimension ref="A1:D4"/>', b'<dimension ref="A1:XFD1048576"/>')
            assert b"XFD1048576" in data
        members.append((info.filename, data))

    document = read_document(make_zip(members), "汇总表.xlsx")

    assert "北京某某科技有限公司\t1200\t0.035\t2024-06-30" in document.text.splitlines()


def test_sheets_text_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Shared strings let a tiny file repeat one long string in every cell.
    monkeypatch.setattr(sheets_module, "MAX_TEXT_CHARS", 100)

    with pytest.raises(UnreadableDocument, match="exceeds the limit of 100 characters"):
        read_document(make_xlsx(), "汇总表.xlsx")
    with pytest.raises(UnreadableDocument, match="exceeds the limit of 100 characters"):
        read_document(fixture("summary.xls"), "summary.xls")


@pytest.mark.parametrize(("name", "damage"), [
    ("summary.xls", "truncated"), ("summary.xls", "garbage"),
    ("summary.xlsx", "truncated"), ("summary.xlsx", "no_workbook"),
])
def test_sheets_corrupt_is_unreadable(name: str, damage: str) -> None:
    data = fixture(name) if name.endswith(".xls") else make_xlsx()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = data[:1536] + bytes(random.Random(3).randbytes(len(data) - 1536))
    else:
        data = make_zip([("[Content_Types].xml", b"<Types/>"), ("xl/other.xml", b"<x/>")])

    with pytest.raises(UnreadableDocument):
        read_document(data, name)


# ---------------------------------------------------------------------------------------
# OFD


def test_ofd_pages_in_document_order() -> None:
    pages = {
        # Page_1 is the first page: Document.xml, not folder names, gives the order.
        "Page_1": [(25, 40, TITLE), (25, 60, "一、认定标准"),
                   # One line written as two TextObjects on the same baseline.
                   (25, 70, "（三）上年度营业收入总额"), (80, 70, "在1000万元以上。")],
        "Page_0": [(25, 40, "二、申报时间"), (25, 50, "2024年6月30日前")],
    }

    document = read_document(make_ofd(pages, ["Page_1", "Page_0"]), "通知.ofd")

    assert document.format == "ofd"
    assert document.text.splitlines() == [
        TITLE, "一、认定标准", f"（三）{CRITERION}。", "二、申报时间", "2024年6月30日前",
    ]
    assert document.title == TITLE
    assert document.metadata == {"pages": 2}
    assert document.reader.startswith("lxml-") and document.reader.endswith(
        "/policywatch.ofd.v1")


def test_ofd_absolute_page_locations() -> None:
    data = make_ofd({"Page_0": [(25, 40, CRITERION)]}, ["Page_0"], absolute=True)

    assert read_document(data, "x.ofd", "application/ofd").text == CRITERION


def test_ofd_repeated_page_part_is_read_once() -> None:
    data = make_ofd({"Page_0": [(25, 40, CRITERION)]}, ["Page_0"] * 300)

    document = read_document(data, "x.ofd")

    assert document.text == CRITERION
    assert document.metadata == {"pages": 1}


def test_ofd_without_text_layer_is_unreadable() -> None:
    data = make_ofd({"Page_0": [(0, 0, "")]}, ["Page_0"])

    with pytest.raises(UnreadableDocument, match="no text layer"):
        read_document(data, "扫描件.ofd")


@pytest.mark.parametrize("damage", ["truncated", "no_ofd_xml", "missing_document"])
def test_ofd_corrupt_is_unreadable(damage: str) -> None:
    data = make_ofd({"Page_0": [(25, 40, CRITERION)]}, ["Page_0"])
    members = [(i.filename, zipfile.ZipFile(io.BytesIO(data)).read(i))
               for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "no_ofd_xml":
        data = make_zip([m for m in members if m[0] != "OFD.xml"]
                        + [("Doc_0/Res.xml", b"<r/>")])
    else:
        data = make_zip([m for m in members if m[0] != "Doc_0/Document.xml"])

    with pytest.raises(UnreadableDocument):
        read_document(data, "x.ofd")


# ---------------------------------------------------------------------------------------
# ZIP bundles


def test_archive_reads_members_with_headers() -> None:
    bundle = make_zip([
        ("1.申报指南.docx", make_docx(para(TITLE) + para(CRITERION))),
        ("2.汇总表.xlsx", make_xlsx()),
        ("3.说明.txt", "申报截止时间为2024年6月30日。".encode("gbk")),
        ("4.公章.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        ("5.空白.txt", b""),
    ])

    document = read_document(bundle, "附件.zip", "application/zip")

    assert document.format == "zip"
    lines = document.text.splitlines()
    assert lines[:3] == ["【附件：1.申报指南.docx】", TITLE, CRITERION]
    assert lines[3:5] == ["【附件：2.汇总表.xlsx】", "申报汇总"]
    assert lines[-2:] == ["【附件：3.说明.txt】", "申报截止时间为2024年6月30日。"]
    statuses = {m["name"]: m["status"] for m in document.metadata["members"]}
    assert statuses == {"1.申报指南.docx": "read", "2.汇总表.xlsx": "read",
                        "3.说明.txt": "read", "4.公章.png": "unsupported", "5.空白.txt": "empty"}
    assert document.metadata["members"][0]["format"] == "docx"
    assert document.reader.endswith("/policywatch.zip.v1")


def test_archive_gbk_member_names_are_decoded() -> None:
    bundle = make_gbk_zip([("附件1：专精特新申报书.docx", make_docx(para(CRITERION))),
                           ("附件2：承诺书.txt", "本企业承诺所填信息真实。".encode())])

    document = read_document(bundle, "附件.zip")

    assert document.text.splitlines() == [
        "【附件：附件1：专精特新申报书.docx】", CRITERION,
        "【附件：附件2：承诺书.txt】", "本企业承诺所填信息真实。",
    ]


def test_archive_path_traversal_members_are_reported_not_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("archive members must never be extracted to disk")

    monkeypatch.setattr(zipfile.ZipFile, "extract", never)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", never)
    bundle = make_zip([
        ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),
        ("/etc/cron.d/evil", b"* * * * * root rm -rf /\n"),
        ("C:\\Windows\\evil.txt", b"evil\n"),
        ("附件/../../逃逸.txt", "逃逸".encode()),
        ("附件/申报须知.txt", CRITERION.encode()),
    ])

    document = read_document(bundle, "附件.zip")

    assert document.text.splitlines() == ["【附件：附件/申报须知.txt】", CRITERION]
    unsafe = [m["name"] for m in document.metadata["members"] if m["status"] == "unsafe_name"]
    assert unsafe == ["../../etc/passwd", "/etc/cron.d/evil", "C:\\Windows\\evil.txt",
                      "附件/../../逃逸.txt"]


def test_archive_compression_ratio_limit() -> None:
    bomb = make_zip([("readme.txt", CRITERION.encode()), ("zeros.txt", bytes(2 * 1024 * 1024))])

    with pytest.raises(ArchiveLimitExceeded, match="compression-ratio limit"):
        read_document(bomb, "附件.zip")


def test_archive_member_count_limit() -> None:
    bundle = make_zip([(f"{index}.txt", b"x") for index in range(501)])

    with pytest.raises(ArchiveLimitExceeded, match="member-count limit of 500"):
        read_document(bundle, "附件.zip")


def test_archive_total_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "LIMITS", ZipLimits(max_total_bytes=1_000_000))
    noise = random.Random(5)
    members = [(f"{i}.txt", noise.randbytes(400_000).hex()[:400_000].encode()) for i in range(3)]

    with pytest.raises(ArchiveLimitExceeded, match="total-size limit"):
        read_document(make_zip(members), "附件.zip")


def test_archive_total_size_limit_counts_nested_archives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "LIMITS", ZipLimits(max_total_bytes=1_000_000))
    noise = random.Random(6)
    inner = make_zip([("a.txt", noise.randbytes(300_000).hex()[:600_000].encode())])
    outer = make_zip([("inner1.zip", inner), ("inner2.zip", inner)], zipfile.ZIP_STORED)

    with pytest.raises(ArchiveLimitExceeded, match="total-size limit"):
        read_document(outer, "附件.zip")


def test_archive_nesting_depth_limit() -> None:
    level2 = make_zip([("说明.txt", CRITERION.encode())])
    level1 = make_zip([("第二层.zip", level2)])
    assert CRITERION in read_document(level1, "附件.zip").text  # depth 2 is allowed

    with pytest.raises(ArchiveLimitExceeded, match="nesting-depth limit of 2"):
        read_document(make_zip([("第一层.zip", level1)]), "附件.zip")


def test_archive_zip_bomb_inside_docx_is_refused() -> None:
    data = make_docx(para(CRITERION), extra={"word/media/padding.xml": bytes(4 * 1024 * 1024)})

    with pytest.raises(ArchiveLimitExceeded, match="compression-ratio limit"):
        read_document(data, "申报书.docx")


def test_archive_encrypted_and_corrupt_members_are_reported() -> None:
    bundle = make_zip([("密码.txt", b"secret text"), ("损坏.txt", b"corrupt text body"),
                       ("正常.txt", CRITERION.encode())], zipfile.ZIP_STORED)
    bundle = set_zip_flag(bundle, 0, 0x1)
    broken = bytearray(bundle)
    broken[bundle.index(b"corrupt text body")] ^= 0xFF  # bad CRC

    document = read_document(bytes(broken), "附件.zip")

    assert document.text.splitlines() == ["【附件：正常.txt】", CRITERION]
    members = {m["name"]: m for m in document.metadata["members"]}
    assert members["密码.txt"]["status"] == "encrypted"
    assert members["损坏.txt"]["status"] == "unreadable"
    assert "CRC" in members["损坏.txt"]["error"]


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_archive_truncated_is_unreadable(cut: float) -> None:
    bundle = make_zip([("说明.txt", CRITERION.encode() * 50), ("b.txt", b"x" * 100)])

    with pytest.raises(UnreadableDocument, match="corrupt or truncated"):
        read_document(bundle[: int(len(bundle) * cut)], "附件.zip")


def test_archive_docx_sent_as_zip_is_read_as_docx() -> None:
    document = read_document(make_docx(para(CRITERION)), "download.zip", "application/zip")

    assert document.format == "docx"
    assert document.text == CRITERION


def test_archive_without_members_is_empty() -> None:
    with pytest.raises(EmptyDocument):
        read_document(make_zip([]), "附件.zip")


def test_archive_with_only_unsupported_members_is_unsupported() -> None:
    bundle = make_zip([("扫描件1.jpg", b"\xff\xd8\xff\xe0" + bytes(64)),
                       ("扫描件2.jpg", b"\xff\xd8\xff\xe0" + bytes(32))])

    with pytest.raises(UnsupportedFormat, match="no readable documents"):
        read_document(bundle, "附件.zip")


# ---------------------------------------------------------------------------------------
# Registry: unknown formats and damaged input


def test_registry_unknown_binary_stays_unsupported() -> None:
    with pytest.raises(UnsupportedFormat):
        read_document(b"\x00\x01\x02\x03" * 64, "附件.bin")


def _samples() -> dict[str, Callable[[], bytes]]:
    return {
        "notice.pdf": lambda: make_pdf([[TITLE, CRITERION]]),
        "notice.docx": lambda: make_docx(para(TITLE) + table([["指标", "标准"]])),
        "notice.doc": lambda: fixture("notice.doc"),
        "notice.wps": lambda: fixture("notice.wps"),
        "summary.xls": lambda: fixture("summary.xls"),
        "summary.xlsx": make_xlsx,
        "notice.ofd": lambda: make_ofd({"Page_0": [(25, 40, CRITERION)]}, ["Page_0"]),
        "bundle.zip": lambda: make_zip([("a.docx", make_docx(para(CRITERION))),
                                        ("b.doc", fixture("notice.doc"))]),
    }


@pytest.mark.parametrize("name", sorted(_samples()))
def test_registry_damaged_files_raise_only_document_errors(name: str) -> None:
    """Truncated and bit-flipped files give a Document or a DocumentError, no traceback."""
    data = _samples()[name]()
    noise = random.Random(name)
    variants = [data[:cut] for cut in (600, len(data) // 3, len(data) // 2, len(data) - 9)]
    for _ in range(12):
        flipped = bytearray(data)
        for _ in range(8):
            flipped[noise.randrange(8, len(flipped))] ^= 1 << noise.randrange(8)
        variants.append(bytes(flipped))
    for variant in variants:
        try:
            result = read_document(variant, name)
        except DocumentError:
            continue
        assert isinstance(result, Document)


def test_registry_empty_file_is_empty() -> None:
    with pytest.raises(EmptyDocument):
        read_document(b"", "notice.pdf")
