"""The vector index: exact scan for small indexes, usearch HNSW beside the database for
large ones, updated incrementally; vectors stored after the last refresh are still found."""

from __future__ import annotations

import numpy as np
import pytest

from policywatch.nlp.retrieval import vectors
from policywatch.nlp.retrieval.vectors import (
    AnnIndex,
    DenseIndex,
    ann_path,
    cached_dense_index,
    forget_cached_indexes,
    refresh_ann,
)
from policywatch.store import open_store
from policywatch.store import search_index as idx

MODEL, DIM = "test/vectors", 32


def _clustered(rng: np.random.Generator, count: int) -> np.ndarray:
    centers = rng.standard_normal((40, DIM)).astype(np.float32)
    data = centers[rng.integers(0, 40, count)] + 0.15 * rng.standard_normal((count, DIM))
    return (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)


def _add(store, data: np.ndarray, first: int, language: str = "zh") -> None:
    """Index one passage per vector (notice and version ``first``, ``first + 1``, ...)."""
    store.db.execute("PRAGMA foreign_keys=OFF")  # synthetic rows: no notices behind them
    docs = [idx.IndexedDoc(
        {"version_id": first + i, "notice_id": first + i, "title": f"t{first + i}",
         "language": language, "segmenter": "test"},
        [{"ordinal": 0, "clause": None, "language": language, "text": f"p{first + i}",
          "heading_tokens": "", "body_tokens": f"w{first + i}", "embed_key": f"k{first + i}"}])
        for i in range(len(data))]
    idx.write_index_batch(store, docs)
    idx.put_embeddings(store, MODEL, DIM, [(f"k{first + i}", row.tobytes())
                                           for i, row in enumerate(data)])


@pytest.fixture
def filled(tmp_path):
    forget_cached_indexes()
    rng = np.random.default_rng(3)
    data = _clustered(rng, 3000)
    with open_store(tmp_path / "v.db") as store:
        _add(store, data, 1)
        yield store, data, rng
    forget_cached_indexes()


def _overlap(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> int:
    return len({pid for pid, _ in a} & {pid for pid, _ in b})


def test_small_indexes_are_scanned_exactly(filled):
    store, data, _ = filled
    assert refresh_ann(store, MODEL, DIM) == {"added": 0, "indexed": 0}
    index = cached_dense_index(store, MODEL, DIM)
    assert isinstance(index, DenseIndex) and len(index) == 3000
    assert not ann_path(store.path, MODEL).exists()
    assert index.search(data[5], 1)[0][0] == 6  # passage ids start at 1


def test_the_hnsw_index_finds_what_the_exact_scan_finds(filled):
    store, data, rng = filled
    exact = cached_dense_index(store, MODEL, DIM)
    assert refresh_ann(store, MODEL, DIM, force=True) == {"added": 3000, "indexed": 3000}
    ann = cached_dense_index(store, MODEL, DIM)
    assert isinstance(ann, AnnIndex) and len(ann) == 3000
    queries = _clustered(rng, 50)
    found = [_overlap(exact.search(q, 10), ann.search(q, 10)) for q in queries]
    # 75 vectors a cluster in 32 dimensions, stored as float16: near ties at the 10th
    # place decide a few (bench ann measures recall on real-text vectors).
    assert np.mean(found) >= 8.5
    top = ann.search(data[100], 3)
    assert top[0][0] == 101 and top[0][1] == pytest.approx(1.0, abs=2e-3)


def test_refresh_adds_only_new_vectors_and_the_tail_is_searched(filled):
    store, _, rng = filled
    refresh_ann(store, MODEL, DIM, force=True)
    more = _clustered(rng, 200)
    _add(store, more, 5001, language="en")
    # Not refreshed yet: the new vectors are scanned exactly beside the graph.
    before = cached_dense_index(store, MODEL, DIM)
    assert isinstance(before, AnnIndex) and len(before.tail[0]) == 200
    assert before.search(more[7], 1)[0][0] == 3008
    assert refresh_ann(store, MODEL, DIM) == {"added": 200, "indexed": 3200}
    assert refresh_ann(store, MODEL, DIM) == {"added": 0, "indexed": 3200}
    after = cached_dense_index(store, MODEL, DIM)
    assert after is not before and len(after.tail[0]) == 0 and len(after) == 3200
    assert after.search(more[7], 1)[0][0] == 3008
    english = after.search(more[7], 10, language="en")
    assert english and all(pid > 3000 for pid, _ in english)


def test_a_refresh_that_died_before_its_mark_adds_nothing_twice(filled, monkeypatch):
    store, _, _ = filled
    refresh_ann(store, MODEL, DIM, force=True)
    monkeypatch.setattr(vectors, "read_mark", lambda *_: 0)  # the mark was never written
    assert refresh_ann(store, MODEL, DIM) == {"added": 0, "indexed": 3000}


def test_a_query_far_from_everything_is_searched_wider(filled, monkeypatch):
    store, data, rng = filled
    refresh_ann(store, MODEL, DIM, force=True)
    ann = cached_dense_index(store, MODEL, DIM)
    widths: list[int] = []
    real_search = ann.graph.search

    def spy(*args, **kwargs):
        widths.append(ann.graph.expansion_search)
        return real_search(*args, **kwargs)

    monkeypatch.setattr(ann.graph, "search", spy)
    far = rng.standard_normal(DIM).astype(np.float32)
    far /= np.linalg.norm(far)
    hits = ann.search(far, 10)
    assert len(hits) == 10 and hits[0][1] < vectors.FAR_COSINE
    assert widths == [vectors.EXPANSION_SEARCH, vectors.EXPANSION_SEARCH_FAR]
    assert ann.graph.expansion_search == vectors.EXPANSION_SEARCH
    widths.clear()
    ann.search(data[42], 10)  # a stored passage's own vector: one search
    assert widths == [vectors.EXPANSION_SEARCH]
