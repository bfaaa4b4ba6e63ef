"""Where Ara keeps its local state, from environment variables with sensible defaults.

ARA_HOME            folder for local state (embedded PostgreSQL data, Parquet assets, demo data);
                    default `.ara` under the current directory.
ARA_DATABASE_URL    a PostgreSQL URL; when unset, an embedded server (ADR 0012) runs under ARA_HOME/pgdata.
ARA_ASSET_BASE      where the Parquet IO manager writes asset partitions (local folder or s3:// URI);
                    default ARA_HOME/assets.
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
