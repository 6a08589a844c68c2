"""Dense passage search: an exact scan for small indexes, a usearch HNSW index for large ones.

Up to :data:`ANN_MIN_VECTORS` vectors of a model, a query is one matrix-vector product
over every passage vector, held in memory (a few ms; also the recall reference of the
benchmarks). Above that, vectors go into an HNSW graph kept by **usearch** in a file beside
the database (``<db stem>.vectors/<model>.usearch``), updated incrementally as passages are
embedded (:func:`refresh_ann`) and opened memory-mapped for search (:class:`AnnIndex`): a
process that searches maps the file instead of reading every vector into RAM, and a write
adds the new vectors to the graph instead of forcing a full reload.

Why usearch (``policywatch bench ann`` has the figures, README "Vector index" the summary),
among the maintained libraries whose wheels install here for Python 3.11:

- **incremental adds**: HNSW takes new vectors at any time with no training step; an IVF
  index (FAISS's, or the numpy one this module had) is trained on the vectors it starts
  with and its lists grow unbalanced as a corpus moves on, until it is retrained and every
  vector reassigned. Adding costs about 0.3 ms a vector on two cores, a few percent of
  computing the vector with USE (about 13 ms);
- **memory and persistence**: vectors are stored as float16 (half of float32; recall@10
  0.99 on real-text vectors, where int8 fell to 0.87), the index is one file, and
  ``Index.restore(path, view=True)`` maps it without copying;
- **maintenance**: one wheel of 2 MB with numpy as its only heavy dependency, released
  every few weeks; FAISS (18 MB, OpenMP) would add training and retraining of IVF lists or
  an HNSW that cannot delete; sqlite-vec 0.1 scans exactly (no ANN index yet), so it is
  no faster than numpy at a million vectors; hnswlib has no wheel for this platform and few
  releases.

Keys in the graph are ``embeddings`` row ids (one per embedded text and model); a hit maps
to every passage with that text. Vectors added to the store after the file was last
written (a refresh that did not run) are scanned exactly and merged, so a search never
misses them.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from policywatch.store import Store
from policywatch.store import search_index as idx
from policywatch.store.db import sidecar_path
from policywatch.store.marks import advance_mark, read_mark

#: From this many vectors of a model on, search uses the HNSW index.
ANN_MIN_VECTORS = 50_000
#: HNSW settings: edges per node, candidate list while adding and while searching. A real
#: question lands far from every passage (cosine about 0.4 to its nearest with USE) among
#: near ties (0.002 between the 10th and the 11th): on real-text vectors, ef_add 64 and
#: ef_search 96 kept 0.6-0.9 of the exact top 10 of the judged queries, 128 and 256 keep
#: 0.99 (``policywatch bench ann``) for well under a millisecond more.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256
#: A query whose best hit is below this cosine is far from every passage (a short question,
#: about 0.4 with USE): the graph is searched again with :data:`EXPANSION_SEARCH_FAR`. On a
#: million vectors that raised the judged questions' recall@10 from 0.43 to 0.60 for 3 ms.
FAR_COSINE = 0.6
EXPANSION_SEARCH_FAR = 1024
#: Storage type of the vectors in the graph (see the module docstring).
ANN_DTYPE = "f16"
#: A search with a language restriction asks the graph for this many times ``k``.
LANGUAGE_OVERSAMPLE = 8
LANGUAGE_CODES = {"zh": 0, "en": 1}


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) <= k:
        return np.argsort(-scores)
    part = np.argpartition(-scores, k)[:k]
    return part[np.argsort(-scores[part])]


@dataclass
class DenseIndex:
    """Passage vectors of one model in memory, searched exactly by inner product."""

    model: str
    dim: int
    passage_ids: np.ndarray
    notice_ids: np.ndarray
    languages: np.ndarray
    matrix: np.ndarray
    generation: int = -1
    load_seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.passage_ids)

    @property
    def kind(self) -> str:
        return "exact"

    def memory_bytes(self) -> int:
        return int(sum(a.nbytes for a in (self.passage_ids, self.notice_ids, self.languages,
                                           self.matrix)))

    def search(self, query: np.ndarray, k: int, *, language: str | None = None,
               exact: bool = True) -> list[tuple[int, float]]:
        """Return ``(passage_id, cosine)`` of the ``k`` nearest passages, best first.

        ``language`` keeps only passages in that language (a model that does not cover
        Chinese is only trusted on English passages).
        """
        if len(self) == 0 or k <= 0:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        scores = self.matrix @ query
        if language:
            scores = np.where(self.languages == LANGUAGE_CODES.get(language, -1), scores,
                              -np.inf)
        rows = _top(scores, k)
        return [(int(self.passage_ids[r]), float(scores[r])) for r in rows
                if np.isfinite(scores[r])]


def build_dense_index(model: str, dim: int, passage_ids: np.ndarray, notice_ids: np.ndarray,
                      languages: np.ndarray, matrix: np.ndarray,
                      generation: int = -1) -> DenseIndex:
    """An exact index over these vectors (one row per passage)."""
    return DenseIndex(model, dim, passage_ids, notice_ids, languages,
                      np.ascontiguousarray(matrix, dtype=np.float32), generation=generation)


def load_dense_index(store: Store, model: str, dim: int) -> DenseIndex:
    """Read every indexed passage's vector of ``model`` from the store into memory."""
    started = time.perf_counter()
    generation = idx.index_totals(store).generation
    ids: list[int] = []
    notices: list[int] = []
    languages: list[int] = []
    blobs: list[bytes] = []
    for batch in idx.iter_passage_vectors(store, model):
        for passage_id, notice_id, language, vector, _ in batch:
            ids.append(passage_id)
            notices.append(notice_id)
            languages.append(LANGUAGE_CODES.get(language, 2))
            blobs.append(vector)
    matrix = (np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
              if blobs else np.zeros((0, dim), dtype=np.float32))
    del blobs
    index = build_dense_index(model, dim, np.asarray(ids, dtype=np.int64),
                              np.asarray(notices, dtype=np.int64),
                              np.asarray(languages, dtype=np.int8), matrix, generation)
    index.load_seconds = time.perf_counter() - started
    return index


# --- the HNSW index -----------------------------------------------------------------------


def ann_path(store_path: Path, model: str) -> Path:
    """The HNSW file of ``model`` for the database at ``store_path``.

    >>> ann_path(Path("data/pw.db"), "use-multilingual-v3").as_posix()
    'data/pw.vectors/use-multilingual-v3.usearch'
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model)
    return sidecar_path(store_path, ".vectors") / f"{slug}.usearch"


def _mark_name(model: str) -> str:
    return f"ann:{model}"


def new_ann(dim: int, dtype: str = ANN_DTYPE, connectivity: int = CONNECTIVITY,
            expansion_add: int = EXPANSION_ADD, expansion_search: int = EXPANSION_SEARCH
            ) -> Any:
    """An empty usearch HNSW index of unit vectors compared by cosine."""
    from usearch.index import Index

    return Index(ndim=dim, metric="cos", dtype=dtype, connectivity=connectivity,
                 expansion_add=expansion_add, expansion_search=expansion_search)


class _FileLock:
    """An exclusive ``flock`` on ``path`` (two processes never write one index at once)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> _FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def refresh_ann(store: Store, model: str, dim: int, *, force: bool = False,
                threads: int = 0) -> dict[str, int]:
    """Add the vectors of ``model`` stored since the last refresh to its HNSW file.

    Nothing happens below :data:`ANN_MIN_VECTORS` vectors (the exact scan serves) unless
    ``force``. The first refresh above it builds the graph from every vector; later ones add
    only vectors with an ``embeddings`` id above the mark the last one left, write the file
    (to a temporary name, then renamed: a searching process keeps its mapped old file) and
    move the mark. One writer at a time (a lock file); keys already in the graph are
    skipped, so a refresh that died between writing and marking loses nothing.

    Returns:
        ``added`` (vectors added now) and ``indexed`` (vectors in the graph).
    """
    path = ann_path(store.path, model)
    if not path.exists() and not force and idx.embedding_count(store, model) < ANN_MIN_VECTORS:
        return {"added": 0, "indexed": 0}
    with _FileLock(path.with_suffix(".lock")):
        from usearch.index import Index

        index = Index.restore(str(path)) if path.exists() else None
        if index is None:
            index = new_ann(dim)
        mark = read_mark(store, _mark_name(model)) if path.exists() else 0
        added = 0
        last = mark
        for batch in idx.iter_embeddings_after(store, model, mark):
            keys = np.asarray([row_id for row_id, _ in batch], dtype=np.uint64)
            vectors = np.frombuffer(b"".join(v for _, v in batch), dtype=np.float32).reshape(
                len(batch), dim)
            fresh = ~np.asarray(index.contains(keys), dtype=bool)
            if fresh.any():
                index.add(keys[fresh], vectors[fresh], threads=threads)
                added += int(fresh.sum())
            last = int(keys.max())
        if added or not path.exists():
            temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
            index.save(str(temporary))
            os.replace(temporary, path)
        if last > mark:
            advance_mark(store, _mark_name(model), last)
        return {"added": added, "indexed": len(index)}


class AnnIndex:
    """The HNSW file of a model, memory-mapped, plus the vectors stored after it was
    written (scanned exactly); searched like :class:`DenseIndex`."""

    def __init__(self, store: Store, model: str, dim: int, path: Path) -> None:
        from usearch.index import Index

        started = time.perf_counter()
        self.model, self.dim, self.path = model, dim, path
        self.store_path = store.path
        self.graph = Index.restore(str(path), view=True)
        self.graph.expansion_search = EXPANSION_SEARCH
        self.mtime = path.stat().st_mtime_ns
        self.generation = idx.index_totals(store).generation
        self.tail = self._tail(store)
        self.load_seconds = time.perf_counter() - started

    def _tail(self, store: Store) -> tuple[np.ndarray, np.ndarray]:
        mark = read_mark(store, _mark_name(self.model))
        keys: list[int] = []
        blobs: list[bytes] = []
        for batch in idx.iter_embeddings_after(store, self.model, mark):
            keys += [row_id for row_id, _ in batch]
            blobs += [vector for _, vector in batch]
        matrix = (np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), self.dim)
                  if blobs else np.zeros((0, self.dim), dtype=np.float32))
        return np.asarray(keys, dtype=np.int64), matrix

    def __len__(self) -> int:
        return len(self.graph) + len(self.tail[0])

    @property
    def kind(self) -> str:
        return "hnsw"

    def memory_bytes(self) -> int:
        """Bytes of the mapped file plus the exact tail (the file is paged in as needed)."""
        return int(self.path.stat().st_size + self.tail[1].nbytes)

    def search(self, query: np.ndarray, k: int, *, language: str | None = None,
               exact: bool = False) -> list[tuple[int, float]]:
        """Return ``(passage_id, cosine)`` of the ``k`` nearest passages, best first."""
        if k <= 0 or len(self) == 0:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        want = min(k * (LANGUAGE_OVERSAMPLE if language else 1) + 8, len(self.graph))
        found = self.graph.search(query, want, threads=1, exact=exact)
        if not exact and len(found.keys) and 1.0 - float(found.distances[0]) < FAR_COSINE:
            # Far from everything: the greedy walk stops early among near ties; a wider
            # candidate list finds more of the exact neighbours (bench ann).
            self.graph.expansion_search = EXPANSION_SEARCH_FAR
            try:
                found = self.graph.search(query, want, threads=1)
            finally:
                self.graph.expansion_search = EXPANSION_SEARCH
        scores = {int(key): 1.0 - float(distance)
                  for key, distance in zip(found.keys, found.distances, strict=True)}
        keys, matrix = self.tail
        if len(keys):
            tail_scores = matrix @ query
            for row in _top(tail_scores, want):
                scores[int(keys[row])] = float(tail_scores[row])
        passages = idx.passages_of_embeddings(_reader(self.store_path), list(scores),
                                              self.model)
        hits = [(passage_id, scores[key]) for key, passage_id, passage_language in passages
                if not language or passage_language == language]
        hits.sort(key=lambda hit: -hit[1])
        return hits[:k]


_readers = threading.local()


def _reader(path: Path) -> Store:
    """This thread's read connection to the database at ``path`` (searches run in the web
    server's threads too, and a SQLite connection stays in the thread that opened it)."""
    from policywatch.store import open_store

    opened = getattr(_readers, "stores", None)
    if opened is None:
        opened = _readers.stores = {}
    key = str(path.resolve())
    if key not in opened:
        opened[key] = open_store(path, migrate=False)
    return opened[key]


_cache_lock = threading.Lock()
_cache: dict[tuple[str, str], DenseIndex | AnnIndex] = {}


def cached_dense_index(store: Store, model: str, dim: int) -> DenseIndex | AnnIndex:
    """Return the searchable index of ``model`` for this database: the HNSW file when there
    is one (reopened when it was rewritten or vectors were added), else the exact index in
    memory (reloaded when the search index's generation counter moved)."""
    key = (str(store.path.resolve()), model)
    generation = idx.index_totals(store).generation
    path = ann_path(store.path, model)
    with _cache_lock:
        cached = _cache.get(key)
    if path.exists():
        mtime = path.stat().st_mtime_ns
        if (isinstance(cached, AnnIndex) and cached.mtime == mtime
                and cached.generation == generation and cached.dim == dim):
            return cached
        index: DenseIndex | AnnIndex = AnnIndex(store, model, dim, path)
    else:
        if (isinstance(cached, DenseIndex) and cached.generation == generation
                and cached.dim == dim):
            return cached
        index = load_dense_index(store, model, dim)
    with _cache_lock:
        _cache[key] = index
    return index


def forget_cached_indexes() -> None:
    """Drop every cached index (tests; memory)."""
    with _cache_lock:
        _cache.clear()
