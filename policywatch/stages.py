"""The NLP stage over pending versions, in order: extract, link (and index for search).

Each step reads what is pending for its own producer version from the store, so the
stage can be rerun at any time and does only the missing work.
"""

from __future__ import annotations

from typing import Any

from policywatch.store import Store
from policywatch.store.reporting import Echo, silent


def process_pending(store: Store, echo: Echo | None = None) -> dict[str, Any]:
    """Run every NLP step over what is pending; return each step's counts."""
    from policywatch.nlp.extract.stage import run_extraction
    from policywatch.nlp.link.linking import run_linking
    from policywatch.nlp.retrieval.embeddings import embedder_info, optional_embedder
    from policywatch.nlp.retrieval.indexing import index_pending

    say = echo or silent
    figures: dict[str, Any] = {}
    embedder, unavailable = optional_embedder()
    if embedder is not None:
        info = embedder_info(embedder)
        figures["model"] = info.as_dict()
        fallback = (f"; the configured {info.configured} is not available here"
                    if info.is_fallback else "")
        say(f"embedding model: {info.name} ({info.dim}-d{fallback}; Chinese "
            f"{'covered' if info.covers_chinese else 'not covered: lexical signals only'})")
    else:
        figures["model"] = {"model": None, "reason": unavailable}
        say(f"embedding model: none ({unavailable}); search and lineage use lexical signals "
            "only")
    figures["extraction"] = run_extraction(store)
    say(f"extraction: {figures['extraction']['extracted']} versions, "
        f"{figures['extraction']['criteria']} criteria "
        f"({figures['extraction']['extractor']})")
    figures["linking"] = run_linking(store, embedder=embedder)
    say(f"lineage: {figures['linking']['notices']} notices linked, "
        f"{figures['linking']['edges']} edges, {figures['linking']['changes']} changes")
    figures["index"] = index_pending(store, embedder)
    rate = figures["index"].get("passages_per_s")
    say(f"search index: {figures['index']['notices']} notices as "
        f"{figures['index']['passages']} passages, {figures['index']['embedded']} vectors"
        + (f" ({rate:.0f} passages/s)" if rate else ""))
    return figures
