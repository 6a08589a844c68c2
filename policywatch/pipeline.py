"""The NLP stage over pending versions, in order: extract, link (and index for search).

Each step reads what is pending for its own producer version from the store, so the
stage can be rerun at any time and does only the missing work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from store import Store

Echo = Callable[[str], None]


def process_pending(store: Store, echo: Echo | None = None) -> dict[str, Any]:
    """Run every NLP step over what is pending; return each step's counts."""
    from nlp.linking import run_linking
    from nlp.stage import run_extraction

    say = echo or (lambda _line: None)
    figures: dict[str, Any] = {}
    figures["extraction"] = run_extraction(store)
    say(f"extraction: {figures['extraction']['extracted']} versions, "
        f"{figures['extraction']['criteria']} criteria "
        f"({figures['extraction']['extractor']})")
    figures["linking"] = run_linking(store)
    say(f"lineage: {figures['linking']['notices']} notices linked, "
        f"{figures['linking']['edges']} edges, {figures['linking']['changes']} changes")
    return figures
