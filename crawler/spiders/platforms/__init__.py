"""Base spiders per CMS platform: list pagination, detail pages and attachments.

A concrete spider (``crawler/spiders/<source>.py``) subclasses one of these and is mostly
attributes: ``name``, ``issuer``, ``region``, its columns and platform options. Classes
here have no ``name``, so Scrapy never runs them on their own.
"""
