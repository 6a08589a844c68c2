"""Realistic notices the lineage and alert tests store: the 2022 Interim Measures and the
2026 Measures (each on MIIT and gov.cn), an English translation, an interpretation, a
list notice, a provincial standard in two versions and an unrelated standard.

The measures' texts are the replay's (``crawler/replay/texts``), the provincial ones are
reconstructed fixtures (``tests/fixtures/lineage``), the translation is the reference
pack's; each is stored through :func:`policywatch.store.record_capture`, the crawl's write path.
"""

from __future__ import annotations

from pathlib import Path

from policywatch.store import Capture, Store, record_capture
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "crawler" / "replay" / "texts"
LINEAGE = Path(__file__).parent / "fixtures" / "lineage"

# name -> (file, url, source, title, doc number, issuer, published, language)
MEASURE_NOTICES = {
    "measures_2022": (
        TEXTS / "2022-interim-measures.zh.txt",
        "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2022/art_a1.html",
        "miit", "工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知",
        "工信部企业〔2022〕63号", "工业和信息化部", "2022-06-09", "zh"),
    "measures_2022_govcn": (
        TEXTS / "2022-interim-measures.zh.txt",
        "https://www.gov.cn/zhengce/zhengceku/2022-06/13/content_1.htm",
        "govcn", "工业和信息化部关于印发《优质中小企业梯度培育管理暂行办法》的通知",
        "工信部企业〔2022〕63号", "工业和信息化部", "2022-06-13", "zh"),
    "measures_2026": (
        TEXTS / "2026-measures.zh.txt",
        "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2026/art_b2.html",
        "miit", "工业和信息化部关于印发《优质中小企业梯度培育管理办法》的通知",
        "工信部企业〔2026〕2号", "工业和信息化部", "2026-01-19", "zh"),
    "measures_2026_govcn": (
        TEXTS / "2026-measures.zh.txt",
        "https://www.gov.cn/zhengce/zhengceku/202601/content_7055123.htm",
        "govcn", "工业和信息化部关于印发《优质中小企业梯度培育管理办法》的通知",
        "工信部企业〔2026〕2号", "工业和信息化部", "2026-01-19", "zh"),
    "translation": (
        SHARED / "reference" / "texts" / "2022-measures-articles-1-2.en.txt",
        "https://english.www.gov.cn/policies/latestreleases/202206/10/content_X.html",
        "govcn_en", "Interim Measures for the Graded Cultivation of High-Quality SMEs",
        None, "Ministry of Industry and Information Technology", "2022-06-10", "en"),
    "interpretation": (
        LINEAGE / "interpretation.zh.txt",
        "https://www.miit.gov.cn/jgsj/qyj/gzdt/art/2022/art_c3.html",
        "miit", "《优质中小企业梯度培育管理暂行办法》解读",
        None, "中小企业局", "2022-06-10", "zh"),
    "list_notice": (
        LINEAGE / "list-notice.zh.txt",
        "https://www.miit.gov.cn/zwgk/wjgs/art/2022/art_d4.html",
        "miit", "关于第四批专精特新“小巨人”企业名单的公示",
        None, "工业和信息化部", "2022-08-01", "zh"),
    "province_v1": (
        LINEAGE / "province-standard-v1.zh.txt",
        "https://gxt.example.gov.cn/art/2023/3/1/art_1.html",
        "province", "关于印发《某某省专精特新中小企业认定标准》的通知",
        "某工信规字〔2023〕3号", "某某省工业和信息化厅", "2023-03-01", "zh"),
    "province_v2": (
        LINEAGE / "province-standard-v2.zh.txt",
        "https://gxt.example.gov.cn/art/2026/3/1/art_2.html",
        "province", "关于印发《某某省专精特新中小企业认定标准（2026年修订）》的通知",
        "某工信规字〔2026〕1号", "某某省工业和信息化厅", "2026-03-01", "zh"),
    "unrelated": (
        LINEAGE / "unrelated-standard.zh.txt",
        "https://kjt.example.gov.cn/art/2023/6/1/art_9.html",
        "province", "某某省高新技术企业认定管理办法",
        "某科规〔2023〕7号", "某某省科学技术厅", "2023-06-01", "zh"),
}


def notice_text(path: Path) -> str:
    """A fixture text without its ``#`` provenance lines."""
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))


def record_notices(store: Store, names: list[str]) -> dict[str, int]:
    """Store the named notices as captures and return their notice ids by name; a text
    from the shared reference pack is skipped when the pack is missing."""
    ids = {}
    for name in names:
        path, url, source, title, number, issuer, published, language = MEASURE_NOTICES[name]
        if not path.exists():
            continue
        text = notice_text(path)
        result = record_capture(store, Capture(
            raw=text.encode(), text=text, url=url, source_id=source,
            fields={"title": title, "doc_number": number, "issuer": issuer,
                    "published_date": published, "language": language}))
        ids[name] = result.notice_id
    return ids
