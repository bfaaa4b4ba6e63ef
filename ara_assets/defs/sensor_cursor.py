"""A cursor on commit order for append-only tables whose ids are taken before commit (pure, no Dagster).

Ids come from a sequence when a row is inserted, not when it commits: an import that inserts id 7 and
commits after another import's id 9 is visible only after a high-water mark passed 9, and a "max id seen"
cursor skips it for ever. This cursor keeps a low-water mark (every id at or below it has been seen or
written off) and the runs of ids seen above it. A gap below a seen run is waited for until the rows
after it are `lookback_s` old (the transaction holding the gap's ids would have been open that long:
it rolled back, or it is far beyond any import), then written off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_LOOKBACK_S = 3600.0  # imports commit in seconds; an hour leaves room for a slow database


@dataclass
class CommitCursor:
    low: int = 0
    seen: list[tuple[int, int, float]] = field(default_factory=list)  # (first id, last id, created epoch)

    def to_json(self) -> dict[str, object]:
        return {"low": self.low, "seen": [list(r) for r in self.seen]}

    @classmethod
    def from_json(cls, raw: object) -> CommitCursor:
        if isinstance(raw, int):  # the old high-water cursor: every id up to it was seen
            return cls(low=raw)
        if not isinstance(raw, dict):
            return cls()
        return cls(
            low=int(raw.get("low", 0)),
            seen=[(int(a), int(b), float(t)) for a, b, t in raw.get("seen", [])],
        )


def _minus(lo: int, hi: int, seen: list[tuple[int, int, float]]) -> list[tuple[int, int]]:
    """The parts of [lo, hi] not covered by any seen run."""
    parts = [(lo, hi)]
    for a, b, _ in seen:
        nxt: list[tuple[int, int]] = []
        for x, y in parts:
            if b < x or a > y:
                nxt.append((x, y))
                continue
            if x < a:
                nxt.append((x, a - 1))
            if b < y:
                nxt.append((b + 1, y))
        parts = nxt
    return parts


def advance(
    cursor: CommitCursor,
    islands: list[tuple[str, int, int, float]],
    now: float,
    lookback_s: float = DEFAULT_LOOKBACK_S,
) -> tuple[dict[str, int], CommitCursor]:
    """(portfolio -> highest new id) for rows not seen before, and the cursor after this tick.

    `islands`: runs of consecutive committed ids above `cursor.low`, per portfolio, with their earliest
    insertion time (`islands_after`)."""
    new: dict[str, int] = {}
    seen = list(cursor.seen)
    for name, lo, hi, created in islands:
        fresh = _minus(lo, hi, seen)
        if fresh:
            new[name] = max(new.get(name, 0), max(b for _, b in fresh))
            seen += [(a, b, created) for a, b in fresh]
    seen.sort()
    low = cursor.low
    # Fold runs into the low-water mark: contiguous ones at once, ones after a gap once the gap is old.
    while seen and (seen[0][0] <= low + 1 or seen[0][2] < now - lookback_s):
        low = max(low, seen[0][1])
        seen.pop(0)
    return new, CommitCursor(low=low, seen=seen)
