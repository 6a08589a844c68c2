"""Embedding throughput: passages per second of each model, next to same-run baselines.

The passages are real ones, cut as the search index cuts them
(:func:`policywatch.nlp.retrieval.search_text.split_passages`) and given their title as the
index embeds them (:func:`~policywatch.nlp.retrieval.search_text.embed_text`); the caller
reads them (``policywatch bench embed``: the reference pack's real texts, else the
replay's). Every model encodes the same passages in batches of :data:`BATCH`, as
indexing does; loading is timed apart and a few passages are encoded first, so the figure
is the steady rate. The baselines run over the same passages in the same run: the sha256
content key every passage gets anyway (the floor of any per-passage work), and the BM25
side of indexing (jieba segmentation into index terms), the other half of building the
search index. Each measure runs :data:`ROUNDS` times, models and baselines alternating,
and the best round counts: on a machine shared with other work the best round is the one
least disturbed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from policywatch.nlp.retrieval.embeddings import Embedder
from policywatch.nlp.retrieval.search_text import (
    embed_key,
    embed_text,
    index_terms,
    language_of,
    split_passages,
)
from policywatch.store.reporting import Echo

BATCH = 64
ROUNDS = 2


@dataclass(frozen=True)
class BenchPassage:
    """One passage as the index embeds it."""

    language: str
    text: str  # title + passage, cut as embed_text cuts it


def passages_from_texts(documents: Sequence[tuple[str, str]], limit: int = 300
                        ) -> list[BenchPassage]:
    """Cut ``(title, text)`` documents into passages, in order, until ``limit``."""
    out: list[BenchPassage] = []
    for title, text in documents:
        language = language_of(text or title)
        for passage in split_passages(text, language):
            out.append(BenchPassage(language, embed_text(title, passage.text)))
            if len(out) >= limit:
                return out
    return out


def _rate(work: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return count / seconds if seconds > 0 else float("inf")


def _encode_all(model: Embedder, texts: list[str]) -> Callable[[], None]:
    def run() -> None:
        for start in range(0, len(texts), BATCH):
            model.encode(texts[start:start + BATCH])

    return run


def embed_throughput(passages: Sequence[BenchPassage], echo: Echo,
                     models: Sequence[tuple[Embedder, float]],
                     rounds: int = ROUNDS) -> dict[str, Any]:
    """Time each model (given with its load time in seconds) and the baselines.

    Returns:
        ``passages``, ``zh``/``en`` counts, mean ``chars``, ``baselines`` (name ->
        passages/s), ``models`` (name -> passages/s, load seconds, dimension, and the
        ratio to each baseline).
    """
    texts = [p.text for p in passages]
    languages = [p.language for p in passages]
    count = len(texts)
    if not count:
        raise ValueError("no passages to embed")

    def hashing() -> None:
        for _ in range(20):  # microseconds per passage: repeat to get a measurable time
            for text in texts:
                embed_key(text)

    def segmenting() -> None:
        for text, language in zip(texts, languages, strict=True):
            index_terms(text, language)

    baselines: dict[str, list[float]] = {"sha256 content key": [], "jieba index terms": []}
    rates: dict[str, list[float]] = {model.name: [] for model, _ in models}
    segmenting()  # loads jieba's dictionary before timing
    for model, _ in models:
        model.encode(texts[:8])
    for _ in range(rounds):
        baselines["sha256 content key"].append(_rate(hashing, 20 * count))
        baselines["jieba index terms"].append(_rate(segmenting, count))
        for model, _ in models:
            rates[model.name].append(_rate(_encode_all(model, texts), count))
    best_baselines = {name: max(values) for name, values in baselines.items()}
    figures: dict[str, Any] = {
        "passages": count, "zh": languages.count("zh"), "en": languages.count("en"),
        "chars": sum(map(len, texts)) / count, "rounds": rounds, "batch": BATCH,
        "baselines": best_baselines, "models": {}}
    echo(f"embedding throughput: {count} passages ({figures['zh']} Chinese, "
         f"{figures['en']} English, {figures['chars']:.0f} characters on average, title "
         f"included), batches of {BATCH}, best of {rounds} rounds")
    for name, rate in best_baselines.items():
        echo(f"  baseline {name + ':':<31} {rate:>10,.0f} passages/s")
    for model, load_seconds in models:
        rate = max(rates[model.name])
        ratios = {name: rate / base for name, base in best_baselines.items()}
        figures["models"][model.name] = {
            "passages_per_s": rate, "load_s": load_seconds, "dim": model.dim,
            "backend": getattr(model, "backend", None), "ratios": ratios,
            "threads": getattr(model, "threads", None), "covers_chinese": model.covers_chinese}
        jieba = ratios["jieba index terms"]
        threads = getattr(model, "threads", None)
        echo(f"  {model.name + ':':<40} {rate:>10,.1f} passages/s ({model.dim}-d"
             + (f", {threads} CPU thread{'s' if threads != 1 else ''}" if threads else "")
             + f", loaded in {load_seconds:.1f}s; {jieba:.3f}x jieba indexing, "
             f"1/{1 / jieba:,.0f})")
    if len(models) >= 2:
        first, second = (model.name for model, _ in models[:2])
        ratio = (figures["models"][first]["passages_per_s"]
                 / figures["models"][second]["passages_per_s"])
        echo(f"  {first} is {ratio:.1f}x the rate of {second} on these passages")
    return figures
