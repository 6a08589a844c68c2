"""``notices`` lists, ``remove`` removes everything derived, read commands never create a DB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.cli import cli
from policywatch.store import open_store
from policywatch.store.catalog import NoticeFilters, NoticeNotFound, list_notices, remove_notice

READ_COMMANDS = [
    ["notices"], ["search", "专精特新"], ["extract", "1"], ["lineage", "1"], ["diff", "1", "2"],
    ["alerts"], ["process"], ["notify"], ["remove", "1", "--yes"],
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_command_on_missing_database_fails_without_creating_it(runner, tmp_path, args):
    missing = tmp_path / "typo.db"
    result = runner.invoke(cli, ["--db", str(missing), *args])
    assert result.exit_code != 0
    assert f"no database at {missing}" in result.output
    assert "Traceback" not in result.output
    assert not missing.exists()


def test_missing_database_names_the_demo_database_when_there_is_one(runner, tmp_path,
                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    open_store(tmp_path / "policywatch-demo.db").close()
    result = runner.invoke(cli, ["notices"])
    assert result.exit_code != 0
    assert "no database at policywatch.db" in result.output
    assert "--db policywatch-demo.db" in result.output
    assert not (tmp_path / "policywatch.db").exists()


def test_notices_lists_with_ids_and_filters(runner, measures_db: Path):
    result = runner.invoke(cli, ["--db", str(measures_db), "notices", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 7  # four 2022 notices, three 2026 ones; no attachments
    published = [row["published"] for row in rows]
    assert published == sorted(published, reverse=True)
    first = rows[0]
    assert set(first) >= {"notice_id", "version_id", "versions", "source_id", "title",
                          "doc_number", "published", "kind", "tiers", "measure_id"}
    by_source = json.loads(runner.invoke(
        cli, ["--db", str(measures_db), "notices", "--source", "govcn_en", "--json"]).output)
    assert [row["language"] for row in by_source] == ["en"]
    recent = json.loads(runner.invoke(
        cli, ["--db", str(measures_db), "notices", "--since", "2026-01-01", "--json"]).output)
    assert recent and all(row["published"] >= "2026-01-01" for row in recent)
    srdi = json.loads(runner.invoke(
        cli, ["--db", str(measures_db), "notices", "--tier", "专精特新", "--json"]).output)
    assert srdi and all("srdi_sme" in row["tiers"] for row in srdi)
    text = runner.invoke(cli, ["--db", str(measures_db), "notices", "-n", "2"]).output
    assert f"notice {first['notice_id']} (version {first['version_id']}" in text
    assert "--limit and --offset show more" in text


def test_notices_rejects_an_unknown_tier(runner, measures_db: Path):
    result = runner.invoke(cli, ["--db", str(measures_db), "notices", "--tier", "gold"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def _counts(store, notice_id: int, version_ids: list[int]) -> dict[str, int]:
    db = store.db
    marks = ", ".join("?" * len(version_ids))
    return {
        "notices": db.execute("select count(*) from notices where id = ?",
                              [notice_id]).fetchone()[0],
        "versions": db.execute("select count(*) from versions where notice_id = ?",
                               [notice_id]).fetchone()[0],
        "criteria": db.execute(f"select count(*) from criteria where version_id in ({marks})",
                               version_ids).fetchone()[0],
        "passages": db.execute("select count(*) from passages where notice_id = ?",
                               [notice_id]).fetchone()[0],
        "edges": db.execute("select count(*) from edges where source_notice_id = ? or "
                            "target_notice_id = ?", [notice_id, notice_id]).fetchone()[0],
        "changes": db.execute(f"select count(*) from changes where old_version_id in ({marks}) "
                              f"or new_version_id in ({marks})", version_ids * 2).fetchone()[0],
        "measure": db.execute("select count(*) from notice_measures where notice_id = ?",
                              [notice_id]).fetchone()[0],
    }


def test_remove_deletes_the_notice_and_everything_derived(runner, measures_db: Path):
    from policywatch.nlp.retrieval.indexing import index_pending
    from policywatch.nlp.retrieval.search import search

    with open_store(measures_db) as store:
        index_pending(store, None)
        rows = list_notices(store, NoticeFilters(sources=("miit",)))
        newest = rows[0]  # the 2026 Measures on MIIT: it has edges, a change, criteria
        versions = [row[0] for row in store.db.execute(
            "select id from versions where notice_id = ?", [newest["notice_id"]])]
        before = _counts(store, newest["notice_id"], versions)
        assert all(before[key] > 0 for key in ("criteria", "passages", "edges", "changes"))
        hits = search(store, "优质中小企业梯度培育管理办法", limit=10).results
        assert newest["notice_id"] in [hit.notice_id for hit in hits]
    result = runner.invoke(cli, ["--db", str(measures_db), "remove",
                                 str(newest["notice_id"]), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"removed notice {newest['notice_id']}" in result.output
    with open_store(measures_db) as store:
        after = _counts(store, newest["notice_id"], versions)
        assert set(after.values()) == {0}
        hits = search(store, "优质中小企业梯度培育管理办法", limit=10).results
        assert hits and newest["notice_id"] not in [hit.notice_id for hit in hits]
        assert len(list_notices(store)) == 6
        with pytest.raises(NoticeNotFound):
            remove_notice(store, newest["notice_id"])


def test_remove_asks_first_and_keeps_the_notice_when_refused(runner, measures_db: Path):
    result = runner.invoke(cli, ["--db", str(measures_db), "remove", "1"], input="n\n")
    assert result.exit_code == 1
    assert "Remove notice 1" in result.output
    with open_store(measures_db) as store:
        assert store.db.execute("select count(*) from notices where id = 1").fetchone()[0] == 1
    missing = runner.invoke(cli, ["--db", str(measures_db), "remove", "999", "--yes"])
    assert missing.exit_code == 1
    assert "no notice 999" in missing.output
