"""One spider per source; shared behaviour lives in :mod:`crawler.spiders.base`."""
