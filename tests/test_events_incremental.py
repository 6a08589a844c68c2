"""Event derivation reads only what is new, and read-sounding commands do not write.

Triggers log every change, edge, linked notice and crawl run (``derivation_log``); a
derivation reads the log after its watermark and moves the watermark. Deriving round by
round gives the events a single derivation at the end gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.alerts import events as events_module
from policywatch.alerts.events import WATERMARK, derive_events, pending_derivation
from policywatch.stages import process_pending
from policywatch.store import open_store
from policywatch.store.lineage import save_change
from policywatch.store.marks import read_mark
from policywatch.store.notices import upsert_source
from tests.alerts_support import (
    LATER,
    NOTICES,
    SETTINGS,
    SOURCES,
    TODAY,
    copy_of_template,
    wait_next_second,
)
from tests.measures_support import record_notices


def _keys(store) -> set[str]:
    return {row[0] for row in store.db.execute("select dedup_key from events")}


def test_a_second_derivation_reads_nothing_old(measures_db: Path, monkeypatch):
    read: list[set[int]] = []
    real = events_module._change_events

    def spy(store, clusters, write_diffs, known, change_ids):
        read.append(set(change_ids))
        return real(store, clusters, write_diffs, known, change_ids)

    monkeypatch.setattr(events_module, "_change_events", spy)
    with open_store(measures_db) as store:
        assert pending_derivation(store)["changes"] > 0
        first = derive_events(store, settings=SETTINGS, today=TODAY, write_diffs=False)
        assert first and read[-1]
        assert pending_derivation(store) == {}
        assert read_mark(store, WATERMARK) > 0
        assert derive_events(store, settings=SETTINGS, today=TODAY, write_diffs=False) == []
        assert read[-1] == set()
        # A change stored now is the only one the next derivation reads.
        old, new = store.db.execute(
            "select a.id, b.id from versions a join versions b on b.id > a.id where not "
            "exists (select 1 from changes c where c.old_version_id = a.id and "
            "c.new_version_id = b.id) limit 1").fetchone()
        with store.db.atomic():
            save_change(store, {"measure_id": None, "old_version_id": old,
                                "new_version_id": new, "kind": "new_version",
                                "criteria_changes": "[]", "clause_counts": "{}",
                                "summary_zh": "测试", "summary_en": "test", "repeal": None,
                                "producer": "test"})
        (change_id,) = store.db.execute("select max(id) from changes").fetchone()
        later = derive_events(store, settings=SETTINGS, today=TODAY, write_diffs=False)
        assert read[-1] == {change_id}
        assert [event["change_id"] for event in later] == [change_id]


@pytest.mark.slow
def test_deriving_round_by_round_gives_what_one_derivation_gives(tmp_path, tmp_path_factory):
    at_once = copy_of_template(tmp_path_factory, tmp_path / "at-once.db")
    with open_store(at_once) as store:
        derive_events(store, settings=SETTINGS, today=TODAY, write_diffs=False)
        expected = _keys(store)
    stepwise = tmp_path / "stepwise.db"
    with open_store(stepwise) as store:
        for source, (region, language) in SOURCES.items():
            upsert_source(store, {"id": source, "name": source, "region": region,
                                  "language": language})
        record_notices(store, NOTICES)
        process_pending(store, derive=False)
        derive_events(store, settings=SETTINGS, today=TODAY, write_diffs=False)
        first_round = _keys(store)
        wait_next_second()
        record_notices(store, LATER)
        process_pending(store, derive=False)
        derive_events(store, settings=SETTINGS, today=TODAY, write_diffs=False)
        assert first_round < _keys(store)
        assert _keys(store) == expected


def test_process_derives_and_alerts_and_feed_do_not_write(measures_db: Path, runner,
                                                          tmp_path):
    from policywatch.cli import cli

    def changes() -> int:
        with open_store(measures_db) as store:
            return store.db.conn.total_changes + store.db.execute(
                "select count(*) from events").fetchone()[0]

    before = changes()
    assert runner.invoke(cli, ["--db", str(measures_db), "alerts"]).exit_code == 0
    feed = runner.invoke(cli, ["--db", str(measures_db), "feed", "-o",
                               str(tmp_path / "f.xml")])
    assert feed.exit_code == 0 and "events may be stale" in feed.output
    assert changes() == before
    done = runner.invoke(cli, ["--db", str(measures_db), "process"])
    assert done.exit_code == 0 and "events: " in done.output
    with open_store(measures_db) as store:
        assert store.db.execute("select count(*) from events").fetchone()[0] > 0
        assert pending_derivation(store) == {}
