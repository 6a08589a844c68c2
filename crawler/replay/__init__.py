"""A local replay of the watched sites, for tests and ``policywatch demo``.

The live sites cannot be reached from our machines, so every spider is developed and
tested against pages served on 127.0.0.1 in each site's real structure. Real pages are
marked as such in ``README.md``; reconstructed ones carry a ``policywatch-replay`` meta tag
saying they are not official texts.
"""

from policywatch.crawler.replay.server import ReplayServer

__all__ = ["ReplayServer"]
