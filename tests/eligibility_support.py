"""A processed database for the eligibility tests, stored in two rounds as two crawls would:

- 2022 round: the 2022 Interim Measures on MIIT and gov.cn (Annex 2, SRDI), a MIIT copy of
  the same notice with Annex 3 (the Little Giant standard, with its revenue bands; the
  labelled text in ``nlp/evaluation/data``), the provincial standard v1 (某某省, 2023) and
  the replay's Jiangsu standard (2024) parsed by the Jiangsu parser;
- 2026 round: the 2026 Measures (MIIT and gov.cn), the provincial standard v2, the Jiangsu
  page again (now saying it is repealed from 2026-04-01) and Jiangsu's 2026 revision.

Each text is stored through :func:`policywatch.store.record_capture` and processed by the
real NLP stage (extraction, linking). ``round_one`` alone is the starting point of the
alert tests, which subscribe before the 2026 round arrives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from policywatch.crawler.parsers import PARSERS
from policywatch.stages import process_pending
from policywatch.store import Capture, open_store, record_capture
from policywatch.store.notices import upsert_source
from tests.alerts_support import SOURCES, wait_next_second
from tests.measures_support import notice_text, record_notices

ROOT = Path(__file__).resolve().parents[1]
REPLAY = ROOT / "crawler" / "replay"
PROFILES = Path(__file__).parent / "fixtures" / "eligibility"
LITTLE_GIANT = ROOT / "nlp" / "evaluation" / "data" / "extraction" / \
    "little-giant-notice-2022.zh.txt"
JIANGSU_2024 = "gxt.jiangsu.gov.cn/art/2024/4/26/art_80179_11234501.html"
JIANGSU_2026 = "gxt.jiangsu.gov.cn/art/2026/2/27/art_80179_11801234.html"
ALL_SOURCES = {**SOURCES, "jiangsu": ("江苏省", "zh")}


def record_jiangsu(store, layer: str, relative: str) -> int:
    """Store a Jiangsu page of a replay layer as the crawl would; return its notice id."""
    raw = (REPLAY / layer / relative).read_bytes()
    url = f"https://{relative}"
    page = PARSERS["jiangsu"](raw, url, "utf-8")
    return record_capture(store, Capture(
        raw=raw, text=page.body_text, url=url, source_id="jiangsu",
        fields={"title": page.title, "doc_number": page.doc_number, "issuer": page.issuer,
                "written_date": page.written_date, "published_date": page.published_date,
                "language": "zh"})).notice_id


def record_little_giant(store) -> int:
    """MIIT's copy of the 2022 notice that carries Annex 3 (the Little Giant standard)."""
    text = notice_text(LITTLE_GIANT)
    return record_capture(store, Capture(
        raw=text.encode(), text=text, source_id="miit",
        url="https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2022/art_annex3.html",
        fields={"title": "工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知",
                "doc_number": "工信部企业〔2022〕63号", "issuer": "工业和信息化部",
                "published_date": "2022-06-09", "language": "zh"})).notice_id


def round_one(path: Path) -> None:
    """The 2022 round, processed."""
    with open_store(path) as store:
        for source, (region, language) in ALL_SOURCES.items():
            upsert_source(store, {"id": source, "name": source, "region": region,
                                  "language": language})
        record_notices(store, ["measures_2022", "measures_2022_govcn", "province_v1"])
        record_little_giant(store)
        record_jiangsu(store, "site", JIANGSU_2024)
        process_pending(store, derive=False)  # events derived by each test


def round_two(path: Path) -> None:
    """The 2026 round, processed."""
    with open_store(path) as store:
        wait_next_second()
        record_notices(store, ["measures_2026", "measures_2026_govcn", "province_v2"])
        record_jiangsu(store, "update-2026", JIANGSU_2024)
        record_jiangsu(store, "update-2026", JIANGSU_2026)
        process_pending(store, derive=False)  # events derived by each test


_BUILT: dict[str, Path] = {}


def template(tmp_path_factory, name: str) -> Path:
    """A processed database built once per session: ``one`` (the 2022 round) or ``both``."""
    if name not in _BUILT:
        if name == "both":
            path = tmp_path_factory.mktemp("eligibility") / "both.db"
            shutil.copy(template(tmp_path_factory, "one"), path)
            round_two(path)
        else:
            path = tmp_path_factory.mktemp("eligibility") / "one.db"
            round_one(path)
        _BUILT[name] = path
    return _BUILT[name]


def copy_of(tmp_path_factory, name: str, target: Path) -> Path:
    """A copy of a template database at ``target`` (blobs are not needed by the tests)."""
    shutil.copy(template(tmp_path_factory, name), target)
    return target
