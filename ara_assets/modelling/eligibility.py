"""Eligibility of measure options: which (home, option) pairs may be proposed, and why not.

Input: one row per home with the effective-EPC columns (register codes of the main building part),
the property attributes (`listed_building`, `conservation_area`; null = unknown = not restricted) and
the SAP input columns of the home's current state (U-values, systems). Evaluating against the state at
the start of a phase is what lets a heat pump become eligible after a fabric phase.

Rules (the first failing rule is the reason given):
- walls: cavity walls (code 4) get cavity fill only, and only when unfilled (insulation "as built" 4 or
  "unknown" 5); solid stone/brick (1, 2, 3) and system-built (8) walls get IWI or EWI; timber frame (5)
  IWI only; no EWI on flats or maisonettes (property type 2, 3) or in a conservation area; no wall
  insulation of any kind on a listed building; already insulated walls (1, 2, 3, 6, 7) get nothing.
- glazing: listed buildings get secondary glazing only; replacement glazing needs a window worse
  than the option's U-value; secondary glazing a window worse than 2.4 W/m2K (single glazing).
- roofs by roof construction: loft (4, legacy 2), sloping ceiling (8), flat (1), room in roof (flag);
  each only if some roof element is worse than the option's U-value.
- floors by floor construction of the lowest storey: suspended timber (2) or solid (1), U worse than target.
- heat pump minimum fabric standard (`HEAT_PUMP_FABRIC`): every wall element U <= 0.70 W/m2K (filled
  cavity or insulated solid wall), every roof element U <= 0.40 (about 100 mm of loft insulation or
  better), every window U <= 3.1 (no single glazing). Not on homes that already have a heat pump.
- ventilation dependency: wall and floor insulation and draught proofing make the home more airtight;
  where ventilation is natural (type 1, 2, 9, 10) the pair carries `requires_measure_type =
  "mechanical_extract_ventilation"`, which the plan must add.
- the scenario's excluded measure types are ineligible with reason "excluded by the scenario".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from ara_assets.modelling.catalogue import MEASURE_TYPES, CatalogueError, MeasureOption, catalogue
from ara_assets.modelling.measures import pv_kwp_for_roof
from ara_assets.modelling.scenarios import Scenario

HEAT_PUMP_FABRIC = {"wall_u_max": 0.70, "roof_u_max": 0.40, "window_u_max": 3.1}
NATURAL_VENTILATION = (1, 2, 9, 10)
VENTILATION_DEPENDENT = frozenset(
    {
        "cavity_wall_fill",
        "external_wall_insulation",
        "internal_wall_insulation",
        "suspended_floor_insulation",
        "solid_floor_insulation",
        "draught_proofing",
    }
)
HEAT_PUMP_CODES = tuple(range(211, 228)) + (304, 524)
WET_BOILER_CODES = tuple(range(101, 200))
# SAP 10.2 Table 4b condensing gas boiler codes (ara_assets/sap10/tables/table_4b_boilers.csv)
CONDENSING_CODES = (102, 104, 106, 108, 113)
# Table 4e controls lacking one of programmer, room thermostat, TRVs on a wet system
POOR_WET_CONTROLS = (2101, 2102, 2103, 2104, 2111)

FEATURE_COLUMNS = {
    "property_id": pl.Int64,
    "property_type": pl.Int32,
    "wall_construction": pl.Int32,
    "wall_insulation_type": pl.Int32,
    "roof_construction": pl.Int32,
    "floor_construction": pl.Int32,
    "has_room_in_roof": pl.Boolean,
    "listed_building": pl.Boolean,
    "conservation_area": pl.Boolean,
}
INPUT_COLUMNS = (
    "wall_u_value",
    "roof_u_value",
    "roof_area_m2",
    "floor_u_value",
    "window_u_value",
    "door_u_value",
    "windows_draughtproofed_pct",
    "fixed_lighting_efficacy_lm_per_w",
    "cylinder_volume_l",
    "cylinder_declared_loss_kwh_per_day",
    "cylinder_insulation_mm",
    "cylinder_thermostat",
    "main_heating_code",
    "main_heating_fuel",
    "main_heating_control",
    "main_heating_efficiency_winter_pct",
    "secondary_heating_code",
    "ventilation_type",
    "pv_kwp",
)


class EligibilityError(ValueError):
    """Bad eligibility input: names the record (property_id), the field and the value."""


def _code(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None  # "NR", "ND": not recorded is unknown


# The eligibility columns read from a register document (the others come from the landlord's attributes).
REGISTER_FEATURES: dict[str, pl.DataType] = {
    k: v
    for k, v in FEATURE_COLUMNS.items()
    if k not in ("property_id", "listed_building", "conservation_area")
}


def register_features(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The REGISTER_FEATURES of one effective EPC in register shape (`to_register_json`): the main
    building part (`sap_building_parts[0]`). Plain Python: it may run in a forked process."""
    parts = doc.get("sap_building_parts") or [{}]
    main = parts[0] or {}
    floors = main.get("sap_floor_dimensions") or [{}]
    rir = main.get("sap_room_in_roof") or {}
    return {
        "property_type": _code(doc.get("property_type")),
        "wall_construction": _code(main.get("wall_construction")),
        "wall_insulation_type": _code(main.get("wall_insulation_type")),
        "roof_construction": _code(main.get("roof_construction")),
        "floor_construction": _code((floors[0] or {}).get("floor_construction")),
        "has_room_in_roof": bool(rir) and float(rir.get("floor_area") or 0) > 0,
    }


def features_from_register(documents: Mapping[int, Mapping[str, Any]]) -> pl.DataFrame:
    """Eligibility columns from effective EPCs in register shape, keyed by property_id (`register_features`
    of each). A boundary parse of JSON documents: the loop is over documents, the rules are vectorised."""
    rows = [{"property_id": int(pid), **register_features(doc)} for pid, doc in documents.items()]
    return pl.DataFrame(rows, schema={"property_id": pl.Int64(), **REGISTER_FEATURES})


def _prepare(homes: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in (*FEATURE_COLUMNS, *INPUT_COLUMNS) if c not in homes.columns]
    if missing:
        raise EligibilityError(f"eligibility input: field {missing[0]!r} is missing (no such column)")
    dup = homes.filter(pl.col("property_id").is_duplicated())
    if dup.height:
        raise EligibilityError(f"property_id={dup['property_id'][0]!r}: field 'property_id' is duplicated")
    return homes.with_columns(
        [pl.col(c).cast(t, strict=False) for c, t in FEATURE_COLUMNS.items()]
        + [
            pl.col("listed_building").fill_null(False).alias("_listed"),
            pl.col("conservation_area").fill_null(False).alias("_conservation"),
            pl.col("property_type").is_in([2, 3]).fill_null(False).alias("_flat"),
        ]
    )


def _any_worse(col: str, limit: float) -> pl.Expr:
    return pl.col(col).list.eval(pl.element() > limit).list.any().fill_null(False)


def heat_pump_fabric_ok(frame: pl.DataFrame) -> pl.Series:
    """True where a home's fabric meets `HEAT_PUMP_FABRIC` (usable on edited frames inside a package)."""
    return frame.select(_fabric_ok().alias("ok"))["ok"]


def _fabric_ok() -> pl.Expr:
    f = HEAT_PUMP_FABRIC
    return ~(
        _any_worse("wall_u_value", f["wall_u_max"])
        | _any_worse("roof_u_value", f["roof_u_max"])
        | _any_worse("window_u_value", f["window_u_max"])
    )


def _rules(o: MeasureOption) -> list[tuple[pl.Expr, str]]:
    """(condition that makes the pair INELIGIBLE, reason) in order; the first that holds is reported."""
    mt = o.measure_type
    wall, ins = pl.col("wall_construction"), pl.col("wall_insulation_type")
    insulated_wall = ins.is_in([1, 2, 3, 6, 7]).fill_null(False)
    listed_walls = (pl.col("_listed"), "listed building: no wall insulation")
    if mt == "cavity_wall_fill":
        return [
            listed_walls,
            ((wall != 4).fill_null(True), "not a cavity wall (cavity fill is for cavity walls only)"),
            (~ins.is_in([4, 5]).fill_null(True), "cavity already filled or insulated"),
        ]
    if mt in ("external_wall_insulation", "internal_wall_insulation"):
        rules = [
            listed_walls,
            ((wall == 4).fill_null(False), "cavity wall: cavity fill only"),
        ]
        if mt == "external_wall_insulation":
            rules += [
                ((wall == 5).fill_null(False), "timber frame: internal insulation only"),
                (pl.col("_flat"), "flat or maisonette: no external wall insulation"),
                (pl.col("_conservation"), "conservation area: no external wall insulation"),
                (~wall.is_in([1, 2, 3, 8]).fill_null(True), "wall is not solid or system-built"),
            ]
        else:
            rules.append(
                (~wall.is_in([1, 2, 3, 5, 8]).fill_null(True), "wall is not solid, system-built or timber")
            )
        rules.append((insulated_wall, "wall already insulated"))
        return rules
    if mt in (
        "loft_insulation",
        "sloping_ceiling_insulation",
        "flat_roof_insulation",
        "room_in_roof_insulation",
    ):
        roof = pl.col("roof_construction")
        has = {
            "loft_insulation": roof.is_in([2, 4]).fill_null(False),
            "sloping_ceiling_insulation": (roof == 8).fill_null(False),
            "flat_roof_insulation": (roof == 1).fill_null(False),
            "room_in_roof_insulation": pl.col("has_room_in_roof").fill_null(False),
        }[mt]
        u = o.param("u_after")
        return [
            (~has, f"no {mt.removesuffix('_insulation').replace('_', ' ')} on this home"),
            (~_any_worse("roof_u_value", u), f"roof already at or below U {u}"),
        ]
    if mt in ("suspended_floor_insulation", "solid_floor_insulation"):
        code = 2 if mt == "suspended_floor_insulation" else 1
        u = o.param("u_after")
        return [
            (
                (pl.col("floor_construction") != code).fill_null(True),
                f"ground floor is not {mt.split('_')[0]}",
            ),
            (pl.col("floor_u_value").list.len() == 0, "no heat-loss floor"),
            (~_any_worse("floor_u_value", u), f"floor already at or below U {u}"),
        ]
    if mt in ("double_glazing", "triple_glazing"):
        u = o.param("u_after")
        return [
            (pl.col("_listed"), "listed building: secondary glazing instead"),
            (~_any_worse("window_u_value", u), f"no window worse than U {u}"),
        ]
    if mt == "secondary_glazing":
        return [(~_any_worse("window_u_value", o.param("u_after")), "no single-glazed window")]
    if mt == "draught_proofing":
        return [(pl.col("windows_draughtproofed_pct") >= 100, "windows and doors already draught-proofed")]
    if mt == "insulated_doors":
        return [(~_any_worse("door_u_value", o.param("u_after")), "no door worse than the target U-value")]
    if mt == "led_lighting":
        eff = pl.col("fixed_lighting_efficacy_lm_per_w").fill_null(0.0)
        return [(eff >= o.param("efficacy_lm_per_w"), "lighting already LED-efficient")]
    cylinder = pl.col("cylinder_volume_l").is_not_null()
    if mt == "cylinder_insulation":
        return [
            (~cylinder, "no hot-water cylinder"),
            (pl.col("cylinder_declared_loss_kwh_per_day").is_not_null(), "cylinder has a declared loss"),
            (
                pl.col("cylinder_insulation_mm").fill_null(0.0) >= o.param("insulation_mm"),
                "cylinder already insulated",
            ),
        ]
    if mt == "cylinder_thermostat":
        return [
            (~cylinder, "no hot-water cylinder"),
            (pl.col("cylinder_thermostat"), "cylinder thermostat present"),
        ]
    code, fuel = pl.col("main_heating_code"), pl.col("main_heating_fuel")
    is_hp = code.is_in(HEAT_PUMP_CODES)
    if mt == "heating_controls":
        return [
            (~code.is_in(WET_BOILER_CODES), "not a wet boiler system"),
            (~pl.col("main_heating_control").is_in(POOR_WET_CONTROLS), "controls already adequate"),
        ]
    if mt == "condensing_boiler":
        eff = pl.col("main_heating_efficiency_winter_pct")
        return [
            (fuel != 1, "main heating is not mains gas"),
            (~code.is_in(WET_BOILER_CODES), "main heating is not a boiler"),
            (code.is_in(CONDENSING_CODES) | (eff >= 84).fill_null(False), "boiler already condensing"),
        ]
    if mt == "air_source_heat_pump":
        f = HEAT_PUMP_FABRIC
        return [
            (is_hp, "already heated by a heat pump"),
            (
                ~_fabric_ok(),
                f"fabric below the heat-pump minimum (walls U<={f['wall_u_max']}, roof U<={f['roof_u_max']}, "
                f"windows U<={f['window_u_max']})",
            ),
        ]
    if mt == "storage_heaters":
        return [
            (~fuel.is_in(list(range(30, 41))), "main heating is not electric"),
            (is_hp, "heated by a heat pump"),
            (code == int(o.param("heating_code")), "already high heat retention storage heaters"),
        ]
    if mt in ("solar_pv", "solar_pv_battery"):
        roof = pl.col("roof_construction")
        return [
            (pl.col("_flat"), "flat or maisonette: no roof of its own"),
            (roof.is_in([0, 3, 7, 9]).fill_null(False), "no roof of its own"),
            (pl.col("_listed"), "listed building: PV needs listed building consent"),
            (pl.col("pv_kwp").list.len() > 0, "PV already installed"),
            (pv_kwp_for_roof(o) <= 0, f"roof too small for {o.param('min_kwp')} kWp"),
        ]
    if mt == "mechanical_extract_ventilation":
        return [(~pl.col("ventilation_type").is_in(NATURAL_VENTILATION), "mechanical ventilation present")]
    if mt == "remove_secondary_heating":
        return [(pl.col("secondary_heating_code").is_null(), "no secondary heating")]
    raise CatalogueError(
        f"measure type {mt!r}: no eligibility rules"
    )  # pragma: no cover - guarded by MEASURE_TYPES


def eligibility_for_phase(homes: pl.DataFrame, scenario: Scenario, phase_index: int) -> pl.DataFrame:
    """`eligibility` for phase `phase_index` (0-based) of a scenario; `homes` in their state at phase start.

    Types excluded by the scenario read "excluded by the scenario"; types the phase does not allow read
    "not allowed in phase '<name>'".
    """
    if not 0 <= phase_index < len(scenario.phases):
        raise EligibilityError(
            f"scenario {scenario.name!r}: field 'phase_index' value {phase_index} is not a phase (0.."
            f"{len(scenario.phases) - 1})"
        )
    phase = scenario.phases[phase_index]
    not_allowed = set(MEASURE_TYPES) - set(phase.allowed_measure_types) - set(scenario.excluded_measure_types)
    result = eligibility(homes, [*scenario.excluded_measure_types, *not_allowed])
    return result.with_columns(
        pl.when(pl.col("measure_type").is_in(sorted(not_allowed)))
        .then(pl.lit(f"not allowed in phase {phase.name!r}"))
        .otherwise(pl.col("reason"))
        .alias("reason")
    )


def eligibility(homes: pl.DataFrame, excluded_measure_types: Iterable[str] = ()) -> pl.DataFrame:
    """Every (home, option) pair with `eligible`, `reason` (null when eligible) and `requires_measure_type`.

    `homes`: FEATURE_COLUMNS + INPUT_COLUMNS, one row per home. Output rows: option-major (catalogue order),
    homes in input order within an option.
    """
    excluded = set(excluded_measure_types)
    unknown = sorted(excluded - set(MEASURE_TYPES))
    if unknown:
        raise EligibilityError(
            f"scenario: field 'excluded_measure_types' value {unknown[0]!r} is not a measure type"
        )
    work = _prepare(homes)
    natural = pl.col("ventilation_type").is_in(NATURAL_VENTILATION).fill_null(True)
    reason_cols: list[pl.Expr] = []
    options = list(catalogue().values())
    for i, o in enumerate(options):
        rules = [(pl.lit(True), "excluded by the scenario")] if o.measure_type in excluded else _rules(o)
        expr: pl.Expr | pl.When | pl.Then = pl
        for cond, reason in rules:
            expr = expr.when(cond.fill_null(False)).then(pl.lit(reason))
        reason_cols.append(expr.otherwise(pl.lit(None, dtype=pl.String)).alias(f"_r{i}"))
    wide = work.select(pl.col("property_id"), natural.alias("_natural"), *reason_cols)
    meta = pl.DataFrame(
        {
            "_col": [f"_r{i}" for i in range(len(options))],
            "option_id": [o.option_id for o in options],
            "measure_type": [o.measure_type for o in options],
            "_vent": [o.measure_type in VENTILATION_DEPENDENT for o in options],
        }
    )
    long = wide.unpivot(index=["property_id", "_natural"], variable_name="_col", value_name="reason").join(
        meta, on="_col", how="left"
    )
    return long.select(
        "property_id",
        "measure_type",
        "option_id",
        pl.col("reason").is_null().alias("eligible"),
        "reason",
        pl.when(pl.col("_vent") & pl.col("_natural") & pl.col("reason").is_null())
        .then(pl.lit("mechanical_extract_ventilation"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("requires_measure_type"),
    )


def eligible_pairs(result: pl.DataFrame) -> pl.DataFrame:
    """The eligible (property_id, option_id) pairs of an `eligibility` result."""
    return result.filter(pl.col("eligible")).select(
        "property_id", "measure_type", "option_id", "requires_measure_type"
    )
