"""Keeping large, load-once data out of the garbage collector's way.

jieba's dictionary and the CC-CEDICT index are a few hundred thousand Python objects that
live as long as the process. Every full collection walks them all (about 100 ms here), and
a search allocates enough to trigger collections, so without this a query now and then
pays tens of milliseconds for objects that can never be garbage. ``gc.freeze()`` moves
everything alive at that moment into a generation the collector skips.
"""

from __future__ import annotations

import gc


def freeze_loaded_data() -> None:
    """Exempt every object alive now from later collections; call after a big load."""
    gc.collect()
    gc.freeze()
