"""The Scrapy project: spiders per source on shared base spiders per CMS platform.

Only this package imports Scrapy (``policywatch.crawler.documents`` is Scrapy-free so that file
imports share it). Spiders capture bytes and metadata; they never extract criteria.
"""
