"""One spider per source; shared behaviour lives in :mod:`policywatch.crawler.spiders.base`."""
