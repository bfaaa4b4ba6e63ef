"""Named scenarios and their phases (`scenarios`, `scenario_phases`).

Each repository works on the one connection of its unit of work and never commits: the unit of work
decides. Reads return polars DataFrames (many rows) or small frozen dataclasses (one record).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ara_assets.modelling.scenarios import Scenario


@dataclass(frozen=True)
class StoredScenario:
    """A row of `scenarios` with its phases, as stored: the id, version and timestamps the table adds around
    the stored spec (`name`, `goal`, `budget_per_home_gbp`, `phases` with their `phase_number`). What a
    scenario is has one definition, `modelling.scenarios.Scenario`: `scenario()` converts to it."""

    id: int
    version: int
    created_at: datetime
    updated_at: datetime
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def phases(self) -> list[dict[str, Any]]:
        return list(self.spec["phases"])

    def scenario(self) -> Scenario:
        """The domain scenario (a stored spec that is not a valid scenario raises ScenarioError)."""
        return Scenario.from_spec(self.spec)


def _money(value: Any, record: str, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{record}: field '{field}' value {value!r} is not a non-negative amount in GBP")
    return float(value)


class ScenarioRepository:
    """Retrofit scenarios: a goal, a per-home budget and numbered phases."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, spec: Scenario | Mapping[str, Any], *, replace: bool = False) -> int:
        """Store a scenario (a domain `Scenario`, stored as its `to_spec()`, or that mapping); return its id.

        `spec`: {"name", "goal": {...}, "budget_per_home_gbp": float | None, "phases": [{"name",
        "allowed_measure_types": [...], "budget_gbp", "target_year", "target": {...}}, ...]}. Phases are
        numbered 1.. in list order. An existing name is refused unless `replace`, which rewrites the
        scenario and its phases and bumps `version`.
        """
        if isinstance(spec, Scenario):
            spec = spec.to_spec()
        name = spec.get("name")
        record = f"scenario {name!r}"
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise ValueError(f"{record}: field 'name' value {name!r} must be non-empty with no outer spaces")
        goal = spec.get("goal")
        if not isinstance(goal, Mapping):
            raise ValueError(f"{record}: field 'goal' value {goal!r} is not a JSON object")
        budget = _money(spec.get("budget_per_home_gbp"), record, "budget_per_home_gbp")
        phases = spec.get("phases") or []
        if not isinstance(phases, Sequence) or isinstance(phases, str):
            raise ValueError(f"{record}: field 'phases' value {phases!r} is not a list")
        phase_rows = [self._phase_row(p, n, record) for n, p in enumerate(phases, start=1)]

        existing = self._conn.execute(
            sa.text("SELECT id FROM scenarios WHERE name = :n FOR UPDATE"), {"n": name}
        ).scalar_one_or_none()
        params = {"n": name, "g": json.dumps(goal), "b": budget}
        if existing is not None and not replace:
            raise ValueError(f"{record}: field 'name' value {name!r} already exists (use replace=True)")
        if existing is None:
            scenario_id = int(
                self._conn.execute(
                    sa.text(
                        "INSERT INTO scenarios (name, goal, budget_per_home_gbp) "
                        "VALUES (:n, CAST(:g AS jsonb), :b) RETURNING id"
                    ),
                    params,
                ).scalar_one()
            )
        else:
            scenario_id = int(existing)
            self._conn.execute(
                sa.text(
                    "UPDATE scenarios SET goal = CAST(:g AS jsonb), budget_per_home_gbp = :b, "
                    "version = version + 1, updated_at = now() WHERE id = :id"
                ),
                {**params, "id": scenario_id},
            )
            self._conn.execute(
                sa.text("DELETE FROM scenario_phases WHERE scenario_id = :id"), {"id": scenario_id}
            )
        if phase_rows:
            self._conn.execute(
                sa.text(
                    "INSERT INTO scenario_phases (scenario_id, phase_number, name, allowed_measure_types, "
                    "budget_gbp, target_year, target) VALUES (:sid, :num, :name, :types, :budget, :year, "
                    "CAST(:target AS jsonb))"
                ),
                [{**r, "sid": scenario_id} for r in phase_rows],
            )
        return scenario_id

    @staticmethod
    def _phase_row(phase: Any, number: int, record: str) -> dict[str, Any]:
        where = f"{record} phase {number}"
        if not isinstance(phase, Mapping):
            raise ValueError(f"{where}: value {phase!r} is not a JSON object")
        name = phase.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: field 'name' value {name!r} is missing")
        types = phase.get("allowed_measure_types") or []
        if isinstance(types, str) or not all(isinstance(t, str) and t for t in types):
            raise ValueError(f"{where}: field 'allowed_measure_types' value {types!r} is not a list of names")
        year = phase.get("target_year")
        bad_year = isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100
        if year is not None and bad_year:
            raise ValueError(f"{where}: field 'target_year' value {year!r} is not a year in 2000..2100")
        target = phase.get("target")
        if target is not None and not isinstance(target, Mapping):
            raise ValueError(f"{where}: field 'target' value {target!r} is not a JSON object")
        return {
            "num": number,
            "name": name.strip(),
            "types": list(types),
            "budget": _money(phase.get("budget_gbp"), where, "budget_gbp"),
            "year": year,
            "target": None if target is None else json.dumps(target),
        }

    def get(self, name: str) -> StoredScenario | None:
        row = self._conn.execute(
            sa.text(
                "SELECT id, name, goal, budget_per_home_gbp, version, created_at, updated_at "
                "FROM scenarios WHERE name = :n"
            ),
            {"n": name},
        ).one_or_none()
        if row is None:
            return None
        phases = self._conn.execute(
            sa.text(
                "SELECT phase_number, name, allowed_measure_types, budget_gbp, target_year, target "
                "FROM scenario_phases WHERE scenario_id = :id ORDER BY phase_number"
            ),
            {"id": row.id},
        )
        return StoredScenario(
            id=int(row.id),
            version=int(row.version),
            created_at=row.created_at,
            updated_at=row.updated_at,
            spec={
                "name": row.name,
                "goal": dict(row.goal),
                "budget_per_home_gbp": None
                if row.budget_per_home_gbp is None
                else float(row.budget_per_home_gbp),
                "phases": [
                    {
                        "phase_number": int(p.phase_number),
                        "name": p.name,
                        "allowed_measure_types": list(p.allowed_measure_types),
                        "budget_gbp": None if p.budget_gbp is None else float(p.budget_gbp),
                        "target_year": p.target_year,
                        "target": None if p.target is None else dict(p.target),
                    }
                    for p in phases
                ],
            },
        )

    def names(self) -> list[str]:
        return [str(n) for (n,) in self._conn.execute(sa.text("SELECT name FROM scenarios ORDER BY name"))]

    def snapshot(self, name: str) -> dict[str, Any]:
        """A JSON-ready copy of scenario `name`, with its version, for a run to pin what it planned for."""
        scenario = self.get(name)
        if scenario is None:
            raise KeyError(f"scenario {name!r}: no such scenario")
        spec = scenario.spec
        return {  # key order as stored in runs since the first snapshot
            "id": scenario.id,
            "name": spec["name"],
            "version": scenario.version,
            "goal": spec["goal"],
            "budget_per_home_gbp": spec["budget_per_home_gbp"],
            "updated_at": scenario.updated_at.isoformat(),
            "phases": spec["phases"],
        }
