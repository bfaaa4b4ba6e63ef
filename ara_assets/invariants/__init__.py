"""Blocking rules an asset's output must satisfy before anything stores it (pure: no Dagster, no IO).

Each rule returns an `Invariant`: passed or not, the homes it names, and a short description of what is
wrong. The Dagster wiring (`ara_assets/defs/guard.py`) turns a failed invariant into a failed step before
the output is written, so the previous Parquet file and Postgres rows stay what every reader sees and no
later step runs on the rejected frame (docs/reliability.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SAMPLE = 10  # homes named in a failure message: enough to find the pattern, short enough to read


@dataclass(frozen=True)
class Invariant:
    name: str
    passed: bool
    detail: str = ""
    homes: tuple[Any, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        named = ", ".join(str(h) for h in self.homes[:SAMPLE])
        more = f" (+{len(self.homes) - SAMPLE} more)" if len(self.homes) > SAMPLE else ""
        homes = f"; homes: {named}{more}" if self.homes else ""
        return f"{self.name}: {self.detail}{homes}"


def failure_text(asset: str, portfolio: str, invariants: list[Invariant]) -> str:
    """One message for a step refused by its blocking rules, naming each failed rule and its homes."""
    failed = [i for i in invariants if not i.passed]
    lines = [
        f"{asset} for portfolio {portfolio!r}: {len(failed)} blocking check(s) failed; nothing was stored "
        "and the previous materialisation stays in place"
    ]
    lines += [f"  - {i.message()}" for i in failed]
    return "\n".join(lines)
