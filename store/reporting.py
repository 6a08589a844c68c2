"""How a long step reports to whoever runs it: lines for a person, or progress counts.

One definition of each, for every layer: the NLP steps, the benchmarks, the demo and the
commands take an :data:`Echo` or a :data:`Progress` and leave it to the caller where the
output goes (``click.echo``, stderr, a test's list). It lives in the store, the bottom
layer that every other may import, and imports nothing itself. The crawler reports through
Scrapy instead (:class:`policywatch.crawler.extensions.ProgressLog`).
"""

from __future__ import annotations

from collections.abc import Callable

#: Called with one finished line of text for a person to read, e.g. ``click.echo``.
Echo = Callable[[str], None]

#: Called after each item of a batch as ``progress(done, total, item_id)``: how many items
#: are done, how many there are, and the id of the one just finished (a version id for
#: extraction, a notice id for linking).
Progress = Callable[[int, int, int], None]


def silent(_line: str) -> None:
    """An :data:`Echo` that prints nothing."""
