"""Where derived data that can be rebuilt is cached (the CC-CEDICT index, jieba's word
table, embedded reference vectors): ``$POLICYWATCH_CACHE``, else the XDG cache folder.

In the store, the bottom layer, because every stage that caches reads the same rule.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Return where derived data is cached: ``$POLICYWATCH_CACHE``, else the XDG cache.

    >>> os.environ["POLICYWATCH_CACHE"] = "/tmp/pw-cache"; str(cache_dir())
    '/tmp/pw-cache'
    >>> del os.environ["POLICYWATCH_CACHE"]
    """
    explicit = os.environ.get("POLICYWATCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policywatch"
