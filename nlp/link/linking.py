"""The linking stage: each new notice gets typed edges, a measure, and its changes.

For every pending notice: record it in the candidate index, retrieve candidates by index
lookups (numbers and titles it cites, notices citing it, its title series, its number
key, and for an English notice the Chinese notices of the same days), decide each edge
with :func:`policywatch.nlp.link.lineage.relate`, put version-linked notices into one measure, and
record a
change (with its criteria diff) for every new version of a measure.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from policywatch.nlp.extract.kinds import article_count, document_kind
from policywatch.nlp.extract.lexicon import load_data, tier_title_words
from policywatch.nlp.link.diff import clause_summary, diff_versions
from policywatch.nlp.link.lineage import (
    LINKER_VERSION,
    TRANSLATION_MIN_SHARED,
    fingerprint_values,
    is_interpretation,
    references,
    relate,
    repeal_statement,
    series_key,
    title_core,
    translation_evidence,
)
from policywatch.store import Store
from policywatch.store.doc_numbers import normalize_doc_number, number_key
from policywatch.store.extractions import latest_extraction
from policywatch.store.lineage import (
    assign_measure,
    candidate_ids,
    edges_of,
    lineage_row,
    lineage_values,
    measure_of,
    notice_record,
    notices_pending_linking,
    references_of,
    save_change,
    save_edge,
    save_lineage_notice,
    save_lineage_values,
    translation_candidates,
)
from policywatch.store.reporting import Progress

logger = logging.getLogger(__name__)
TRANSLATION_DAYS = 3
TRANSLATION_MIN_OVERLAP = 0.6
TRANSLATION_MIN_CONCEPTS = 2


def lineage_fields(record: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The candidate-index row and the references of one notice record."""
    number = normalize_doc_number(record.get("doc_number") or record.get("extracted_doc_number"))
    core = title_core(record.get("title"))
    language = record.get("language") or "zh"
    kind = record.get("kind")
    if kind is None:  # not extracted yet: read the kind the way extraction does
        kind = document_kind(record.get("title"), record.get("text"), language=language,
                             doc_number=number).kind
    row = {
        "notice_id": record["notice_id"], "language": language,
        "region": record.get("region"), "issuer": record.get("issuer"), "doc_number": number,
        "number_key": number_key(number), "title": record.get("title"),
        "title_core": core, "series_key": series_key(record.get("title")),
        "published": record.get("published"), "linker": LINKER_VERSION, "kind": kind,
        "version_id": record.get("version_id"),
        "articles": article_count(record.get("text"), language),
    }
    refs, seen = [], set()
    for ref in references(record.get("text") or ""):
        ref_core = title_core(ref.title) if ref.title else None
        if (ref.doc_number and ref.doc_number == number) or (ref_core and ref_core == core):
            continue  # a notice quoting itself (its own number under the title)
        key = (ref.doc_number, ref_core)
        if key in seen:
            continue
        seen.add(key)
        refs.append({"title": ref.title, "title_core": ref_core, "doc_number": ref.doc_number,
                     "number_key": number_key(ref.doc_number), "cue": ref.cue,
                     "text": ref.text})
    return row, refs


class _Ref:
    """A stored reference seen through the attributes :func:`relate` reads."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.title, self.doc_number = row.get("title"), row.get("doc_number")
        self.cue, self.text = row.get("cue"), row.get("text")


def _points_at(ref: dict[str, Any], target: dict[str, Any]) -> bool:
    return bool((ref.get("doc_number") and ref["doc_number"] == target.get("doc_number"))
                or (ref.get("title_core") and ref["title_core"] == target.get("title_core")))


# -- translations without a multilingual model -------------------------------------------
@lru_cache(maxsize=1)
def _concept_phrases() -> dict[str, dict[str, list[str]]]:
    return {**load_data("title_terms")["concepts"], **tier_title_words()}


def title_concepts(title: str | None, language: str) -> set[str]:
    """The title-vocabulary concepts a title contains (``data/title_terms.json``, and the
    tiers' ``title_words`` in ``data/tiers.json``).

    >>> sorted(title_concepts("China issues interim measures to cultivate high-quality SMEs",
    ...                       "en"))
    ['graded_cultivation', 'high_quality_sme', 'interim', 'measures', 'sme']
    """
    text = unicodedata.normalize("NFKC", title or "").lower()
    found = set()
    for concept, phrases in _concept_phrases().items():
        if any(phrase.lower() in text for phrase in phrases.get(language, [])):
            found.add(concept)
    return found


def translation_overlap(english_title: str | None, chinese_title: str | None) -> float:
    """Share of the English title's concepts that the Chinese title also has."""
    english = title_concepts(english_title, "en")
    chinese = title_concepts(chinese_title, "zh")
    return len(english & chinese) / len(english) if english else 0.0


def _days_around(published: str | None, days: int) -> tuple[str, str] | None:
    try:
        day = date.fromisoformat((published or "")[:10])
    except ValueError:
        return None
    return (day - timedelta(days=days)).isoformat(), (day + timedelta(days=days)).isoformat()


def _translation_edges(store: Store, row: dict[str, Any]) -> list[dict[str, Any]]:
    """English notice -> Chinese notices of the same days whose title concepts match.

    Works from either side: a Chinese notice looks for English ones of the same days, so
    the edge is found whichever of the two arrives last.
    """
    window = _days_around(row.get("published"), TRANSLATION_DAYS)
    if window is None or row["language"] not in {"en", "zh"}:
        return []
    other_language = "zh" if row["language"] == "en" else "en"
    edges = []
    for other in store.db.query(
            "select * from lineage_notices where language = ? and published between ? and ? "
            "and notice_id != ?", [other_language, *window, row["notice_id"]]):
        english, chinese = (row, other) if row["language"] == "en" else (other, row)
        if is_interpretation(english.get("title")) != is_interpretation(chinese.get("title")):
            continue  # an article about a measure is not its translation
        if "news" in (english.get("kind"), chinese.get("kind")) and \
                english.get("kind") != chinese.get("kind"):
            continue  # a report of the same days is linked by what it cites, if anything
        if english.get("region") and chinese.get("region") and \
                english["region"] != chinese["region"]:
            continue  # a national English release does not translate a provincial notice
        shared = title_concepts(english.get("title"), "en") & title_concepts(
            chinese.get("title"), "zh")
        overlap = translation_overlap(english.get("title"), chinese.get("title"))
        if overlap >= TRANSLATION_MIN_OVERLAP and len(shared) >= TRANSLATION_MIN_CONCEPTS:
            edges.append({"source": english["notice_id"], "target": chinese["notice_id"],
                          "type": "translation_of", "confidence": round(0.5 + 0.4 * overlap, 3),
                          "evidence": {"title_concepts_shared": round(overlap, 3),
                                       "published": [english.get("published"),
                                                     chinese.get("published")]}})
    return edges


def _fingerprint_edges(store: Store, row: dict[str, Any], values: list[str]
                       ) -> list[dict[str, Any]]:
    """Translations found from language-free facts: the same thresholds, the same dates and
    the same number of articles, whatever the words (a written or a machine translation of
    a standard), so no multilingual model is needed."""
    if len(values) < TRANSLATION_MIN_SHARED or row.get("kind") in {"news", "interpretation"}:
        return []
    mine = set(values)
    best: tuple[float, dict[str, Any]] | None = None
    for other_id in translation_candidates(store, row["notice_id"], row["language"],
                                           TRANSLATION_MIN_SHARED):
        other = lineage_row(store, other_id)
        if other is None or other.get("kind") in {"news", "interpretation"}:
            continue
        if row.get("region") and other.get("region") and row["region"] != other["region"]:
            continue  # a province restating the national thresholds is not a translation
        if row.get("number_key") and other.get("number_key") and \
                row["number_key"] != other["number_key"]:
            continue  # both are numbered, differently: two documents
        evidence = translation_evidence(mine, lineage_values(store, other_id),
                                        row.get("articles"), other.get("articles"))
        if evidence is None or (best and best[0] >= evidence["facts_overlap"]):
            continue
        english, chinese = (row, other) if row["language"] == "en" else (other, row)
        best = (evidence["facts_overlap"], {
            "source": english["notice_id"], "target": chinese["notice_id"],
            "type": "translation_of",
            "confidence": round(0.7 + 0.25 * evidence["facts_overlap"], 3),
            "evidence": evidence})
    return [best[1]] if best else []


# -- embedding support -----------------------------------------------------------------
class _Similarity:
    """Cosine similarity of two notices (title and opening), when the model can judge it.

    The model only supports decisions: it adds evidence and a little confidence, and never
    makes an edge on its own. A model that does not cover Chinese (the packaged English
    fallback) is not asked about Chinese text at all.
    """

    def __init__(self, store: Store, embedder: Any | None) -> None:
        self.store, self.embedder = store, embedder
        self.vectors: dict[int, Any] = {}

    def usable(self, a: dict[str, Any], b: dict[str, Any]) -> bool:
        if self.embedder is None:
            return False
        languages = {a.get("language") or "zh", b.get("language") or "zh"}
        return bool(self.embedder.covers_chinese) or languages == {"en"}

    def _vector(self, notice_id: int) -> Any:
        if notice_id not in self.vectors:
            record = notice_record(self.store, notice_id) or {}
            text = f"{record.get('title') or ''}\n{(record.get('text') or '')[:400]}"
            self.vectors[notice_id] = self.embedder.encode([text])[0]
        return self.vectors[notice_id]

    def __call__(self, a: dict[str, Any], b: dict[str, Any]) -> float | None:
        if not self.usable(a, b):
            return None
        return float(self._vector(a["notice_id"]) @ self._vector(b["notice_id"]))


# -- the stage -------------------------------------------------------------------------
def link_notice(store: Store, notice_id: int, embedder: Any | None = None
                ) -> list[dict[str, Any]]:
    """Link one notice: index it, find candidates, write edges; return the edges found.

    Args:
        store: the open store.
        notice_id: the notice to link.
        embedder: an embedding model (see :mod:`policywatch.nlp.retrieval.embeddings`) whose
            similarity is added
            as supporting evidence where it covers both texts' languages; None links on
            lexical signals alone.
    """
    record = notice_record(store, notice_id)
    if record is None:
        return []
    row, refs = lineage_fields(record)
    save_lineage_notice(store, row, refs)
    values = fingerprint_values(record.get("text"), row["language"])
    save_lineage_values(store, notice_id, values)
    found = candidate_ids(store, row, refs)
    similarity = _Similarity(store, embedder)
    decided: list[dict[str, Any]] = []
    for other_id in found["cited"] | found["series"] | found["number"]:
        other = lineage_row(store, other_id)
        if other is None:
            continue
        cited = [_Ref(ref) for ref in refs if _points_at(ref, other)]
        score, usable = similarity(row, other), similarity.usable(row, other)
        edge = relate(row, other, cited=cited, similarity=score,  # type: ignore[arg-type]
                      similarity_usable=usable)
        if edge is None and not cited:
            edge = relate(other, row, cited=[], similarity=score, similarity_usable=usable)
        if edge is not None:
            decided.append(edge.__dict__)
    for other_id in found["citing"]:
        other = lineage_row(store, other_id)
        if other is None:
            continue
        cited = [_Ref(ref) for ref in references_of(store, other_id) if _points_at(ref, row)]
        edge = relate(other, row, cited=cited,  # type: ignore[arg-type]
                      similarity=similarity(other, row),
                      similarity_usable=similarity.usable(other, row))
        if edge is not None:
            decided.append(edge.__dict__)
    decided.extend(_translation_edges(store, row))
    known = {(e["source"], e["target"]) for e in decided}
    decided.extend(e for e in _fingerprint_edges(store, row, values)
                   if (e["source"], e["target"]) not in known)
    with store.db.atomic():
        # Relinking re-derives every edge touching this notice (both directions are
        # searched above), so stale ones from an older linker or older text go.
        store.db.execute("delete from edges where source_notice_id = ? or target_notice_id = ?",
                         [notice_id, notice_id])
        for edge in decided:
            save_edge(store, edge, LINKER_VERSION)
    for member in {notice_id} | {e["source"] for e in decided} | {e["target"] for e in decided}:
        assign_measure(store, member, LINKER_VERSION)
    return decided


def version_for_diff(store: Store, version_id: int) -> dict[str, Any]:
    version = store.db["versions"].get(version_id)
    extraction = latest_extraction(store, version_id)
    if extraction is None:
        from policywatch.nlp.extract.notice import extract_notice

        extraction = extract_notice(version["text"] or "", title=version["title"],
                                    language=version["language"])
    return {"version_id": version_id, "notice_id": version["notice_id"],
            "title": version["title"], "published": version["published_date"],
            "doc_number": version["doc_number"], "text": version["text"] or "",
            "language": version["language"] or "zh", "extraction": extraction}


def record_changes(store: Store, notice_id: int) -> int:
    """Record the changes a notice takes part in: its own successive versions, and the
    notices it supersedes or amends (old latest version -> this latest version)."""
    pairs: list[tuple[int, int, str]] = []
    versions = [r[0] for r in store.db.execute(
        "select id from versions where notice_id = ? order by id", [notice_id]).fetchall()]
    pairs += [(a, b, "new_version") for a, b in zip(versions, versions[1:], strict=False)]
    latest = store.db.execute("select latest_version_id from notices where id = ?",
                              [notice_id]).fetchone()[0]
    for edge in edges_of(store, [notice_id]):
        if edge["type"] not in {"supersedes", "amends"}:
            continue
        old_notice, new_notice = edge["target_notice_id"], edge["source_notice_id"]
        old_latest = store.db.execute("select latest_version_id from notices where id = ?",
                                      [old_notice]).fetchone()[0]
        new_latest = latest if new_notice == notice_id else store.db.execute(
            "select latest_version_id from notices where id = ?", [new_notice]).fetchone()[0]
        kind = "superseded" if edge["type"] == "supersedes" else "amended"
        pairs.append((old_latest, new_latest, kind))
    recorded = 0
    for old_id, new_id, kind in pairs:
        if store.db.execute("select 1 from changes where old_version_id = ? and "
                            "new_version_id = ?", [old_id, new_id]).fetchone():
            continue
        old_version, new_version = version_for_diff(store, old_id), version_for_diff(store, new_id)
        diff = diff_versions(old_version, new_version)
        criteria = diff["criteria_changes"]
        summary_zh = "；".join(c["summary_zh"] for c in criteria) or clause_summary(diff, "zh")
        summary_en = "; ".join(c["summary_en"] for c in criteria) or clause_summary(diff, "en")
        repeal = repeal_statement(new_version["text"]) if kind == "new_version" else None
        if repeal and repeal_statement(old_version["text"]):
            repeal = None  # it said so before: not news
        if repeal:
            when = f"（{repeal['date']}起）" if repeal["date"] else ""
            summary_zh = f"已废止{when}：{repeal['text']}"
            summary_en = ("repealed" + (f" from {repeal['date']}" if repeal["date"] else "")
                          + (f"; successor: {repeal['successor']}" if repeal["successor"]
                             else ""))
        recorded += save_change(store, {
            "measure_id": measure_of(store, notice_id), "old_version_id": old_id,
            "new_version_id": new_id, "kind": kind,
            "criteria_changes": json.dumps(criteria, ensure_ascii=False),
            "clause_counts": json.dumps(diff["counts"]),
            "summary_zh": summary_zh, "summary_en": summary_en,
            "repeal": json.dumps(repeal, ensure_ascii=False) if repeal else None,
            "producer": diff["diff"]})
    return recorded


def run_linking(store: Store, progress: Progress | None = None,
                embedder: Any | None = None) -> dict[str, int]:
    """Link every pending notice; return counts of notices, edges, changes and failures
    (``errors``: notice id and a one-line reason each; one bad notice never stops the rest).

    Args:
        store: the open store.
        progress: called after each notice as ``progress(done, total, notice_id)``.
        embedder: the sentence model whose similarity supports links, if any.
    """
    pending = notices_pending_linking(store, LINKER_VERSION)
    counts: dict[str, Any] = {"notices": 0, "edges": 0, "changes": 0, "failed": 0,
                              "errors": []}
    linked = []
    for position, notice_id in enumerate(pending, 1):
        try:
            counts["edges"] += len(link_notice(store, notice_id, embedder))
        except Exception as exc:  # noqa: BLE001 - one odd notice must not stop the stage
            logger.exception("linking failed for notice %s", notice_id)
            counts["failed"] += 1
            counts["errors"].append({"notice_id": notice_id,
                                     "error": f"{type(exc).__name__}: {exc}"[:200]})
        else:
            counts["notices"] += 1
            linked.append(notice_id)
        if progress:
            progress(position, len(pending), notice_id)
    for notice_id in linked:
        try:
            counts["changes"] += record_changes(store, notice_id)
        except Exception as exc:  # noqa: BLE001 - a diff that fails is one failure
            logger.exception("recording changes failed for notice %s", notice_id)
            counts["failed"] += 1
            counts["errors"].append({"notice_id": notice_id,
                                     "error": f"{type(exc).__name__}: {exc}"[:200]})
    return counts


def notice_lineage(store: Store, notice_id: int) -> dict[str, Any]:
    """The neighbourhood of a notice for ``policywatch lineage``."""
    from policywatch.store.lineage import measure_members

    measure_id = measure_of(store, notice_id)
    members = measure_members(store, measure_id) if measure_id else []
    ids = {notice_id} | {m["notice_id"] for m in members}
    edges = edges_of(store, ids)
    return {
        "notice_id": notice_id,
        "measure_id": measure_id,
        "versions": [{"notice_id": m["notice_id"], "title": m["title"],
                      "published": m["published"], "language": m["language"],
                      "doc_number": m["doc_number"]} for m in members],
        "edges": [{"from": e["source_notice_id"], "to": e["target_notice_id"],
                   "type": e["type"], "confidence": e["confidence"],
                   "evidence": e["evidence"]} for e in edges],
    }
