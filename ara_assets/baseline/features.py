"""The versioned feature transform of the effective EPC: fixed-width columns for remote scoring and training.

A remote scoring endpoint (an ML model, say) does not read register documents: it reads one row of features
per home. This module turns the `effective_epc` frame into that row through the RdSAP expansion
(`ara_assets.sap10.rdsap.expand_collect`), so the features describe exactly what the SAP calculator would
score: element areas and mean U-values, openings, ventilation, heating and hot-water systems, PV, climate
and the descriptive fields of the certificate. List columns of the worksheet input (one value per wall,
window, PV array...) are reduced to totals and area-weighted means, so every feature is one scalar.

Versioning (docs/adr/0009-remote-scoring-endpoints.md): `FEATURE_TRANSFORM_VERSION` is semver. A change that
removes, renames or retypes a column, or changes what a column means, is a major bump; adding a column at
the end is a minor bump; a fix that leaves every column's meaning alone is a patch. The schema's
fingerprint is pinned against the version in the tests, so the schema cannot change without the version.
Each column's unit and meaning are in `FEATURES` and docs/scoring/FEATURES.md.

Pure: frames in, frames out; no Dagster, no HTTP.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ara_assets.sap10 import tables
from ara_assets.sap10.rdsap import expand_collect
from ara_assets.sap10.sections.heat_loss import ROOF_WINDOW_PITCH_DEG

FEATURE_TRANSFORM_VERSION = "1.0.0"

# Parquet key-value metadata keys of a training file.
PARQUET_VERSION_KEY = "ara.feature_transform_version"
PARQUET_FINGERPRINT_KEY = "ara.feature_schema_fingerprint"

# SAP 10.2 defaults that the worksheet applies to a null input; the features carry the value the
# calculator uses, so a model never has to learn what "null" means (sap10/inputs/ documents each).
# One definition each, the calculator's (sap10/tables/constants.json with its sources; heat_loss.py).
DEFAULT_THERMAL_BRIDGING_Y = tables.const_float("thermal_bridging_default_y")  # (36)
DEFAULT_THERMAL_MASS = tables.const_float("thermal_mass_default")  # (35), Table 1f indicative value
CURTAIN_RESISTANCE_M2K_PER_W = tables.const_float("window_curtain_resistance")  # (27) Ueff = 1/(1/U + R)

# Orientation codes (SAP-Schema): 1 N, 2 NE, 3 E, 4 SE, 5 S, 6 SW, 7 W, 8 NW, 9 horizontal.
_SOUTHERLY = (4, 5, 6)
_NORTHERLY = (8, 1, 2)
_METER_TYPES = {1: "single", 2: "dual_7h", 3: "dual_10h", 4: "24h", 5: "18h"}


@dataclass(frozen=True)
class Feature:
    """One feature column: its name, polars dtype, unit and meaning (nullable when the meaning says so)."""

    name: str
    dtype: pl.DataType
    unit: str
    meaning: str


F64, I32, BOOL, STR = pl.Float64(), pl.Int32(), pl.Boolean(), pl.String()

FEATURES: tuple[Feature, ...] = (
    # ---- dimensions
    Feature(
        "total_floor_area_m2", F64, "m2", "Total floor area: sum of the storeys' floor areas (1a)..(1n)."
    ),
    Feature("storeys", I32, "count", "Number of storeys in the worksheet input (building parts stacked)."),
    Feature(
        "mean_storey_height_m", F64, "m", "Floor-area-weighted mean storey height; null with no floor area."
    ),
    Feature("dwelling_volume_m3", F64, "m3", "Sum over storeys of floor area x storey height (5)."),
    Feature(
        "living_area_fraction", F64, "-", "Living area / total floor area (91); null with no floor area."
    ),
    # ---- fabric
    Feature("wall_area_m2", F64, "m2", "Net external wall area (openings removed) (29a)."),
    Feature(
        "wall_u_mean", F64, "W/m2K", "Area-weighted mean U-value of the external walls; null without walls."
    ),
    Feature("roof_area_m2", F64, "m2", "Net heat-loss roof area (30); 0 under another dwelling."),
    Feature("roof_u_mean", F64, "W/m2K", "Area-weighted mean roof U-value; null without heat-loss roof."),
    Feature("floor_area_m2", F64, "m2", "Heat-loss floor area (28a); 0 over another dwelling."),
    Feature("floor_u_mean", F64, "W/m2K", "Area-weighted mean floor U-value; null without heat-loss floor."),
    Feature("party_wall_area_m2", F64, "m2", "Party wall area (32)."),
    Feature(
        "party_wall_u_mean", F64, "W/m2K", "Area-weighted mean party wall U-value; null without party walls."
    ),
    Feature("door_area_m2", F64, "m2", "Total door area (26)."),
    Feature("door_u_mean", F64, "W/m2K", "Area-weighted mean door U-value; null without doors."),
    Feature(
        "window_area_m2", F64, "m2", "Total window, roof window and glazed door area, frames included (27)."
    ),
    Feature(
        "window_u_mean", F64, "W/m2K", "Area-weighted mean window U-value as tabulated, without curtains."
    ),
    Feature("window_g_mean", F64, "-", "Area-weighted mean solar transmittance g_perp (Table 6b)."),
    Feature("window_frame_factor_mean", F64, "-", "Area-weighted mean frame factor (Table 6c)."),
    Feature("roof_window_area_m2", F64, "m2", "Area of windows tilted below 70 degrees (27a)."),
    Feature("window_area_south_m2", F64, "m2", "Window area facing SE, S or SW."),
    Feature("window_area_north_m2", F64, "m2", "Window area facing NW, N or NE."),
    Feature("window_to_floor_ratio", F64, "-", "Window area / total floor area; null with no floor area."),
    Feature(
        "fabric_heat_loss_w_per_k",
        F64,
        "W/K",
        "Sum of area x U over walls, roofs, floors, party walls, doors and windows (windows with the "
        "curtain resistance 0.04 m2K/W) (33), before thermal bridging.",
    ),
    Feature("exposed_area_m2", F64, "m2", "Total external element area (31): all but the party walls."),
    Feature("thermal_bridging_y", F64, "W/m2K", "y-value of (36); the SAP default 0.2 where none is given."),
    Feature(
        "thermal_bridging_w_per_k",
        F64,
        "W/K",
        "Thermal bridging heat loss (36): the lodged sum of L x psi, else y x exposed area.",
    ),
    Feature("thermal_mass_parameter", F64, "kJ/m2K", "TMP (35); 250 where none is given."),
    Feature("timber_frame_or_steel", BOOL, "-", "Timber or steel frame (structural infiltration (11))."),
    # ---- ventilation
    Feature(
        "ventilation_type",
        I32,
        "code",
        "SAP-Schema ventilation code: 1/2/9/10 natural, 3-4 PIV, 5-6 MEV, 7 balanced, 8 MVHR.",
    ),
    Feature(
        "chimneys_and_flues",
        I32,
        "count",
        "Open chimneys, open flues, closed-fire chimneys, solid-fuel boiler flues, other heater flues "
        "and blocked chimneys (6a)-(6f).",
    ),
    Feature("extract_fans_and_vents", I32, "count", "Intermittent extract fans and passive vents (7a)-(7b)."),
    Feature("flueless_gas_fires", I32, "count", "Flueless gas fires (7c)."),
    Feature("air_permeability_q50", F64, "m3/h.m2 @50Pa", "Pressure-test result (17); null when untested."),
    Feature("windows_draughtproofed_pct", F64, "%", "Windows and doors draught-stripped (14)."),
    Feature("sheltered_sides", I32, "count", "Sides sheltered (19)."),
    Feature(
        "suspended_wooden_floor", I32, "code", "0 none, 1 unsealed, 2 sealed suspended timber floor (12)."
    ),
    Feature("draught_lobby", BOOL, "-", "Draught lobby present (13)."),
    Feature("mvhr_efficiency_pct", F64, "%", "In-use MVHR efficiency (23c); null without MVHR."),
    # ---- space heating
    Feature("main_heating_code", I32, "code", "SAP Table 4a/4b code of main heating system 1."),
    Feature("main_heating_fuel", I32, "code", "SAP 10.2 Table 12 fuel code of main system 1."),
    Feature(
        "main_heating_efficiency_winter_pct",
        F64,
        "%",
        "Declared (PCDB) winter efficiency of main system 1; null: the Table 4a/4b value applies.",
    ),
    Feature("main_heating_control", I32, "code", "SAP Table 4e control code of the main system."),
    Feature("heat_emitter_type", I32, "code", "1 radiators, 2 underfloor, 3 both, 4 fan coils."),
    Feature("flow_temperature_c", F64, "degC", "Design flow temperature of wet emitters (Table 4c(3))."),
    Feature("boiler_interlock", BOOL, "-", "Boiler interlock present (Table 4c(2))."),
    Feature("main_heating_fraction", F64, "-", "Share of main heat from main system 1 (202)."),
    Feature(
        "main_heating_2_code",
        I32,
        "code",
        "SAP code of main heating system 2; null when there is one system.",
    ),
    Feature("main_heating_2_fuel", I32, "code", "Table 12 fuel code of main system 2; null when none."),
    Feature("secondary_heating_code", I32, "code", "SAP code of the secondary heater; null when none."),
    Feature(
        "secondary_heating_fuel", I32, "code", "Table 12 fuel code of the secondary heater; null when none."
    ),
    Feature(
        "electricity_tariff", I32, "code", "1 standard, 2 off-peak 7 h, 3 off-peak 10 h, 4 24 h, 5 18 h."
    ),
    Feature(
        "meter_type", STR, "category", "The tariff as a meter type: single, dual_7h, dual_10h, 24h, 18h."
    ),
    Feature(
        "pcdb_fallback", BOOL, "-", "The expansion fell back to table values for a product it did not find."
    ),
    # ---- hot water
    Feature("water_heating_code", I32, "code", "Table 4a water heating code (901 from main system 1, ...)."),
    Feature(
        "water_heating_fuel",
        I32,
        "code",
        "Table 12 fuel of the water heating: its own, else that of the main system it comes from.",
    ),
    Feature("cylinder_volume_l", F64, "litres", "Hot-water cylinder volume; 0 without a cylinder."),
    Feature(
        "cylinder_insulation_mm",
        F64,
        "mm",
        "Cylinder insulation thickness; null when not lodged or no cylinder.",
    ),
    Feature("water_separately_timed", BOOL, "-", "Stored hot water on its own time programme."),
    Feature(
        "primary_pipework_insulation", I32, "code", "1 none, 2 first metre, 3 all accessible, 4 fully (59)."
    ),
    Feature("mixer_showers", I32, "count", "Mixer showers."),
    Feature("electric_showers", I32, "count", "Instantaneous electric showers."),
    Feature("bath_present", BOOL, "-", "A bath is present."),
    # ---- lighting and renewables
    Feature(
        "fixed_lighting_capacity_lm", F64, "lm", "Fixed lighting luminous flux; null: 185 lm/m2 x TFA (L5b)."
    ),
    Feature(
        "fixed_lighting_efficacy_lm_per_w", F64, "lm/W", "Fixed lighting efficacy; null: 21.3 lm/W (L8)."
    ),
    Feature("pv_kwp", F64, "kWp", "Total peak power of the PV arrays (233); 0 without PV."),
    Feature("pv_arrays", I32, "count", "Number of PV arrays."),
    Feature("battery_capacity_kwh", F64, "kWh", "Usable battery capacity; 0 when none."),
    # ---- place and description
    Feature(
        "local_climate_region",
        I32,
        "code",
        "SAP 10.2 Appendix U region (1-21) of the postcode; null when the certificate gives none.",
    ),
    Feature("age_band", STR, "category", "RdSAP construction age band letter of the main building part."),
    Feature("built_form", I32, "code", "Register built form code (1 detached ... 6 enclosed mid-terrace)."),
    Feature(
        "property_type",
        I32,
        "code",
        "Register property type: 0 house, 1 bungalow, 2 flat, 3 maisonette, 4 park home.",
    ),
    Feature("main_fuel_register", I32, "code", "The register's main fuel code, as lodged."),
)

FEATURE_SCHEMA: dict[str, pl.DataType] = {f.name: f.dtype for f in FEATURES}
# The frame: the key first, then the features in schema order.
FRAME_SCHEMA: dict[str, pl.DataType] = {"property_id": pl.Int64(), **FEATURE_SCHEMA}

REFUSED_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "certificate_number": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "error": pl.String(),
}


class FeatureSchemaError(ValueError):
    """A frame or file whose columns, dtypes or transform version do not match this transform."""


@dataclass(frozen=True)
class FeatureSet:
    """The features of a batch: one row per expanded home, and the homes the expansion refused."""

    frame: pl.DataFrame
    refused: pl.DataFrame
    version: str = FEATURE_TRANSFORM_VERSION


def schema_fingerprint() -> str:
    """sha256 over the ordered (name, dtype, unit) triples: what a trained model depends on. Meanings are
    left out so that rewording the documentation needs no version bump."""
    payload = json.dumps([[f.name, str(f.dtype), f.unit] for f in FEATURES], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def parse_version(version: str) -> tuple[int, int, int]:
    """'MAJOR.MINOR.PATCH' -> a tuple of ints; anything else is refused."""
    parts = version.split(".") if isinstance(version, str) else []
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise FeatureSchemaError(f"feature transform version: expected MAJOR.MINOR.PATCH, got {version!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def same_major(declared: str, ours: str = FEATURE_TRANSFORM_VERSION) -> bool:
    """Same major version: every column both versions have means the same thing."""
    return parse_version(declared)[0] == parse_version(ours)[0]


def is_compatible(declared: str, ours: str = FEATURE_TRANSFORM_VERSION) -> bool:
    """Can features of version `ours` feed a consumer (a model) built for version `declared`?

    Same major version, and the consumer's minor version not newer than ours: a minor version adds
    columns, so a model of a later minor version may need columns this transform does not send.
    """
    d, o = parse_version(declared), parse_version(ours)
    return d[0] == o[0] and d[1] <= o[1]


def _weighted_mean(area: str, value: str) -> pl.Expr:
    total = pl.col(area).list.sum()
    weighted = (pl.col(area) * pl.col(value)).list.sum()
    return pl.when(total > 0).then(weighted / total).otherwise(None)


def _per_floor_area(numerator: pl.Expr, tfa: pl.Expr) -> pl.Expr:
    # Null rather than NaN/inf when a home has no floor area (the schema allows 0): JSON cannot carry NaN.
    return pl.when(tfa > 0).then(numerator / tfa).otherwise(None)


def _facing(codes: tuple[int, ...]) -> pl.Expr:
    # 1.0 for each window whose orientation code is one of `codes`, else 0.0.
    return pl.col("window_orientation").list.eval(pl.element().is_in(codes).cast(pl.Float64))


def _finish(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    # The sum of an empty list comes out as -0.0: write +0.0 so that equal homes give equal bytes.
    return pl.when(expr == 0.0).then(pl.lit(0.0)).otherwise(expr) if dtype == pl.Float64 else expr


def _tilted_below(pitch_deg: float) -> pl.Expr:
    # 1.0 for each window tilted below `pitch_deg` from horizontal, else 0.0.
    return pl.col("window_pitch_deg").list.eval((pl.element() < pitch_deg).cast(pl.Float64))


def _features_of_inputs(inputs: pl.DataFrame) -> pl.DataFrame:
    """Worksheet input rows (RdSAP expansion) -> one row of scalar features each."""
    fabric = ("wall", "roof", "floor_hl", "party_wall", "door")
    u_col = {"wall": "wall_u_value", "roof": "roof_u_value", "floor_hl": "floor_u_value",
             "party_wall": "party_wall_u_value", "door": "door_u_value"}  # fmt: skip
    area_col = {k: f"{k}_area_m2" for k in fabric}
    win_area, win_u = pl.col("window_area_m2"), pl.col("window_u_value")
    win_ueff = 1.0 / (1.0 / win_u + CURTAIN_RESISTANCE_M2K_PER_W)
    tfa = pl.col("storey_floor_area_m2").list.sum()
    exposed = (
        sum((pl.col(area_col[k]).list.sum() for k in ("wall", "roof", "floor_hl", "door")), pl.lit(0.0))
        + win_area.list.sum()
    )
    y = pl.col("thermal_bridging_y").fill_null(DEFAULT_THERMAL_BRIDGING_Y)
    main_fuel = pl.col("main_heating_fuel")
    # The fuel the water is heated with: as fuel_costs.water_fuel_of resolves it for the worksheet.
    from_main = (
        pl.when(pl.col("water_heating_code") == 902)
        .then(pl.coalesce("main_heating_2_fuel", main_fuel))
        .otherwise(main_fuel)
    )
    exprs: dict[str, pl.Expr] = {
        "total_floor_area_m2": tfa,
        "storeys": pl.col("storey_floor_area_m2").list.len(),
        "mean_storey_height_m": _per_floor_area(
            (pl.col("storey_floor_area_m2") * pl.col("storey_height_m")).list.sum(), tfa
        ),
        "dwelling_volume_m3": (pl.col("storey_floor_area_m2") * pl.col("storey_height_m")).list.sum(),
        "living_area_fraction": _per_floor_area(pl.col("living_area_m2"), tfa),
        "wall_area_m2": pl.col("wall_area_m2").list.sum(),
        "wall_u_mean": _weighted_mean("wall_area_m2", "wall_u_value"),
        "roof_area_m2": pl.col("roof_area_m2").list.sum(),
        "roof_u_mean": _weighted_mean("roof_area_m2", "roof_u_value"),
        "floor_area_m2": pl.col("floor_hl_area_m2").list.sum(),
        "floor_u_mean": _weighted_mean("floor_hl_area_m2", "floor_u_value"),
        "party_wall_area_m2": pl.col("party_wall_area_m2").list.sum(),
        "party_wall_u_mean": _weighted_mean("party_wall_area_m2", "party_wall_u_value"),
        "door_area_m2": pl.col("door_area_m2").list.sum(),
        "door_u_mean": _weighted_mean("door_area_m2", "door_u_value"),
        "window_area_m2": win_area.list.sum(),
        "window_u_mean": _weighted_mean("window_area_m2", "window_u_value"),
        "window_g_mean": _weighted_mean("window_area_m2", "window_g_perp"),
        "window_frame_factor_mean": _weighted_mean("window_area_m2", "window_frame_factor"),
        "roof_window_area_m2": (win_area * _tilted_below(ROOF_WINDOW_PITCH_DEG)).list.sum(),
        "window_area_south_m2": (win_area * _facing(_SOUTHERLY)).list.sum(),
        "window_area_north_m2": (win_area * _facing(_NORTHERLY)).list.sum(),
        "window_to_floor_ratio": _per_floor_area(win_area.list.sum(), tfa),
        "fabric_heat_loss_w_per_k": sum(
            ((pl.col(area_col[k]) * pl.col(u_col[k])).list.sum() for k in fabric), pl.lit(0.0)
        ) + (win_area * win_ueff).list.sum(),
        "exposed_area_m2": exposed,
        "thermal_bridging_y": y,
        "thermal_bridging_w_per_k": pl.coalesce(pl.col("thermal_bridging_w_per_k"), y * exposed),
        "thermal_mass_parameter": pl.col("thermal_mass_parameter").fill_null(DEFAULT_THERMAL_MASS),
        "timber_frame_or_steel": pl.col("timber_frame_or_steel"),
        "ventilation_type": pl.col("ventilation_type"),
        "chimneys_and_flues": pl.sum_horizontal(
            "open_chimneys", "open_flues", "closed_fire_chimneys", "solid_fuel_boiler_flues",
            "other_heater_flues", "blocked_chimneys",
        ),  # fmt: skip
        "extract_fans_and_vents": pl.sum_horizontal("intermittent_fans", "passive_vents"),
        "water_heating_fuel": pl.coalesce(pl.col("water_heating_fuel"), from_main),
        "cylinder_volume_l": pl.col("cylinder_volume_l").fill_null(0.0),
        "mixer_showers": pl.col("mixer_shower_flow_l_per_min").list.len(),
        "pv_kwp": pl.col("pv_kwp").list.sum(),
        "pv_arrays": pl.col("pv_kwp").list.len(),
        "meter_type": pl.col("electricity_tariff").replace_strict(_METER_TYPES, default=None,
                                                                  return_dtype=pl.String),
    }  # fmt: skip
    renamed = inputs.rename({"floor_area_hl_m2": "floor_hl_area_m2"})
    return renamed.select(
        pl.col("property_id"),
        *[
            _finish((exprs[f.name] if f.name in exprs else pl.col(f.name)).cast(f.dtype), f.dtype).alias(
                f.name
            )
            for f in FEATURES
        ],
    )


def _check_effective(effective: pl.DataFrame) -> None:
    for column, dtype in (("property_id", pl.Int64), ("document", pl.String)):
        if column not in effective.columns:
            raise FeatureSchemaError(f"effective EPC frame: column {column!r} is missing")
        if effective.schema[column] != dtype:
            raise FeatureSchemaError(
                f"effective EPC frame: column {column!r} has dtype {effective.schema[column]}, "
                f"expected {dtype}"
            )
    with_doc = effective.filter(pl.col("document").is_not_null())
    dupes = with_doc.filter(pl.col("property_id").is_duplicated())
    if dupes.height:
        raise FeatureSchemaError(
            f"effective EPC frame: property_id {dupes['property_id'][0]} has more than one document"
        )


def build_features(effective: pl.DataFrame) -> FeatureSet:
    """Features for every property of `effective` with a document, and the homes the expansion refused.

    Rows are sorted by property_id, so the same input gives the same frame. Homes without a document are
    in neither frame (the baseline keeps their row and says why).
    """
    _check_effective(effective)
    with_doc = effective.filter(pl.col("document").is_not_null()).select("property_id", "document")
    with_doc = with_doc.sort("property_id")
    if with_doc.is_empty():
        return FeatureSet(pl.DataFrame(schema=FRAME_SCHEMA), pl.DataFrame(schema=REFUSED_SCHEMA))
    ids = with_doc["property_id"]
    docs = [json.loads(d) for d in with_doc["document"].to_list()]
    inputs, errors = expand_collect(docs, normalise_docs=False)
    refused = pl.DataFrame(
        {
            "property_id": [ids[e.index] for e in errors],
            "certificate_number": [e.certificate_number for e in errors],
            "field": [e.field for e in errors],
            "value": [None if e.value is None else str(e.value) for e in errors],
            "error": [e.message for e in errors],
        },
        schema=REFUSED_SCHEMA,
    )
    if inputs.is_empty():
        return FeatureSet(pl.DataFrame(schema=FRAME_SCHEMA), refused)
    inputs = inputs.with_columns(ids.gather(inputs["input_index"]).alias("property_id"))
    return FeatureSet(_features_of_inputs(inputs), refused)


def feature_frame(effective: pl.DataFrame) -> pl.DataFrame:
    """`property_id` + the `FEATURE_SCHEMA` columns, one row per property whose document expanded
    (the refused homes are in `build_features(effective).refused`)."""
    return build_features(effective).frame


def check_feature_frame(frame: pl.DataFrame, *, record: str = "feature frame") -> None:
    """Refuse a frame whose columns or dtypes differ from `property_id` + `FEATURE_SCHEMA`."""
    if list(frame.columns) != list(FRAME_SCHEMA):
        missing = [c for c in FRAME_SCHEMA if c not in frame.columns]
        extra = [c for c in frame.columns if c not in FRAME_SCHEMA]
        raise FeatureSchemaError(
            f"{record}: columns differ from feature transform {FEATURE_TRANSFORM_VERSION} "
            f"(missing {missing}, unexpected {extra}, or out of order)"
        )
    for name, dtype in FRAME_SCHEMA.items():
        if frame.schema[name] != dtype:
            raise FeatureSchemaError(
                f"{record}: column {name!r} has dtype {frame.schema[name]}, expected {dtype}"
            )


def write_training_parquet(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write a feature frame to Parquet with the transform version and schema fingerprint in the file's
    key-value metadata, so a training job can refuse features of another major version."""
    check_feature_frame(frame)
    table = frame.to_arrow()
    metadata = dict(table.schema.metadata or {})
    metadata[PARQUET_VERSION_KEY.encode()] = FEATURE_TRANSFORM_VERSION.encode()
    metadata[PARQUET_FINGERPRINT_KEY.encode()] = schema_fingerprint().encode()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(metadata), out)
    return out


def read_training_parquet(path: str | Path) -> tuple[pl.DataFrame, str]:
    """A training file's features and its transform version; refused when its major version differs."""
    table: pa.Table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(PARQUET_VERSION_KEY.encode())
    if raw is None:
        raise FeatureSchemaError(f"{path}: no {PARQUET_VERSION_KEY} in the Parquet metadata")
    version = raw.decode()
    if not same_major(version):
        raise FeatureSchemaError(
            f"{path}: features of transform {version}, this code reads {FEATURE_TRANSFORM_VERSION} "
            "(major versions differ)"
        )
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame, version


def schema_markdown() -> str:
    """The feature schema as a markdown table (the body of docs/scoring/FEATURES.md)."""
    rows = ["| # | column | dtype | unit | meaning |", "|---|---|---|---|---|"]
    rows.append("| 0 | `property_id` | Int64 | - | The property (key, not a feature). |")
    for i, f in enumerate(FEATURES, start=1):
        rows.append(f"| {i} | `{f.name}` | {f.dtype} | {f.unit} | {f.meaning} |")
    return "\n".join(rows)
