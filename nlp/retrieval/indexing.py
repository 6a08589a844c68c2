"""The indexing stage: latest versions -> passages, FTS5 rows, term statistics, embeddings.

Incremental: :func:`index_pending` takes only the notices whose latest version has no
index rows from the current segmenter
(:func:`policywatch.nlp.retrieval.search_text.segmenter_tag`), so a new
version replaces its notice's passages and a change of rules reindexes everything. Vectors
are computed once per embedded text and model (``embeddings`` keyed by sha256 and model
name), so an unchanged passage in a new version costs no model call.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

from policywatch.nlp.extract.kinds import document_kind
from policywatch.nlp.retrieval.embeddings import Embedder, vector_to_bytes
from policywatch.nlp.retrieval.search_text import (
    embed_key,
    embed_text,
    glossary,
    index_terms,
    language_of,
    segmenter_tag,
    split_passages,
)
from policywatch.nlp.retrieval.vectors import refresh_ann
from policywatch.store import Store
from policywatch.store import search_index as idx
from policywatch.store.reporting import Echo


def tiers_of(title: str | None, text: str) -> list[str]:
    """Return the tier ids a notice mentions (glossary ``tier`` entries, both languages).

    >>> tiers_of("关于第六批专精特新“小巨人”企业名单的公示", "")
    ['little_giant', 'srdi_sme']
    """
    haystack = f"{title or ''}\n{text}".replace("“", "").replace("”", "").replace('"', "")
    lowered = haystack.lower()
    found = []
    for entry in glossary()["entries"]:
        if entry["kind"] != "tier":
            continue
        names = entry["zh"] + entry["en"]
        if any((name in haystack) if re.search(r"[\u4e00-\u9fff]", name)
               else re.search(rf"\b{re.escape(name)}\b", lowered) for name in names):
            found.append(entry["id"])
    return sorted(found)


def build_indexed_doc(row: dict[str, Any], segmenter: str) -> idx.IndexedDoc:
    """Turn one pending version (:func:`policywatch.store.search_index.versions_pending_index`) into
    its ``search_docs`` row and passages."""
    text = (row.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    title = row.get("title") or row.get("notice_title") or ""
    language = row.get("language") or language_of(text or title or "")
    if language not in ("zh", "en"):
        language = language_of(text or title or "")
    passages = split_passages(text, language) if text.strip() else []
    if not passages and title:
        passages = split_passages(title, language)
    doc_kind, doc_type = row.get("extracted_kind"), row.get("extracted_doc_type")
    if doc_kind is None:  # indexed before extraction ran: read the kind the same way
        decided = document_kind(title, text, language=language, doc_number=row.get("doc_number"))
        doc_kind, doc_type = decided.kind, decided.doc_type
    doc_row = {
        "version_id": row["version_id"],
        "notice_id": row["notice_id"],
        "source_id": row.get("source_id"),
        "kind": row.get("kind"),
        "title": title,
        "url": row.get("url"),
        "published": row.get("published_date") or row.get("parent_published"),
        "issuer": row.get("issuer") or row.get("parent_issuer"),
        "region": row.get("region"),
        "language": language,
        "doc_type": doc_type or ("news" if doc_kind == "news" else None),
        "doc_kind": doc_kind,
        "tiers": "," + ",".join(tiers_of(title, text)) + ",",
        "segmenter": segmenter,
    }
    bare_title = re.sub(r"\.(pdf|docx?|xlsx?|ofd|wps|txt|rar|zip)$", "", title, flags=re.IGNORECASE)
    title_terms = index_terms(bare_title, language) if bare_title else []
    stored = []
    for passage in passages:
        heading = title_terms + (index_terms(passage.clause, language) if passage.clause else [])
        if passage.context:
            heading += index_terms(passage.context, language)
        embedded = embed_text(title, passage.text)
        stored.append({
            "ordinal": passage.ordinal,
            "clause": passage.clause,
            "language": language,
            "text": passage.text,
            "heading_tokens": " ".join(heading),
            "body_tokens": " ".join(index_terms(passage.text, language)),
            "embed_key": embed_key(embedded),
        })
    return idx.IndexedDoc(doc_row, stored)


def index_versions(store: Store, rows: Iterable[dict[str, Any]], batch: int = 64) -> dict[str, int]:
    """Index the given pending versions; return notices and passages written."""
    segmenter = segmenter_tag()
    docs: list[idx.IndexedDoc] = []
    counts = {"notices": 0, "passages": 0}
    for row in rows:
        docs.append(build_indexed_doc(row, segmenter))
        if len(docs) >= batch:
            counts["passages"] += idx.write_index_batch(store, docs)
            counts["notices"] += len(docs)
            docs = []
    if docs:
        counts["passages"] += idx.write_index_batch(store, docs)
        counts["notices"] += len(docs)
    return counts


def embed_missing(store: Store, embedder: Embedder, batch: int = 256,
                  echo: Echo | None = None) -> int:
    """Compute and store vectors for passages that have none for ``embedder``.

    A model that does not cover Chinese is run on English passages only: its vectors of
    Chinese text would be noise (mostly unknown tokens), and search does not use them.

    Returns:
        The number of vectors computed.
    """
    languages = None if embedder.covers_chinese else ("en",)
    pending = idx.passages_missing_embeddings(store, embedder.name, languages)
    done = 0
    for start in range(0, len(pending), batch):
        chunk = pending[start:start + batch]
        texts = [embed_text(row["title"], row["text"]) for row in chunk]
        vectors = embedder.encode(texts)
        idx.put_embeddings(store, embedder.name, embedder.dim,
                           [(row["embed_key"], vector_to_bytes(vector))
                            for row, vector in zip(chunk, vectors, strict=True)])
        done += len(chunk)
        if echo:
            echo(f"embedded {done}/{len(pending)} passages with {embedder.name}")
    return done


def index_pending(store: Store, embedder: Embedder | None = None, *,
                  echo: Echo | None = None) -> dict[str, Any]:
    """Bring the search index up to date: new latest versions, then missing vectors.

    Args:
        store: the open store.
        embedder: the model for dense vectors; None indexes words only.
        echo: called with one line per step.

    Returns:
        ``notices``, ``passages`` (written), ``embedded`` (vectors computed),
        ``embed_seconds`` and ``passages_per_s`` (the model's rate on them; None when
        nothing was embedded), ``ann`` (vectors added to the HNSW index and held by it,
        :func:`~policywatch.nlp.retrieval.vectors.refresh_ann`) and ``seconds``.
    """
    started = time.perf_counter()
    pending = idx.versions_pending_index(store, segmenter_tag())
    counts: dict[str, Any] = index_versions(store, pending)
    if echo and counts["notices"]:
        echo(f"indexed {counts['notices']} notices as {counts['passages']} passages")
    counts["embedded"] = 0
    counts["embed_seconds"] = 0.0
    counts["passages_per_s"] = None
    counts["ann"] = {"added": 0, "indexed": 0}
    if embedder is not None:
        tick = time.perf_counter()
        counts["embedded"] = embed_missing(store, embedder, echo=echo)
        counts["embed_seconds"] = time.perf_counter() - tick
        if counts["embedded"]:
            counts["passages_per_s"] = counts["embedded"] / max(counts["embed_seconds"], 1e-9)
            if echo:
                echo(f"embedded {counts['embedded']} passages with {embedder.name} in "
                     f"{counts['embed_seconds']:.1f}s ({counts['passages_per_s']:.0f} "
                     "passages/s)")
        counts["ann"] = refresh_ann(store, embedder.name, embedder.dim)
    counts["seconds"] = time.perf_counter() - started
    return counts
