"""One document per page: the dict a template renders and ``/api/...`` returns as JSON.

Every function here reads the store and returns plain data (strings, numbers, lists,
dicts), never markup: the templates escape all of it (Jinja2 autoescape). The one field
that carries markup is a search snippet, ``snippet``, which
:meth:`~policywatch.nlp.retrieval.search.SearchResult.snippet_html` escapes before it adds
its ``<mark>`` tags (the same string ``search --json`` prints).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policywatch.errors import PolicywatchError
from policywatch.store import Store
from policywatch.web.labels import (
    CHANGE_LABELS,
    CLAUSE_STATUS,
    DATE_LABELS,
    edge_label,
    event_label,
    kind_label,
    language_label,
    metric_label,
    pair,
    tier_choices,
    tier_label,
)

PAGE_SIZE = 20
MAX_PAGE = 500
#: Events read for the changes page before filtering (the whole history of a large store
#: runs to a few thousand).
EVENT_WINDOW = 100_000


class NotFound(PolicywatchError):
    """A notice, version, measure or subscription the store does not have."""


class BadRequest(PolicywatchError):
    """A parameter that names nothing (an unknown tier, a malformed date or id)."""


#: What a query string looks like to this module: ``getlist`` of a name.
Params = Any


def values(params: Params, name: str) -> list[str]:
    """Non-empty values of a parameter, repeated or comma-separated, in order.

    >>> class P(dict):
    ...     def getlist(self, name): return self.get(name, [])
    >>> values(P(tier=["srdi_sme, little_giant", ""]), "tier")
    ['srdi_sme', 'little_giant']
    """
    found: list[str] = []
    for raw in params.getlist(name):
        for part in str(raw).split(","):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return found


def single(params: Params, name: str) -> str | None:
    found = values(params, name)
    return found[0] if found else None


def page_number(params: Params) -> int:
    """The ``page`` parameter, 1 when absent or malformed, at most :data:`MAX_PAGE`."""
    raw = single(params, "page") or "1"
    return max(1, min(MAX_PAGE, int(raw))) if raw.isdigit() else 1


def page_size(params: Params, default: int = PAGE_SIZE, most: int = 100) -> int:
    raw = single(params, "limit") or ""
    return max(1, min(most, int(raw))) if raw.isdigit() else default


def _date_bounds(params: Params) -> tuple[str | None, str | None]:
    from policywatch.nlp.retrieval.search import FilterError, parse_date_bound

    try:
        start = parse_date_bound(single(params, "from"), False)
        end = parse_date_bound(single(params, "to"), True)
    except FilterError as exc:
        raise BadRequest(str(exc)) from None
    if start and end and start > end:
        raise BadRequest(f"the date range is empty: {start} is after {end}")
    return start, end


def _filtered_query(params: Params, keep: Sequence[str]) -> dict[str, list[str]]:
    """The parameters a page was asked with (for its links and its filter form)."""
    return {name: values(params, name) for name in keep if values(params, name)}


# -- notices: facts and links ------------------------------------------------------------
def notice_facts(store: Store, notice_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Latest-version facts of notices: title, number, issuer, dates, source and region."""
    ids = sorted({int(i) for i in notice_ids})
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = store.db.query(
        "select n.id as notice_id, n.url, n.kind as notice_kind, n.source_id, "
        "n.latest_version_id as version_id, n.first_seen_at, n.last_seen_at, "
        "coalesce(v.title, n.title) as title, v.doc_number, v.issuer, v.language, "
        "v.published_date as published, v.written_date as written, s.name as source_name, "
        "s.region from notices n left join versions v on v.id = n.latest_version_id "
        f"left join sources s on s.id = n.source_id where n.id in ({marks})", ids)
    return {row["notice_id"]: row for row in rows}


def notice_link(row: Mapping[str, Any]) -> dict[str, Any]:
    """The short form of a notice that lists and edges show."""
    return {"notice_id": row["notice_id"], "title": row.get("title") or "",
            "url": row.get("url"), "source_id": row.get("source_id"),
            "published": row.get("published"), "doc_number": row.get("doc_number"),
            "language": row.get("language"), "region": row.get("region"),
            "href": f"/notices/{row['notice_id']}"}


# -- the changes page (/) ----------------------------------------------------------------
CHANGE_FILTERS = ("type", "tier", "region", "issuer", "source", "language", "q", "from", "to")


def event_filters(params: Params) -> dict[str, list[str]]:
    """Subscription-style filters (:mod:`policywatch.alerts.subscriptions`) from the page's
    parameters: tiers by id or name, regions and issuers through the glossary (``Beijing``
    is 北京市, ``MIIT`` is 工业和信息化部)."""
    from policywatch.alerts.events import EVENT_TYPES
    from policywatch.alerts.subscriptions import normalize_filters
    from policywatch.nlp.retrieval.search import FilterError, resolve_filters

    types = values(params, "type")
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise BadRequest(f"unknown event type {unknown[0]!r} (one of {', '.join(EVENT_TYPES)})")
    try:
        resolved = resolve_filters(tiers=tuple(values(params, "tier")),
                                   regions=tuple(values(params, "region")),
                                   issuers=tuple(values(params, "issuer")))
    except FilterError as exc:
        raise BadRequest(str(exc)) from None
    languages = [v for v in values(params, "language") if v in ("zh", "en")]
    return normalize_filters(types=types, tiers=list(resolved.tiers),
                             regions=list(resolved.regions), issuers=list(resolved.issuers),
                             sources=values(params, "source"), keywords=values(params, "q"),
                             languages=languages)


def event_date(event: Mapping[str, Any]) -> str:
    """The day an event is about: the date it names (effective-soon), else its newest
    notice's publication, else the day it was recorded."""
    payload = event.get("payload") or {}
    if payload.get("date"):
        return str(payload["date"])
    published = [n.get("published") for n in payload.get("notices", []) if n.get("published")]
    return max(published) if published else str(event.get("created_at") or "")[:10]


def select_events(store: Store, params: Params) -> list[dict[str, Any]]:
    """Events matching the page's filters (newest first), as a subscription would take
    them (:func:`policywatch.alerts.subscriptions.explain_match`), within the date range."""
    from policywatch.alerts.subscriptions import explain_match
    from policywatch.store.alerts import recent_events

    filters = event_filters(params)
    start, end = _date_bounds(params)
    chosen = []
    for event in recent_events(store, limit=EVENT_WINDOW):
        if explain_match(filters, event) is None:
            continue
        day = event_date(event)
        if (start and day < start) or (end and day > end):
            continue
        chosen.append(event)
    return chosen


def _changes_of(store: Store, change_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = sorted({int(i) for i in change_ids if i})
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {row["id"]: row for row in store.db.query(
        f"select id, old_version_id, new_version_id, kind, measure_id from changes "
        f"where id in ({marks})", ids)}


def event_view(event: Mapping[str, Any], changes: Mapping[int, Mapping[str, Any]]
               ) -> dict[str, Any]:
    """An event as the changes page and ``/api/changes`` show it: both summaries, its
    notices (each with its page and the official page), the diff page, the criteria."""
    payload = event.get("payload") or {}
    change = changes.get(event.get("change_id") or 0)
    diff_path = event.get("diff_path")
    return {
        "id": event["id"], "type": event["type"], "label": event_label(event["type"]),
        "title": event.get("title"), "date": event_date(event),
        "created_at": event.get("created_at"),
        "summary": pair(event.get("summary_zh") or "", event.get("summary_en") or ""),
        "notices": [{"notice_id": n["id"], "title": n.get("title") or "", "url": n.get("url"),
                     "source_id": n.get("source_id"), "published": n.get("published"),
                     "doc_number": n.get("doc_number"), "language": n.get("language"),
                     "href": f"/notices/{n['id']}"} for n in payload.get("notices", [])],
        "measure_id": event.get("measure_id"),
        "measure_href": f"/measures/{event['measure_id']}" if event.get("measure_id") else None,
        "tiers": [{"id": t, **tier_label(t)} for t in payload.get("tiers", [])],
        "regions": payload.get("regions", []), "sources": payload.get("sources", []),
        "criteria_changes": [pair(c.get("summary_zh", ""), c.get("summary_en", ""))
                             for c in payload.get("criteria_changes", [])],
        "diff": {
            "page": (f"/diff/v{change['old_version_id']}/v{change['new_version_id']}"
                     if change else None),
            "file": f"/diffs/{Path(diff_path).name}" if diff_path else None,
        },
        "deliveries": event.get("deliveries", {}),
    }


def changes_document(store: Store, params: Params) -> dict[str, Any]:
    """The changes page: events newest first, filtered and paged."""
    events = select_events(store, params)
    page, size = page_number(params), page_size(params)
    shown = events[(page - 1) * size: page * size]
    changes = _changes_of(store, [e.get("change_id") for e in shown])
    counts: dict[str, int] = {}
    for event in events:
        counts[event["type"]] = counts.get(event["type"], 0) + 1
    return {
        "events": [event_view(event, changes) for event in shown],
        "total": len(events), "counts": counts, "page": page, "page_size": size,
        "pages": max(1, -(-len(events) // size)), "has_next": page * size < len(events),
        "query": _filtered_query(params, CHANGE_FILTERS),
    }


# -- the notices list --------------------------------------------------------------------
NOTICE_FILTERS = ("tier", "source", "kind", "from")


def notices_document(store: Store, params: Params) -> dict[str, Any]:
    """Notices, newest publication first, filtered by tier, source, kind and date, paged."""
    from policywatch.nlp.retrieval.search import FilterError, resolve_tiers
    from policywatch.store.catalog import NoticeFilters, list_notices

    try:
        tiers = tuple(resolve_tiers(values(params, "tier")))
    except FilterError as exc:
        raise BadRequest(str(exc)) from None
    since, _ = _date_bounds(params)
    page, size = page_number(params), page_size(params)
    rows = list_notices(store, NoticeFilters(tiers=tiers, sources=tuple(values(params, "source")),
                                             kinds=tuple(values(params, "kind")), since=since),
                        limit=size + 1, offset=(page - 1) * size)
    facts = notice_facts(store, [row["notice_id"] for row in rows[:size]])
    notices = []
    for row in rows[:size]:
        fact = facts.get(row["notice_id"], {})
        notices.append({**notice_link({**row, "region": fact.get("region")}),
                        "version_id": row["version_id"], "versions": row["versions"],
                        "issuer": row["issuer"], "kind": row["kind"],
                        "kind_label": kind_label(row["kind"]), "doc_type": row["doc_type"],
                        "tiers": [{"id": t, **tier_label(t)} for t in row["tiers"]],
                        "measure_id": row["measure_id"]})
    return {"notices": notices, "page": page, "page_size": size,
            "has_next": len(rows) > size, "query": _filtered_query(params, NOTICE_FILTERS)}


# -- one notice --------------------------------------------------------------------------
def criterion_view(criterion: Mapping[str, Any]) -> dict[str, Any]:
    """A criterion as tables show it: tier and metric named, the threshold and its
    condition written out in both languages, the sentence it was read from."""
    from policywatch.nlp.link.diff import describe_condition, describe_threshold

    condition = criterion.get("condition")
    if isinstance(condition, str):
        condition = json.loads(condition) if condition else None
    typed = {**criterion, "condition": condition}
    return {
        "tier": criterion.get("tier"), "tier_label": tier_label(criterion.get("tier")),
        "metric": criterion["metric"], "metric_label": metric_label(criterion["metric"]),
        "op": criterion["op"], "value": criterion["value"], "unit": criterion.get("unit"),
        "period": criterion.get("period"),
        "threshold": pair(describe_threshold(typed, "zh"), describe_threshold(typed, "en")),
        "condition": pair(describe_condition(condition, "zh"),
                          describe_condition(condition, "en")) if condition else None,
        "text": criterion.get("text"), "clause_id": criterion.get("clause_id"),
    }


def _edge_view(edge: Mapping[str, Any], notice_id: int,
               facts: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    from policywatch.diffview import describe_evidence

    outgoing = edge["from"] == notice_id
    other = edge["to"] if outgoing else edge["from"]
    fact = facts.get(other) or {"notice_id": other, "title": f"#{other}"}
    source_fact = facts.get(edge["from"]) or {"notice_id": edge["from"]}
    target_fact = facts.get(edge["to"]) or {"notice_id": edge["to"]}
    return {"type": edge["type"], "label": edge_label(edge["type"]),
            "from": notice_link(source_fact), "to": notice_link(target_fact),
            "direction": "out" if outgoing else "in",
            "other": notice_link(fact),
            "confidence": edge["confidence"], "evidence": edge["evidence"],
            "evidence_text": describe_evidence(edge["evidence"])}


def notice_document(store: Store, notice_id: int) -> dict[str, Any]:
    """A notice: metadata with the official link, dates, criteria of its latest version,
    its versions (each diffable against the one before), the changes it takes part in,
    its lineage (typed edges with readable evidence), attachments and events."""
    from policywatch.nlp.link.linking import notice_lineage
    from policywatch.store.extractions import latest_extraction

    facts = notice_facts(store, [notice_id])
    if notice_id not in facts:
        raise NotFound(f"no notice {notice_id}")
    notice = facts[notice_id]
    versions = list(store.db.query(
        "select id as version_id, fetched_at, published_date as published, title, doc_number, "
        "format, language, substr(content_hash, 1, 12) as content_hash from versions "
        "where notice_id = ? order by id", [notice_id]))
    for before, after in zip(versions, versions[1:], strict=False):
        after["diff_href"] = f"/diff/v{before['version_id']}/v{after['version_id']}"
    extraction = latest_extraction(store, notice["version_id"]) if notice["version_id"] else None
    dates = (extraction or {}).get("dates") or {}
    lineage = notice_lineage(store, notice_id)
    related = {e["from"] for e in lineage["edges"]} | {e["to"] for e in lineage["edges"]}
    related |= {m["notice_id"] for m in lineage["versions"]}
    related_facts = notice_facts(store, related | {notice_id})
    version_ids = [v["version_id"] for v in versions]
    marks = ",".join("?" * len(version_ids)) or "null"
    changes = [
        {**row, "label": pair(*CHANGE_LABELS.get(row["kind"], (row["kind"], row["kind"]))),
         "summary": pair(row.pop("summary_zh") or "", row.pop("summary_en") or ""),
         "href": f"/diff/v{row['old_version_id']}/v{row['new_version_id']}"}
        for row in store.db.query(
            "select c.id, c.kind, c.old_version_id, c.new_version_id, c.summary_zh, "
            "c.summary_en, c.measure_id, ov.notice_id as old_notice_id, "
            "nv.notice_id as new_notice_id from changes c "
            "join versions ov on ov.id = c.old_version_id "
            "join versions nv on nv.id = c.new_version_id "
            f"where c.old_version_id in ({marks}) or c.new_version_id in ({marks}) "
            "order by c.id", version_ids * 2)]
    attachments = [
        {**row, "href": f"/notices/{row['notice_id']}" if row["notice_id"] else None}
        for row in store.db.query(
            "select name, url, status, detail, notice_id from attachments where version_id = ? "
            "order by position", [notice["version_id"]])] if notice["version_id"] else []
    parent_ids = [row[0] for row in store.db.execute(
        "select distinct pv.notice_id from attachments a join versions pv on pv.id = "
        "a.version_id where a.notice_id = ?", [notice_id]).fetchall()]
    parent_facts = notice_facts(store, parent_ids)
    parents = [notice_link(parent_facts[i]) for i in parent_ids if i in parent_facts]
    events = [{"id": row["id"], "type": row["type"], "label": event_label(row["type"]),
               "summary": pair(row["summary_zh"] or "", row["summary_en"] or ""),
               "created_at": row["created_at"]}
              for row in store.db.query(
                  "select e.id, e.type, e.summary_zh, e.summary_en, e.created_at from events e, "
                  "json_each(e.notice_ids) j where j.value = ? order by e.id desc",
                  [notice_id])]
    return {
        "notice": {**notice_link(notice), "version_id": notice["version_id"],
                   "issuer": notice["issuer"], "written": notice["written"],
                   "source_name": notice["source_name"], "notice_kind": notice["notice_kind"],
                   "first_seen_at": notice["first_seen_at"],
                   "last_seen_at": notice["last_seen_at"],
                   "language_label": language_label(notice["language"]),
                   "kind": (extraction or {}).get("kind"),
                   "kind_label": kind_label((extraction or {}).get("kind")),
                   "doc_type": (extraction or {}).get("doc_type"),
                   "tiers": [{"id": t, **tier_label(t)}
                             for t in (extraction or {}).get("tiers") or []]},
        "dates": [{"kind": key, "label": pair(*DATE_LABELS[key]), "date": dates.get(key)}
                  for key in DATE_LABELS if dates.get(key)],
        "criteria": [criterion_view(c) for c in (extraction or {}).get("criteria", [])],
        "extractor": (extraction or {}).get("extractor"),
        "versions": versions,
        "changes": changes,
        "measure_id": lineage["measure_id"],
        "measure_href": f"/measures/{lineage['measure_id']}" if lineage["measure_id"] else None,
        "measure_members": [notice_link(related_facts.get(m["notice_id"], m))
                            for m in lineage["versions"]],
        "edges": [_edge_view(edge, notice_id, related_facts) for edge in lineage["edges"]
                  if notice_id in (edge["from"], edge["to"])],
        "measure_edges": [_edge_view(edge, notice_id, related_facts)
                          for edge in lineage["edges"]
                          if notice_id not in (edge["from"], edge["to"])],
        "attachments": attachments,
        "attached_to": parents,
        "events": events,
    }


# -- a diff ------------------------------------------------------------------------------
def resolve_version_ref(store: Store, ref: str) -> int:
    """``12`` is notice 12 (its latest version); ``v34`` is version 34, as in
    ``policywatch diff``."""
    text = ref.strip().lower()
    if text.startswith("v") and text[1:].isdigit():
        version_id = int(text[1:])
        if store.db.execute("select 1 from versions where id = ?", [version_id]).fetchone():
            return version_id
        raise NotFound(f"no version {version_id}")
    if not text.isdigit():
        raise BadRequest(f"{ref!r} is neither a notice id (12) nor a version id (v34)")
    row = store.db.execute("select latest_version_id from notices where id = ?",
                           [int(text)]).fetchone()
    if row is None or row[0] is None:
        raise NotFound(f"no notice {text}")
    return int(row[0])


def _sides(ops: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """A redline split for side-by-side reading: the old text with its deletions, the new
    text with its insertions."""
    old = [op for op in ops if op["op"] in ("equal", "delete")]
    new = [op for op in ops if op["op"] in ("equal", "insert")]
    return old, new


def _clause_views(diff: Mapping[str, Any], include_unchanged: bool) -> list[dict[str, Any]]:
    views = []
    for entry in diff["clauses"]:
        status = entry["status"]
        if status == "unchanged" and not include_unchanged:
            continue
        old, new = entry.get("old") or {}, entry.get("new") or {}
        old_label = old.get("label") or old.get("id") or ""
        new_label = new.get("label") or new.get("id") or ""
        label = new_label or old_label
        if status in {"moved", "changed"} and old_label != new_label:
            label = f"{old_label} → {new_label}"
        if status == "changed":
            ops = entry["redline"]
        elif status == "removed":
            ops = [{"op": "delete", "text": old.get("text", "")}]
        elif status == "added":
            ops = [{"op": "insert", "text": new.get("text", "")}]
        else:
            ops = [{"op": "equal", "text": (new or old).get("text", "")}]
        left, right = _sides(ops)
        views.append({"status": status, "status_label": pair(*CLAUSE_STATUS[status]),
                      "label": label, "ops": ops, "old_ops": left, "new_ops": right})
    return views


def _side_view(store: Store, meta: Mapping[str, Any]) -> dict[str, Any]:
    version_id = meta.get("version_id")
    row = store.db.execute(
        "select v.notice_id, n.url, n.source_id, v.fetched_at from versions v join notices n "
        "on n.id = v.notice_id where v.id = ?", [version_id]).fetchone()
    notice_id, url, source_id, fetched_at = row if row else (None, None, None, None)
    return {"version_id": version_id, "notice_id": notice_id, "title": meta.get("title"),
            "doc_number": meta.get("doc_number"), "published": meta.get("published"),
            "url": url, "source_id": source_id, "fetched_at": fetched_at,
            "href": f"/notices/{notice_id}" if notice_id else None}


def _criteria_change_view(change: Mapping[str, Any]) -> dict[str, Any]:
    from policywatch.nlp.link.diff import describe_threshold

    def side(criterion: Any) -> dict[str, str] | None:
        if not criterion:
            return None
        return pair(describe_threshold(criterion, "zh"), describe_threshold(criterion, "en"))

    return {"change": change["change"], "tier": change.get("tier"),
            "tier_label": tier_label(change.get("tier")), "metric": change.get("metric"),
            "metric_label": metric_label(change.get("metric") or ""),
            "old": side(change.get("old")), "new": side(change.get("new")),
            "summary": pair(change.get("summary_zh", ""), change.get("summary_en", ""))}


def diff_document(store: Store, old_ref: str, new_ref: str, *, include_unchanged: bool = False,
                  attachments: Callable[[Store, int, int], list[dict[str, Any]]] | None = None
                  ) -> dict[str, Any]:
    """What changed between two versions (or two notices' latest versions): the typed
    criteria changes in both languages, then every changed clause as a redline (with the
    old and the new side apart for side-by-side reading), then attachments."""
    from policywatch.nlp.link.diff import diff_versions
    from policywatch.nlp.link.linking import version_for_diff

    old_id, new_id = resolve_version_ref(store, old_ref), resolve_version_ref(store, new_ref)
    diff = diff_versions(version_for_diff(store, old_id), version_for_diff(store, new_id))
    old_side, new_side = _side_view(store, diff["old"]), _side_view(store, diff["new"])
    extra = []
    for item in (attachments(store, old_id, new_id) if attachments else []):
        view = {"name": item["name"], "change": item["change"]}
        if "diff" in item:
            view["criteria_changes"] = [_criteria_change_view(c)
                                        for c in item["diff"]["criteria_changes"]]
            view["clauses"] = _clause_views(item["diff"], include_unchanged)
        extra.append(view)
    return {
        "old": old_side, "new": new_side, "producer": diff.get("diff"),
        "criteria_changes": [_criteria_change_view(c) for c in diff["criteria_changes"]],
        "counts": diff["counts"],
        "clauses": _clause_views(diff, include_unchanged),
        "attachments": extra,
        "same_notice": old_side["notice_id"] == new_side["notice_id"],
    }


# -- a measure's history -----------------------------------------------------------------
def _criteria_rows(store: Store, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """Criteria of the latest extraction of each version, with the version's date (its
    publication, else the date it was written, else, for an attachment, its page's
    publication; None when nothing dates it), its notice, the source's region and the
    notice's measure."""
    return list(store.db.query(
        "select c.tier, c.metric, c.op, c.value, c.unit, c.period, c.condition, c.text, "
        "c.version_id, v.notice_id, coalesce(v.published_date, v.written_date, "
        "(select min(pv.published_date) from attachments a join versions pv on "
        "pv.id = a.version_id where a.notice_id = v.notice_id)) as date, s.region, "
        "m.measure_id, e.kind "
        "from criteria c join extractions e on e.id = c.extraction_id "
        "join versions v on v.id = c.version_id join notices n on n.id = v.notice_id "
        "left join sources s on s.id = n.source_id "
        "left join notice_measures m on m.notice_id = v.notice_id "
        "where e.id = (select max(x.id) from extractions x where x.version_id = c.version_id) "
        f"and {where} order by date, c.version_id, c.id", params))


@dataclass(frozen=True)
class Point:
    date: str
    value: float
    label: str
    notice_id: int
    version_id: int


def _condition(row: Mapping[str, Any]) -> Any:
    return json.loads(row["condition"]) if row["condition"] else None


def _charted(row: Mapping[str, Any]) -> bool:
    """Thresholds a chart draws: unconditional ones and bands of a table (``revenue 1亿以上``);
    alternative routes (``or equity financing >= 2000万``) are in the tables, not the
    charts, where they would read as a second standard."""
    condition = _condition(row)
    return not condition or (isinstance(condition, dict) and "alternative_to" not in condition
                             and "alternative_group" not in condition)


def _series_name(row: Mapping[str, Any]) -> str:
    from policywatch.nlp.link.diff import describe_condition

    condition = _condition(row)
    region = row["region"] or "?"
    name = f"{'全国 national' if region == 'national' else region} · " \
           f"{row['measure_id'] or '#' + str(row['notice_id'])}"
    if condition:
        name += f" · {describe_condition(condition, 'zh')}"
    return name


def _metric_order() -> dict[str, int]:
    from policywatch.nlp.extract.lexicon import display_names

    return {key: position for position, key in enumerate(display_names("metrics"))}


def _chart(tier: str, metric: str, groups: Sequence[tuple[bool, list[dict[str, Any]]]],
           name_of: Callable[[Mapping[str, Any]], str]) -> dict[str, Any]:
    """One chart's data: the rows of ``(tier, metric)`` as series of dated points (one
    point per date and value), own series first."""
    from policywatch.nlp.link.diff import describe_threshold

    series: dict[str, dict[str, Any]] = {}
    unit = None
    for is_own, rows in groups:
        for row in rows:
            if (row["tier"] or "", row["metric"]) != (tier, metric) or not row["date"]:
                continue
            unit = unit or row["unit"]
            name = name_of(row)
            entry = series.setdefault(name, {"name": name, "own": is_own,
                                             "region": row["region"],
                                             "measure_id": row["measure_id"], "points": []})
            point = Point(row["date"], float(row["value"]),
                          describe_threshold({**row, "condition": None}, "zh"),
                          row["notice_id"], row["version_id"])
            if not any(p.date == point.date and p.value == point.value
                       for p in entry["points"]):
                entry["points"].append(point)
    return {
        "tier": tier or None, "tier_label": tier_label(tier or None), "metric": metric,
        "metric_label": metric_label(metric), "unit": unit,
        "series": [{**s, "points": [p.__dict__ for p in sorted(s["points"],
                                                                key=lambda p: p.date)]}
                   for s in sorted(series.values(), key=lambda s: (not s["own"], s["name"]))],
    }


def _chart_order(keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    tiers = {tier["id"]: position for position, tier in enumerate(tier_choices())}
    metrics = _metric_order()
    return sorted(keys, key=lambda k: (tiers.get(k[0], 99), metrics.get(k[1], 999), k))


def threshold_charts(store: Store, measure_id: str, members: Sequence[int], *,
                     compare: bool = True) -> list[dict[str, Any]]:
    """One chart per (tier, metric) that the measure's versions set: each threshold over
    time, one series per region and measure (and per band of a table), the measure's own
    series first. With ``compare``, normative documents of other regions that set the same
    threshold (their own standards) are drawn beside it."""
    if not members:
        return []
    marks = ",".join("?" * len(members))
    own = [row for row in _criteria_rows(store, f"v.notice_id in ({marks})", list(members))
           if _charted(row)]
    keys = {(row["tier"] or "", row["metric"]) for row in own}
    regions = sorted({row["region"] or "" for row in own})
    others: list[dict[str, Any]] = []
    if compare and keys:
        metrics = sorted({metric for _, metric in keys})
        metric_marks = ",".join("?" * len(metrics))
        region_marks = ",".join("?" * len(regions))
        others = [row for row in _criteria_rows(
            store, f"c.metric in ({metric_marks}) and e.kind = 'normative' and "
            f"coalesce(s.region, '') not in ({region_marks})", [*metrics, *regions])
            if _charted(row)]
    return [_chart(tier, metric, [(True, own), (False, others)], _series_name)
            for tier, metric in _chart_order(keys)]


def threshold_history(store: Store, *, tiers: Sequence[str] = (),
                      metrics: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every threshold that normative documents set, over time, one chart per (tier,
    metric) and one series per region (and band): what the analysts' notebook plots.
    ``tiers`` and ``metrics`` (ids) narrow it."""
    where, params = ["e.kind = 'normative'"], []
    for column, chosen in (("c.tier", tiers), ("c.metric", metrics)):
        if chosen:
            where.append(f"{column} in ({','.join('?' * len(chosen))})")
            params.extend(chosen)
    rows = [row for row in _criteria_rows(store, " and ".join(where), params) if _charted(row)]

    def by_region(row: Mapping[str, Any]) -> str:
        from policywatch.nlp.link.diff import describe_condition

        region = row["region"] or "?"
        name = "全国 national" if region == "national" else region
        condition = _condition(row)
        return f"{name} · {describe_condition(condition, 'zh')}" if condition else name

    keys = {(row["tier"] or "", row["metric"]) for row in rows}
    return [_chart(tier, metric, [(True, rows)], by_region)
            for tier, metric in _chart_order(keys)]


def measure_document(store: Store, measure_id: str, *, compare: bool = True) -> dict[str, Any]:
    """A measure's history: its notices oldest first, every version of each with its
    criteria, the changes between them, and the threshold charts' data."""
    from policywatch.store.lineage import measure_members

    members = measure_members(store, measure_id)
    if not members:
        raise NotFound(f"no measure {measure_id}")
    ids = [m["notice_id"] for m in members]
    facts = notice_facts(store, ids)
    marks = ",".join("?" * len(ids))
    criteria_by_version: dict[int, list[dict[str, Any]]] = {}
    for row in _criteria_rows(store, f"v.notice_id in ({marks})", ids):
        criteria_by_version.setdefault(row["version_id"], []).append(criterion_view(row))
    versions_by_notice: dict[int, list[dict[str, Any]]] = {}
    for row in store.db.query(
            "select id as version_id, notice_id, fetched_at, published_date as published, "
            f"title, doc_number from versions where notice_id in ({marks}) order by id", ids):
        row["criteria"] = criteria_by_version.get(row["version_id"], [])
        versions_by_notice.setdefault(row["notice_id"], []).append(row)
    notices = []
    for member in members:
        fact = facts.get(member["notice_id"], member)
        notices.append({**notice_link(fact), "issuer": fact.get("issuer"),
                        "language_label": language_label(fact.get("language")),
                        "versions": versions_by_notice.get(member["notice_id"], [])})
    changes = [{**row, "label": pair(*CHANGE_LABELS.get(row["kind"], (row["kind"],) * 2)),
                "summary": pair(row.pop("summary_zh") or "", row.pop("summary_en") or ""),
                "href": f"/diff/v{row['old_version_id']}/v{row['new_version_id']}"}
               for row in store.db.query(
                   "select id, kind, old_version_id, new_version_id, summary_zh, summary_en, "
                   "created_at from changes where measure_id = ? order by id", [measure_id])]
    chinese = [n for n in notices if n.get("language") == "zh"] or notices
    return {"measure_id": measure_id, "title": chinese[-1]["title"], "notices": notices,
            "changes": changes,
            "charts": threshold_charts(store, measure_id, ids, compare=compare),
            "compare": compare}


def measures_document(store: Store) -> dict[str, Any]:
    """Every measure with more than one notice, or with criteria: id, notices, newest
    title (the measures that have a history to show)."""
    rows = list(store.db.query(
        "select m.measure_id, count(*) as notices, max(coalesce(v.published_date, '')) as latest "
        "from notice_measures m join notices n on n.id = m.notice_id "
        "left join versions v on v.id = n.latest_version_id group by m.measure_id "
        "having count(*) > 1 or exists (select 1 from criteria c join versions w on "
        "w.id = c.version_id join notice_measures k on k.notice_id = w.notice_id "
        "where k.measure_id = m.measure_id) order by latest desc"))
    titles = {row["measure_id"]: row["title"] for row in store.db.query(
        "select m.measure_id, coalesce(v.title, n.title) as title from notice_measures m "
        "join notices n on n.id = m.notice_id left join versions v on "
        "v.id = n.latest_version_id order by coalesce(v.published_date, '')")}
    return {"measures": [{**row, "title": titles.get(row["measure_id"]),
                          "href": f"/measures/{row['measure_id']}"} for row in rows]}


# -- search ------------------------------------------------------------------------------
SEARCH_FILTERS = ("q", "tier", "region", "issuer", "source", "from", "to", "language", "kind")
def search_filters(params: Params) -> Any:
    """:class:`~policywatch.store.search_index.SearchFilters` from the page's parameters,
    read as ``policywatch search`` reads its options."""
    from policywatch.nlp.retrieval.search import FilterError, resolve_filters

    try:
        return resolve_filters(
            date_from=single(params, "from"), date_to=single(params, "to"),
            sources=tuple(values(params, "source")), issuers=tuple(values(params, "issuer")),
            regions=tuple(values(params, "region")), tiers=tuple(values(params, "tier")),
            doc_types=tuple(values(params, "kind")),
            languages=tuple(v for v in values(params, "language") if v in ("zh", "en")))
    except FilterError as exc:
        raise BadRequest(str(exc)) from None


def run_search(store: Store, params: Params, embedder: Any, limit: int) -> Any:
    """The :class:`~policywatch.nlp.retrieval.search.SearchResponse` for ``q`` and the
    filters, hybrid (words, translation and, with a model, vectors) as the CLI searches."""
    from policywatch.nlp.retrieval.search import search

    query = " ".join(params.getlist("q")).strip()
    return search(store, query, limit=limit, filters=search_filters(params),
                  mode="hybrid", embedder=embedder)


def result_views(store: Store, results: Sequence[Any]) -> list[dict[str, Any]]:
    """Results as the search page shows them: the objects of ``search --json`` (one per
    document: :func:`~policywatch.nlp.retrieval.search.search` folds a copy on another
    site into ``also``), with the notice page, the issuer, region and number, and a page
    link for each other place of the document."""
    facts = notice_facts(store, [r.notice_id for r in results]
                         + [a["notice_id"] for r in results for a in r.also])
    views = []
    for result in results:
        fact = facts.get(result.notice_id, {})
        also = [{**place, "href": f"/notices/{place['notice_id']}"
                 if place["notice_id"] in facts else None,
                 "title": facts.get(place["notice_id"], {}).get("title")}
                for place in result.also]
        views.append({**result.as_dict(), "also": also, "clause": result.clause,
                      "language": result.language, "issuer": fact.get("issuer"),
                      "region": fact.get("region"), "doc_number": fact.get("doc_number"),
                      "kind_label": kind_label(result.kind) if result.kind else None,
                      "href": f"/notices/{result.notice_id}" if fact else None})
    return views


def search_document(store: Store, params: Params, embedder: Any) -> dict[str, Any]:
    """The search page: results (one per document) paged, the query's language and
    translation, and the notes search made (a cut query, no match)."""
    page, size = page_number(params), page_size(params, default=10, most=50)
    query = " ".join(params.getlist("q")).strip()
    document: dict[str, Any] = {"q": query, "results": [], "page": page, "page_size": size,
                                "has_next": False, "notes": [], "translation": None,
                                "language": None, "lists": {},
                                "query": _filtered_query(params, SEARCH_FILTERS)}
    if not query:
        search_filters(params)  # a bad filter is said even before a query is typed
        return document
    wanted = page * size
    response = run_search(store, params, embedder, min(200, wanted + 1))
    translation = response.translation
    document.update({
        "results": result_views(store, response.results[(page - 1) * size: wanted]),
        "has_next": len(response.results) > wanted,
        "notes": response.notes, "language": response.language,
        "language_label": language_label(response.language),
        "lists": response.lists,
        "translation": None if translation is None or not translation.describe() else {
            "language": translation.language, "text": translation.describe(),
            "phrases": [{"from": src, "to": list(dst)} for src, dst in
                        translation.glossary_phrases + translation.dictionary_words]},
        "timings_ms": {k: round(v, 1) for k, v in response.timings.items()},
        "model": getattr(embedder, "name", None),
    })
    return document
