"""``policywatch bench ann``: the vector index against the exact scan, on real-text vectors.

The vectors are multilingual USE v3 vectors of real passages: every notice of the ncp-2020
corpus (592 real Chinese government notices of 2020) and the real texts of the reference
pack, cut into passages as the index cuts them and embedded with their titles as the index
embeds them. That gives a few thousand real vectors; to reach ``size`` (one million by
default) each further vector is a real one with a small random perturbation (Gaussian
noise of norm 0.35 before renormalizing, cosine about 0.94 to its original, the spread the
``search-speed`` benchmark uses), and the report says how many are real. At a million
that makes about 250 near-copies of each real passage, between which the exact top 10 is
decided by the noise; so recall is also counted with ties (a hit as close as the exact
10th), and the run is repeated on a corpus whose copies are each moved towards another
real passage (no clusters of copies), and on the real vectors alone. Queries: the 46
judged queries of the search benchmark (real questions, Chinese and English) and real
passages not used as-is in the corpus (each perturbed once more).

In the same run, on the same vectors and queries: the exact scan (numpy, float32: the
reference every recall is measured against), the usearch HNSW index the search uses above
:data:`~policywatch.nlp.retrieval.vectors.ANN_MIN_VECTORS`, and the home-made numpy IVF
it replaced. Figures: recall@10 against the exact top 10, single-query latency p50/p95
(one thread), build time, and memory (bytes held for search, and the index file).
BM25's approximate path (the rare-term budget of :mod:`policywatch.nlp.retrieval.search`)
is compared with the exact BM25 ranking of every term on the same FTS5 index, built from
the same real passages replicated with place names and years swapped.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from policywatch.nlp.retrieval.embeddings import Embedder
from policywatch.nlp.retrieval.search_text import embed_text, language_of, split_passages
from policywatch.store import Store, open_store
from policywatch.store import search_index as idx
from policywatch.store.reporting import Echo

#: Norm of the Gaussian noise added to a real vector to make another one.
NOISE = 0.35
#: A hit whose cosine is within this of the exact 10th best counts as a tie (float16
#: storage alone moves cosines by about 1e-3).
TIE = 0.002


class AnnBenchUnavailable(RuntimeError):
    """The benchmark cannot run here: no reference pack, or no USE model."""


def real_passages(reference: Path) -> list[tuple[str, str]]:
    """``(title, passage)`` of every passage of the real texts in the reference pack: the
    ncp-2020 corpus (titles from its corpus.json) and ``real-texts``/``texts``."""
    found: list[tuple[str, str]] = []
    corpus = reference / "ncp-2020"
    titles = {}
    if (corpus / "corpus.json").exists():
        titles = {row["file"]: row.get("title") or "" for row in json.loads(
            (corpus / "corpus.json").read_text(encoding="utf-8"))}
    files = sorted((corpus / "corpus").glob("*.txt")) + sorted(
        (reference / "real-texts").glob("*.txt")) + sorted((reference / "texts").glob("*.txt"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        title = titles.get(path.name) or text.strip().splitlines()[0][:80]
        language = language_of(text)
        found += [(title, p.text) for p in split_passages(text, language)]
    return found


def real_vectors(reference: Path, embedder: Embedder, cache: Path, echo: Echo
                 ) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """USE vectors of :func:`real_passages`, cached in ``cache`` by content and model
    (embedding them takes a minute or two on two cores)."""
    passages = real_passages(reference)
    digest = hashlib.sha256(json.dumps([embedder.name, passages], ensure_ascii=False)
                            .encode("utf-8")).hexdigest()[:16]
    path = cache / f"ann-bench-{digest}.npy"
    if path.exists():
        return np.load(path), passages
    echo(f"ann: embedding {len(passages):,} real passages with {embedder.name} (once; cached "
         f"in {path})")
    started = time.perf_counter()
    vectors = np.concatenate([embedder.encode([embed_text(t, p) for t, p in
                                               passages[start:start + 256]])
                              for start in range(0, len(passages), 256)])
    echo(f"ann: {len(passages) / (time.perf_counter() - started):.0f} passages/s")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32))
    return vectors.astype(np.float32), passages


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": ordered[len(ordered) // 2],
            "p95": ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]}


def _recall(found: list[set[int]], truth: list[set[int]]) -> float:
    return float(np.mean([len(f & t) / max(len(t), 1) for f, t in zip(found, truth,
                                                                      strict=True)]))


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def synthetic_corpus(real: np.ndarray, size: int, rng: np.random.Generator,
                     mix: bool = False) -> np.ndarray:
    """Every real vector once, then perturbed copies of random real ones up to ``size``.

    With ``mix``, each further vector is a random real one moved towards another random
    real one (weight 0.5-1.0 on the first) before the noise: a continuum between real
    passages instead of tight clusters of copies of each.
    """
    out = np.empty((max(size, len(real)), real.shape[1]), dtype=np.float32)
    out[:len(real)] = real
    for start in range(len(real), len(out), 100_000):
        stop = min(start + 100_000, len(out))
        base = real[rng.integers(0, len(real), stop - start)]
        if mix:
            weight = rng.uniform(0.5, 1.0, (stop - start, 1)).astype(np.float32)
            base = weight * base + (1 - weight) * real[rng.integers(0, len(real),
                                                                    stop - start)]
            base /= np.linalg.norm(base, axis=1, keepdims=True)
        noise = rng.standard_normal(base.shape, dtype=np.float32) * (NOISE / np.sqrt(
            real.shape[1]))
        block = base + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out


def vector_benchmark(corpus: np.ndarray, queries: np.ndarray, groups: dict[str, slice],
                     echo: Echo, work: Path, threads: int = 2,
                     expansions: tuple[int, ...] = (64, 128, 256, 512)) -> dict[str, Any]:
    """Exact scan against the usearch HNSW index on the same vectors and queries."""
    from usearch.index import Index

    from policywatch.nlp.retrieval.vectors import (
        ANN_DTYPE,
        CONNECTIVITY,
        EXPANSION_ADD,
        EXPANSION_SEARCH,
        new_ann,
    )

    figures: dict[str, Any] = {"vectors": len(corpus), "queries": len(queries),
                               "dim": corpus.shape[1]}
    truth: list[set[int]] = []
    tenth: list[float] = []  # the exact 10th best cosine of each query
    for start in range(0, len(queries), 64):
        scores = queries[start:start + 64] @ corpus.T
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        truth += [set(map(int, row)) for row in top]
        tenth += [float(np.min(row[t])) for row, t in zip(scores, top, strict=True)]
    exact_ms = []
    for query in queries:
        tick = time.perf_counter()
        scores = corpus @ query
        np.argpartition(-scores, 10)[:10]
        exact_ms.append((time.perf_counter() - tick) * 1000)
    figures["exact"] = {"ms": _percentiles(exact_ms), "memory_bytes": int(corpus.nbytes)}
    echo(f"  exact scan (numpy float32, {corpus.nbytes / 2**20:,.0f} MiB in RAM): "
         f"p50 {figures['exact']['ms']['p50']:.1f} ms, p95 "
         f"{figures['exact']['ms']['p95']:.1f} ms")

    index = new_ann(corpus.shape[1])
    tick = time.perf_counter()
    for start in range(0, len(corpus), 100_000):
        index.add(np.arange(start, min(start + 100_000, len(corpus)), dtype=np.uint64),
                  corpus[start:start + 100_000], threads=threads)
    build_s = time.perf_counter() - tick
    path = work / "bench.usearch"
    index.save(str(path))
    memory = int(index.memory_usage)
    del index
    view = Index.restore(str(path), view=True)
    figures["hnsw"] = {"dtype": ANN_DTYPE, "connectivity": CONNECTIVITY,
                       "expansion_add": EXPANSION_ADD, "build_s": build_s,
                       "build_threads": threads, "adds_per_s": len(corpus) / build_s,
                       "memory_bytes": memory, "file_bytes": path.stat().st_size,
                       "by_expansion": {}}
    echo(f"  usearch HNSW ({ANN_DTYPE}, M={CONNECTIVITY}, ef_add={EXPANSION_ADD}): built in "
         f"{build_s:.0f}s on {threads} threads ({len(corpus) / build_s:,.0f} vectors/s); "
         f"{memory / 2**20:,.0f} MiB in memory, file {path.stat().st_size / 2**20:,.0f} MiB "
         "(searched memory-mapped)")
    for expansion in expansions:
        view.expansion_search = expansion
        found, times, good, shortfall = [], [], [], []
        for query, bar in zip(queries, tenth, strict=True):
            tick = time.perf_counter()
            matches = view.search(query, 10, threads=1)
            times.append((time.perf_counter() - tick) * 1000)
            keys = [int(key) for key in matches.keys]
            found.append(set(keys))
            cosines = corpus[keys] @ query if keys else np.zeros(0, dtype=np.float32)
            # A hit as close as the exact 10th (within TIE) is as good an answer: copies of
            # one passage tie, and which of them the exact scan ranks 10th is noise.
            good.append(float(np.sum(cosines >= bar - TIE)) / 10)
            shortfall.append(bar - float(np.min(cosines)) if len(cosines) else 1.0)
        row = {"ms": _percentiles(times), "recall@10": _recall(found, truth),
               "recall@10_by_group": {name: _recall(found[part], truth[part])
                                      for name, part in groups.items()},
               "recall@10_ties": float(np.mean(good)),
               "recall@10_ties_by_group": {name: float(np.mean(good[part]))
                                           for name, part in groups.items()},
               "worst_shortfall_p95": _percentiles(shortfall)["p95"]}
        figures["hnsw"]["by_expansion"][expansion] = row
        chosen = " (the search's setting)" if expansion == EXPANSION_SEARCH else ""
        echo(f"    ef_search {expansion:>3}{chosen}: recall@10 {row['recall@10']:.3f} ("
             + ", ".join(f"{name} {value:.3f}" for name, value in
                         row["recall@10_by_group"].items())
             + f"); counting ties within {TIE}: {row['recall@10_ties']:.3f} ("
             + ", ".join(f"{name} {value:.3f}" for name, value in
                         row["recall@10_ties_by_group"].items())
             + f"); p50 {row['ms']['p50']:.2f} ms, p95 {row['ms']['p95']:.2f} ms")
    del view
    path.unlink(missing_ok=True)
    return figures


def bm25_corpus(passages: list[tuple[str, str]], size: int, path: Path, rng: random.Random,
                echo: Echo) -> Store:
    """An FTS5 index of ``size`` passages: the real ones segmented once, then copies of real
    notices with their region and years swapped (as ``search-speed`` builds its corpus)."""
    from policywatch.nlp.evaluation.search_bench import _swaps, _vary, _vary_tokens
    from policywatch.nlp.retrieval.search_text import index_terms

    by_title: dict[str, list[dict[str, Any]]] = {}
    for title, text in passages:
        language = language_of(text)
        by_title.setdefault(title, []).append({
            "language": language, "text": text,
            "heading_tokens": " ".join(index_terms(title, language_of(title))),
            "body_tokens": " ".join(index_terms(text, language))})
    notices = list(by_title.items())
    store = open_store(path)
    store.db.execute("PRAGMA foreign_keys=OFF")  # synthetic rows: no notices behind them
    written = number = 0
    batch: list[idx.IndexedDoc] = []
    while written < size:
        title, rows = notices[number % len(notices)] if number < len(notices) else \
            notices[rng.randrange(len(notices))]
        swaps = {} if number < len(notices) else _swaps(rng)
        number += 1
        chosen = rows[:max(1, min(len(rows), size - written))]
        batch.append(idx.IndexedDoc(
            {"version_id": number, "notice_id": number, "title": _vary(title, swaps),
             "language": chosen[0]["language"], "segmenter": "bench"},
            [{"ordinal": i, "clause": None, "language": row["language"],
              "text": _vary(row["text"], swaps),
              "heading_tokens": _vary_tokens(row["heading_tokens"], swaps),
              "body_tokens": _vary_tokens(row["body_tokens"], swaps), "embed_key": None}
             for i, row in enumerate(chosen)]))
        written += len(chosen)
        if len(batch) >= 2_000:
            idx.write_index_batch(store, batch)
            batch = []
            if written % 200_000 < 20_000:
                echo(f"  bm25 corpus: {written:,} passages written")
    if batch:
        idx.write_index_batch(store, batch)
    idx.optimize_index(store)
    return store


def bm25_benchmark(store: Store, queries: list[str], echo: Echo) -> dict[str, Any]:
    """BM25's approximate path (rare terms through FTS5, common terms scored on those
    candidates) against the exact BM25 ranking of every term by FTS5, top 10 of each."""
    from policywatch.nlp.retrieval.search import fts_match, lexical_search
    from policywatch.nlp.retrieval.search_text import query_terms

    totals = idx.index_totals(store)
    figures: dict[str, Any] = {"passages": totals.passages, "queries": 0, "passes": {}}
    usable = []
    for query in queries:
        terms = query_terms(query)[:32]
        df = idx.document_frequencies(store, terms)
        present = [term for term in terms if df[term] > 0]
        if present:
            usable.append((query, terms, present))
    figures["queries"] = len(usable)
    for label in ("first", "repeated"):
        approx_ms, exact_ms, found, truth, good, budgeted = [], [], [], [], [], 0
        for _, terms, present in usable:
            tick = time.perf_counter()
            hits = lexical_search(store, terms, limit=10)
            approx_ms.append((time.perf_counter() - tick) * 1000)
            tick = time.perf_counter()
            exact = idx.fts_ranked(store, fts_match(present), 10)
            exact_ms.append((time.perf_counter() - tick) * 1000)
            found.append({pid for pid, _ in hits.ranked[:10]})
            truth.append({pid for pid, _ in exact})
            budgeted += bool(hits.common)
            # Copies of one passage score the same: a hit scoring as high as the exact 10th
            # (its exact BM25, every term) is as good an answer as the one ranked there.
            bar = min((score for _, score in exact), default=0.0)
            mine = [pid for pid, _ in hits.ranked[:10]]
            scored = dict(store.db.execute(
                "select rowid, -bm25(passages_fts, ?, ?) from passages_fts where passages_fts "
                f"match ? and rowid in ({', '.join('?' * len(mine))})",
                [*idx.COLUMN_WEIGHTS, fts_match(present), *mine]).fetchall()) if mine else {}
            wanted = min(10, len(exact))
            good.append(sum(1 for pid in mine if scored.get(pid, -1e9) >= bar - 1e-9 * abs(bar))
                        / wanted if wanted else 1.0)
        figures["passes"][label] = {
            "approximate_ms": _percentiles(approx_ms), "exact_ms": _percentiles(exact_ms),
            "recall@10": _recall(found, truth), "recall@10_ties": float(np.mean(good)),
            "queries_with_common_terms": budgeted}
    first = figures["passes"]["first"]
    repeated = figures["passes"]["repeated"]
    echo(f"  BM25 on {totals.passages:,} passages, {len(usable)} judged queries with a known "
         f"term ({first['queries_with_common_terms']} have terms left out of FTS5's ranking):")
    echo(f"    approximate (rare-term budget): recall@10 vs exact {first['recall@10']:.3f}, "
         f"counting equal scores {first['recall@10_ties']:.3f}; "
         f"first p50 {first['approximate_ms']['p50']:.1f} ms, p95 "
         f"{first['approximate_ms']['p95']:.1f} ms; repeated p50 "
         f"{repeated['approximate_ms']['p50']:.1f} ms, p95 "
         f"{repeated['approximate_ms']['p95']:.1f} ms")
    echo(f"    exact (FTS5 bm25 over every term): first p50 {first['exact_ms']['p50']:.1f} ms, "
         f"p95 {first['exact_ms']['p95']:.1f} ms; repeated p50 "
         f"{repeated['exact_ms']['p50']:.1f} ms, p95 {repeated['exact_ms']['p95']:.1f} ms")
    return figures


def bench_ann(echo: Echo, reference: Path | None, size: int = 1_000_000,
              bm25_passages: int = 1_000_000, held_out: int = 254, seed: int = 11
              ) -> dict[str, Any]:
    """Run the vector and the BM25 comparisons; print and return their figures."""
    import shutil
    import tempfile

    from policywatch.nlp.evaluation.search_bench import load_judged_queries
    from policywatch.nlp.retrieval.embeddings import USE_MODEL, ModelUnavailable, load_model
    from policywatch.store.cache import cache_dir

    if reference is None or not (reference / "ncp-2020").is_dir():
        raise AnnBenchUnavailable("bench ann embeds the real texts of the reference pack "
                               "(ncp-2020 and real-texts): none found (--reference DIR)")
    try:
        embedder = load_model(USE_MODEL)
    except ModelUnavailable as exc:
        raise AnnBenchUnavailable(f"bench ann needs the packaged USE model: {exc}") from None
    rng = np.random.default_rng(seed)
    real, passages = real_vectors(reference, embedder, cache_dir(), echo)
    judged = [q["query"] for q in load_judged_queries(reference=reference)]
    picked = rng.choice(len(real), size=min(held_out, len(real)), replace=False)
    perturbed = real[picked] + rng.standard_normal((len(picked), real.shape[1]),
                                                   dtype=np.float32) * (NOISE / np.sqrt(
                                                       real.shape[1]))
    perturbed /= np.linalg.norm(perturbed, axis=1, keepdims=True)
    queries = np.concatenate([embedder.encode(judged), perturbed]).astype(np.float32)
    groups = {"judged queries": slice(0, len(judged)),
              "passage-like queries": slice(len(judged), len(queries))}
    corpus = synthetic_corpus(real, size, rng)
    echo(f"ann: {len(corpus):,} vectors of {embedder.name}: {len(real):,} real passages "
         f"({len(passages):,} from ncp-2020 and the real texts), the other "
         f"{len(corpus) - len(real):,} real ones perturbed (noise norm {NOISE}); "
         f"{len(judged)} judged queries and {len(picked)} real passages perturbed as queries")
    work = Path(tempfile.mkdtemp(prefix="policywatch-ann-"))
    try:
        figures: dict[str, Any] = {"real_vectors": len(real), "model": embedder.name,
                                   "noise": NOISE}
        echo(f"  the {len(real):,} real vectors alone (no copies, so no ties between "
             "copies), the same queries:")
        figures["real_only"] = vector_benchmark(real, queries, groups, echo, work)
        echo(f"  all {len(corpus):,} vectors (copies of real vectors):")
        figures["vectors"] = vector_benchmark(corpus, queries, groups, echo, work)
        del corpus
        corpus = synthetic_corpus(real, size, rng, mix=True)
        echo(f"  all {len(corpus):,} vectors again, the copies each moved towards another "
             "real passage (no clusters of copies):")
        figures["vectors_mixed"] = vector_benchmark(corpus, queries, groups, echo, work)
        del corpus
        if bm25_passages:
            figures["bm25"] = bm25_benchmark(
                bm25_corpus(passages, bm25_passages, work / "bm25.db", random.Random(seed),
                            echo), judged, echo)
        figures["peak_rss_bytes"] = _peak_rss()
        echo(f"  process peak RSS {figures['peak_rss_bytes'] / 2**20:,.0f} MiB")
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)
