"""Scrapy-free page parsers, one per source: ``PARSERS[source](bytes, url, charset)``.

Spiders and ``policywatch parse`` share these, so a saved page parses exactly as a
crawled one.
"""

from crawler.parsers.common import LayoutMismatch, ParsedPage
from crawler.parsers.govcn import parse_govcn_page

PARSERS = {
    "govcn": parse_govcn_page,
}

__all__ = ["PARSERS", "LayoutMismatch", "ParsedPage"]
