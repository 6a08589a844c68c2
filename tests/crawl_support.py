"""What the spider tests share: crawling a source against the replay, reading versions."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from policywatch.crawler.replay import ReplayServer
from policywatch.crawler.run import run_crawl_subprocess
from policywatch.store import open_store
from tests.conftest import FIXTURES


def crawl_source(db: Path, server: ReplayServer, source: str) -> dict:
    """Crawl one source against a running replay; return its runs-log row."""
    (run,) = run_crawl_subprocess(db, [source], replay_base=server.base_url)
    return run


def crawl_twice(tmp_path_factory: pytest.TempPathFactory, source: str, *,
                then_update: bool = False) -> SimpleNamespace:
    """Crawl a source twice (the second run must fetch nothing unchanged), optionally a
    third time after the replay moves to its 2026 layer.

    Returns:
        ``db``, ``first``, ``second``, ``hits`` (replay hits after two runs) and ``update``
        (the third run, or None).
    """
    db = tmp_path_factory.mktemp(source) / f"{source}.db"
    with ReplayServer() as server:
        first = crawl_source(db, server, source)
        second = crawl_source(db, server, source)
        hits = dict(server.site.hits)
        update = None
        if then_update:
            server.site.set_layers(["site", "update-2026"])
            update = crawl_source(db, server, source)
    return SimpleNamespace(db=db, first=first, second=second, hits=hits, update=update)


def latest_version(db: Path, url: str) -> dict:
    """The latest version row of the notice at ``url``."""
    with open_store(db) as store:
        return next(store.db.query(
            "select v.* from notices n join versions v on v.id = n.latest_version_id "
            "where n.url = ?", [url]))


def all_versions(db: Path, url: str) -> list[dict]:
    """Every version row of the notice at ``url``, oldest first."""
    with open_store(db) as store:
        return list(store.db.query(
            "select v.* from notices n join versions v on v.notice_id = n.id where n.url = ? "
            "order by v.id", [url]))


# -- the generic test site (fixtures/generic-site/): an invented city's industry bureau ----
HOST = "gxj.shiyan.example.gov.cn"
ORIGIN = f"http://{HOST}"
MEASURES = f"{ORIGIN}/tzgg/202503/t20250320_1001.html"
ATTACHMENT = f"{ORIGIN}/tzgg/202503/P020250320512300001.pdf"
APPLICATION = ["示例市专精特新中小企业认定申请书（测试用重建附件，非官方文件）",
               "一、企业基本情况", "二、上年度营业收入（万元）：", "三、上年度研发费用（万元）："]


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with a Chinese text layer (reportlab's built-in CID font)."""
    from io import BytesIO

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = BytesIO()
    page = canvas.Canvas(out, invariant=1)
    page.setFont("STSong-Light", 12)
    for number, line in enumerate(lines):
        page.drawString(60, 780 - 20 * number, line)
    page.save()
    return out.getvalue()


class GenericSite:
    """The test site in a folder the replay serves, edited in place between crawls."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(FIXTURES / "generic-site", root)
        self.write_attachment(APPLICATION)

    def path(self, url: str) -> Path:
        return self.root / HOST / url.removeprefix(ORIGIN + "/")

    def edit(self, url: str, old: str, new: str) -> None:
        page = self.path(url)
        text = page.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {url}"
        page.write_text(text.replace(old, new), encoding="utf-8")

    def write_attachment(self, lines: list[str]) -> None:
        self.path(ATTACHMENT).write_bytes(pdf_bytes(lines))

    def articles(self) -> list[str]:
        return [f"{ORIGIN}/{p.relative_to(self.root / HOST).as_posix()}"
                for p in sorted((self.root / HOST / "tzgg").glob("*/t*.html"))]


def store_counts(db: Path) -> dict[str, int]:
    """Versions, page and attachment notices and health events in a store."""
    with open_store(db) as store:
        return {"versions": store.db["versions"].count,
                "pages": store.db["notices"].count_where("kind = 'page'"),
                "attachments": store.db["notices"].count_where("kind = 'attachment'"),
                "health": store.db["health_events"].count}

