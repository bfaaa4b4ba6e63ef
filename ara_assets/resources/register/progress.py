"""Progress lines for long fetches: at least every 10 % and every 30 s, with rate, retries and ETA.

`FetchProgress` is the `progress(done, total)` callback of `RegisterClient.fetch_portfolio`: the client calls
it from its own thread at least once a second while work is outstanding, and it decides when a line is due,
so a 10,000-home fetch at the register's 20 requests/s reports about every 30 s rather than once at the end.
Lines go to any `report(str)` (a Dagster logger's `info`, or `typer.echo` on the CLI).
"""

from __future__ import annotations

import time
from collections.abc import Callable


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{s:02d}s"
    hours, m = divmod(minutes, 60)
    return f"{hours}h{m:02d}m"


class FetchProgress:
    """Decides when a progress line is due and writes it: done/total, share, rate, retries, ETA."""

    def __init__(
        self,
        report: Callable[[str], object],
        *,
        label: str = "register fetch",
        unit: str = "UPRNs",
        retries: Callable[[], int] | None = None,
        every_share: float = 0.10,
        every_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.report = report
        self.label = label
        self.unit = unit
        self.retries = retries
        self.every_share = every_share
        self.every_s = every_s
        self.clock = clock
        self.started = clock()
        self._last_at = self.started
        self._next_share = every_share
        self._finished = False
        self.lines: list[str] = []  # what was reported, for the run's metadata and tests

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        share = done / total if total else 1.0
        due = share >= self._next_share or now - self._last_at >= self.every_s or done >= total
        if not due or self._finished:
            return
        self._finished = done >= total
        # The next 10 % step above the share reached, so a big jump (one slow batch) reports once.
        while self._next_share <= share:
            self._next_share += self.every_share
        self._last_at = now
        line = self.line(done, total, now)
        self.lines.append(line)
        self.report(line)

    def line(self, done: int, total: int, now: float | None = None) -> str:
        elapsed = (self.clock() if now is None else now) - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        share = done / total if total else 1.0
        parts = [f"{self.label}: {done:,}/{total:,} {self.unit} ({share:.0%})", f"{rate:.1f}/s"]
        if self.retries is not None:
            parts.append(f"{self.retries()} retries")
        if done >= total:
            parts.append(f"took {_duration(elapsed)}")
        elif rate > 0:
            parts.append(f"ETA {_duration((total - done) / rate)}")
        else:
            parts.append("ETA unknown")
        return ", ".join(parts)
