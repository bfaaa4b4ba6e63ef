"""One writer per portfolio partition: a transaction-scoped Postgres advisory lock keyed on the portfolio.

Every asset step that writes a portfolio's rows takes the lock first in its writing transaction; a second
run of the same portfolio waits for the first to commit (up to `wait_s`), then writes on top of it, or
fails with `PortfolioBusy` naming the portfolio, never with a raw unique-key violation halfway through.
The lock is released by the commit or rollback, so a killed process never leaves it held.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

# The first key of the two-int advisory lock space: Ara's portfolio writers (the migration lock uses the
# one-bigint form, so the two never collide).
_NAMESPACE = 0x41_72_61  # "Ara"
DEFAULT_WAIT_S = 300.0


class PortfolioBusy(RuntimeError):
    """Another run holds the write lock of this portfolio for longer than we were willing to wait."""


def portfolio_lock_key(portfolio: str) -> int:
    """A stable signed 32-bit key for a portfolio name (the same in every process and Python)."""
    digest = hashlib.blake2b(portfolio.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_portfolio(conn: sa.Connection, portfolio: str, *, wait_s: float = DEFAULT_WAIT_S) -> None:
    """Take the portfolio's write lock for the current transaction, waiting at most `wait_s` seconds."""
    key = portfolio_lock_key(portfolio)
    got = conn.execute(
        sa.text("SELECT pg_try_advisory_xact_lock(:ns, :k)"), {"ns": _NAMESPACE, "k": key}
    ).scalar_one()
    if got:
        return
    # lock_timeout covers advisory lock waits too; SET LOCAL ends with this transaction.
    conn.execute(sa.text(f"SET LOCAL lock_timeout = '{int(wait_s * 1000)}ms'"))
    try:
        with conn.begin_nested():
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, :k)"), {"ns": _NAMESPACE, "k": key})
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise PortfolioBusy(
            f"portfolio {portfolio!r} is being written by another run; waited {wait_s:g} s for it to "
            "finish. Run again when that run has ended (Dagster UI: Runs, filter by partition)."
        ) from None
    conn.execute(sa.text("SET LOCAL lock_timeout = 0"))
