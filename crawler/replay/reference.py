"""What the replay serves from the reference pack: real pages and texts it must not store.

The reference pack (``policywatch.store.reference``) holds real gov.cn pages and the real
texts of the 2022 attachments. The replay's ``site`` layer serves them at their URLs when
the pack is there, made at request time:

- ten State Council pages of ``govcn-pages/``: the ``div.wrap`` part the pack holds, inside
  a minimal html/head/body whose title is the page's title from ``expected.json``, at the
  path of the page's URL under ``www.gov.cn``; their rows (title, document number, date,
  issuer from ``expected.json``) join the gov.cn search listing;
- the 2022 attachments 1 and 2 (``texts/``), typeset as the two PDFs of the MIIT notice
  and the DOCX of the gov.cn notice (:mod:`policywatch.crawler.replay.typeset`).

Without the pack none of them exists: the listing leaves the pages out and the
attachment URLs answer 404 (the reconstructed pages that link them stay).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from policywatch.crawler.replay.typeset import docx_bytes, pdf_bytes

GOVCN_HOST = "www.gov.cn"
LISTING = ("sousuo.www.gov.cn", "listing.json")
# The pages of govcn-pages/ the replay serves, in the order of the listing.
GOVCN_PAGES = (
    "content_5365711.html", "content_5355837.html", "content_5344150.html",
    "content_5342665.html", "content_5365945.html", "content_5365341.html",
    "content_5362266.html", "content_5361158.html", "content_5360002.html",
    "content_5359620.html",
)
# Byte for byte the note the replay's pages carried when they were stored in the project.
PAGE_NOTE = ("real page: the div.wrap part of the official page as crawled in February 2019 "
             "(shared/reference/govcn-pages), inside a minimal html/head/body")
PAGE_TEMPLATE = (
    '<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; '
    'charset=utf-8">\n<title>{title}_政府信息公开专栏</title>\n<meta name="policywatch-replay" '
    'content="{note}">\n</head><body>\n')
PAGE_END = b"\n</body></html>\n"


@dataclass(frozen=True)
class Attachment:
    """An attachment typeset from a text of the pack."""

    text: str  # relative to the pack
    title: str
    kind: str  # "pdf" or "docx"


_DOCX_TITLE = ("专精特新中小企业认定标准 (typeset by the policywatch replay from the "
               "reference pack; not the official file)")
_ATTACHMENT_1 = "texts/2022-attachment1-innovative-sme-evaluation-standard.zh.txt"
_ATTACHMENT_2 = "texts/2022-attachment2-srdi-sme-certification-conditions.zh.txt"
_MIIT_2022 = "/cms_files/filemanager/1226211233/attach/20226/"
ATTACHMENTS: dict[tuple[str, str], Attachment] = {
    ("www.miit.gov.cn", f"{_MIIT_2022}de2ed61dd627d5e5c24f885f96dbc981.pdf"):
        Attachment(_ATTACHMENT_1, "附件1 创新型中小企业评价标准", "pdf"),
    ("www.miit.gov.cn", f"{_MIIT_2022}eb44dfe03f4f226f4a3e3cbda0773e1e.pdf"):
        Attachment(_ATTACHMENT_2, "附件2 专精特新中小企业认定标准", "pdf"),
    (GOVCN_HOST, "/zhengce/zhengceku/202206/files/fj2.docx"):
        Attachment(_ATTACHMENT_2, _DOCX_TITLE, "docx"),
}
CONTENT_TYPES = {"pdf": "application/pdf",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "html": "text/html; charset=utf-8"}


class ReferenceContent:
    """The replay's files made from the pack at ``root`` (``None``: no pack, no files)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._pages: dict[str, dict[str, Any]] | None = None

    def __bool__(self) -> bool:
        return self.root is not None

    def pages(self) -> dict[str, dict[str, Any]]:
        """Replay path under ``www.gov.cn`` -> the page's row of ``expected.json``, in
        listing order (empty without the pack)."""
        if self._pages is None:
            self._pages = {}
            if self.root is not None:
                expected = json.loads((self.root / "govcn-pages" / "expected.json")
                                      .read_text(encoding="utf-8"))
                by_file = {row["file"]: row for row in expected}
                for name in GOVCN_PAGES:
                    row = by_file[name]
                    self._pages[urlsplit(row["url"]).path] = row
        return self._pages

    def page_bytes(self, row: dict[str, Any]) -> bytes:
        """The page the replay serves for a row of ``expected.json``."""
        assert self.root is not None
        head = PAGE_TEMPLATE.format(title=html.escape(row["title"], quote=False),
                                    note=PAGE_NOTE)
        return (head.encode("utf-8") + (self.root / "govcn-pages" / row["file"]).read_bytes()
                + PAGE_END)

    def get(self, host: str, path: str) -> tuple[bytes, str] | None:
        """The body and Content-Type for ``host`` + ``path``, or ``None``."""
        if self.root is None:
            return None
        if host == GOVCN_HOST and path in self.pages():
            return self.page_bytes(self.pages()[path]), CONTENT_TYPES["html"]
        attachment = ATTACHMENTS.get((host, path))
        if attachment is None:
            return None
        text = (self.root / attachment.text).read_text(encoding="utf-8")
        typeset = pdf_bytes if attachment.kind == "pdf" else docx_bytes
        return typeset(attachment.title, text), CONTENT_TYPES[attachment.kind]

    def listing_rows(self, host: str, name: str) -> list[dict[str, Any]]:
        """Rows a listing file of the ``site`` layer gains from the pack."""
        if (host, name) != LISTING:
            return []
        return [{"library": "zhengcelibrary_gw", "title": row["title"],
                 "url": f"https://{GOVCN_HOST}{path}", "pcode": row["doc_number"],
                 "pubtimeStr": row["published_date"].replace("-", "."),
                 "puborg": row["issuer"], "summary": ""}
                for path, row in self.pages().items()]
