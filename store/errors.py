"""Exceptions raised by the store; the CLI turns each into a one-line message."""


class StoreError(Exception):
    """Base class for every failure the store reports."""


class BlobMissing(StoreError):
    """A blob's sha256 is referenced but its bytes are not on disk."""


class BlobCorrupt(StoreError):
    """A blob's bytes no longer hash to the name they are stored under."""


class DatabaseUnavailable(StoreError):
    """The database file cannot be opened or is not a policywatch database."""
