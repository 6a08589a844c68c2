"""Search benchmarks: judged-query quality and 100k-notice speed (figures, never tests).

Both start from a store holding the real corpus (the 60 gov.cn pages of the reference pack
plus the demo's crawl of the replay); the app layer builds it (``policywatch bench
search-quality``). Without the pack the corpus is the replay's reconstructed pages alone.

- :func:`search_quality`: recall@10 and MRR of the judged queries shipped in
  ``data/search/queries.json``, separately for Chinese and English queries (most English
  queries are answered by Chinese notices: cross-lingual), for the BM25-only baseline (the
  query's own words), lexical (BM25 + translation) and hybrid (+ vectors), and, given
  models, per model: hybrid, words + vectors without the glossary, and vectors alone, all
  in the same run.
- :func:`search_speed`: a synthetic corpus of 100,000 notices made from the real ones
  (passages re-combined, years, amounts and regions varied: real words, real lengths),
  then build time, index size, memory and query latency p50/p95 for BM25-only and hybrid,
  next to the floor measured in the same run: a plain numpy scan of every passage vector.

Synthetic vectors: the embedding model encodes a random sample of real passages (the
"anchors", cut to 64 tokens); every synthetic passage takes the anchor vector of the real
passage it was made from (its own, or one from the same notice, or a fixed pick) plus
Gaussian noise (norm 0.35, cosine to the anchor about 0.94), renormalized. So vectors
cluster like the texts do, and the model never runs over a million passages. Query
vectors are the model's real encodings of the judged queries.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import Any

import numpy as np

from policywatch.nlp.retrieval.embeddings import Embedder, normalize_rows
from policywatch.nlp.retrieval.indexing import index_pending
from policywatch.nlp.retrieval.search import search
from policywatch.nlp.retrieval.search_text import embed_key, embed_text
from policywatch.store import Store, open_store
from policywatch.store import search_index as idx
from policywatch.store.identity import canonical_url
from policywatch.store.reference import resolve_reference
from policywatch.store.reporting import Echo

QUERIES = Path(__file__).resolve().parent / "data" / "search" / "queries.json"


def load_judged_queries(path: Path = QUERIES, reference: Path | None | EllipsisType = ...
                        ) -> list[dict[str, Any]]:
    """Return the judged queries with every relevant notice as a canonical URL.

    A relevant page of the reference pack is named by its file there
    (``govcn-pages/content_N.html``) and becomes the URL ``govcn-pages/expected.json`` gives
    it; without the pack (``reference`` None; ``...`` resolves it) such a name stays as it
    is, a notice no corpus holds.
    """
    if reference is ...:
        reference = resolve_reference()
    data = json.loads(path.read_text(encoding="utf-8"))
    files: dict[str, str] = {}
    expected = reference / "govcn-pages" / "expected.json" if reference else None
    if expected is not None and expected.exists():
        for page in json.loads(expected.read_text(encoding="utf-8")):
            files[f"govcn-pages/{page['file']}"] = page["url"]
    queries = []
    for item in data["queries"]:
        relevant = [canonical_url(files[r]) if r in files else
                    canonical_url(r) if "://" in r else r for r in item["relevant"]]
        queries.append({**item, "relevant": relevant})
    return queries


def _notice_urls(store: Store) -> dict[int, str]:
    return {row[0]: canonical_url(row[1]) for row in store.db.execute(
        "select id, url from notices where url is not null")}


def _metrics(ranked: list[set[str]], relevant: list[str], k: int = 10) -> tuple[float, float]:
    """Recall@k and reciprocal rank; each result is the set of URLs it stands for (a
    document shown once for its copies on other sites)."""
    top = set().union(*ranked[:k]) if ranked else set()
    recall = len(top & set(relevant)) / len(relevant)
    rr = 0.0
    for rank, urls in enumerate(ranked, start=1):
        if urls & set(relevant):
            rr = 1.0 / rank
            break
    return recall, rr


@dataclass(frozen=True)
class QualityRow:
    """One row of the quality table: a search mode, with or without a model's vectors.

    ``translate`` False leaves the glossary's translation out of ``hybrid``: words and
    vectors alone.
    """

    key: str
    label: str
    mode: str
    embedder: Embedder | None = None
    translate: bool = True

    @property
    def uses_glossary(self) -> bool:
        """Whether the row translates the query through the glossary."""
        return self.translate and self.mode in ("lexical", "hybrid")


def default_rows(embedder: Embedder | None,
                 modes: tuple[str, ...] = ("bm25", "lexical", "hybrid")) -> list[QualityRow]:
    """The rows for one model: BM25 only, BM25 + translation, hybrid."""
    labels = {"bm25": "BM25 only (baseline)", "lexical": "BM25 + translation",
              "hybrid": "hybrid (+ vectors, RRF)", "vectors": "vectors only"}
    return [QualityRow(mode, labels.get(mode, mode), mode, embedder) for mode in modes]


def model_rows(embedder: Embedder, short: str) -> list[QualityRow]:
    """The rows that use one model's vectors: hybrid, words + vectors, vectors alone."""
    return [
        QualityRow(f"hybrid:{embedder.name}", f"hybrid, {short} vectors", "hybrid", embedder),
        QualityRow(f"words+vectors:{embedder.name}", f"BM25 + {short} vectors, no glossary",
                   "hybrid", embedder, translate=False),
        QualityRow(f"vectors:{embedder.name}", f"{short} vectors only", "vectors", embedder),
    ]


def _language_of_notices(store: Store) -> dict[str, str]:
    return {canonical_url(row[0]): row[1] for row in store.db.execute(
        "select n.url, d.language from search_docs d join notices n on n.id = d.notice_id "
        "where n.url is not null")}


def search_quality(store: Store, echo: Echo, embedder: Embedder | None = None,
                   queries: list[dict[str, Any]] | None = None,
                   modes: tuple[str, ...] = ("bm25", "lexical", "hybrid"),
                   only_present: bool = False,
                   rows: list[QualityRow] | None = None) -> dict[str, Any]:
    """Run the judged queries; print and return recall@10 and MRR per language and row.

    ``rows`` (default: ``modes`` with ``embedder``) may mix models: each model's missing
    vectors are computed first (its rate is reported), so one run compares search with
    and without vectors. ``only_present`` (a corpus built without the reference pack):
    relevant notices the corpus lacks are dropped from each query, and queries left with
    none are left out, instead of counting as misses; the output says how many.
    """
    queries = queries or load_judged_queries()
    rows = rows or default_rows(embedder, modes)
    models = {row.embedder.name: row.embedder for row in rows if row.embedder is not None}
    counts = index_pending(store, None)
    indexing: dict[str, Any] = {}
    for name, model in models.items():
        done = index_pending(store, model)
        indexing[name] = {"embedded": done["embedded"], "seconds": done["embed_seconds"],
                          "passages_per_s": done["passages_per_s"],
                          "vectors": idx.embedding_count(store, name)}
    urls = _notice_urls(store)
    known = set(urls.values())
    missing = sorted({r for q in queries for r in q["relevant"] if r not in known})
    left_out = 0
    if only_present and missing:
        kept = [{**q, "relevant": [r for r in q["relevant"] if r in known]} for q in queries]
        queries = [q for q in kept if q["relevant"]]
        left_out = len(kept) - len(queries)
    language_of_notice = _language_of_notices(store)
    relevant_en = [r for q in queries if q["language"] == "en" for r in q["relevant"]]
    chinese_for_en = sum(language_of_notice.get(r) == "zh" for r in relevant_en)
    figures: dict[str, Any] = {"queries": len(queries), "indexing": counts,
                               "embedding": indexing, "missing_relevant": missing,
                               "left_out": left_out, "modes": {}, "labels": {},
                               "uses_glossary": {}, "per_query": {},
                               "en_relevant_chinese": [chinese_for_en, len(relevant_en)]}
    for row in rows:
        per_language: dict[str, list[tuple[float, float]]] = {"zh": [], "en": []}
        for query in queries:
            response = search(store, query["query"], limit=20, mode=row.mode,
                              embedder=row.embedder, translate=row.translate)
            ranked = [{urls.get(r.notice_id, "")} | {urls.get(o["notice_id"], "")
                                                     for o in r.also}
                      for r in response.results]
            recall, rr = _metrics(ranked, query["relevant"])
            per_language[query["language"]].append((recall, rr))
            figures["per_query"].setdefault(query["id"], {})[row.key] = {
                "recall@10": recall, "rr": rr}
        figures["modes"][row.key] = {
            language: {"recall@10": statistics.mean(r for r, _ in values),
                       "mrr": statistics.mean(rr for _, rr in values), "queries": len(values)}
            for language, values in per_language.items() if values}
        figures["labels"][row.key] = row.label
        figures["uses_glossary"][row.key] = row.uses_glossary
    echo(f"search quality: {len(queries)} judged queries over {len(urls)} notices "
         f"({counts.get('passages', 0)} passages indexed this run)")
    for name, done in indexing.items():
        rate = (f", {done['passages_per_s']:.0f} passages/s" if done["passages_per_s"]
                else "")
        echo(f"  vectors of {name}: {done['vectors']} ({done['embedded']} computed this run"
             f"{rate})")
    if missing and only_present:
        echo(f"  {len(missing)} relevant notices are pages of the reference pack, absent here: "
             f"{left_out} queries left out, the others scored on what the corpus holds")
    elif missing:
        echo(f"  warning: {len(missing)} relevant notices are not in the corpus: {missing[:3]}")
    if relevant_en:
        echo(f"  English queries are cross-lingual: {chinese_for_en} of their "
             f"{len(relevant_en)} relevant notices are in Chinese")
    echo(f"  {'search':<40} {'zh recall@10':>12} {'zh MRR':>7} {'en recall@10':>13} {'en MRR':>7}")
    for row in rows:
        values = figures["modes"][row.key]
        zh, en = values.get("zh", {}), values.get("en", {})
        label = row.label + (" *" if row.uses_glossary else "")
        echo(f"  {label:<40} {zh.get('recall@10', 0):>12.3f} "
             f"{zh.get('mrr', 0):>7.3f} {en.get('recall@10', 0):>13.3f} {en.get('mrr', 0):>7.3f}")
    echo("  Every figure rests on data we wrote: the judged queries and their relevance "
         "judgments (data/search/queries.json).")
    if any(row.uses_glossary for row in rows):
        echo("  * also translates through the glossary, written together with those queries "
             "(it covers their terms): an upper bound for unseen wording. Rows without * use "
             "no glossary translation.")
    return figures


# --- speed --------------------------------------------------------------------------------

_REGIONS = ["北京市", "上海市", "江苏省", "浙江省", "广东省", "山东省", "四川省", "湖北省",
            "河南省", "福建省", "安徽省", "湖南省"]


class _FixedVectors:
    """An embedder that answers known texts from a table (benchmark query vectors)."""

    def __init__(self, model: Embedder, table: dict[str, np.ndarray]) -> None:
        self.name, self.dim, self.covers_chinese = model.name, model.dim, True
        self.model, self.table = model, table

    def encode(self, texts):
        return np.stack([self.table[t] if t in self.table else self.model.encode([t])[0]
                         for t in texts]).astype(np.float32)


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return p50, p95


def _swaps(rng: random.Random) -> dict[str, str]:
    year = rng.randint(2015, 2029)
    return {"北京市": rng.choice(_REGIONS), "2024": str(year), "2025": str(year + 1)}


def _vary(text: str, swaps: dict[str, str]) -> str:
    for old, new in swaps.items():
        text = text.replace(old, new)
    return text


def _vary_tokens(tokens: str, swaps: dict[str, str]) -> str:
    words = tokens.split()
    return " ".join(swaps.get(word, word) for word in words)


def search_speed(source: Store, echo: Echo, embedder: Embedder, *, notices: int = 100_000,
                 work_dir: Path | None = None, anchors: int = 256, seed: int = 7,
                 keep: bool = False) -> dict[str, Any]:
    """Build a synthetic ``notices``-notice index from ``source`` and time searches on it."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    index_pending(source, None)
    docs = list(source.db.query("select * from search_docs order by version_id"))
    passages_by_version: dict[int, list[dict[str, Any]]] = {}
    for row in source.db.query("select * from passages order by version_id, ordinal"):
        passages_by_version.setdefault(row["version_id"], []).append(row)
    docs = [d for d in docs if passages_by_version.get(d["version_id"])]
    real = [p for d in docs for p in passages_by_version[d["version_id"]]]
    echo(f"search speed: synthetic corpus of {notices:,} notices from {len(docs)} real notices "
         f"({len(real)} real passages)")

    started = time.perf_counter()
    old_length = getattr(getattr(embedder, "model", None), "max_seq_length", None)
    if old_length:
        embedder.model.max_seq_length = 64
    sample = rng.sample(range(len(real)), min(anchors, len(real)))
    anchor_vectors = embedder.encode([embed_text(None, real[i]["text"]) for i in sample])
    if old_length:
        embedder.model.max_seq_length = old_length
    anchor_of: dict[int, int] = {}
    by_notice: dict[int, list[int]] = {}
    for position, passage_index in enumerate(sample):
        anchor_of[real[passage_index]["id"]] = position
        by_notice.setdefault(real[passage_index]["notice_id"], []).append(position)
    for passage in real:
        if passage["id"] not in anchor_of:
            own = by_notice.get(passage["notice_id"])
            anchor_of[passage["id"]] = own[passage["ordinal"] % len(own)] if own else (
                passage["id"] * 2654435761) % len(sample)
    anchor_seconds = time.perf_counter() - started

    work = Path(work_dir or tempfile.mkdtemp(prefix="policywatch-search-bench-"))
    db_path = work / "search-speed.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    target = open_store(db_path)
    # Synthetic rows have no notices/versions behind them: the bench store skips FK checks.
    target.db.execute("PRAGMA foreign_keys=OFF")
    timings: dict[str, float] = {"anchor_encoding_s": anchor_seconds}
    started = time.perf_counter()
    batch: list[idx.IndexedDoc] = []
    keys: list[str] = []
    sources: list[int] = []
    generate_s = 0.0
    written = 0
    for number in range(notices):
        tick = time.perf_counter()
        template = docs[rng.randrange(len(docs))]
        template_passages = passages_by_version[template["version_id"]]
        count = max(1, min(24, 10 + rng.randint(-5, 5)))
        chosen = [template_passages[i % len(template_passages)] for i in range(count)] \
            if len(template_passages) >= count else list(template_passages) + [
                real[rng.randrange(len(real))] for _ in range(count - len(template_passages))]
        swaps = _swaps(rng)
        title = _vary(template["title"] or "", swaps)
        row = {**template, "version_id": number + 1, "notice_id": number + 1, "title": title,
               "url": f"https://example.invalid/synthetic/{number + 1}",
               "published": f"{rng.randint(2015, 2030)}-{rng.randint(1, 12):02d}-"
                            f"{rng.randint(1, 28):02d}"}
        stored = []
        for ordinal, passage in enumerate(chosen):
            text = _vary(passage["text"], swaps)
            key = embed_key(embed_text(title, text) + f"#{number}")
            stored.append({"ordinal": ordinal, "clause": passage["clause"],
                           "language": passage["language"], "text": text,
                           "heading_tokens": _vary_tokens(passage["heading_tokens"], swaps),
                           "body_tokens": _vary_tokens(passage["body_tokens"], swaps),
                           "embed_key": key})
            keys.append(key)
            sources.append(anchor_of[passage["id"]])
        batch.append(idx.IndexedDoc(row, stored))
        generate_s += time.perf_counter() - tick
        if len(batch) >= 2_000:
            written += idx.write_index_batch(target, batch)
            batch = []
    if batch:
        written += idx.write_index_batch(target, batch)
    timings["generate_s"] = generate_s
    timings["write_passages_fts_s"] = time.perf_counter() - started - generate_s
    tick = time.perf_counter()
    idx.optimize_index(target)
    timings["fts_optimize_s"] = time.perf_counter() - tick

    tick = time.perf_counter()
    source_index = np.asarray(sources, dtype=np.int64)
    for start in range(0, len(keys), 100_000):
        part = source_index[start:start + 100_000]
        noise = np_rng.standard_normal((len(part), embedder.dim), dtype=np.float32)
        noise *= 0.35 / np.sqrt(embedder.dim)
        vectors = normalize_rows(anchor_vectors[part] + noise)
        idx.put_embeddings(target, embedder.name, embedder.dim,
                           zip(keys[start:start + 100_000], (v.tobytes() for v in vectors),
                               strict=True))
    timings["write_vectors_s"] = time.perf_counter() - tick
    from policywatch.nlp.retrieval.vectors import (
        cached_dense_index,
        forget_cached_indexes,
        load_dense_index,
        refresh_ann,
    )

    tick = time.perf_counter()
    ann = refresh_ann(target, embedder.name, embedder.dim, threads=2)
    timings["ann_build_s"] = time.perf_counter() - tick
    build_s = sum(v for k, v in timings.items() if k != "anchor_encoding_s")
    forget_cached_indexes()
    tick = time.perf_counter()
    dense = cached_dense_index(target, embedder.name, embedder.dim)
    load_s = time.perf_counter() - tick
    exact_index = load_dense_index(target, embedder.name, embedder.dim)  # floor and recall
    sizes = idx.index_size_bytes(target)
    file_bytes = sum(os.path.getsize(str(db_path) + s) for s in ("", "-wal")
                     if os.path.exists(str(db_path) + s))

    queries = [q["query"] for q in load_judged_queries()]
    tick = time.perf_counter()
    query_vectors = embedder.encode(queries)
    encode_ms = (time.perf_counter() - tick) * 1000 / len(queries)
    table = dict(zip(queries, query_vectors, strict=True))
    fixed = _FixedVectors(embedder, table)
    from policywatch.nlp.retrieval.translate import dictionary_info

    tick = time.perf_counter()
    dictionary_info()  # what a long-running process loads once (CC-CEDICT index)
    dictionary_s = time.perf_counter() - tick
    for query in queries[:5]:  # the first SQLite pages and jieba
        search(target, query, mode="hybrid", embedder=fixed, dense_scope="all")
    # Pass 1 meets each query for the first time (its terms' postings and dictionary
    # lookups cold); passes 2 and 3 repeat them, as a server answering the same kind of
    # question all day would. Both are reported: the first is the honest cold figure.
    timings_ms: dict[str, list[list[float]]] = {"bm25": [], "hybrid": [], "floor": []}
    recalls = []
    for _ in range(3):
        passes = {name: [] for name in timings_ms}
        for query, vector in zip(queries, query_vectors, strict=True):
            tick = time.perf_counter()
            search(target, query, mode="bm25")
            passes["bm25"].append((time.perf_counter() - tick) * 1000)
            tick = time.perf_counter()
            search(target, query, mode="hybrid", embedder=fixed, dense_scope="all")
            passes["hybrid"].append((time.perf_counter() - tick) * 1000)
            tick = time.perf_counter()
            scores = exact_index.matrix @ vector
            exact = np.argpartition(-scores, 10)[:10]
            passes["floor"].append((time.perf_counter() - tick) * 1000)
            approx = {pid for pid, _ in dense.search(vector, 10)}
            recalls.append(len(approx & {int(exact_index.passage_ids[r]) for r in exact}) / 10)
        for name, values in passes.items():
            timings_ms[name].append(values)

    def split(name: str) -> tuple[tuple[float, float], tuple[float, float]]:
        first, *repeats = timings_ms[name]
        return _percentiles(first), _percentiles([v for rep in repeats for v in rep])

    bm25_p, bm25_repeat = split("bm25")
    hybrid_p, hybrid_repeat = split("hybrid")
    floor_p = _percentiles([v for rep in timings_ms["floor"] for v in rep])
    figures = {
        "notices": notices, "passages": written, "build_s": build_s, "timings": timings,
        "ann": {**ann, "kind": dense.kind},
        "index_bytes": sizes, "db_file_bytes": file_bytes,
        "dense_memory_bytes": dense.memory_bytes(), "dense_load_s": load_s,
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "query_encode_ms": encode_ms, "dictionary_load_s": dictionary_s,
        "bm25_ms": {"p50": bm25_p[0], "p95": bm25_p[1]},
        "hybrid_ms": {"p50": hybrid_p[0], "p95": hybrid_p[1]},
        "bm25_repeat_ms": {"p50": bm25_repeat[0], "p95": bm25_repeat[1]},
        "hybrid_repeat_ms": {"p50": hybrid_repeat[0], "p95": hybrid_repeat[1]},
        "numpy_floor_ms": {"p50": floor_p[0], "p95": floor_p[1]},
        "ann_recall@10_vs_exact": statistics.mean(recalls),
        "db_path": str(db_path) if keep else None,
    }
    echo(f"  passages: {written:,}; build {build_s:.0f}s (generate {timings['generate_s']:.0f}s, "
         f"passages+FTS5 {timings['write_passages_fts_s']:.0f}s, optimize "
         f"{timings['fts_optimize_s']:.0f}s, vectors {timings['write_vectors_s']:.0f}s, HNSW "
         f"{timings['ann_build_s']:.0f}s); anchors encoded in {anchor_seconds:.0f}s")
    echo(f"  index size: file {file_bytes / 2**20:,.0f} MiB = " + ", ".join(
        f"{name} {size / 2**20:,.0f} MiB" for name, size in sizes.items()))
    echo(f"  memory: dense index {dense.memory_bytes() / 2**20:,.0f} MiB (loaded in "
         f"{load_s:.1f}s), process peak RSS {figures['max_rss_bytes'] / 2**20:,.0f} MiB")
    echo(f"  latency of the {len(queries)} judged queries, first time each, then repeated twice "
         f"(query encoding excluded, {encode_ms:.1f} ms/query measured apart; dictionary loaded "
         f"once in {dictionary_s:.1f}s before):")
    echo(f"    numpy floor (scan of all {len(exact_index):,} vectors): p50 {floor_p[0]:.1f} ms, "
         f"p95 {floor_p[1]:.1f} ms")
    echo(f"    BM25 only:  first p50 {bm25_p[0]:.1f} ms, p95 {bm25_p[1]:.1f} ms; repeated p50 "
         f"{bm25_repeat[0]:.1f} ms, p95 {bm25_repeat[1]:.1f} ms")
    echo(f"    hybrid:     first p50 {hybrid_p[0]:.1f} ms, p95 {hybrid_p[1]:.1f} ms; repeated "
         f"p50 {hybrid_repeat[0]:.1f} ms, p95 {hybrid_repeat[1]:.1f} ms "
         f"({dense.kind} index; recall@10 vs exact scan "
         f"{figures['ann_recall@10_vs_exact']:.2f})")
    target.close()
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    return figures
