"""The embedding layer: protocol, fake, fallback to the packaged model, vector storage."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from policywatch.nlp.retrieval import embeddings
from policywatch.nlp.retrieval.embeddings import (
    FALLBACK_MODEL,
    Embedder,
    HashingEmbedder,
    bytes_to_matrix,
    load_embedder,
    vector_to_bytes,
)
from policywatch.nlp.retrieval.vectors import assign_lists, build_dense_index, train_centroids


def test_embeddings_fake_is_deterministic_and_normalized():
    fake = HashingEmbedder(dim=16)
    first, second = fake.encode(["小巨人企业"]), fake.encode(["小巨人企业"])
    assert isinstance(fake, Embedder)
    assert np.array_equal(first, second)
    assert first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)


def test_embeddings_bytes_round_trip():
    vectors = HashingEmbedder(dim=8).encode(["a", "b"])
    blobs = [vector_to_bytes(v) for v in vectors]
    assert np.array_equal(bytes_to_matrix(blobs, 8), vectors)


def test_embeddings_configured_model_from_environment(monkeypatch):
    monkeypatch.setenv(embeddings.MODEL_ENV, "someone/other-model")
    assert embeddings.configured_model_name() == "someone/other-model"
    monkeypatch.delenv(embeddings.MODEL_ENV)
    assert embeddings.configured_model_name() == embeddings.DEFAULT_MODEL


@pytest.fixture(scope="module")
def fallback():
    # A name that is in no cache: the packaged all-MiniLM-L6-v2 must load instead.
    return load_embedder("policywatch-test/not-a-cached-model")


def test_embeddings_fallback_loads_packaged_model(fallback):
    assert fallback.name == FALLBACK_MODEL
    assert fallback.is_fallback and fallback.dim == 384
    vectors = fallback.encode(["Little Giant enterprises", "SRDI SMEs"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embeddings_fallback_measures_no_chinese_coverage(fallback):
    assert fallback.unknown_token_share > 0.3
    assert fallback.covers_chinese is False
    info = fallback.info().as_dict()
    assert info["is_fallback"] and info["configured"] == "policywatch-test/not-a-cached-model"


def test_embeddings_fallback_is_announced_once(caplog):
    with caplog.at_level(logging.WARNING, logger="policywatch.nlp.retrieval.embeddings"):
        load_embedder("policywatch-test/another-missing-model")
    messages = [r.getMessage() for r in caplog.records if "not available offline" in r.message]
    assert len(messages) == 1 and FALLBACK_MODEL in messages[0]


def test_embeddings_get_embedder_loads_once(monkeypatch):
    calls = []
    monkeypatch.setattr(embeddings, "_embedder", None)
    monkeypatch.setattr(embeddings, "load_embedder",
                        lambda: calls.append(1) or HashingEmbedder(dim=8))
    first, second = embeddings.get_embedder(), embeddings.get_embedder()
    assert first is second and len(calls) == 1


def test_embeddings_models_command(runner, monkeypatch):
    from policywatch.cli import cli

    monkeypatch.setattr(embeddings, "_embedder", HashingEmbedder(dim=8, covers_chinese=False))
    result = runner.invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    assert '"dim": 8' in result.output and '"covers_chinese": false' in result.output


def test_embeddings_ivf_finds_what_the_exact_scan_finds():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((20, 16)).astype(np.float32)
    data = centers[rng.integers(0, 20, 4000)] + 0.1 * rng.standard_normal((4000, 16))
    data = (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)
    centroids = train_centroids(data, 32)
    lists = assign_lists(data, centroids)
    ids = np.arange(4000, dtype=np.int64)
    exact = build_dense_index("m", 16, ids, ids, np.zeros(4000, np.int8), data)
    ivf = build_dense_index("m", 16, ids, ids, np.zeros(4000, np.int8), data, lists, centroids)
    query = data[7]
    top_exact = {pid for pid, _ in exact.search(query, 10)}
    top_ivf = {pid for pid, _ in ivf.search(query, 10, nprobe=8)}
    assert len(top_exact & top_ivf) >= 8
