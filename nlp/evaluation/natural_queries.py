"""Search judged on natural queries written blind to the search vocabulary.

``data/search/natural-queries.json`` holds 84 queries (42 zh, 42 en) a researcher would
type after the demo, with the documents that answer each, written by people who had not
seen the glossary, the synonyms or the search code, in four parts: ``dev`` (20; the
ranking may be tuned on it), ``heldout`` (20; scored, its misses were read, so no longer
blind), ``fresh`` (24, written later by another session, scored blind once, then tuned on)
and ``fresh2`` (20, written after the last search change, scored once, never tuned on). Judgments
name documents by URL, so they hold for any database built from the replay.

Figures per split and language:

- ``governing@3``: of the queries whose answer is a governing document (a standard or
  measure that states the criteria), the share with one in the top 3;
- ``hit@3``: any judged document in the top 3, over all queries;
- ``MRR``: mean reciprocal rank of the first judged document;
- ``duplicates@10``: results in the top 10 that repeat a document already shown (the same
  document on two sites, as judged), summed over the queries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from policywatch.nlp.retrieval.embeddings import Embedder
from policywatch.nlp.retrieval.search import search
from policywatch.store import Store
from policywatch.store.identity import canonical_url

QUERIES = Path(__file__).resolve().parent / "data" / "search" / "natural-queries.json"
SPLITS = ("dev", "heldout", "fresh", "fresh2")


@lru_cache(maxsize=1)
def natural_queries() -> list[dict[str, Any]]:
    """The judged queries, as shipped."""
    return json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]


def _documents(query: dict[str, Any]) -> list[tuple[set[str], bool]]:
    """Each judged document as (its canonical URLs, whether it governs)."""
    found = []
    for entry in query["relevant"]:
        urls = entry.get("urls") or [entry["url"]]
        found.append(({canonical_url(url) for url in urls}, bool(entry.get("governing"))))
    return found


@dataclass
class QueryOutcome:
    """How one query fared."""

    query: dict[str, Any]
    first_hit: int | None  # rank of the first judged document (1-based)
    first_governing: int | None
    duplicates: int
    top: list[str]  # titles of the top results, for reading


def score_query(store: Store, query: dict[str, Any], embedder: Embedder | None = None,
                mode: str = "hybrid") -> QueryOutcome:
    """Run one judged query and see where its documents land."""
    response = search(store, query["query"], limit=10, mode=mode, embedder=embedder)
    documents = _documents(query)
    first_hit = first_governing = None
    seen_documents: set[int] = set()
    duplicates = 0
    for rank, result in enumerate(response.results, start=1):
        urls = {canonical_url(result.url)} if result.url else set()
        urls |= {canonical_url(other["url"]) for other in result.also if other.get("url")}
        for index, (doc_urls, governing) in enumerate(documents):
            if not urls & doc_urls:
                continue
            if index in seen_documents:
                duplicates += 1
            seen_documents.add(index)
            first_hit = first_hit or rank
            if governing and first_governing is None:
                first_governing = rank
    return QueryOutcome(query, first_hit, first_governing, duplicates,
                        [result.title for result in response.results[:3]])


def evaluate(store: Store, embedder: Embedder | None = None, mode: str = "hybrid"
             ) -> dict[str, Any]:
    """Score every natural query; figures per split (dev, heldout, fresh) and language."""
    outcomes = [score_query(store, query, embedder, mode) for query in natural_queries()]
    figures: dict[str, Any] = {"outcomes": outcomes}
    for split in SPLITS:
        for language in ("zh", "en", "all"):
            chosen = [o for o in outcomes if o.query["split"] == split
                      and language in ("all", o.query["language"])]
            governing = [o for o in chosen if o.query["intent"] == "governing"]
            figures[f"{split}/{language}"] = {
                "queries": len(chosen),
                "governing@3": (sum(1 for o in governing if o.first_governing and
                                    o.first_governing <= 3) / len(governing)
                                if governing else None),
                "hit@3": (sum(1 for o in chosen if o.first_hit and o.first_hit <= 3)
                          / len(chosen) if chosen else None),
                "mrr": (sum(1 / o.first_hit for o in chosen if o.first_hit) / len(chosen)
                        if chosen else None),
                "duplicates@10": sum(o.duplicates for o in chosen),
            }
    return figures


def print_figures(figures: dict[str, Any], echo: Any, label: str) -> None:
    """One table per run: split x language."""
    echo(f"  {label}")
    echo("    split     lang  queries  governing@3  hit@3   MRR    duplicates@10")
    for split in SPLITS:
        for language in ("zh", "en", "all"):
            row = figures[f"{split}/{language}"]
            if not row["queries"]:
                continue
            governing = "-" if row["governing@3"] is None else f"{row['governing@3']:.3f}"
            echo(f"    {split:<9} {language:<5} {row['queries']:>7}  {governing:>11}  "
                 f"{row['hit@3']:.3f}  {row['mrr']:.3f}  {row['duplicates@10']:>13}")
