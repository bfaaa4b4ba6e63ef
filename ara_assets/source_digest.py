"""A digest of the package's own source and table files, so stored rows can name the code that made them.

A stored row keyed by this digest is recomputed after an upgrade that changes the code or tables it was
computed with (the effective EPC's assembly, the baseline's calculator).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SUFFIXES = {".py", ".csv", ".json", ".yaml"}


@cache
def source_digest(folders: tuple[str, ...]) -> str:
    """16 hex digits over every .py/.csv/.json/.yaml file (path and bytes) under these package folders."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted((_PACKAGE / folder).rglob("*")):
            if path.suffix in _SUFFIXES and path.is_file():
                digest.update(path.relative_to(_PACKAGE).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
