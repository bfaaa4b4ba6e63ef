"""HTTP retry timing shared by the register client, the bulk download and the scoring client.

Only the arithmetic lives here (full-jitter backoff, Retry-After parsing, which statuses to retry); each
client keeps its own loop because the loops differ in what they interleave with a retry (the register's
token bucket and time budget, the bulk file's resumable stream, the scoring endpoint's batch bisection). ADR
0042 says why this is not a retry library.
"""

from __future__ import annotations

import email.utils
import math
import random
from datetime import UTC, datetime


def backoff_delay(
    attempt: int,
    *,
    base_s: float,
    max_s: float,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry).

    Full jitter: uniform in [0, min(max_s, base_s * 2**attempt)], which spreads many clients' retries apart.
    A server's Retry-After is a floor: never retry earlier than the server asked.
    """
    if attempt < 0:
        raise ValueError(f"backoff: field 'attempt' must be >= 0, got {attempt!r}")
    ceiling = min(max_s, base_s * (2.0 ** min(attempt, 60)))
    jittered = (rng or random).uniform(0.0, max(0.0, ceiling))
    if retry_after_s is not None and retry_after_s > jittered:
        return retry_after_s
    return jittered


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, from delta-seconds or an HTTP date (RFC 9110 10.2.3); None if garbled."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def is_retryable_status(status: int) -> bool:
    """Too Many Requests or any server error: worth another attempt after a pause."""
    return status == 429 or status >= 500
