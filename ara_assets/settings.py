"""Where Ara keeps its local state, from environment variables with sensible defaults.

ARA_HOME            folder for local state (embedded PostgreSQL data, Parquet assets, demo data);
                    default `.ara` under the current directory.
ARA_DATABASE_URL    a PostgreSQL URL; when unset, an embedded server (ADR 0012) runs under ARA_HOME/pgdata.
ARA_ASSET_BASE      where the Parquet IO manager writes asset partitions (local folder or s3:// URI);
                    default ARA_HOME/assets.
ARA_WORKERS         processes for the per-home Python steps (effective EPC assembly); default the machine's
                    cores, at most 2 (ara_assets/forked.py).
ARA_SAP_MALLOC      `0` leaves glibc's allocator as it is; otherwise the process entry points set it once
                    for the SAP worksheet (ara_assets/sap10/allocator.py).
"""

from __future__ import annotations

import os
from pathlib import Path


def ara_home() -> Path:
    return Path(os.environ.get("ARA_HOME", Path.cwd() / ".ara")).resolve()


def database_url_from_env() -> str | None:
    return os.environ.get("ARA_DATABASE_URL") or None


def asset_base() -> str:
    return os.environ.get("ARA_ASSET_BASE") or str(ara_home() / "assets")


def worker_processes() -> int:
    """ARA_WORKERS, or the machine's cores up to 2 (more processes copy more memory for little gain while
    the worksheet and Postgres share the same cores)."""
    raw = os.environ.get("ARA_WORKERS")
    if raw is None or raw == "":
        return max(1, min(2, os.cpu_count() or 1))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"ARA_WORKERS={raw!r}: expected a whole number of processes, at least 1")
    return int(raw)


def apply_process_settings() -> None:
    """Process-wide settings, applied by entry points (the `ara` command, the scoring resource), never by
    the pure packages: the worksheet's allocator setting unless ARA_SAP_MALLOC=0."""
    from ara_assets.sap10.allocator import tune_allocator

    tune_allocator(enabled=os.environ.get("ARA_SAP_MALLOC", "1") != "0")
