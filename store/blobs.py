"""Content-addressed storage of raw bytes (pages, attachments) on disk.

Raw bytes are kept out of SQLite so the database stays small and fast to scan; a version
row refers to its bytes by sha256. Files live at ``<root>/ab/cd/<sha256>``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from policywatch.store.errors import BlobCorrupt, BlobMissing


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 of ``data``.

    >>> sha256_hex(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """A folder of immutable files named by the sha256 of their content."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Return where the blob named ``sha256`` lives (whether or not it exists)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` once and return its sha256; storing it again is a no-op."""
        digest = sha256_hex(data)
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename so a crash never leaves a half blob behind.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str, *, verify: bool = True) -> bytes:
        """Return the bytes stored under ``sha256``.

        Raises:
            BlobMissing: no file for that digest.
            BlobCorrupt: the file's content no longer matches its digest.
        """
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobMissing(f"blob {sha256} is not in {self.root}") from None
        if verify and sha256_hex(data) != sha256:
            raise BlobCorrupt(f"blob {sha256} in {self.root} does not match its hash")
        return data

    def exists(self, sha256: str) -> bool:
        """Whether the bytes for ``sha256`` are on disk."""
        return self.path_for(sha256).exists()
