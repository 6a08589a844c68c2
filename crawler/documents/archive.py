"""ZIP bundles of attachments, and the guarded ZIP access that DOCX, XLSX and OFD share.

Government sites often publish a notice's attachments as one ``.zip`` (申报指南, 申报表,
汇总表 ...). :func:`read_zip` reads every member with the reader for its format and joins
the texts, each preceded by a ``【附件：<member name>】`` line.

Nothing is ever extracted to disk: members are read into memory, so a hostile member name
(``../../etc/passwd``, ``/etc/cron.d/x``) cannot write anywhere; such members are still
skipped and reported as unsafe, because an archive that carries them is suspect.
Limits on member count, total uncompressed size, compression ratio and nesting depth stop
zip bombs before anything is decompressed; they are checked against the central directory,
which is safe because :mod:`zipfile` never returns more bytes than a member declares (it
truncates and then fails the CRC check).
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from policywatch.crawler.documents.base import (
    Document,
    DocumentError,
    EmptyDocument,
    Reader,
    UnreadableDocument,
    UnsupportedFormat,
)

READER = f"zipfile-py{sys.version_info.major}.{sys.version_info.minor}/policywatch.zip.v1"

_MB = 1024 * 1024
_UTF8_NAME_FLAG = 0x800  # general-purpose bit 11: the name is UTF-8
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP Unicode Path extra field
# Files that archivers add and nobody means to publish.
_JUNK = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ZipLimits:
    """Limits that keep a hostile ZIP from exhausting memory or time.

    Attributes:
        max_total_bytes: total declared uncompressed size of one archive, and of a bundle
            together with the bundles nested in it.
        max_members: number of entries in one archive's central directory.
        max_ratio: uncompressed/compressed size of one member; deflate reaches about
            1000:1 on zeros, real documents stay far below 100:1.
        ratio_min_bytes: members smaller than this are not ratio-checked (a few KB of
            blank XML compresses very well and harms nobody).
        max_depth: bundles nested in bundles; 1 is a plain ZIP, 2 a ZIP inside it.
    """

    max_total_bytes: int = 200 * _MB
    max_members: int = 500
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * _MB
    max_depth: int = 2


# Looked up at call time, so tests (and callers) can swap in other limits.
LIMITS = ZipLimits()


class ArchiveLimitExceeded(UnreadableDocument):
    """A ZIP container goes past one of :data:`LIMITS`: treated as a zip bomb.

    Unlike other member failures it aborts the whole bundle, not just the member.
    """


@dataclass
class _Budget:
    """Uncompressed bytes still allowed for a bundle and the bundles nested in it."""

    remaining: int
    used: int = 0

    def spend(self, size: int, what: str) -> None:
        self.used += size
        self.remaining -= size
        if self.remaining < 0:
            raise ArchiveLimitExceeded(
                f"{what}: uncompressed size {self.used / _MB:.1f} MB (with nested archives) "
                f"exceeds the total-size limit of {LIMITS.max_total_bytes / _MB:.0f} MB "
                "(possible zip bomb)"
            )


def check_limits(infos: list[zipfile.ZipInfo], what: str) -> None:
    """Check a central directory against :data:`LIMITS`.

    Raises:
        ArchiveLimitExceeded: too many members, too large in total, or a member that
            expands suspiciously (the message names the limit).
    """
    limits = LIMITS
    if len(infos) > limits.max_members:
        raise ArchiveLimitExceeded(
            f"{what} has {len(infos)} members, over the member-count limit of "
            f"{limits.max_members} (possible zip bomb)"
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        raise ArchiveLimitExceeded(
            f"{what} expands to {total / _MB:.1f} MB, over the total-size limit of "
            f"{limits.max_total_bytes / _MB:.0f} MB (possible zip bomb)"
        )
    for info in infos:
        if info.file_size < limits.ratio_min_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise ArchiveLimitExceeded(
                f"{what}: member {member_name(info)!r} expands {ratio:.0f}:1, over the "
                f"compression-ratio limit of {limits.max_ratio:.0f}:1 (possible zip bomb)"
            )


def open_zip(data: bytes, what: str = "ZIP archive") -> zipfile.ZipFile:
    """Open ZIP bytes and check them against :data:`LIMITS` before anything is inflated.

    Args:
        data: the archive's bytes.
        what: how to name the file in error messages ("DOCX file", ...).

    Raises:
        UnreadableDocument: corrupt or truncated (no central directory).
        ArchiveLimitExceeded: over a limit.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # zipfile raises BadZipFile, OSError, ValueError, EOFError ...
        raise UnreadableDocument(f"{what} is corrupt or truncated: {exc}") from exc
    check_limits(infos, what)
    return archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> bytes:
    """Return one member's bytes.

    Raises:
        UnreadableDocument: encrypted, unsupported compression, bad CRC or truncated.
    """
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise UnreadableDocument(f"{what}: member {member_name(info)!r} is encrypted")
    try:
        with archive.open(info) as stream:
            # zipfile stops at the declared size; the +1 is only a guard should it not.
            data = stream.read(info.file_size + 1)
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError, NotImplementedError
        raise UnreadableDocument(
            f"{what}: member {member_name(info)!r} is corrupt: {type(exc).__name__}: {exc}"
        ) from exc
    if len(data) > info.file_size:
        raise UnreadableDocument(f"{what}: member {member_name(info)!r} exceeds its size")
    return data


def find_member(archive: zipfile.ZipFile, path: str) -> zipfile.ZipInfo | None:
    """Return the member at ``path`` (no leading slash), matching case as a fallback.

    Producers disagree on case (``Doc_0/Document.xml`` vs ``doc_0/document.xml``) and
    Windows readers do not care, so neither do we.
    """
    path = path.lstrip("/")
    try:
        return archive.getinfo(path)
    except KeyError:
        lowered = path.lower()
        return next((i for i in archive.infolist() if i.filename.lower() == lowered), None)


def parse_xml(data: bytes, what: str) -> etree._Element:
    """Parse an XML part without DTDs, external entities or network access.

    Raises:
        UnreadableDocument: not well-formed XML.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise UnreadableDocument(f"{what} is not well-formed XML: {exc}") from exc
    if root is None:
        raise UnreadableDocument(f"{what} is empty")
    return root


def _unicode_path(info: zipfile.ZipInfo, raw_name: bytes | None) -> str | None:
    """Return the name from an Info-ZIP Unicode Path extra field, if valid."""
    extra = info.extra
    pos = 0
    while pos + 4 <= len(extra):
        header_id, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if header_id != _UNICODE_PATH_EXTRA or len(body) < 5 or body[0] != 1:
            continue
        # The field is stale (ignored, per the spec) when the name was changed after it.
        (crc,) = struct.unpack_from("<I", body, 1)
        if raw_name is not None and zlib.crc32(raw_name) != crc:
            return None
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def member_name(info: zipfile.ZipInfo) -> str:
    """Return a member's real name, repairing GBK names that zipfile decoded as cp437.

    Chinese Windows archivers (WinRAR, 360压缩, Windows' own) write names in the ANSI
    code page (GBK) without setting flag bit 11, and zipfile then decodes them as
    cp437. We re-encode to the original bytes and try UTF-8 (some tools omit the flag
    for UTF-8 too; GBK text is almost never valid UTF-8) and then GB18030.

    >>> info = zipfile.ZipInfo("附件1.docx".encode("gbk").decode("cp437"))
    >>> member_name(info)
    '附件1.docx'
    """
    if info.flag_bits & _UTF8_NAME_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        raw = None
    unicode_path = _unicode_path(info, raw)
    if unicode_path:
        return unicode_path
    if raw is None or raw.isascii():
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def is_unsafe_name(name: str) -> bool:
    """Whether a member name would escape an extraction folder (absolute or ``..``).

    >>> is_unsafe_name("../../etc/passwd"), is_unsafe_name("C:\\\\x.doc"), is_unsafe_name("a/b.doc")
    (True, True, False)
    """
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or _DRIVE.match(normalized):
        return True
    return ".." in normalized.split("/")


def _container_format(archive: zipfile.ZipFile) -> str | None:
    """Recognise a DOCX, XLSX or OFD that arrived as a plain ``.zip`` (or misnamed)."""
    names = {info.filename.lower() for info in archive.infolist()}
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ofd.xml" in names:
        return "ofd"
    return None


@dataclass
class _Bundle:
    """What reading one archive produced."""

    blocks: list[str] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class MemberFormats:
    """How a bundle tells its members' formats and reads them.

    The registry (:mod:`policywatch.crawler.documents.registry`) hands in its own choice:
    it lists :func:`read_zip` among its readers, so this module cannot import it.

    Attributes:
        detect: the format name of a member's bytes and file name.
        reader_for: the reader for a format and the bytes (None when there is none).
    """

    detect: Callable[[bytes, str | None], str]
    reader_for: Callable[[str, bytes], Reader | None]


def _read_member_document(
    payload: bytes, name: str, depth: int, budget: _Budget, formats: MemberFormats
) -> tuple[Document, str]:
    if not payload.strip():
        raise EmptyDocument("the member is empty")
    fmt = formats.detect(payload, name)
    if fmt == "zip":
        return _read_bundle(payload, depth + 1, budget, f"nested archive {name!r}",
                            formats), fmt
    reader = formats.reader_for(fmt, payload)
    if reader is None:
        raise UnsupportedFormat(f"no reader for format {fmt!r}")
    return reader(payload, None), fmt


def _read_bundle(data: bytes, depth: int, budget: _Budget, what: str,
                 formats: MemberFormats) -> Document:
    limits = LIMITS
    if depth > limits.max_depth:
        raise ArchiveLimitExceeded(
            f"{what} is nested {depth} archives deep, over the nesting-depth limit of "
            f"{limits.max_depth} (possible zip bomb)"
        )
    archive = open_zip(data, what)
    with archive:
        embedded = _container_format(archive)
        if embedded is not None:
            reader = formats.reader_for(embedded, data)
            if reader is None:
                raise UnsupportedFormat(f"no reader for format {embedded!r}")
            return reader(data, None)
        infos = [info for info in archive.infolist() if not info.is_dir()]
        budget.spend(sum(info.file_size for info in infos), what)
        bundle = _Bundle()
        for info in infos:
            _read_one(archive, info, depth, budget, bundle, formats)
    if not bundle.members:
        raise EmptyDocument(f"{what} has no members")
    if not bundle.blocks:
        summary = ", ".join(f"{m['name']}: {m['status']}" for m in bundle.members) or "none"
        if any(m["status"] in {"unreadable", "encrypted", "unsafe_name"}
               for m in bundle.members):
            raise UnreadableDocument(f"no member of the archive could be read ({summary})")
        raise UnsupportedFormat(f"the archive holds no readable documents ({summary})")
    return Document(
        format="zip",
        text="\n".join(bundle.blocks),
        reader=READER,
        metadata={"members": bundle.members},
    )


def _read_one(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int, budget: _Budget,
    bundle: _Bundle, formats: MemberFormats,
) -> None:
    """Read one member into ``bundle``, recording its status."""
    name = member_name(info)
    record: dict[str, Any] = {"name": name, "size": info.file_size}
    bundle.members.append(record)
    if is_unsafe_name(name):
        record["status"] = "unsafe_name"
        record["error"] = "absolute path or '..' in the member name"
        return
    if _JUNK.search(name):
        record["status"] = "skipped"
        return
    if info.flag_bits & _ENCRYPTED_FLAG:
        record["status"] = "encrypted"
        return
    try:
        payload = read_member(archive, info, "ZIP archive")
        document, fmt = _read_member_document(payload, name, depth, budget, formats)
    except ArchiveLimitExceeded:
        raise
    except EmptyDocument:
        record["status"] = "empty"
        return
    except UnsupportedFormat as exc:
        record["status"] = "unsupported"
        record["error"] = str(exc)
        return
    except DocumentError as exc:
        record["status"] = "unreadable"
        record["error"] = str(exc)
        return
    record.update(status="read", format=fmt, reader=document.reader, chars=len(document.text))
    if fmt == "zip":
        record["members"] = document.metadata.get("members", [])
    if document.text.strip():
        bundle.blocks.append(f"【附件：{name}】\n{document.text}")


def read_zip(data: bytes, declared_charset: str | None = None, *,
             formats: MemberFormats) -> Document:
    """Read a ZIP bundle of attachments into one :class:`Document`.

    Each member is read by the reader for its format; nested ZIPs are read up to
    ``LIMITS.max_depth``. ``metadata["members"]`` lists every entry with ``name``,
    ``size`` and ``status`` (``read``, ``empty``, ``unsupported``, ``unreadable``,
    ``encrypted``, ``unsafe_name`` or ``skipped``), plus ``format``, ``reader`` and
    ``chars`` for members read and ``error`` for failures. A ZIP that is really a DOCX,
    XLSX or OFD is handed to that reader.

    The registry's ``zip`` reader calls it with the registry's formats.

    Args:
        data: the archive's bytes.
        declared_charset: ignored; member names carry their own encoding.
        formats: how members are detected and read.

    Raises:
        EmptyDocument: the archive has no members.
        ArchiveLimitExceeded: a zip-bomb limit was hit (the message names it).
        UnreadableDocument: corrupt archive, or no member could be read.
        UnsupportedFormat: every member is of a format no reader knows (images ...).
    """
    del declared_charset
    return _read_bundle(data, 1, _Budget(LIMITS.max_total_bytes), "ZIP archive", formats)
