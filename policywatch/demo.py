"""``policywatch demo``: the main job end to end on the bundled replay.

1. serve the replay of the watched sites on 127.0.0.1 (a free port);
2. crawl every source with the real spiders into ``./policywatch-demo.db``;
3. move the replay forward in time (the ``update-2026`` layer) and crawl again, showing
   that known pages are not re-fetched and that new notices and versions are found;
4. print what was stored, run the NLP stage, show a lineage, a criteria diff and two
   searches;
5. derive the alerts those crawls produced and deliver them to an Atom feed
   subscription (no network: the feed is a file beside the database).

Each later stage adds its step here once it exists; the demo never claims a stage it did
not run.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from types import EllipsisType
from typing import Any

from policywatch.crawler.replay import ReplayServer
from policywatch.crawler.run import run_crawl_subprocess
from policywatch.diffview import describe_evidence
from policywatch.errors import PolicywatchError
from policywatch.nlp.retrieval.search import run_demo_searches
from policywatch.stages import process_pending
from policywatch.store import open_store
from policywatch.store.db import blob_root_for
from policywatch.store.reference import absent_note, resolve_reference
from policywatch.store.reporting import Echo

LATER_LAYER = "update-2026"


class NotADemoDatabase(PolicywatchError):
    """The demo was pointed at a database that holds real work."""


def reset_database(db_path: Path, force: bool = False) -> None:
    """Remove a previous demo database and its blobs and WARC files.

    Args:
        db_path: the demo's database.
        force: delete it even when it holds imports or crawls of the live sites (the user
            said so: ``demo --force``).

    Raises:
        NotADemoDatabase: the file holds crawls of the live sites or imports and ``force``
            is False; the demo never deletes those by itself.
    """
    if db_path.exists() and not force:
        with open_store(db_path) as store:
            # Real work is a crawl of the live sites or an import; stage runs are derived.
            real = store.db.execute(
                "select count(*) from runs where kind = 'import' or (kind = 'crawl' and "
                "args not like ?)", ['%"replay": "http://127.0.0.1:%']).fetchone()[0]
        if real:
            raise NotADemoDatabase(
                f"{db_path} holds {real} crawls of the live sites or imports; the demo starts from "
                "an empty database and will not delete it. Pass another --db, or --force to "
                "delete it.")
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    from policywatch.alerts.delivery import feed_path_for
    from policywatch.alerts.events import diff_folder_for
    from policywatch.crawler.extensions import warc_root_for

    for folder in (blob_root_for(db_path), warc_root_for(db_path), diff_folder_for(db_path)):
        if folder.exists():
            shutil.rmtree(folder)
    feed_path_for(db_path).unlink(missing_ok=True)


def _store_summary(db_path: Path) -> dict[str, Any]:
    with open_store(db_path) as store:
        db = store.db
        return {
            "sources": db.execute("select count(*) from sources").fetchone()[0],
            "notices": db.execute("select count(*) from notices where kind = 'page'")
            .fetchone()[0],
            "versions": db.execute("select count(*) from versions").fetchone()[0],
            "attachments": db.execute("select count(*) from attachments").fetchone()[0],
            "health": db.execute("select count(*) from health_events").fetchone()[0],
            "per_source": list(db.query(
                "select source_id, count(*) as notices from notices where kind = 'page' "
                "group by source_id order by source_id")),
            "changed": list(db.query(
                "select n.id, n.source_id, n.title, count(v.id) as versions from notices n "
                "join versions v on v.notice_id = n.id group by n.id having count(v.id) > 1")),
            "latest": list(db.query(
                "select n.id, n.source_id, v.published_date, n.title from notices n "
                "join versions v on v.id = n.latest_version_id where n.kind = 'page' "
                "order by v.published_date desc limit 8")),
        }


def run_demo(db_path: Path, echo: Echo,
             reference: Path | None | EllipsisType = ..., force: bool = False
             ) -> dict[str, Any]:
    """Run the demo and return the figures it printed (for tests).

    ``reference``: the reference pack whose real gov.cn pages the replay serves (``...``
    resolves it as :func:`policywatch.store.reference.resolve_reference` does; ``None``:
    the reconstructed pages alone)."""
    from policywatch.commands.crawl import summarize_run

    if reference is ...:
        reference = resolve_reference()
    reset_database(db_path, force=force)
    figures: dict[str, Any] = {"reference": str(reference) if reference else None}
    with ReplayServer(reference=reference) as replay:
        if reference is not None:
            echo(f"Replay of the watched sites on {replay.base_url} (real gov.cn pages plus "
                 "reconstructed ones, marked as such; not official texts)")
        else:
            echo(f"Replay of the watched sites on {replay.base_url} (reconstructed pages "
                 f"alone, marked as such; not official texts): {absent_note()}")
        echo("")
        echo("Step 1: crawl every source with the real spiders")
        started = time.perf_counter()
        # One source after another, one request at a time: the same ids on every run, so
        # the README's examples name the same notices.
        first = run_crawl_subprocess(db_path, replay_base=replay.base_url, progress=True,
                                     sequential=True)
        figures["first_crawl_s"] = time.perf_counter() - started
        for run in first:
            echo("  " + summarize_run(run))
        echo("")
        echo("Step 2: the sites move on (2026 Measures published); crawl again")
        replay.site.set_layers([*[layer.name for layer in replay.site.layers], LATER_LAYER])
        started = time.perf_counter()
        second = run_crawl_subprocess(db_path, replay_base=replay.base_url, progress=True,
                                      sequential=True)
        figures["second_crawl_s"] = time.perf_counter() - started
        for run in second:
            echo("  " + summarize_run(run))
    figures["runs"] = first + second
    summary = _store_summary(db_path)
    figures["summary"] = summary
    echo("")
    echo(f"Stored in {db_path}: {summary['notices']} notices from {summary['sources']} "
         f"sources, {summary['versions']} versions, {summary['attachments']} attachments, "
         f"{summary['health']} source-health events")
    for row in summary["per_source"]:
        echo(f"  {row['source_id']:<10} {row['notices']} notices")
    echo("Latest notices:")
    for row in summary["latest"]:
        echo(f"  #{row['id']:<4} {row['published_date'] or '':<10}  [{row['source_id']}] "
             f"{row['title']}")
    with open_store(db_path) as store:
        echo("")
        echo("Step 3: the NLP stage over every stored version")
        figures["process"] = process_pending(store, echo=lambda line: echo("  " + line))
        figures["lineage"] = show_lineage_and_diff(store, echo)
        echo("")
        echo("Step 4: two example searches over what was crawled")
        figures["search"] = run_demo_searches(store, echo)
        echo("")
        echo("Step 5: the alerts these crawls produced")
        figures["alerts"] = show_alerts(store, echo)
    echo("")
    echo("Stages run: crawl, store, extraction, lineage and diffs, search, alerts.")
    return figures


def show_alerts(store: Any, echo: Echo) -> dict[str, Any]:
    """Derive events, print them, and deliver the SRDI ones to an Atom feed subscription."""
    from policywatch.alerts import demo_alerts
    from policywatch.alerts.delivery import default_feed_path, notify
    from policywatch.settings import AlertSettings
    from policywatch.store.alerts import add_subscription

    events = demo_alerts(store, echo)
    feed_path = default_feed_path(store)
    # What `policywatch subscribe` and `notify` do, called as the library (no config file
    # from the working directory changes the demo).
    subscription_id = add_subscription(
        store, channel="feed", target=str(feed_path.resolve()), backfill=True,
        filters={"tiers": ["srdi_sme"], "types": ["criteria_changed", "repealed"]})
    echo("")
    echo(f"$ policywatch subscribe --feed --tier srdi_sme --event criteria_changed "
         f"--event repealed --backfill   (subscription #{subscription_id})")
    settings = AlertSettings()
    first = notify(store, settings=settings)
    echo(f"$ policywatch notify   -> {first.sent} events delivered to {feed_path}")
    again = notify(store, settings=settings)
    echo(f"$ policywatch notify   -> {again.sent} delivered the second time (exactly once)")
    return {"events": len(events), "subscription_id": subscription_id,
            "delivered": first.sent, "delivered_again": again.sent,
            "feed": str(feed_path)}


def show_lineage_and_diff(store: Any, echo: Echo) -> dict[str, Any]:
    """Print the lineage of the newest superseding measure and its criteria diff."""
    from policywatch.nlp.link.linking import notice_lineage

    change = next(iter(store.db.query(
        "select c.*, v.notice_id as new_notice_id from changes c join versions v on "
        "v.id = c.new_version_id where c.kind = 'superseded' order by "
        "length(c.criteria_changes) desc, c.id limit 1")), None)
    if change is None:
        echo("  (no measure was superseded in this crawl)")
        return {}
    view = notice_lineage(store, change["new_notice_id"])
    echo("")
    echo(f"Lineage of notice {view['notice_id']} (measure {view['measure_id']}; "
         f"policywatch lineage {view['notice_id']}):")
    for version in view["versions"]:
        echo(f"  notice {version['notice_id']:<4} {version['published'] or '':<10} "
             f"[{version['language']}] {version['title']}")
    for edge in view["edges"]:
        if edge["type"] in {"supersedes", "translation_of", "same_as"}:
            echo(f"  notice {edge['from']} {edge['type']} notice {edge['to']} "
                 f"(confidence {edge['confidence']:.2f}): {describe_evidence(edge['evidence'])}")
    linked = sum(1 for e in view["edges"] if e["type"] in {"interprets", "implements", "cites"})
    echo(f"  + {linked} notices that interpret, implement or cite it")
    echo("")
    echo(f"Criteria diff, version {change['old_version_id']} -> {change['new_version_id']} "
         f"(policywatch diff v{change['old_version_id']} v{change['new_version_id']}):")
    for item in json.loads(change["criteria_changes"]):
        echo(f"  - {item['summary_en']}")
        echo(f"    {item['summary_zh']}")
    return {"notice_id": view["notice_id"], "measure_id": view["measure_id"],
            "change_id": change["id"]}
