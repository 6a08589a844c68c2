"""``policywatch bench``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from policywatch.commands.context import AppContext, echo_json, main_errors


@click.command()
@click.argument("name", type=click.Choice(
    ["crawl", "extract", "link", "search-quality", "search-speed", "embed", "check", "web",
     "revisit", "startup", "ann"]))
@click.option("--pages", type=click.IntRange(20, 100_000), default=None,
              help="Pages in the synthetic site (crawl: 300, revisit: 1000; e.g. --pages 200 "
                   "for a quick run).")
@click.option("--notices", type=click.IntRange(100, 1_000_000), default=100_000,
              show_default=True, help="Synthetic notices (search-speed and web benchmarks; "
              "e.g. --notices 2000 for a quick run).")
@click.option("--passages", type=click.IntRange(20, 100_000), default=300, show_default=True,
              help="Real passages to embed (embed benchmark).")
@click.option("--profiles", type=click.IntRange(1, 1_000_000), default=10_000,
              show_default=True, help="Generated company profiles (check benchmark).")
@click.option("--size", type=click.IntRange(10_000, 5_000_000), default=1_000_000,
              show_default=True, help="Vectors and BM25 passages (ann benchmark; e.g. "
              "--size 100000 for a quick run).")
@click.option("--reference", metavar="DIR", default=None,
              help="The reference pack of real texts (default: $POLICYWATCH_REFERENCE, else "
                   "../shared/reference from the current folder); without one, benchmarks "
                   "run on the project's reconstructed pages alone and say so.")
@click.option("--json", "as_json", is_flag=True, help="Also print the figures as JSON.")
@click.pass_context
@main_errors
def bench(ctx: click.Context, name: str, pages: int | None, notices: int, passages: int,
          profiles: int, size: int, reference: str | None, as_json: bool
          ) -> None:
    """Run a benchmark and print its figures next to a same-run baseline.

    crawl: pages/s and requests per new notice against a local replay of gov.cn, with a
    bare HTTP client on the same pages as the baseline, then a second (incremental) crawl.

    extract: precision, recall and F1 of criteria and date accuracy on the real texts'
    development and held-out halves (per issuer too) and on the older labelled sets, and
    extraction throughput next to bare jieba segmentation of the same text.

    link: linking time per new notice in corpora of 1k and 10k notices (must grow much
    slower than the corpus), and the clause diff of two 400- and 1,000-clause versions
    against scoring every pair of clauses.

    search-quality: recall@10 and MRR of the judged queries, Chinese and English apart
    (English queries mostly answered by Chinese notices: cross-lingual), for the BM25-only
    baseline, BM25 + translation, and per embedding model (the one in use, the packaged
    USE v3 and all-MiniLM-L6-v2): hybrid, words + vectors without the glossary, vectors
    alone; it says which figures rest on data we wrote.

    search-speed: a synthetic corpus of --notices notices (about 10 passages each) made
    from the real texts: build time, index size, memory, p50/p95 latency of BM25-only and
    hybrid search next to a plain numpy scan of every passage vector.

    embed: passages/s of each embedding backend (the model in use, the packaged USE v3
    and all-MiniLM-L6-v2) over the same --passages real passages, next to their sha256
    content keys and their jieba segmentation for the index, timed in the same run.

    check: --profiles generated company profiles against every version and tier of every
    measure in the demo database (built in a temporary folder; `policywatch --db PATH
    bench check` reads PATH instead): profiles/s next to the same comparisons without
    band or alternative logic, timed in the same run.

    web: the search-speed corpus of --notices notices served by the web app (uvicorn, the
    model and index loaded once): GET /api/search latency over HTTP, p50/p95 after a
    warm-up pass, against in-process search() on the same queries in the same run.

    revisit: a synthetic site of --pages notices (1,000) served without validators, whose
    pages change in place, crawled every simulated day for two weeks (injected clock) by the
    revisit policy and by fetching everything, in the same run: requests per run and
    revisions caught, with their delay.

    startup: a cold `policywatch search` (a Chinese and an English query) on a 3-notice
    database without vectors against `policywatch --version`, best of 5 fresh processes
    each, and which heavy modules (torch, sentence-transformers, USE, spaCy) it imported.

    ann: --size (1,000,000) multilingual USE vectors of real passages (the ncp-2020 corpus
    and the real texts of the reference pack, embedded once and cached; the rest real ones
    with a small perturbation, said in the output): the usearch HNSW index against the
    exact numpy scan in the same run (recall@10, latency p50/p95, build time, memory), then
    BM25's approximate path (rare-term budget) against exact FTS5 ranking on --size
    passages.

    Example:

        policywatch bench crawl --pages 300
    """
    from policywatch.bench import BENCHMARKS
    from policywatch.store.reference import resolve_reference

    options: dict[str, Any] = {}
    if name == "crawl":
        options = {"pages": pages or 300}
    elif name == "revisit":
        options = {"pages": pages or 1000}
    elif name in ("search-speed", "web"):
        options = {"notices": notices}
    elif name == "embed":
        options = {"passages": passages}
    elif name == "ann":
        options = {"size": size}
    elif name == "check":
        app = ctx.find_object(AppContext)
        db = app.db_option if app is not None else None
        options = {"profiles": profiles, "db": Path(db) if db else None}
    if name not in {"link", "revisit", "startup"}:
        options["reference"] = resolve_reference(reference)
    figures = BENCHMARKS[name](click.echo, **options)
    if as_json:
        echo_json(figures)
