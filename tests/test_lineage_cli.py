"""``lineage`` and ``diff`` as a user meets them: read-only, honest about unrelated notices,
and attachments compared as they were at each capture."""

from __future__ import annotations

import time
from pathlib import Path

from policywatch.cli import cli
from policywatch.store import Capture, open_store, record_capture


def test_diff_of_unrelated_notices_warns(runner, measures_db: Path):
    with open_store(measures_db) as store:
        rows = {r["title"]: r["id"] for r in store.db.query("select id, title from notices")}
    province = next(i for t, i in rows.items() if "某某省专精特新" in t and "2026" not in t)
    measures = next(i for t, i in rows.items() if "暂行办法" in t)
    result = runner.invoke(cli, ["--db", str(measures_db), "diff", str(measures), str(province)])
    assert result.exit_code == 0, result.output
    assert f"notices {measures} and {province} share no measure" in result.output
    related = runner.invoke(cli, ["--db", str(measures_db), "diff", str(province),
                                  str(rows[next(t for t in rows if "2026年修订" in t)])])
    assert "share no measure" not in related.output


def test_lineage_and_diff_never_link_and_say_what_is_pending(runner, measures_db: Path):
    with open_store(measures_db) as store:
        edges = store.db.execute("select count(*) from edges").fetchone()[0]
        text = "关于印发《某某市专精特新中小企业认定办法》的通知\n第一条 上年度营业收入总额在1000万元以上。"
        new = record_capture(store, Capture(raw=text.encode(), text=text,
                                            url="https://city.example.gov.cn/a.html"))
    result = runner.invoke(cli, ["--db", str(measures_db), "lineage", str(new.notice_id)])
    assert result.exit_code == 0, result.output
    assert "1 notices are not linked yet (run `policywatch process`)" in result.output
    with open_store(measures_db) as store:
        assert store.db.execute("select count(*) from edges").fetchone()[0] == edges
        assert not store.db.execute("select 1 from lineage_notices where notice_id = ?",
                                    [new.notice_id]).fetchone()


def _page(store, text: str, attachment: bytes) -> int:
    page = record_capture(store, Capture(raw=text.encode(), text=text,
                                         url="https://gxt.example.gov.cn/art/1.html"))
    pdf_text = attachment.decode()
    attached = record_capture(store, Capture(
        raw=attachment, text=pdf_text, kind="attachment",
        url="https://gxt.example.gov.cn/files/standard.pdf"))
    store.db["attachments"].insert({"version_id": page.version_id,
                                    "notice_id": attached.notice_id,
                                    "url": "https://gxt.example.gov.cn/files/standard.pdf",
                                    "name": "附件1：认定标准.pdf", "position": 0,
                                    "status": "stored"})
    return page.version_id


def test_attachment_diff_pairs_the_versions_of_each_capture(runner, db_path: Path):
    with open_store(db_path) as store:
        first = _page(store, "关于印发认定标准的通知\n详见附件。",
                      "认定标准\n（一）上年度营业收入总额在1000万元以上。".encode())
        time.sleep(1.1)  # capture times are second-precise
        second = _page(store, "关于印发认定标准的通知\n详见附件。（已更新附件）",
                       "认定标准\n（一）上年度营业收入总额在1500万元以上。".encode())
    result = runner.invoke(cli, ["--db", str(db_path), "diff", f"v{first}", f"v{second}",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    diff = json.loads(result.output[result.output.index("{"):])
    (attachment,) = diff["attachments"]
    assert attachment["change"] == "changed"
    changes = attachment["diff"]["criteria_changes"]
    assert [(c["metric"], c["old"]["value"], c["new"]["value"]) for c in changes] == [
        ("revenue", 10000000, 15000000)]
