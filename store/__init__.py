"""The store: one SQLite file (sqlite-utils) plus a content-addressed blob folder.

Every stage of policywatch meets here, so each can be rerun alone. This package imports
neither Scrapy nor spaCy: crawlers and NLP write through it, never the other way round.
"""

from policywatch.store.blobs import BlobStore
from policywatch.store.db import Store, open_store
from policywatch.store.errors import BlobMissing, StoreError
from policywatch.store.notices import Capture, RecordResult, record_capture

__all__ = [
    "BlobMissing",
    "BlobStore",
    "Capture",
    "RecordResult",
    "Store",
    "StoreError",
    "open_store",
    "record_capture",
]
