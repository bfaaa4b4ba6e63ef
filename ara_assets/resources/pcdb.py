"""The imported PCDB for this process: the Parquet snapshot under ARA_HOME/pcdb, installed once so the
pure scoring code (``ara_assets.pcdb.active``) uses it with no flag. The ``ara`` command calls
``install_from_home`` at start, the in-process scoring resource when a run sets it up (never an import);
``ara pcdb import`` writes the snapshot."""

from __future__ import annotations

from pathlib import Path


def snapshot_folder() -> Path:
    from ara_assets.settings import ara_home

    return ara_home() / "pcdb"


def install_from_home() -> int | None:
    """Install the current snapshot; returns its revision (None when nothing was imported)."""
    from ara_assets.pcdb import install, load_snapshot

    products = load_snapshot(snapshot_folder())
    install(products)
    return products.revision if products is not None else None
