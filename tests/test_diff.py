"""Diffs: typed criteria changes and clause alignment on realistic version pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.diffview import render_html, render_markdown
from policywatch.nlp.extract.notice import extract_notice
from policywatch.nlp.link.diff import (
    DIFFS,
    clause_changes,
    criteria_changes,
    diff_versions,
    redline,
)

REPLAY_TEXTS = Path(__file__).resolve().parents[1] / "crawler" / "replay" / "texts"
LINEAGE = Path(__file__).parent / "fixtures" / "lineage"


def version(path: Path, version_id: int) -> dict:
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))
    return {"version_id": version_id, "notice_id": version_id, "title": text.splitlines()[0],
            "text": text, "language": "zh", "extraction": extract_notice(text)}


@pytest.fixture(scope="module")
def measures_diff() -> dict:
    return diff_versions(version(REPLAY_TEXTS / "2022-interim-measures.zh.txt", 1),
                         version(REPLAY_TEXTS / "2026-measures.zh.txt", 2))


@pytest.fixture(scope="module")
def province_diff() -> dict:
    return diff_versions(version(LINEAGE / "province-standard-v1.zh.txt", 1),
                         version(LINEAGE / "province-standard-v2.zh.txt", 2))


def change(diff: dict, metric: str, tier: str = "srdi_sme") -> dict:
    (found,) = [c for c in diff["criteria_changes"]
                if c["metric"] == metric and c["tier"] == tier and not (
                    (c["new"] or c["old"])["condition"])]
    return found


# (metric, change, old value, new value) from shared/reference/policy-history.md
SRDI_2022_TO_2026 = [
    ("revenue", "changed", 10_000_000, 15_000_000),
    ("years_in_niche", "changed", 2, 3),
    ("main_business_ratio", "added", None, 80),
    ("debt_ratio", "added", None, 80),
    ("class1_ip_count", "added", None, 1),
    ("evaluation_score", "changed", 60, 50),
]


@pytest.mark.parametrize(("metric", "kind", "old", "new"), SRDI_2022_TO_2026)
def test_diff_srdi_2022_to_2026_criteria(measures_diff, metric, kind, old, new):
    found = change(measures_diff, metric)
    assert found["change"] == kind
    assert (found["old"] or {}).get("value") == old
    assert (found["new"] or {}).get("value") == new


def test_diff_srdi_rd_spend_becomes_each_of_two_years(measures_diff):
    found = change(measures_diff, "rd_expense")
    assert (found["old"]["period"], found["new"]["period"]) == ("last_year",
                                                                "each_of_last_2_years")
    assert found["old"]["value"] == found["new"]["value"] == 1_000_000


def test_diff_summaries_read_like_the_brief(measures_diff):
    found = change(measures_diff, "revenue")
    assert found["summary_en"] == ("SRDI SMEs: revenue threshold >= 10 million yuan (last year)"
                                   " -> >= 15 million yuan (last year)")
    assert found["summary_zh"] == "专精特新中小企业 营业收入：≥ 1000万元（上年度） → ≥ 1500万元（上年度）"


def test_diff_equity_route_is_one_changed_criterion_not_add_and_remove(measures_diff):
    routes = [c for c in measures_diff["criteria_changes"]
              if c["metric"] == "equity_financing" and c["old"] and c["new"]]
    (route,) = [c for c in routes if c["new"]["value"] == 20_000_000]
    assert route["change"] == "changed"
    assert "alternative to revenue" in route["summary_en"]


def test_diff_unchanged_criteria_have_no_entry():
    criteria = extract_notice("上年度营业收入总额在1000万元以上。")["criteria"]
    assert criteria and criteria_changes(criteria, criteria) == []


def test_diff_province_renumbered_clauses_align(province_diff):
    by_old = {(c["old"] or {}).get("label"): c for c in province_diff["clauses"] if c["old"]}
    # 第四条 (yearly certification) moved to 第六条 unchanged in substance.
    assert by_old["第四条"]["status"] == "moved"
    assert by_old["第四条"]["new"]["label"] == "第六条"
    # The conditions article was renumbered 第三条 -> 第四条.
    assert by_old["第三条"]["new"]["label"] == "第四条"
    added = [c["new"]["text"] for c in province_diff["clauses"] if c["status"] == "added"]
    assert any("科技和创新型中小企业称号" in text for text in added)


def test_diff_province_chinese_numeral_threshold_change(province_diff):
    found = change(province_diff, "revenue")
    assert (found["old"]["value"], found["new"]["value"]) == (10_000_000, 15_000_000)
    years = change(province_diff, "years_in_niche")
    assert (years["old"]["value"], years["new"]["value"]) == (2, 3)


def test_diff_redline_uses_words_not_characters():
    ops = redline("上年度营业收入总额在一千万元以上。", "上年度营业收入总额在一千五百万元以上。")
    changed = [op for op in ops if op["op"] != "equal"]
    assert changed and all("营业收入总额" not in op["text"] for op in changed)
    assert "".join(op["text"] for op in ops if op["op"] != "insert") == "上年度营业收入总额在一千万元以上。"
    assert "".join(op["text"] for op in ops if op["op"] != "delete") == (
        "上年度营业收入总额在一千五百万元以上。")


def test_diff_clauses_identical_documents_all_unchanged():
    clauses = extract_notice((LINEAGE / "province-standard-v1.zh.txt").read_text())["clauses"]
    statuses = {entry["status"] for entry in clause_changes(clauses, clauses)}
    assert statuses == {"unchanged"}


def test_diff_registry_names_the_three_diffs():
    assert set(DIFFS) == {"criteria", "clauses", "text"}


def test_diff_html_escapes_document_markup():
    hostile = "第一条 <script>alert('x')</script><img src=x onerror=alert(1)>营业收入在1000万元以上。"
    old = {"version_id": 1, "title": "<b>标题</b>", "text": hostile, "language": "zh",
           "extraction": extract_notice(hostile)}
    new = dict(old, version_id=2, text=hostile.replace("1000", "1500"))
    new["extraction"] = extract_notice(new["text"])
    page = render_html(diff_versions(old, new))
    assert "<script>" not in page and "<img" not in page and "<b>标题" not in page
    assert "&lt;script&gt;" in page
    assert "<ins>1500</ins>" in page or "<ins>1500万元</ins>" in page


def test_diff_markdown_lists_criteria_then_clauses(measures_diff):
    text = render_markdown(measures_diff)
    assert text.index("## Criteria changes") < text.index("## Clauses")
    assert "revenue threshold >= 10 million yuan (last year) -> >= 15 million yuan" in text
    assert "~~2~~" in text and "**3**" in text
