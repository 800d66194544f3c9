"""Content hashes that identify inputs (manifests, sweep caches)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex (read in 1 MiB blocks).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as handle:
    ...     _ = handle.write(b"gerai")
    >>> file_sha256(handle.name)[:12]
    '834881d6e2ac'
    >>> os.unlink(handle.name)
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
