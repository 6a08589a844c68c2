"""Deriving alert events from what the crawl and NLP stages stored.

An event annotates something a researcher may want to hear about once:

- ``new_measure``: a notice that starts a measure (not a new version of an earlier one,
  not a copy on another site, not a translation);
- ``new_version``: a change (a pair of versions) of a measure, with its criteria diff;
- ``criteria_changed``: the same change when its criteria diff is not empty;
- ``repealed``: a notice that another one supersedes;
- ``effective_soon``: a measure takes effect or expires within N days;
- ``source_broken``: a source's last K crawl runs were all degraded or failed;
- ``eligibility_changed``: a new version flips a ``subscribe --profile`` company's status
  for a tier (:mod:`policywatch.eligibility.changes`; private to that subscription).

Derivation is a rerunnable stage: every event has a ``dedup_key`` and an existing key is
never derived again. A document published on two sites (MIIT and gov.cn) or translated is
one *cluster* (``same_as`` and ``translation_of`` edges); keys name clusters, so the four
changes "2022 Interim Measures on gov.cn/MIIT -> 2026 Measures on gov.cn/MIIT" are one
event. Page chrome never reaches this stage: a capture whose normalized title and text
did not change is no version (:func:`policywatch.store.notices.record_capture`), hence no change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from policywatch.settings import AlertSettings
from policywatch.store import Store
from policywatch.store.alerts import save_event
from policywatch.store.db import sidecar_path
from policywatch.store.marks import advance_mark, read_mark

PRODUCER = "policywatch.alerts.v1"
EVENT_TYPES = ("new_measure", "new_version", "criteria_changed", "repealed", "effective_soon",
               "source_broken", "eligibility_changed")
TYPE_LABELS = {
    "new_measure": ("新文件", "new measure"),
    "new_version": ("新版本", "new version"),
    "criteria_changed": ("认定条件变化", "criteria changed"),
    "repealed": ("废止", "repealed"),
    "effective_soon": ("即将施行或失效", "takes effect or expires soon"),
    "source_broken": ("来源异常", "source broken"),
    "eligibility_changed": ("资格变化", "eligibility changed"),
    "test": ("测试", "test"),  # the sample alert of `subscribe --test` and `test-channel`
}
CLUSTER_EDGES = ("same_as", "translation_of")
PUBLISHED_MODE = 0o644
BROKEN_STATUSES = ("degraded", "failed")


# -- naming things -----------------------------------------------------------------------
def quote_zh(title: str | None) -> str:
    """A title quoted in Chinese text; inner 《》 become 〈〉 as usual.

    >>> quote_zh("关于印发《办法》的通知")
    '《关于印发〈办法〉的通知》'
    """
    inner = (title or "（无标题）").replace("《", "〈").replace("》", "〉")
    return f"《{inner}》"


def quote_en(title: str | None) -> str:
    """A title quoted in English text."""
    return f"\u201c{title or '(untitled)'}\u201d"


def _number_zh(row: dict[str, Any]) -> str:
    return f"（{row['doc_number']}）" if row.get("doc_number") else ""


def _number_en(row: dict[str, Any]) -> str:
    return f" ({row['doc_number']})" if row.get("doc_number") else ""


def diff_folder_for(db_path: Path) -> Path:
    """Where full diffs of changes are written: ``<db stem>.diffs/`` next to the database."""
    return sidecar_path(db_path, ".diffs")


def diff_folder(store: Store) -> Path:
    """:func:`diff_folder_for` the open store's database."""
    return diff_folder_for(store.path)


# -- reading the store -------------------------------------------------------------------
def notice_clusters(store: Store) -> dict[int, int]:
    """Map each notice joined by ``same_as``/``translation_of`` edges to its cluster's lowest
    id; a notice missing from the map is its own cluster."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(node, node) != root:
            parent[node], node = root, parent[node]
        return root

    marks = ",".join("?" * len(CLUSTER_EDGES))
    for source, target in store.db.execute(
            f"select source_notice_id, target_notice_id from edges where type in ({marks})",
            list(CLUSTER_EDGES)).fetchall():
        a, b = find(source), find(target)
        if a != b:
            low, high = min(a, b), max(a, b)
            parent[high] = low
            parent.setdefault(low, low)
    return {node: find(node) for node in list(parent)}


def _members(clusters: dict[int, int]) -> dict[int, set[int]]:
    groups: dict[int, set[int]] = {}
    for node, root in clusters.items():
        groups.setdefault(root, set()).add(node)
    return groups


def _in(ids: Iterable[Any]) -> tuple[str, list[Any]]:
    values = list(ids)
    return ",".join("?" * len(values)) or "null", values


def notice_rows(store: Store, notice_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Latest-version facts of notices: title, number, issuer, language, source, region."""
    marks, values = _in(notice_ids)
    rows = store.db.query(
        "select n.id, n.kind, n.url, n.source_id, n.latest_version_id as version_id, v.title, "
        "v.doc_number, v.issuer, v.language, coalesce(v.published_date, v.written_date) as "
        "published, s.region, s.name as source_name, s.language as source_language from "
        "notices n left join versions v on v.id = n.latest_version_id left join sources s on "
        f"s.id = n.source_id where n.id in ({marks})", values)
    return {row["id"]: row for row in rows}


def _version_rows(store: Store, version_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    marks, values = _in(version_ids)
    return {row["id"]: row for row in store.db.query(
        "select v.id, v.notice_id, v.title, v.doc_number, v.issuer, v.language, "
        "coalesce(v.published_date, v.written_date) as published, n.url, n.source_id from "
        f"versions v join notices n on n.id = v.notice_id where v.id in ({marks})", values)}


def _extraction_facts(store: Store, version_ids: Iterable[int]
                      ) -> tuple[set[str], set[str], dict[int, dict[str, Any]]]:
    """Tiers, criteria metrics and the dates of the latest extraction of each version."""
    marks, values = _in(version_ids)
    tiers: set[str] = set()
    dates: dict[int, dict[str, Any]] = {}
    extraction_ids = []
    for row in store.db.query(
            f"select id, version_id, tiers, dates from extractions where version_id in ({marks}) "
            "and id in (select max(id) from extractions group by version_id)", values):
        tiers.update(json.loads(row["tiers"] or "[]"))
        dates[row["version_id"]] = json.loads(row["dates"] or "{}")
        extraction_ids.append(row["id"])
    marks, values = _in(extraction_ids)
    metrics = {r[0] for r in store.db.execute(
        f"select distinct metric from criteria where extraction_id in ({marks})",
        values).fetchall()}
    return {t for t in tiers if t}, metrics, dates


def facets(store: Store, notice_ids: Iterable[int], *, clusters: dict[int, int],
           version_ids: Iterable[int] = (), criteria_changes: list[dict[str, Any]] | None = None
           ) -> dict[str, Any]:
    """What subscriptions filter on, for an event about these notices.

    Sources, regions, issuers and languages come from every notice of the notices'
    clusters (a MIIT subscriber hears about a change first seen on gov.cn). Tiers and
    metrics come from the criteria diff when there is one, else from the extraction.
    """
    primary = list(dict.fromkeys(notice_ids))
    roots = {clusters.get(n, n) for n in primary}
    related = set(primary) | {n for n, r in clusters.items() if r in roots}
    rows = notice_rows(store, related)
    versions = list(version_ids) or [rows[n]["version_id"] for n in primary
                                     if n in rows and rows[n]["version_id"]]
    tiers, metrics, _ = _extraction_facts(store, versions)
    if criteria_changes:
        tiers = {c["tier"] for c in criteria_changes if c.get("tier")}
        metrics = {c["metric"] for c in criteria_changes if c.get("metric")}
    notices = [{"id": n, "title": rows[n]["title"], "url": rows[n]["url"],
                "source_id": rows[n]["source_id"], "doc_number": rows[n]["doc_number"],
                "issuer": rows[n]["issuer"], "published": rows[n]["published"],
                "language": rows[n]["language"] or rows[n]["source_language"]}
               for n in primary if n in rows]

    def values(key: str) -> list[str]:
        return sorted({str(rows[n][key]) for n in rows if rows[n].get(key)})

    languages = {rows[n]["language"] or rows[n]["source_language"] for n in rows}
    return {
        "notices": notices,
        "related_notice_ids": sorted(related - set(primary)),
        "tiers": sorted(tiers),
        "metrics": sorted(metrics),
        "issuers": values("issuer"),
        "regions": values("region"),
        "sources": values("source_id"),
        "languages": sorted(x for x in languages if x),
        "doc_numbers": values("doc_number"),
        "titles": values("title"),
    }


# -- full diffs --------------------------------------------------------------------------
def write_change_diff(store: Store, change: dict[str, Any]) -> Path:
    """Write a change's full diff as ``<id>.html`` and ``<id>.md`` (mode 0644: they are
    written to be published); return the HTML path."""
    from policywatch.diffview import render_html, render_markdown
    from policywatch.nlp.link.diff import diff_versions
    from policywatch.nlp.link.linking import version_for_diff

    diff = diff_versions(version_for_diff(store, change["old_version_id"]),
                         version_for_diff(store, change["new_version_id"]))
    folder = diff_folder(store)
    if not folder.exists():
        folder.mkdir(parents=True)
        folder.chmod(0o755)  # published by `serve` and by whoever serves the files
    html_path = folder / f"{change['id']}.html"
    markdown_path = folder / f"{change['id']}.md"
    html_path.write_text(render_html(diff), encoding="utf-8")
    markdown_path.write_text(render_markdown(diff), encoding="utf-8")
    for path in (html_path, markdown_path):
        path.chmod(PUBLISHED_MODE)  # `serve` publishes them; a 077 umask must not hide them
    return html_path.resolve()


# -- the derivations ---------------------------------------------------------------------
def _linked_notices(store: Store, notice_ids: Iterable[int]) -> list[int]:
    """Those of ``notice_ids`` that are linked pages or files with a version, in id order."""
    found: list[int] = []
    ids = sorted(set(notice_ids))
    for start in range(0, len(ids), 500):
        marks, values = _in(ids[start:start + 500])
        found += [r[0] for r in store.db.execute(
            "select n.id from notices n join lineage_notices l on l.notice_id = n.id where "
            f"n.kind in ('page', 'file') and n.latest_version_id is not null and n.id in "
            f"({marks}) order by n.id", values)]
    return sorted(found)


def _outgoing_edge_types(store: Store, notice_ids: Iterable[int]) -> dict[int, set[str]]:
    outgoing: dict[int, set[str]] = {}
    ids = sorted(set(notice_ids))
    for start in range(0, len(ids), 500):
        marks, values = _in(ids[start:start + 500])
        for source, kind in store.db.execute(
                "select source_notice_id, type from edges where type in "
                "('supersedes', 'amends', 'same_as', 'translation_of') and source_notice_id in "
                f"({marks})", values).fetchall():
            outgoing.setdefault(source, set()).add(kind)
    return outgoing


def _new_measure_events(store: Store, clusters: dict[int, int], known: KnownKeys,
                        candidates: Iterable[int]) -> list[dict[str, Any]]:
    """``new_measure`` for the clusters of ``candidates`` (notices linked, or given an edge,
    since the last derivation)."""
    groups = _members(clusters)
    roots = {clusters.get(n, n) for n in candidates}
    involved = {m for root in roots for m in groups.get(root, {root})}
    linked = _linked_notices(store, involved)
    linked_set = set(linked)
    outgoing = _outgoing_edge_types(store, linked_set)
    events = []
    seen: set[int] = set()
    for notice_id in linked:
        root = clusters.get(notice_id, notice_id)
        if root in seen or root not in roots:
            continue
        seen.add(root)
        key = f"new_measure:notice:{root}"
        if key in known:
            continue
        known.add(key)
        members = sorted(groups.get(root, {notice_id}) & linked_set) or [notice_id]
        if any(outgoing.get(m, set()) & {"supersedes", "amends"} for m in members):
            continue  # a new version of an earlier measure: a change, not a new measure
        originals = [m for m in members
                     if not outgoing.get(m, set()) & {"same_as", "translation_of"}]
        notice = (originals or members)[0]
        facts = facets(store, [notice], clusters=clusters)
        row = notice_rows(store, [notice])[notice]
        issuer = row.get("issuer") or row.get("source_name") or ""
        when = row.get("published") or ""
        zh_bits = "，".join(b for b in (row.get("doc_number"), issuer, when) if b)
        en_bits = ", ".join(b for b in (row.get("doc_number"), issuer, when) if b)
        events.append({
            "type": "new_measure", "dedup_key": key, "title": row["title"],
            "notice_ids": [notice], "measure_id": _measure_of(store, notice),
            "source_id": row["source_id"],
            "summary_zh": f"新文件：{quote_zh(row['title'])}" + (f"（{zh_bits}）" if zh_bits
                                                                else ""),
            "summary_en": f"New notice: {quote_en(row['title'])}" + (f" ({en_bits})" if en_bits
                                                                   else ""),
            "payload": {**facts, "url": row["url"]},
        })
    return events


def _measure_of(store: Store, notice_id: int) -> str | None:
    row = store.db.execute("select measure_id from notice_measures where notice_id = ?",
                           [notice_id]).fetchone()
    return row[0] if row else None


def _change_key(change: dict[str, Any], versions: dict[int, dict[str, Any]],
                clusters: dict[int, int]) -> str:
    if change["kind"] == "new_version":
        return f"version:{change['old_version_id']}->{change['new_version_id']}"
    old_notice = versions[change["old_version_id"]]["notice_id"]
    new_notice = versions[change["new_version_id"]]["notice_id"]
    return (f"notice:{clusters.get(old_notice, old_notice)}->"
            f"{clusters.get(new_notice, new_notice)}")


def _rows_with_ids(store: Store, table: str, ids: Iterable[int], where: str = "1"
                   ) -> list[dict[str, Any]]:
    """Rows of ``table`` with these ids (and ``where``), in id order."""
    wanted = sorted(set(ids))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        marks, values = _in(wanted[start:start + 500])
        rows += store.db.query(f"select * from {table} where id in ({marks}) and {where}",
                               values)
    return sorted(rows, key=lambda row: row["id"])


def _change_events(store: Store, clusters: dict[int, int], write_diffs: bool,
                   known: KnownKeys, change_ids: Iterable[int]) -> list[dict[str, Any]]:
    events = []
    changes = _rows_with_ids(store, "changes", change_ids)
    if not changes:
        return events
    versions = _version_rows(store, {c["old_version_id"] for c in changes}
                             | {c["new_version_id"] for c in changes})
    for change in changes:
        if change["old_version_id"] not in versions or change["new_version_id"] not in versions:
            continue
        change_key = _change_key(change, versions, clusters)
        wanted = ["new_version"]
        criteria = json.loads(change["criteria_changes"] or "[]")
        if criteria:
            wanted.append("criteria_changed")
        todo = [t for t in wanted if f"{t}:{change_key}" not in known]
        known.update(f"{t}:{change_key}" for t in wanted)
        if not todo:
            continue
        old, new = versions[change["old_version_id"]], versions[change["new_version_id"]]
        notice_ids = list(dict.fromkeys([old["notice_id"], new["notice_id"]]))
        diff_path = str(write_change_diff(store, change)) if write_diffs else None
        base = {
            "notice_ids": notice_ids, "measure_id": change["measure_id"],
            "change_id": change["id"], "source_id": new["source_id"], "title": new["title"],
            "diff_path": diff_path,
        }
        summary_zh, summary_en = change["summary_zh"] or "", change["summary_en"] or ""
        facts = facets(store, notice_ids, clusters=clusters, version_ids=[old["id"], new["id"]],
                       criteria_changes=criteria or None)
        payload = {**facts, "change_key": change_key, "kind": change["kind"],
                   "old_version_id": old["id"], "new_version_id": new["id"],
                   "criteria_changes": criteria,
                   "clause_counts": json.loads(change["clause_counts"] or "{}")}
        for event_type in todo:
            if event_type == "criteria_changed":
                zh = (f"{quote_zh(new['title'])}{_number_zh(new)}认定条件变化{len(criteria)}项："
                      f"{summary_zh}")
                en = (f"Criteria changed in {quote_en(new['title'])}{_number_en(new)} "
                      f"({len(criteria)}): {summary_en}")
            elif change["kind"] == "new_version":
                zh = f"{quote_zh(new['title'])}有新版本：{summary_zh}"
                en = f"New version of {quote_en(new['title'])}: {summary_en}"
            else:
                verb_zh, verb_en = (("取代", "supersedes") if change["kind"] == "superseded"
                                    else ("修订", "amends"))
                zh = (f"{quote_zh(new['title'])}{_number_zh(new)}{verb_zh}"
                      f"{quote_zh(old['title'])}{_number_zh(old)}：{summary_zh}")
                en = (f"{quote_en(new['title'])}{_number_en(new)} {verb_en} "
                      f"{quote_en(old['title'])}{_number_en(old)}: {summary_en}")
            events.append({**base, "type": event_type, "dedup_key": f"{event_type}:{change_key}",
                           "summary_zh": zh, "summary_en": en, "payload": payload})
    return events


def _repealed_events(store: Store, clusters: dict[int, int], write_diffs: bool,
                     known: KnownKeys, edge_ids: Iterable[int]) -> list[dict[str, Any]]:
    events = []
    for edge in _rows_with_ids(store, "edges", edge_ids, "type = 'supersedes'"):
        old_id, new_id = edge["target_notice_id"], edge["source_notice_id"]
        key = f"repealed:notice:{clusters.get(old_id, old_id)}"
        if key in known:
            continue
        known.add(key)
        rows = notice_rows(store, [old_id, new_id])
        if old_id not in rows or new_id not in rows:
            continue
        old, new = rows[old_id], rows[new_id]
        change = next(iter(store.db.query(
            "select * from changes where old_version_id = ? and new_version_id = ?",
            [old["version_id"], new["version_id"]])), None)
        diff_path = None
        if change is not None and write_diffs:
            existing = diff_folder(store) / f"{change['id']}.html"
            diff_path = str(existing.resolve() if existing.exists()
                            else write_change_diff(store, change))
        evidence = json.loads(edge["evidence"] or "{}")
        facts = facets(store, [old_id, new_id], clusters=clusters,
                       version_ids=[old["version_id"]])
        events.append({
            "type": "repealed", "dedup_key": key, "title": old["title"],
            "notice_ids": [old_id, new_id], "measure_id": _measure_of(store, old_id),
            "change_id": change["id"] if change else None, "source_id": old["source_id"],
            "summary_zh": (f"{quote_zh(old['title'])}{_number_zh(old)}已废止，由"
                           f"{quote_zh(new['title'])}{_number_zh(new)}取代"),
            "summary_en": (f"{quote_en(old['title'])}{_number_en(old)} is repealed, "
                           f"replaced by {quote_en(new['title'])}{_number_en(new)}"),
            "diff_path": diff_path,
            "payload": {**facts, "repealed_notice_id": old_id, "replaced_by_notice_id": new_id,
                        "confidence": edge["confidence"], "evidence": evidence},
        })
    return events


def _stated_repeal_events(store: Store, clusters: dict[int, int], write_diffs: bool,
                          known: KnownKeys, change_ids: Iterable[int]
                          ) -> list[dict[str, Any]]:
    """A page whose new version says it is repealed (该文件已于…废止) is a repeal, whether or
    not its successor is in the store (when it is, the supersedes edge's event came first
    and the shared key keeps this one out)."""
    events = []
    for change in _rows_with_ids(store, "changes", change_ids, "repeal is not null"):
        versions = _version_rows(store, [change["new_version_id"]])
        new = versions.get(change["new_version_id"])
        if new is None:
            continue
        notice_id = new["notice_id"]
        key = f"repealed:notice:{clusters.get(notice_id, notice_id)}"
        if key in known:
            continue
        known.add(key)
        repeal = json.loads(change["repeal"])
        row = notice_rows(store, [notice_id])[notice_id]
        diff_path = str(write_change_diff(store, change)) if write_diffs else None
        when_zh = f"于{repeal['date']}" if repeal.get("date") else ""
        when_en = f" from {repeal['date']}" if repeal.get("date") else ""
        successor_zh = f"，现行文件为《{repeal['successor']}》" if repeal.get("successor") else ""
        successor_en = (f"; in force instead: 《{repeal['successor']}》"
                        if repeal.get("successor") else "")
        facts = facets(store, [notice_id], clusters=clusters,
                       version_ids=[change["new_version_id"]])
        events.append({
            "type": "repealed", "dedup_key": key, "title": row["title"],
            "notice_ids": [notice_id], "measure_id": _measure_of(store, notice_id),
            "change_id": change["id"], "source_id": row["source_id"],
            "summary_zh": f"{quote_zh(row['title'])}{_number_zh(row)}已{when_zh}废止{successor_zh}",
            "summary_en": (f"{quote_en(row['title'])}{_number_en(row)} is repealed{when_en} "
                           f"(the page says so){successor_en}"),
            "diff_path": diff_path,
            "payload": {**facts, "repealed_notice_id": notice_id, "statement": repeal},
        })
    return events


def _effective_soon_events(store: Store, clusters: dict[int, int], today: date, days: int,
                           known: KnownKeys) -> list[dict[str, Any]]:
    """Measures taking effect or expiring between ``today`` and ``days`` later.

    Driven by the calendar, not by new rows: a date comes into the window as days pass.
    SQLite picks the extractions whose dates fall in the window (ISO dates compare as
    text), so Python reads only those.
    """
    horizon = today + timedelta(days=days)
    found: dict[str, dict[str, Any]] = {}
    window = [today.isoformat(), horizon.isoformat() + "~"] * 2
    for row in store.db.query(
            "select n.id as notice_id, e.dates from notices n join extractions e on "
            "e.version_id = n.latest_version_id where n.kind in ('page', 'file') and "
            "(json_extract(e.dates, '$.effective') between ? and ? or "
            "json_extract(e.dates, '$.expires') between ? and ?) and "
            "e.id = (select max(x.id) from extractions x where x.version_id = e.version_id) "
            "order by n.id", window):
        dates = json.loads(row["dates"] or "{}")
        for which in ("effective", "expires"):
            try:
                day = date.fromisoformat(str(dates.get(which) or "")[:10])
            except ValueError:
                continue
            if not today <= day <= horizon:
                continue
            root = clusters.get(row["notice_id"], row["notice_id"])
            key = f"effective_soon:notice:{root}:{which}:{day.isoformat()}"
            found.setdefault(key, {"which": which, "day": day, "notices": []})
            found[key]["notices"].append(row["notice_id"])
    events = []
    for key, hit in found.items():
        if key in known:
            continue
        known.add(key)
        notice_id = hit["notices"][0]
        row = notice_rows(store, [notice_id])[notice_id]
        left = (hit["day"] - today).days
        day = hit["day"].isoformat()
        if hit["which"] == "effective":
            zh = f"{quote_zh(row['title'])}{_number_zh(row)}将于{day}起施行（还有{left}天）"
            en = f"{quote_en(row['title'])}{_number_en(row)} takes effect on {day} (in {left} days)"
        else:
            zh = f"{quote_zh(row['title'])}{_number_zh(row)}将于{day}失效（还有{left}天）"
            en = f"{quote_en(row['title'])}{_number_en(row)} expires on {day} (in {left} days)"
        facts = facets(store, hit["notices"], clusters=clusters)
        events.append({
            "type": "effective_soon", "dedup_key": key, "title": row["title"],
            "notice_ids": hit["notices"], "measure_id": _measure_of(store, notice_id),
            "source_id": row["source_id"], "summary_zh": zh, "summary_en": en,
            "payload": {**facts, "date_kind": hit["which"], "date": day, "days_left": left},
        })
    return events


def _source_broken_events(store: Store, threshold: int, known: KnownKeys,
                          run_ids: Iterable[int]) -> list[dict[str, Any]]:
    """``source_broken`` for the sources of crawl runs started or finished since the last
    derivation (only a new run can start or lengthen a streak)."""
    ids = sorted(set(run_ids))
    sources: set[str] = set()
    for start in range(0, len(ids), 500):
        marks, values = _in(ids[start:start + 500])
        sources.update(r[0] for r in store.db.execute(
            "select distinct json_extract(args, '$.source') from runs where kind = 'crawl' "
            f"and json_valid(args) and id in ({marks})", values) if r[0])
    runs: dict[str, list[dict[str, Any]]] = {}
    for source_id in sorted(sources):
        history = runs.setdefault(source_id, [])
        # Newest first, up to the first run that went well: that is the whole streak.
        for row in store.db.query(
                "select id, status, json_extract(args, '$.source') as source, started_at, "
                "finished_at from runs where kind = 'crawl' and status not in "
                "('running', 'interrupted') and json_valid(args) and "
                "json_extract(args, '$.source') = ? order by id desc", [source_id]):
            history.append(row)
            if row["status"] not in BROKEN_STATUSES:
                break
    events = []
    for source_id, history in sorted(runs.items()):
        streak = []
        for run in history:
            if run["status"] not in BROKEN_STATUSES:
                break
            streak.append(run)
        if len(streak) < max(threshold, 1):
            continue
        first = streak[-1]
        key = f"source_broken:{source_id}:run{first['id']}"
        if key in known:
            continue
        known.add(key)
        run_ids = [r["id"] for r in streak]
        marks, values = _in(run_ids)
        kinds = {r[0]: r[1] for r in store.db.execute(
            f"select kind, count(*) from health_events where run_id in ({marks}) group by kind "
            "order by kind", values).fetchall()}
        last_event = next(iter(store.db.query(
            f"select kind, url, http_status, detail from health_events where run_id in ({marks}) "
            "order by id desc limit 1", values)), None)
        source = next(iter(store.db.query("select * from sources where id = ?", [source_id])),
                      {"id": source_id, "name": source_id, "region": None, "language": None})
        what = ", ".join(f"{k} ×{v}" for k, v in kinds.items()) or \
            "/".join(sorted({r["status"] for r in streak}))
        last = streak[0]["finished_at"] or streak[0]["started_at"]
        events.append({
            "type": "source_broken", "dedup_key": key, "title": source.get("name") or source_id,
            "notice_ids": [], "source_id": source_id,
            "summary_zh": f"来源 {source_id}（{source.get('name') or source_id}）连续{len(streak)}"
                          f"次抓取异常（{what}），最近一次 {last}",
            "summary_en": f"Source {source_id} ({source.get('name') or source_id}) was degraded "
                          f"or failed in {len(streak)} crawl runs in a row ({what}); last run "
                          f"{last}",
            "payload": {"notices": [], "tiers": [], "metrics": [], "issuers": [],
                        "regions": [source["region"]] if source.get("region") else [],
                        "sources": [source_id],
                        "languages": [source["language"]] if source.get("language") else [],
                        "doc_numbers": [], "titles": [], "runs": run_ids,
                        "statuses": [r["status"] for r in streak], "health": kinds,
                        "last_health_event": last_event, "threshold": threshold},
        })
    return events


def _eligibility_events(store: Store, clusters: dict[int, int], known: KnownKeys
                        ) -> list[dict[str, Any]]:
    """Status flips of profile subscriptions, with the facets every event has and the
    change's full diff when one was written."""
    from policywatch.eligibility.changes import profile_events

    events = profile_events(store, clusters, known)
    for event in events:
        facts = facets(store, event["notice_ids"], clusters=clusters,
                       version_ids=event["payload"]["version_ids"])
        event["payload"] = {**facts, **event["payload"]}
        existing = diff_folder(store) / f"{event['change_id']}.html"
        if event["change_id"] and existing.exists():
            event["diff_path"] = str(existing.resolve())
    return events


#: The ``stage_marks`` row holding the last ``derivation_log`` id derivation has read.
WATERMARK = "events.derivation_log"


class KnownKeys:
    """The ``dedup_key`` of every recorded event, asked of the store one key at a time (the
    unique index answers), plus the keys this derivation has produced."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.added: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return key in self.added or self.store.db.execute(
            "select 1 from events where dedup_key = ?", [key]).fetchone() is not None

    def add(self, key: str) -> None:
        self.added.add(key)

    def update(self, keys: Iterable[str]) -> None:
        self.added.update(keys)


def pending_derivation(store: Store) -> dict[str, int]:
    """How many logged rows event derivation has not read yet, by table (``changes``,
    ``edges``, ``lineage_notices``, ``runs``): what ``alerts`` and ``feed`` call stale."""
    mark = read_mark(store, WATERMARK)
    return {source: count for source, count in store.db.execute(
        "select source, count(*) from derivation_log where id > ? group by source",
        [mark]).fetchall()}


def derive_events(store: Store, *, settings: AlertSettings | None = None,
                  today: date | None = None, write_diffs: bool = True
                  ) -> list[dict[str, Any]]:
    """Derive the events the store's new rows make, record them, and return them (with ids).

    Incremental: reads only what ``derivation_log`` lists after the watermark (changes,
    edges, notices linked again, crawl runs; the triggers of migration m012 log them in
    commit order), then moves the watermark to the last entry read, after the events are
    recorded (a run that dies in between derives those rows again, and their keys keep
    them from being recorded twice). Dates coming into the ``effective_soon`` window are
    found by a query on the window; profile flips by
    :func:`policywatch.eligibility.changes.profile_events` from its own version mark.
    Run after extraction and linking (``policywatch process`` does): changes, edges and
    dates come from those stages. Rerunning derives nothing twice.

    Args:
        store: the open store.
        settings: N days for ``effective_soon`` and K runs for ``source_broken``.
        today: the day ``effective_soon`` counts from (default: today, UTC).
        write_diffs: write each change's full diff next to the database.
    """
    from datetime import UTC, datetime

    settings = settings or AlertSettings()
    today = today or datetime.now(UTC).date()
    mark = read_mark(store, WATERMARK)
    logged: dict[str, set[int]] = {"changes": set(), "edges": set(), "lineage_notices": set(),
                                   "runs": set()}
    last = mark
    for entry_id, source, row_id in store.db.execute(
            "select id, source, row_id from derivation_log where id > ? order by id", [mark]):
        logged.setdefault(source, set()).add(row_id)
        last = entry_id
    edge_ends = {n for row in _rows_with_ids(store, "edges", logged["edges"])
                 for n in (row["source_notice_id"], row["target_notice_id"])}
    clusters = notice_clusters(store)
    known = KnownKeys(store)  # each derivation adds the keys it produces
    candidates = [
        *_new_measure_events(store, clusters, known, logged["lineage_notices"] | edge_ends),
        *_change_events(store, clusters, write_diffs, known, logged["changes"]),
        *_repealed_events(store, clusters, write_diffs, known, logged["edges"]),
        *_stated_repeal_events(store, clusters, write_diffs, known, logged["changes"]),
        *_effective_soon_events(store, clusters, today, settings.effective_soon_days, known),
        *_source_broken_events(store, settings.source_broken_runs, known, logged["runs"]),
        *_eligibility_events(store, clusters, known),
    ]
    recorded = []
    for event in candidates:
        event["producer"] = PRODUCER
        event_id = save_event(store, event)
        if event_id is not None:
            recorded.append({**event, "id": event_id})
    if last > mark:
        advance_mark(store, WATERMARK, last)
        with store.db.atomic():  # what every derivation has read is of no further use
            store.db.execute("delete from derivation_log where id <= ?", [last])
    return recorded
