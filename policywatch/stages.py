"""The NLP stage over pending versions, in order: extract, link (and index for search).

Each step reads what is pending for its own producer version from the store, so the
stage can be rerun at any time and does only the missing work.
"""

from __future__ import annotations

import time
from typing import Any

from policywatch.store import Store
from policywatch.store.reporting import Echo, Progress, silent


def _failures(step: dict[str, Any], id_key: str, say: Echo) -> None:
    """One line per failed item (at most five), and where the tracebacks went."""
    errors = step.get("errors") or []
    if not errors:
        return
    from policywatch.logs import log_path

    for error in errors[:5]:
        say(f"  failed: {id_key.split('_')[0]} {error[id_key]}: {error['error']}")
    if len(errors) > 5:
        say(f"  ... and {len(errors) - 5} more")
    say(f"  (details in {log_path()}; the others were processed)")


def throttled_progress(echo: Echo, label: str, every_s: float = 2.0) -> Progress:
    """A :data:`Progress` that prints ``label: done/total`` at most every ``every_s``
    seconds (and at the end), so a long step shows it is moving without flooding."""
    last = [time.monotonic()]

    def progress(done: int, total: int, _item: int) -> None:
        now = time.monotonic()
        if done == total and total > 20 or now - last[0] >= every_s:
            last[0] = now
            echo(f"  {label}: {done}/{total}")

    return progress


def _model_needed(store: Store) -> bool:
    """Whether this run may call the embedding model: versions to extract, notices to link,
    versions to index, or passages without a vector of the model that would run (judged
    without loading it)."""
    from policywatch.nlp.retrieval.embeddings import expected_model_name
    from policywatch.nlp.retrieval.search_text import segmenter_tag
    from policywatch.store import search_index as idx
    from policywatch.store.alerts import unprocessed_counts

    pending = unprocessed_counts(store)
    if pending["versions"] or pending["notices"]:
        return True
    if idx.versions_pending_index(store, segmenter_tag(), limit=1):
        return True
    name = expected_model_name()
    return bool(name and idx.passages_missing_embeddings(store, name, limit=1))


def process_pending(store: Store, echo: Echo | None = None,
                    progress_echo: Echo | None = None, *, derive: bool = True
                    ) -> dict[str, Any]:
    """Run every NLP step over what is pending, then derive the alert events the new rows
    make; return each step's counts.

    A document that fails one step is counted, named and skipped (its traceback goes to
    the log file); the others are processed. Events are derived here (and by ``notify``)
    so that ``alerts`` and ``feed`` only read.

    Args:
        store: the open store.
        echo: one summary line per step.
        progress_echo: running counts during long steps (stderr in the CLI).
        derive: derive events after the NLP steps (incremental: only from rows stored
            since the last derivation).
    """
    from policywatch.nlp.extract.stage import run_extraction
    from policywatch.nlp.link.linking import run_linking
    from policywatch.nlp.retrieval.embeddings import embedder_info, optional_embedder
    from policywatch.nlp.retrieval.indexing import index_pending

    say = echo or silent
    tick = progress_echo or silent
    figures: dict[str, Any] = {}
    needed = _model_needed(store)
    # Loading a model costs seconds: a round with nothing new (watch, notify) embeds nothing.
    embedder, unavailable = optional_embedder() if needed else (None, None)
    if not needed:
        figures["model"] = {"model": None, "reason": "not loaded: nothing to embed"}
        say("embedding model: not loaded (nothing to extract, link, index or embed)")
    elif embedder is not None:
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
    figures["extraction"] = run_extraction(
        store, progress=throttled_progress(tick, "extraction (versions)"))
    failed = figures["extraction"]["failed"]
    say(f"extraction: {figures['extraction']['extracted']} versions, "
        f"{figures['extraction']['criteria']} criteria "
        f"({figures['extraction']['extractor']})" + (f", {failed} failed" if failed else ""))
    _failures(figures["extraction"], "version_id", say)
    figures["linking"] = run_linking(
        store, embedder=embedder, progress=throttled_progress(tick, "lineage (notices)"))
    failed = figures["linking"]["failed"]
    say(f"lineage: {figures['linking']['notices']} notices linked, "
        f"{figures['linking']['edges']} edges, {figures['linking']['changes']} changes"
        + (f", {failed} failed" if failed else ""))
    _failures(figures["linking"], "notice_id", say)
    figures["index"] = index_pending(store, embedder, echo=tick if progress_echo else None)
    rate = figures["index"].get("passages_per_s")
    say(f"search index: {figures['index']['notices']} notices as "
        f"{figures['index']['passages']} passages, {figures['index']['embedded']} vectors"
        + (f" ({rate:.0f} passages/s)" if rate else ""))
    if derive:
        from policywatch.alerts.events import derive_events
        from policywatch.settings import alert_settings

        figures["events"] = len(derive_events(store, settings=alert_settings()))
        say(f"events: {figures['events']} new")
    return figures
