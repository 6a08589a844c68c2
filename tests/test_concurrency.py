"""Writes are safe when runs overlap: ``watch``, ``process`` and two ``notify`` at once.

Write transactions take SQLite's write lock when they begin (``BEGIN IMMEDIATE``), so a run
that reads and then writes waits for another's lock instead of failing with SQLITE_BUSY;
deliveries are leased per run and the lease renewed while a run sends, so two ``notify``
runs with a backlog send each delivery once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from policywatch.alerts.delivery import LEASE, match_subscriptions, stamp
from policywatch.alerts.events import derive_events
from policywatch.alerts.subscriptions import select_events
from policywatch.store import open_store
from policywatch.store.alerts import (
    add_subscription,
    claim_due_deliveries,
    events_after,
    list_subscriptions,
    release,
    renew_leases,
)
from tests.alerts_support import SETTINGS, TODAY


class SlowReceiver:
    """A webhook receiver that takes ``delay`` seconds per request (a backlog takes time to
    send, so runs overlap) and records every delivery id it was given."""

    def __init__(self, delay: float = 0.15) -> None:
        self.deliveries: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay)
                with receiver.lock:
                    receiver.deliveries.extend(
                        self.headers["X-Policywatch-Delivery"].split(","))
                json.loads(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _cli(db: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "POLICYWATCH_EMBEDDING_MODEL": "none"}
    env.pop("POLICYWATCH_DB", None)
    return subprocess.Popen(
        [sys.executable, "-c", "from policywatch.cli import cli; cli()", "--db", str(db),
         *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


@pytest.mark.slow
def test_watch_process_and_two_notify_at_once(measures_db: Path, replay):
    receiver = SlowReceiver()
    try:
        with open_store(measures_db) as store:
            for digest in (False, True):
                add_subscription(store, channel="webhook", target=receiver.url, filters={},
                                 digest=digest, backfill=True)
        runs = {
            "watch": _cli(measures_db, "watch", "--once", "--replay", replay.base_url, "miit"),
            "process": _cli(measures_db, "process"),
            "notify-1": _cli(measures_db, "notify"),
            "notify-2": _cli(measures_db, "notify"),
        }
        outputs = {name: run.communicate(timeout=600)[0] for name, run in runs.items()}
        for name, run in runs.items():
            assert run.returncode == 0, f"{name}:\n{outputs[name]}"
            for sign in ("locked", "Traceback", "round failed", "crawl failed", "Error"):
                assert sign not in outputs[name], f"{name}:\n{outputs[name]}"
        assert "round 1: crawl" in outputs["watch"] and "new" in outputs["watch"]
        # One more notify after all of them: whatever an overlapping run left is sent now.
        last = _cli(measures_db, "notify", "--json")
        report = json.loads(last.communicate(timeout=600)[0].strip().splitlines()[-1])
        assert last.returncode == 0
    finally:
        receiver.stop()
    with open_store(measures_db) as store:
        rows = list(store.db.query("select id, subscription_id, event_id, status "
                                   "from deliveries"))
        events = events_after(store, 0)
        expected = {(subscription["id"], event["id"])
                    for subscription in list_subscriptions(store)
                    for event, _ in select_events(subscription["filters"], events)}
        assert match_subscriptions(store) == 0
    assert len(events) > 10
    # Nothing lost: every event each subscription takes has its delivery, sent.
    assert {(row["subscription_id"], row["event_id"]) for row in rows} == expected
    assert {row["status"] for row in rows} == {"sent"}
    received = receiver.deliveries
    assert len(received) == len(set(received)), "a delivery was sent twice"
    assert sorted(int(i) for i in received) == sorted(row["id"] for row in rows)
    assert report["totals"]["sent"] == len(rows)


def test_a_run_whose_lease_ran_out_does_not_send_what_another_run_claimed(measures_db):
    start = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
    with open_store(measures_db) as store:
        add_subscription(store, channel="webhook", target="http://127.0.0.1:9/h", filters={},
                         backfill=True)
        derive_events(store, settings=SETTINGS, today=TODAY)
        assert match_subscriptions(store) > 1
        first = claim_due_deliveries(store, stamp(start), stamp(start + LEASE), owner="run-a")
        ids = [row["id"] for row in first]
        assert ids
        # While run A holds them, nobody else gets them.
        assert claim_due_deliveries(store, stamp(start), stamp(start + LEASE),
                                    owner="run-b") == []
        # A renews while it sends: still its own, and still nobody else's after the first
        # lease would have run out.
        later = start + LEASE - timedelta(minutes=1)
        assert renew_leases(store, ids, "run-a", stamp(later + LEASE)) == set(ids)
        assert claim_due_deliveries(store, stamp(start + LEASE + timedelta(minutes=1)),
                                    stamp(start + 2 * LEASE), owner="run-b") == []
        # A stalls past its renewed lease: B claims the rows, and A may no longer send them
        # nor give them back.
        stalled = later + LEASE + timedelta(minutes=1)
        taken = claim_due_deliveries(store, stamp(stalled), stamp(stalled + LEASE),
                                     owner="run-b")
        assert sorted(row["id"] for row in taken) == sorted(ids)
        assert renew_leases(store, ids, "run-a", stamp(stalled + LEASE)) == set()
        release(store, ids, "run-a")
        owners = {row[0] for row in store.db.execute(
            "select lease_owner from deliveries where lease_until is not null")}
        assert owners == {"run-b"}


def test_write_transactions_take_the_write_lock_when_they_begin(tmp_path):
    db = tmp_path / "lock.db"
    with open_store(db) as store:
        other = sqlite3.connect(str(db), timeout=0)
        try:
            with store.db.atomic():
                # Nothing written yet, and another writer is already shut out: a transaction
                # that reads first cannot be overtaken between its read and its write.
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_a_writer_waits_for_another_instead_of_failing(tmp_path):
    db = tmp_path / "wait.db"
    with open_store(db) as store:
        store.db.execute("create table counter (n integer)")
        store.db.execute("insert into counter values (0)")
        store.db.conn.commit()

    def bump(times: int) -> None:
        with open_store(db) as mine:
            for _ in range(times):
                with mine.db.atomic():  # read, then write what was read
                    (n,) = mine.db.execute("select n from counter").fetchone()
                    time.sleep(0.002)
                    mine.db.execute("update counter set n = ?", [n + 1])

    workers = [threading.Thread(target=bump, args=(50,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with open_store(db) as store:
        assert store.db.execute("select n from counter").fetchone()[0] == 200
