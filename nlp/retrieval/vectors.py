"""Dense passage search: an exact scan for small indexes, an IVF index (numpy) for large ones.

Up to :data:`ANN_MIN_VECTORS` passages, a query is one matrix-vector product over every
passage vector (a few ms). Above that, a full scan costs about 36 ms per million 384-d
float32 vectors on a 2-core machine, most of a 50 ms budget, so vectors are grouped by an
inverted-file index (IVF): spherical k-means centroids (about ``sqrt(n)`` of them), each
vector stored contiguously with its list, and a query scans only the ``nprobe`` lists whose
centroids are nearest (about 2% of the vectors). No extra dependency: numpy's BLAS does the
work. Centroids live in ``vector_indexes`` and each vector's list in
``embeddings.ann_list``, so a process loads a trained index instead of retraining it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from policywatch.store import Store
from policywatch.store import search_index as idx

ANN_MIN_VECTORS = 50_000
DEFAULT_NPROBE = 32
#: A query scans at most this many vectors (lists are probed nearest first until then).
MAX_SCANNED = 24_000
LANGUAGE_CODES = {"zh": 0, "en": 1}


def ivf_lists_for(count: int) -> int:
    """Return the number of IVF lists for ``count`` vectors (about sqrt(n), at least 16).

    >>> ivf_lists_for(1_000_000)
    1000
    """
    return max(16, int(round(np.sqrt(count))))


def train_centroids(vectors: np.ndarray, lists: int, *, iterations: int = 8,
                    sample: int = 64_000, seed: int = 0) -> np.ndarray:
    """Return ``lists`` unit-length centroids from spherical k-means on a sample."""
    rng = np.random.default_rng(seed)
    count = len(vectors)
    pick = rng.choice(count, size=min(sample, count), replace=False)
    data = np.ascontiguousarray(vectors[np.sort(pick)], dtype=np.float32)
    centroids = data[rng.choice(len(data), size=lists, replace=False)].copy()
    for _ in range(iterations):
        assign = assign_lists(data, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assign, data)
        counts = np.bincount(assign, minlength=lists)
        empty = counts == 0
        if empty.any():  # restart empty lists on random points
            sums[empty] = data[rng.choice(len(data), size=int(empty.sum()), replace=False)]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        centroids = (sums / norms).astype(np.float32)
    return centroids


def assign_lists(vectors: np.ndarray, centroids: np.ndarray, chunk: int = 32_768) -> np.ndarray:
    """Return the nearest centroid (inner product) of each vector."""
    out = np.empty(len(vectors), dtype=np.int32)
    for start in range(0, len(vectors), chunk):
        block = np.asarray(vectors[start:start + chunk], dtype=np.float32)
        out[start:start + chunk] = np.argmax(block @ centroids.T, axis=1)
    return out


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) <= k:
        return np.argsort(-scores)
    part = np.argpartition(-scores, k)[:k]
    return part[np.argsort(-scores[part])]


@dataclass
class DenseIndex:
    """Passage vectors of one model, in memory, searchable by inner product.

    ``order`` is the row order (by IVF list when ``centroids`` is set); ``offsets[i]`` is
    where list ``i`` starts.
    """

    model: str
    dim: int
    passage_ids: np.ndarray
    notice_ids: np.ndarray
    languages: np.ndarray
    matrix: np.ndarray
    centroids: np.ndarray | None = None
    offsets: np.ndarray | None = None
    generation: int = -1
    load_seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.passage_ids)

    @property
    def is_ivf(self) -> bool:
        return self.centroids is not None

    def memory_bytes(self) -> int:
        arrays = [self.passage_ids, self.notice_ids, self.languages, self.matrix]
        if self.centroids is not None:
            arrays += [self.centroids, self.offsets]
        return int(sum(a.nbytes for a in arrays))

    def search(self, query: np.ndarray, k: int, *, language: str | None = None,
               nprobe: int = DEFAULT_NPROBE, exact: bool = False) -> list[tuple[int, float]]:
        """Return ``(passage_id, cosine)`` of the ``k`` nearest passages, best first.

        ``language`` keeps only passages in that language (a model that does not cover
        Chinese is only trusted on English passages).
        """
        if len(self) == 0 or k <= 0:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        code = LANGUAGE_CODES.get(language, -1) if language else None
        if exact or not self.is_ivf:
            scores = self.matrix @ query
            if code is not None:
                scores = np.where(self.languages == code, scores, -np.inf)
            rows = _top(scores, k)
        else:
            probe = _top(self.centroids @ query, min(nprobe, len(self.centroids)))
            spans = []
            scanned = 0
            for i in probe:
                start, stop = int(self.offsets[i]), int(self.offsets[i + 1])
                if spans and scanned + stop - start > MAX_SCANNED:
                    continue
                spans.append((start, stop))
                scanned += stop - start
            rows_list = [np.arange(a, b) for a, b in spans if b > a]
            if not rows_list:
                return []
            candidate_rows = np.concatenate(rows_list)
            scores = np.concatenate([self.matrix[a:b] @ query for a, b in spans if b > a])
            if code is not None:
                scores = np.where(self.languages[candidate_rows] == code, scores, -np.inf)
            rows = candidate_rows[_top(scores, k)]
            scores = None
        result_scores = self.matrix[rows] @ query
        pairs = zip(rows, result_scores, strict=True)
        return [(int(self.passage_ids[r]), float(s)) for r, s in pairs
                if np.isfinite(s) and (code is None or self.languages[r] == code)]


def build_dense_index(model: str, dim: int, passage_ids: np.ndarray, notice_ids: np.ndarray,
                      languages: np.ndarray, matrix: np.ndarray, lists: np.ndarray | None = None,
                      centroids: np.ndarray | None = None, generation: int = -1) -> DenseIndex:
    """Arrange vectors for search: sorted by IVF list when ``lists`` and ``centroids`` are
    given, as they are otherwise."""
    if centroids is None or lists is None:
        return DenseIndex(model, dim, passage_ids, notice_ids, languages, matrix,
                          generation=generation)
    order = np.argsort(lists, kind="stable")
    counts = np.bincount(lists, minlength=len(centroids))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return DenseIndex(model, dim, passage_ids[order], notice_ids[order], languages[order],
                      np.ascontiguousarray(matrix[order]), centroids, offsets,
                      generation=generation)


def load_dense_index(store: Store, model: str, dim: int) -> DenseIndex:
    """Read every indexed passage's vector of ``model`` from the store into memory."""
    started = time.perf_counter()
    generation = idx.index_totals(store).generation
    ids: list[int] = []
    notices: list[int] = []
    languages: list[int] = []
    lists: list[int] = []
    blobs: list[bytes] = []
    for batch in idx.iter_passage_vectors(store, model):
        for passage_id, notice_id, language, vector, ann_list in batch:
            ids.append(passage_id)
            notices.append(notice_id)
            languages.append(LANGUAGE_CODES.get(language, 2))
            lists.append(-1 if ann_list is None else ann_list)
            blobs.append(vector)
    matrix = (np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
              if blobs else np.zeros((0, dim), dtype=np.float32))
    del blobs
    row = idx.vector_index_row(store, model)
    list_array = np.asarray(lists, dtype=np.int32)
    centroids = None
    if row is not None and len(ids) >= ANN_MIN_VECTORS:
        centroids = np.frombuffer(row["centroids"], dtype=np.float32).reshape(row["lists"], dim)
        missing = list_array < 0
        if missing.any():  # vectors added since the lists were assigned
            list_array[missing] = assign_lists(matrix[missing], centroids)
    index = build_dense_index(model, dim, np.asarray(ids, dtype=np.int64),
                              np.asarray(notices, dtype=np.int64),
                              np.asarray(languages, dtype=np.int8), matrix,
                              list_array if centroids is not None else None, centroids,
                              generation)
    index.load_seconds = time.perf_counter() - started
    return index


def refresh_ivf(store: Store, model: str, dim: int, *, force: bool = False) -> dict[str, int]:
    """Train IVF centroids when a model has enough vectors, and assign unassigned vectors.

    Trains when there are at least :data:`ANN_MIN_VECTORS` vectors and no centroids yet, or
    twice as many vectors as they were trained on; otherwise only assigns new vectors.

    Returns:
        ``{"trained": 0|1, "assigned": n}``.
    """
    count = idx.embedding_count(store, model)
    row = idx.vector_index_row(store, model)
    if count < ANN_MIN_VECTORS and not force:
        return {"trained": 0, "assigned": 0}
    trained = 0
    if force or row is None or count >= 2 * row["trained_on"]:
        ids: list[int] = []
        blobs: list[bytes] = []
        for batch in idx.iter_embeddings(store, model):
            for row_id, vector in batch:
                ids.append(row_id)
                blobs.append(vector)
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
        del blobs
        lists = ivf_lists_for(len(matrix))
        centroids = train_centroids(matrix, lists)
        idx.save_vector_index(store, model, kind="ivf", dim=dim, lists=lists,
                              centroids=centroids.tobytes(), trained_on=len(matrix))
        assignment = assign_lists(matrix, centroids)
        idx.set_ann_lists(store, zip(ids, assignment.tolist(), strict=True))
        return {"trained": 1, "assigned": len(ids)}
    centroids = np.frombuffer(row["centroids"], dtype=np.float32).reshape(row["lists"], dim)
    assigned = 0
    for batch in idx.iter_embeddings(store, model, only_unlisted=True):
        ids = [row_id for row_id, _ in batch]
        matrix = np.frombuffer(b"".join(v for _, v in batch), dtype=np.float32).reshape(
            len(batch), dim)
        idx.set_ann_lists(store, zip(ids, assign_lists(matrix, centroids).tolist(), strict=True))
        assigned += len(ids)
    return {"trained": trained, "assigned": assigned}


_cache_lock = threading.Lock()
_cache: dict[tuple[str, str], DenseIndex] = {}


def cached_dense_index(store: Store, model: str, dim: int) -> DenseIndex:
    """Return the in-memory index of ``model`` for this database, reloading it when the
    search index changed since it was loaded (the generation counter moved)."""
    key = (str(store.path.resolve()), model)
    generation = idx.index_totals(store).generation
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached.generation == generation and cached.dim == dim:
            return cached
    index = load_dense_index(store, model, dim)
    with _cache_lock:
        _cache[key] = index
    return index


def forget_cached_indexes() -> None:
    """Drop every cached in-memory index (tests; memory)."""
    with _cache_lock:
        _cache.clear()
