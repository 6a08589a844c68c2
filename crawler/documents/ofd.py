"""OFD (GB/T 33190-2016), the Chinese fixed-layout format government systems export.

An OFD is a ZIP: ``OFD.xml`` names each document's root (``DocBody/DocRoot``, e.g.
``Doc_0/Document.xml``), which lists its pages (``Pages/Page@BaseLoc``) in reading
order; each page's ``Content.xml`` holds ``TextObject``/``TextCode`` elements. Text is
taken in the order the producer wrote it, starting a new line whenever the baseline
moves (producers often split one line into several TextObjects, one per run or glyph).
Template pages (running headers, 版记 backgrounds) are not read.
"""

from __future__ import annotations

import posixpath
import zipfile

import lxml
from lxml import etree

from policywatch.crawler.documents.archive import find_member, open_zip, parse_xml, read_member
from policywatch.crawler.documents.base import Document, UnreadableDocument

READER = f"lxml-{lxml.__version__}/policywatch.ofd.v1"

# Baselines closer than this fraction of the font size are the same line.
_SAME_LINE = 0.5


def _local(element: etree._Element) -> str:
    # The namespace is http://www.ofdspec.org/2016 in practice, but match local names:
    # some producers omit it or use another prefix.
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child) == name]


def _descendants(element: etree._Element, name: str) -> list[etree._Element]:
    return [node for node in element.iter() if _local(node) == name]


def _resolve(base_dir: str, location: str) -> str:
    """Resolve an OFD location: absolute from the package root, else relative to base_dir.

    >>> _resolve("Doc_0", "Pages/Page_0/Content.xml"), _resolve("Doc_0", "/Doc_0/Res.xml")
    ('Doc_0/Pages/Page_0/Content.xml', 'Doc_0/Res.xml')
    """
    location = location.strip().replace("\\", "/")
    path = location.lstrip("/") if location.startswith("/") else posixpath.join(base_dir, location)
    return posixpath.normpath(path).lstrip("/")


def _load(archive: zipfile.ZipFile, path: str) -> etree._Element:
    info = find_member(archive, path)
    if info is None:
        raise UnreadableDocument(f"OFD file: part {path} is missing")
    return parse_xml(read_member(archive, info, "OFD file"), f"OFD part {path}")


def _number(value: str | None, index: int = 0) -> float:
    """Return the index-th number of an OFD attribute like Boundary="10 20 100 5"."""
    try:
        return float((value or "").split()[index])
    except (IndexError, ValueError):
        return 0.0


def _page_lines(content: etree._Element) -> list[str]:
    """Lines of one page: TextCodes in document order, split where the baseline moves."""
    lines: list[str] = []
    current: list[str] = []
    last_y: float | None = None
    for text_object in _descendants(content, "TextObject"):
        top = _number(text_object.get("Boundary"), 1)
        size = _number(text_object.get("Size")) or 1.0
        for code in _children(text_object, "TextCode"):
            text = code.text or ""
            # A TextCode without Y continues the previous one (GB/T 33190 7.7.2).
            y = top + _number(code.get("Y")) if code.get("Y") is not None else last_y
            if last_y is not None and y is not None and abs(y - last_y) > size * _SAME_LINE:
                lines.append("".join(current))
                current = []
            current.append(text)
            last_y = y
    if current:
        lines.append("".join(current))
    return lines


def read_ofd(data: bytes, declared_charset: str | None = None) -> Document:
    """Read an OFD: every document's pages in order, one text line per baseline.

    ``metadata["pages"]`` counts pages; pages whose content part is missing are listed
    in ``metadata["missing_pages"]`` rather than failing the whole file.

    Raises:
        UnreadableDocument: corrupt, not an OFD, or no text layer (scanned images only).
        ArchiveLimitExceeded: the ZIP container is a zip bomb.
    """
    del declared_charset
    archive = open_zip(data, "OFD file")
    lines: list[str] = []
    title: str | None = None
    pages = 0
    missing: list[str] = []
    seen: set[str] = set()
    with archive:
        root = _load(archive, "OFD.xml")
        bodies = _children(root, "DocBody")
        if not bodies:
            raise UnreadableDocument("OFD file: OFD.xml has no DocBody")
        for body in bodies:
            for info in _children(body, "DocInfo"):
                for element in _children(info, "Title"):
                    if title is None and element.text and element.text.strip():
                        title = " ".join(element.text.split())
            doc_roots = _children(body, "DocRoot")
            if not doc_roots or not (doc_roots[0].text or "").strip():
                continue
            doc_path = _resolve("", doc_roots[0].text or "")
            if doc_path in seen:
                continue
            seen.add(doc_path)
            document = _load(archive, doc_path)
            doc_dir = posixpath.dirname(doc_path)
            for pages_element in _children(document, "Pages"):
                for page in _descendants(pages_element, "Page"):
                    location = page.get("BaseLoc")
                    if not location:
                        continue
                    page_path = _resolve(doc_dir, location)
                    if page_path in seen:
                        # Real pages never share a content part; a crafted file listing
                        # one part a million times would multiply the text.
                        continue
                    seen.add(page_path)
                    pages += 1
                    if find_member(archive, page_path) is None:
                        missing.append(page_path)
                        continue
                    lines.extend(_page_lines(_load(archive, page_path)))
    text = "\n".join(cleaned for line in lines if (cleaned := line.strip(" \u3000")))
    if not text:
        raise UnreadableDocument(
            f"OFD file has no text layer ({pages} page(s) of images only, probably "
            "scanned); OCR is not supported"
        )
    metadata: dict[str, object] = {"pages": pages}
    if missing:
        metadata["missing_pages"] = missing
    return Document(format="ofd", text=text, reader=READER, title=title, metadata=metadata)
