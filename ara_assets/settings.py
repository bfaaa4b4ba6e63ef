"""Ara's settings from the environment: the ONE module that reads `ARA_*` variables (ADR 0027).

Every function reads the environment when it is called, never at import: the Dagster resources resolve an
unset field through them when a run sets them up (or on first use), so the environment of the run counts,
not the one `ara_assets.definitions` was imported in.

ARA_HOME            folder for local state (embedded PostgreSQL data, Parquet assets, demo data, the
                    imported PCDB snapshot); default `.ara` under the current directory.
ARA_DATABASE_URL    a PostgreSQL URL; when unset, an embedded server (ADR 0012) runs under ARA_HOME/pgdata.
ARA_ASSET_BASE      where the Parquet IO manager writes asset partitions (local folder or s3:// URI);
                    default ARA_HOME/assets.
ARA_REGISTER_URL    base URL of the EPC register (or the emulator); default the real register API.
ARA_REGISTER_RPS    the register client's ceiling in requests per second; default 20, the register's
                    published limit (0 switches the ceiling off, for the local emulator).
ARA_SCORING_URL     a remote scoring endpoint for the baseline (ADR 0009); unset: the in-process calculator.
ARA_SCORING_TOKEN   the Bearer token of that endpoint (the variable's name is what the resource holds).
ARA_WORKERS         processes for the per-home Python steps (effective EPC assembly, the baseline's
                    expansion); default the machine's cores, at most 2 (ara_assets/forked.py).
ARA_SAP_MALLOC      `0` leaves glibc's allocator as it is; otherwise the process entry points set it once
                    for the SAP worksheet (ara_assets/sap10/allocator.py).
"""

from __future__ import annotations

import os
from pathlib import Path

REGISTER_API_URL = "https://api.get-energy-performance-data.communities.gov.uk"
REGISTER_REQUESTS_PER_SECOND = 20.0  # the register's published ceiling (docs/operations/deploy.md)
SCORING_TOKEN_ENV_VAR = "ARA_SCORING_TOKEN"


def ara_home() -> Path:
    return Path(os.environ.get("ARA_HOME", Path.cwd() / ".ara")).resolve()


def database_url_from_env() -> str | None:
    return os.environ.get("ARA_DATABASE_URL") or None


def asset_base() -> str:
    return os.environ.get("ARA_ASSET_BASE") or str(ara_home() / "assets")


def register_url() -> str:
    return os.environ.get("ARA_REGISTER_URL") or REGISTER_API_URL


def register_requests_per_second() -> float:
    text = os.environ.get("ARA_REGISTER_RPS", "").strip()
    if not text:
        return REGISTER_REQUESTS_PER_SECOND
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"ARA_REGISTER_RPS={text!r}: expected a number of requests per second") from None
    if value < 0:
        raise ValueError(f"ARA_REGISTER_RPS={text!r}: expected 0 (no ceiling) or more")
    return value


def scoring_url() -> str | None:
    return os.environ.get("ARA_SCORING_URL") or None


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
    the pure packages: the worksheet's allocator setting unless ARA_SAP_MALLOC=0, and as many worksheet
    calls at once as ARA_WORKERS allows (sap10/concurrent.py)."""
    from ara_assets.sap10.allocator import tune_allocator
    from ara_assets.sap10.concurrent import set_calculation_threads

    set_calculation_threads(worker_processes())

    tune_allocator(enabled=os.environ.get("ARA_SAP_MALLOC", "1") != "0")
