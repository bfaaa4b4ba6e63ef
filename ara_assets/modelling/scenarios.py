"""Retrofit scenarios: a goal, a budget per home, ordered phases; loaded from YAML, stored via the warehouse.

    scenario = load_scenario_yaml(Path("examples/scenarios/fabric_first_then_heat.yaml"))
    uow.scenarios.create(scenario)        # stored as `scenario.to_spec()`
    again = uow.scenarios.get(scenario.name).scenario()   # the stored row (`StoredScenario`) -> Scenario

Goals (`Goal.kind`): `band` (reach `target_band` or better), `sap` (reach `target_sap`), `co2_cut` (cut
CO2 by `share` of the baseline), `bill_cut` (cut bills by `share`). A phase may set its own `target`; when
absent the scenario goal applies. Phase budgets are per home. Measure types not in a phase's
`allowed_measure_types` cannot be installed in that phase; `excluded_measure_types` apply to every phase.

Funding: `funding_schemes` names the grant schemes the plans may draw, `tenure` the portfolio's tenure where a
home's own is not known, `objective` what the optimiser minimises (`cost`, or `net_cost` of grants); see
docs/adr/0015-funding-rules.md.

Storage: the `scenarios.goal` column holds the goal plus the scenario-level fields the table has no column
for (`excluded_measure_types`, `description`, `funding_schemes`, `tenure`, `objective`); see
docs/adr/0007-measure-catalogue-and-scenarios.md. This `Scenario` is the one definition of a scenario: the
warehouse's `StoredScenario` is only the stored row (id, version, timestamps around `to_spec()`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ara_assets.epc.bands import BAND_MIN_SAP
from ara_assets.modelling.catalogue import MEASURE_TYPES

# Names a YAML file may use for groups of measure types, expanded on load.
MEASURE_GROUPS: dict[str, tuple[str, ...]] = {
    "fabric": MEASURE_TYPES[:14],
    "ventilation": ("mechanical_extract_ventilation",),
    "low_carbon_heat": ("air_source_heat_pump", "storage_heaters", "remove_secondary_heating"),
    "heating_upgrades": (
        "heating_controls",
        "condensing_boiler",
        "cylinder_insulation",
        "cylinder_thermostat",
    ),
    "renewables": ("solar_pv", "solar_pv_battery"),
    "lighting": ("led_lighting",),
}


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file (or scenario), the field and the value."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Goal(_Strict):
    kind: Literal["band", "sap", "co2_cut", "bill_cut"]
    target_band: Literal["A", "B", "C", "D", "E", "F", "G"] | None = None
    target_sap: int | None = Field(default=None, ge=1, le=100)
    share: float | None = Field(default=None, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _fields_match_kind(self) -> Goal:
        need = {"band": "target_band", "sap": "target_sap", "co2_cut": "share", "bill_cut": "share"}[
            self.kind
        ]
        if getattr(self, need) is None:
            raise ValueError(f"goal kind {self.kind!r} needs field {need!r}")
        extra = {"target_band", "target_sap", "share"} - {need}
        given = sorted(f for f in extra if getattr(self, f) is not None)
        if given:
            raise ValueError(f"goal kind {self.kind!r} does not take field {given[0]!r}")
        return self

    @property
    def min_sap(self) -> int | None:
        """The SAP rating the goal asks for (band goals: the band's lower bound), else None."""
        if self.kind == "band" and self.target_band is not None:
            return BAND_MIN_SAP[self.target_band]
        return self.target_sap if self.kind == "sap" else None

    def describe(self) -> str:
        if self.kind == "band":
            return f"band {self.target_band} or better"
        if self.kind == "sap":
            return f"SAP {self.target_sap} or more"
        what = "CO2" if self.kind == "co2_cut" else "bills"
        return f"cut {what} by {self.share:.0%}"


def _expand_types(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of measure types, got {value!r}")
    out: list[str] = []
    for name in value:
        names = MEASURE_GROUPS.get(name, (name,)) if isinstance(name, str) else (name,)
        for n in names:
            if n not in MEASURE_TYPES:
                raise ValueError(f"unknown measure type {n!r} (known: {', '.join(MEASURE_TYPES)})")
            if n not in out:
                out.append(n)
    return out


# Budgets are per home. Ten million pounds is far above any home's retrofit and well inside the
# warehouse's numeric(12, 2) column: a larger figure is a typo (or `.inf`), refused with its field named.
MAX_BUDGET_PER_HOME_GBP = 10_000_000.0


class Phase(_Strict):
    name: str = Field(min_length=1)
    allowed_measure_types: list[str] = Field(min_length=1)
    budget_gbp: float | None = Field(default=None, ge=0, le=MAX_BUDGET_PER_HOME_GBP, allow_inf_nan=False)
    target_year: int = Field(ge=2000, le=2100)
    target: Goal | None = None

    @field_validator("allowed_measure_types", mode="before")
    @classmethod
    def _types(cls, value: Any) -> list[str]:
        return _expand_types(value)


class Scenario(_Strict):
    name: str = Field(min_length=1, pattern=r"^\S(.*\S)?$")
    description: str = ""
    goal: Goal
    budget_per_home_gbp: float | None = Field(
        default=None, ge=0, le=MAX_BUDGET_PER_HOME_GBP, allow_inf_nan=False
    )
    excluded_measure_types: list[str] = Field(default_factory=list)
    phases: list[Phase] = Field(min_length=1)
    # grant schemes the plans may draw (names in modelling/data/funding_schemes.yaml), in order of use
    funding_schemes: list[str] = Field(default_factory=list)
    # the portfolio's tenure where a home's own (property_attributes.tenure) is not known
    tenure: Literal["social", "private_rented", "owner_occupied"] | None = None
    # what the optimiser minimises among packages that reach a phase's target: the capital cost, or the
    # cost net of the grants of `funding_schemes` (funding.net_cost_price)
    objective: Literal["cost", "net_cost"] = "cost"
    # Require this probability of reaching a band or SAP target: the cheapest package whose probability,
    # under the home's baseline SAP spread, is at least this (modelling/uncertainty.py). None: the point
    # result decides.
    target_confidence: float | None = Field(default=None, gt=0.5, lt=1.0)

    @field_validator("excluded_measure_types", mode="before")
    @classmethod
    def _excluded(cls, value: Any) -> list[str]:
        return _expand_types(value)

    @model_validator(mode="after")
    def _phases_consistent(self) -> Scenario:
        years = [p.target_year for p in self.phases]
        for i in range(1, len(years)):
            if years[i] < years[i - 1]:
                field, prev = f"phases[{i}].target_year", years[i - 1]
                raise ValueError(f"field {field!r} value {years[i]}: before the previous phase ({prev})")
        names = [p.name for p in self.phases]
        if len(set(names)) != len(names):
            raise ValueError(f"field 'phases' value {names}: phase names must be unique")
        budgets = [p.budget_gbp for p in self.phases if p.budget_gbp is not None]
        if self.budget_per_home_gbp is not None and sum(budgets) > self.budget_per_home_gbp + 1e-9:
            raise ValueError(
                f"field 'phases[*].budget_gbp' value {budgets}: adds up to more than "
                f"budget_per_home_gbp {self.budget_per_home_gbp:.2f}"
            )
        for i, p in enumerate(self.phases):
            usable = [t for t in p.allowed_measure_types if t not in self.excluded_measure_types]
            if not usable:
                raise ValueError(
                    f"field 'phases[{i}].allowed_measure_types' value {p.allowed_measure_types}: "
                    "every type is excluded by the scenario"
                )
        if self.funding_schemes:
            from ara_assets.modelling.funding import load_funding_rules

            known = load_funding_rules().names()
            for name in self.funding_schemes:
                if name not in known:
                    raise ValueError(f"field 'funding_schemes' value {name!r}: no such scheme ({known})")
        if self.objective == "net_cost" and not self.funding_schemes:
            raise ValueError("field 'objective' value 'net_cost': needs funding_schemes")
        return self

    def phase_goal(self, index: int) -> Goal:
        """The goal of phase `index` (0-based): its own target, else the scenario goal."""
        return self.phases[index].target or self.goal

    def allowed_in_phase(self, index: int) -> list[str]:
        return [t for t in self.phases[index].allowed_measure_types if t not in self.excluded_measure_types]

    def to_spec(self) -> dict[str, Any]:
        """The mapping `ScenarioRepository.create` stores (goal JSON carries exclusions and description)."""
        goal = self.goal.model_dump(exclude_none=True)
        goal["excluded_measure_types"] = list(self.excluded_measure_types)
        if self.description:
            goal["description"] = self.description
        if self.funding_schemes:
            goal["funding_schemes"] = list(self.funding_schemes)
        if self.tenure is not None:
            goal["tenure"] = self.tenure
        if self.objective != "cost":
            goal["objective"] = self.objective
        if self.target_confidence is not None:
            goal["target_confidence"] = self.target_confidence
        return {
            "name": self.name,
            "goal": goal,
            "budget_per_home_gbp": self.budget_per_home_gbp,
            "phases": [
                {
                    "name": p.name,
                    "allowed_measure_types": list(p.allowed_measure_types),
                    "budget_gbp": p.budget_gbp,
                    "target_year": p.target_year,
                    "target": None if p.target is None else p.target.model_dump(exclude_none=True),
                }
                for p in self.phases
            ],
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Scenario:
        """Rebuild from `to_spec()` output or a repository snapshot (which adds id, version, phase_number)."""
        goal = dict(spec.get("goal") or {})
        excluded = goal.pop("excluded_measure_types", [])
        description = goal.pop("description", "")
        funding = {k: goal.pop(k) for k in ("funding_schemes", "tenure", "objective") if k in goal}
        confidence = goal.pop("target_confidence", None)
        data: dict[str, Any] = {
            **funding,
            "name": spec.get("name"),
            "description": description,
            "goal": goal,
            "budget_per_home_gbp": spec.get("budget_per_home_gbp"),
            "excluded_measure_types": excluded,
            "phases": [
                {k: v for k, v in p.items() if k != "phase_number" and not (k == "target" and v is None)}
                for p in spec.get("phases") or []
            ],
        }
        if confidence is not None:
            data["target_confidence"] = confidence
        return validate_scenario(data, f"scenario {spec.get('name')!r}")


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(scenario)"


def _value_at(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def validate_scenario(data: Any, source: str) -> Scenario:
    """Validate a mapping as a Scenario; errors name `source`, the field path and the value given."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        # pydantic adds the failing union/validator name to loc; keep only real field names
        loc = tuple(p for p in err["loc"] if isinstance(p, int) or not str(p).startswith("function-"))
        value = _value_at(data, loc)
        msg = str(err["msg"]).removeprefix("Value error, ")
        if not loc and msg.startswith("field "):  # a whole-scenario rule names its own field and value
            raise ScenarioError(f"{source}: {msg}") from None
        raise ScenarioError(f"{source}: field {_location(loc)!r} value {value!r}: {msg}") from None


def load_scenario_yaml(path: Path) -> Scenario:
    """Read and validate one scenario YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: field '(scenario)' value {data!r}: expected a mapping")
    return validate_scenario(data, str(path))
