"""Measure options as edits of the SAP 10.2 input frame (`ara_assets.sap10.inputs.INPUT_SCHEMA`).

An edit is a set of polars expressions over the *current* columns of a batch (rows = homes), plus the
option's quantity for costing (m2 of the element, items, kWp, or 1 per home). Impact is never computed
here: the edited rows go back through the SAP calculator, so measures interact exactly.

    edit = apply_option(inputs, "loft_270mm")           # every row gets the option
    edit.frame, edit.quantity, edit.cost_gbp
    variants = option_variants(inputs, pairs)          # one row per eligible (home, option) pair
    after = apply_package(inputs, packages)             # list[str] of option ids per home, install order

The input frame must carry the schema columns an edit touches (run `prepare_inputs` first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ara_assets.modelling.catalogue import MEASURE_TYPES, CatalogueError, MeasureOption, catalogue, option
from ara_assets.sap10.inputs import INPUT_SCHEMA
from ara_assets.sap10.sections.fuel_costs import STANDARD_ELECTRICITY

# SAP 10.2 Appendix L eq. L5b and L8 defaults, used where lighting columns are null.
_DEFAULT_LM_PER_M2 = 185.0
_DEFAULT_EFFICACY = 21.3


@dataclass(frozen=True)
class Edit:
    """Column expressions (evaluated on the frame before the edit) and the quantity expression."""

    columns: dict[str, pl.Expr]
    quantity: pl.Expr
    extra_cost_gbp: pl.Expr | None = None  # uprated extras on top of quantity x rate (e.g. a battery)


@dataclass(frozen=True)
class OptionEdit:
    option_id: str
    frame: pl.DataFrame  # same rows, order and columns as the input
    quantity: pl.Series
    cost_gbp: pl.Series  # quantity x uprated rate (+ extras) x (1 + contingency); 0 where not applied


def _tfa() -> pl.Expr:
    return pl.col("storey_floor_area_m2").list.sum()


def _cap_u(col: str, u_after: float) -> pl.Expr:
    """Element U-values no worse than `u_after` (an element already better is left alone)."""
    return pl.col(col).list.eval(pl.when(pl.element() > u_after).then(u_after).otherwise(pl.element()))


def _worse_mask(col: str, u_after: float) -> pl.Expr:
    """1.0 for each element worse than `u_after`, else 0.0 (list arithmetic blends element lists)."""
    return pl.col(col).list.eval((pl.element() > u_after).cast(pl.Float64))


def _blend(col: str, new_value: float, mask: pl.Expr) -> pl.Expr:
    return pl.col(col) * (1.0 - mask) + mask * new_value


def _add_resistance(col: str, r_added: float) -> pl.Expr:
    # U = 1 / (1/U0 + R); a zero U (adiabatic element) stays zero.
    return pl.col(col).list.eval(
        pl.when(pl.element() > 0).then(1.0 / (1.0 / pl.element() + r_added)).otherwise(pl.element())
    )


# ---------------------------------------------------------------------------------------- fabric


def _wall_insulation(o: MeasureOption) -> Edit:
    return Edit(
        {"wall_u_value": _add_resistance("wall_u_value", o.param("r_added_m2k_per_w"))},
        pl.col("wall_area_m2").list.sum(),
    )


def _roof_insulation(o: MeasureOption) -> Edit:
    # Applied to every roof element of the home: the schema has no per-element roof type (NEEDS.md).
    qty = pl.col("roof_area_m2").list.sum() if o.cost_basis == "per_m2_roof" else pl.lit(1.0)
    return Edit({"roof_u_value": _cap_u("roof_u_value", o.param("u_after"))}, qty)


def _floor_insulation(o: MeasureOption) -> Edit:
    cols = {"floor_u_value": _cap_u("floor_u_value", o.param("u_after"))}
    if o.parameters.get("sealed"):
        # insulating a suspended timber floor seals it: (12) 0.2 -> 0.1
        cols["suspended_wooden_floor"] = (
            pl.when(pl.col("suspended_wooden_floor") == 1).then(2).otherwise(pl.col("suspended_wooden_floor"))
        ).cast(pl.Int32)
    qty = pl.col("floor_area_hl_m2").list.sum() if o.cost_basis == "per_m2_floor" else pl.lit(1.0)
    return Edit(cols, qty)


def _glazing(o: MeasureOption) -> Edit:
    u_after = o.param("u_after")
    mask = _worse_mask("window_u_value", u_after)
    cols = {"window_u_value": _cap_u("window_u_value", u_after)}
    for key, col in (
        ("g_perp", "window_g_perp"),
        ("g_light", "window_g_light"),
        ("frame_factor", "window_frame_factor"),
    ):
        if key in o.parameters:
            cols[col] = _blend(col, o.parameters[key], mask)
    return Edit(cols, pl.lit(1.0))


def _draught_proofing(o: MeasureOption) -> Edit:
    return Edit(
        {"windows_draughtproofed_pct": pl.lit(o.param("draughtproofed_pct"), dtype=pl.Float64)}, pl.lit(1.0)
    )


def _doors(o: MeasureOption) -> Edit:
    u_after = o.param("u_after")
    count = pl.col("door_u_value").list.eval((pl.element() > u_after).cast(pl.Float64)).list.sum()
    return Edit({"door_u_value": _cap_u("door_u_value", u_after)}, count)


# ---------------------------------------------------------------------------------------- systems


def _led(o: MeasureOption) -> Edit:
    capacity = pl.col("fixed_lighting_capacity_lm").fill_null(_DEFAULT_LM_PER_M2 * _tfa())
    fittings = (capacity / o.param("lm_per_fitting")).ceil()
    efficacy = pl.max_horizontal(
        pl.col("fixed_lighting_efficacy_lm_per_w").fill_null(_DEFAULT_EFFICACY),
        pl.lit(o.param("efficacy_lm_per_w")),
    )
    return Edit({"fixed_lighting_efficacy_lm_per_w": efficacy}, fittings)


def _cylinder_insulation(o: MeasureOption) -> Edit:
    mm = o.param("insulation_mm")
    # Only a cylinder rated from its insulation (no declared loss) with less than the jacket gets it.
    thin = (
        pl.col("cylinder_volume_l").is_not_null()
        & pl.col("cylinder_declared_loss_kwh_per_day").is_null()
        & (pl.col("cylinder_insulation_mm").fill_null(0.0) < mm)
    )
    return Edit(
        {
            "cylinder_insulation_type": pl.when(thin)
            .then(2)
            .otherwise(pl.col("cylinder_insulation_type"))
            .cast(pl.Int32),
            "cylinder_insulation_mm": pl.when(thin).then(mm).otherwise(pl.col("cylinder_insulation_mm")),
        },
        pl.lit(1.0),
    )


def _cylinder_thermostat(o: MeasureOption) -> Edit:
    return Edit({"cylinder_thermostat": pl.lit(True)}, pl.lit(1.0))


def _controls(o: MeasureOption) -> Edit:
    return Edit({"main_heating_control": pl.lit(int(o.param("control_code")), dtype=pl.Int32)}, pl.lit(1.0))


def _boiler(o: MeasureOption) -> Edit:
    has_cylinder = pl.col("cylinder_volume_l").is_not_null()
    code = pl.when(has_cylinder).then(int(o.param("regular_code"))).otherwise(int(o.param("combi_code")))
    return Edit(
        {
            "main_heating_code": code.cast(pl.Int32),
            "main_heating_fuel": pl.lit(1, dtype=pl.Int32),  # mains gas, Table 12
            # efficiencies from Table 4b for the new code, not the old boiler's
            "main_heating_efficiency_winter_pct": pl.lit(None, dtype=pl.Float64),
            "main_heating_efficiency_summer_pct": pl.lit(None, dtype=pl.Float64),
            "main_heating_control": pl.lit(int(o.param("control_code")), dtype=pl.Int32),
            "boiler_interlock": pl.lit(True),
            "combi_loss_kwh_per_year": pl.lit(None, dtype=pl.Float64),
        },
        pl.lit(1.0),
    )


def _heat_pump(o: MeasureOption) -> Edit:
    volume = o.param("cylinder_l")
    return Edit(
        {
            "main_heating_code": pl.lit(int(o.param("heating_code")), dtype=pl.Int32),
            "main_heating_fuel": pl.lit(STANDARD_ELECTRICITY, dtype=pl.Int32),
            "main_heating_efficiency_winter_pct": pl.lit(o.param("efficiency_pct"), dtype=pl.Float64),
            "main_heating_efficiency_summer_pct": pl.lit(None, dtype=pl.Float64),
            "main_heating_control": pl.lit(int(o.param("control_code")), dtype=pl.Int32),
            "main_heating_fraction": pl.lit(1.0),
            "heat_emitter_type": pl.lit(1, dtype=pl.Int32),
            "flow_temperature_c": pl.lit(o.param("flow_c"), dtype=pl.Float64),
            "boiler_interlock": pl.lit(True),
            "electricity_tariff": pl.lit(1, dtype=pl.Int32),
            # hot water from the heat pump through a (new, if too small or absent) cylinder
            "water_heating_code": pl.lit(901, dtype=pl.Int32),
            "water_heating_fuel": pl.lit(None, dtype=pl.Int32),
            "water_heating_efficiency_pct": pl.lit(o.param("water_efficiency_pct"), dtype=pl.Float64),
            "cylinder_volume_l": pl.max_horizontal(
                pl.col("cylinder_volume_l").fill_null(0.0), pl.lit(volume)
            ),
            "cylinder_declared_loss_kwh_per_day": pl.lit(o.param("cylinder_loss_kwh_day"), dtype=pl.Float64),
            "cylinder_thermostat": pl.lit(True),
            "cylinder_in_heated_space": pl.lit(True),
            "combi_loss_kwh_per_year": pl.lit(None, dtype=pl.Float64),
        },
        pl.lit(1.0),
    )


def _storage_heaters(o: MeasureOption) -> Edit:
    return Edit(
        {
            "main_heating_code": pl.lit(int(o.param("heating_code")), dtype=pl.Int32),
            "main_heating_fuel": pl.lit(STANDARD_ELECTRICITY, dtype=pl.Int32),
            "main_heating_efficiency_winter_pct": pl.lit(None, dtype=pl.Float64),
            "main_heating_efficiency_summer_pct": pl.lit(None, dtype=pl.Float64),
            "main_heating_control": pl.lit(int(o.param("control_code")), dtype=pl.Int32),
            "electricity_tariff": pl.lit(int(o.param("tariff")), dtype=pl.Int32),
            # Storage heaters heat no water: hot water comes from a dual immersion in a cylinder on the same
            # off-peak meter (SAP 10.2 Table 13 needs the immersion type). A home without a cylinder gets a
            # 110-litre factory-insulated one, the RdSAP default size for an immersion-only home.
            "water_heating_code": pl.lit(903, dtype=pl.Int32),
            "water_heating_fuel": pl.lit(STANDARD_ELECTRICITY, dtype=pl.Int32),
            "water_heating_efficiency_pct": pl.lit(None, dtype=pl.Float64),
            "immersion_type": pl.lit(1, dtype=pl.Int32),
            "cylinder_volume_l": pl.coalesce(pl.col("cylinder_volume_l"), pl.lit(110.0)),
            "cylinder_insulation_type": pl.when(pl.col("cylinder_volume_l").is_null())
            .then(pl.lit(1, dtype=pl.Int32))
            .otherwise(pl.col("cylinder_insulation_type")),
            "cylinder_insulation_mm": pl.when(pl.col("cylinder_volume_l").is_null())
            .then(pl.lit(50.0))
            .otherwise(pl.col("cylinder_insulation_mm")),
            "combi_loss_kwh_per_year": pl.lit(None, dtype=pl.Float64),
        },
        (_tfa() / o.param("m2_per_heater")).ceil().clip(lower_bound=1.0),
    )


def _pv(o: MeasureOption) -> Edit:
    kwp = pv_kwp_for_roof(o)
    cols = {
        "pv_kwp": pl.concat_list([pl.col("pv_kwp"), kwp]),
        "pv_orientation": pl.concat_list(
            [pl.col("pv_orientation"), pl.lit(int(o.param("orientation")), dtype=pl.Int32)]
        ),
        "pv_pitch_deg": pl.concat_list(
            [pl.col("pv_pitch_deg"), pl.lit(o.param("pitch_deg"), dtype=pl.Float64)]
        ),
        "pv_overshading": pl.concat_list(
            [pl.col("pv_overshading"), pl.lit(int(o.param("overshading")), dtype=pl.Int32)]
        ),
        "pv_connected_to_dwelling": pl.lit(True),
    }
    extra = None
    if "battery_kwh" in o.parameters:
        cols["battery_capacity_kwh"] = pl.lit(o.param("battery_kwh"), dtype=pl.Float64)
        extra = pl.lit(o.param("battery_kwh") * o.param("battery_gbp_per_kwh") * o.uprate_factor)
    return Edit(cols, kwp, extra)


def pv_kwp_for_roof(o: MeasureOption) -> pl.Expr:
    """Array size from the roof: plan area x usable share x kWp per m2, floored to 0.1 kWp, capped at max.

    Below `min_kwp` the expression is 0 (eligibility refuses such roofs)."""
    raw = pl.col("roof_area_m2").list.sum() * o.param("usable_roof_share") * o.param("kwp_per_m2")
    sized = (raw.clip(upper_bound=o.param("max_kwp")) * 10.0).floor() / 10.0
    return pl.when(sized >= o.param("min_kwp")).then(sized).otherwise(0.0)


def _mev(o: MeasureOption) -> Edit:
    return Edit(
        {
            "ventilation_type": pl.lit(int(o.param("ventilation_type")), dtype=pl.Int32),
            "mv_specific_fan_power_w_per_l_s": pl.lit(o.param("sfp_w_per_l_s"), dtype=pl.Float64),
            "intermittent_fans": pl.lit(0, dtype=pl.Int32),  # replaced by the continuous fans
        },
        pl.lit(1.0),
    )


def _remove_secondary(o: MeasureOption) -> Edit:
    return Edit(
        {
            "secondary_heating_code": pl.lit(None, dtype=pl.Int32),
            "secondary_heating_fuel": pl.lit(None, dtype=pl.Int32),
            "secondary_heating_efficiency_pct": pl.lit(None, dtype=pl.Float64),
        },
        pl.lit(1.0),
    )


EDITS: dict[str, Callable[[MeasureOption], Edit]] = {
    "cavity_wall_fill": _wall_insulation,
    "external_wall_insulation": _wall_insulation,
    "internal_wall_insulation": _wall_insulation,
    "loft_insulation": _roof_insulation,
    "sloping_ceiling_insulation": _roof_insulation,
    "flat_roof_insulation": _roof_insulation,
    "room_in_roof_insulation": _roof_insulation,
    "suspended_floor_insulation": _floor_insulation,
    "solid_floor_insulation": _floor_insulation,
    "double_glazing": _glazing,
    "triple_glazing": _glazing,
    "secondary_glazing": _glazing,
    "draught_proofing": _draught_proofing,
    "insulated_doors": _doors,
    "led_lighting": _led,
    "cylinder_insulation": _cylinder_insulation,
    "cylinder_thermostat": _cylinder_thermostat,
    "heating_controls": _controls,
    "condensing_boiler": _boiler,
    "air_source_heat_pump": _heat_pump,
    "storage_heaters": _storage_heaters,
    "solar_pv": _pv,
    "solar_pv_battery": _pv,
    "mechanical_extract_ventilation": _mev,
    "remove_secondary_heating": _remove_secondary,
}
assert set(EDITS) == set(MEASURE_TYPES), "every measure type needs an edit"


def edit_for(option_id: str) -> Edit:
    o = option(option_id)
    return EDITS[o.measure_type](o)


def edited_columns(option_id: str) -> frozenset[str]:
    """The input columns an option may change (the contract its tests check)."""
    return frozenset(edit_for(option_id).columns)


def _check_columns(frame: pl.DataFrame, needed: set[str], option_id: str) -> None:
    missing = sorted(c for c in needed if c not in frame.columns)
    if missing:
        raise CatalogueError(
            f"option {option_id!r}: input frame lacks column {missing[0]!r} (run prepare_inputs first)"
        )
    unknown = sorted(c for c in needed if c not in INPUT_SCHEMA)
    if unknown:  # guards the edits against schema renames
        raise CatalogueError(f"option {option_id!r}: column {unknown[0]!r} is not in INPUT_SCHEMA")


def _cost_expr(o: MeasureOption, edit: Edit) -> pl.Expr:
    base = edit.quantity * o.rate_gbp_uprated
    if edit.extra_cost_gbp is not None:
        base = base + edit.extra_cost_gbp
    return base * (1.0 + o.contingency_pct / 100.0)


def apply_option(frame: pl.DataFrame, option_id: str, mask: pl.Expr | None = None) -> OptionEdit:
    """The frame with `option_id` applied to the rows where `mask` holds (all rows when None)."""
    o = option(option_id)
    edit = EDITS[o.measure_type](o)
    _check_columns(frame, set(edit.columns) | {"storey_floor_area_m2"}, option_id)
    on = pl.lit(True) if mask is None else mask.fill_null(False)
    schema = frame.schema
    # quantity and cost first: they read the state before the edit (e.g. which windows are replaced)
    costed = frame.with_columns(
        pl.when(on).then(edit.quantity).otherwise(0.0).cast(pl.Float64).alias("_quantity"),
        pl.when(on).then(_cost_expr(o, edit)).otherwise(0.0).cast(pl.Float64).alias("_cost_gbp"),
    ).select(pl.col("_quantity").alias("quantity"), pl.col("_cost_gbp").alias("cost_gbp"))
    out = frame.with_columns(
        pl.when(on).then(expr).otherwise(pl.col(col)).cast(schema[col]).alias(col)
        for col, expr in edit.columns.items()
    )
    return OptionEdit(option_id, out, costed["quantity"], costed["cost_gbp"])


def option_variants(frame: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """One edited row per (property_id, option_id) of `pairs`, plus option_id, measure_type, quantity and
    cost_gbp.

    Vectorised per option (one polars pass per option in the catalogue), not per home.
    """
    if pairs.is_empty():
        return frame.head(0).with_columns(
            pl.lit(None, dtype=pl.String).alias("option_id"),
            pl.lit(None, dtype=pl.String).alias("measure_type"),
            pl.lit(None, dtype=pl.Float64).alias("quantity"),
            pl.lit(None, dtype=pl.Float64).alias("cost_gbp"),
        )
    parts: list[pl.DataFrame] = []
    for (oid,), chunk in pairs.select("property_id", "option_id").group_by("option_id", maintain_order=True):
        rows = frame.join(chunk.select("property_id"), on="property_id", how="semi")
        edit = apply_option(rows, str(oid))
        parts.append(
            edit.frame.with_columns(
                pl.lit(str(oid)).alias("option_id"),
                pl.lit(option(str(oid)).measure_type).alias("measure_type"),
                edit.quantity.alias("quantity"),
                edit.cost_gbp.alias("cost_gbp"),
            )
        )
    return pl.concat(parts, how="vertical_relaxed")


def apply_package(
    frame: pl.DataFrame, packages: pl.Series | list[list[str]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply each row's package (a list of option ids) in install order: (edited frame, per-measure costs).

    The costs frame has one row per (row index, option_id) applied, with quantity and cost measured on
    the state just before that option (so a jacket after a heat pump's new cylinder is costed on that).
    """
    pkg = pl.Series("package", packages, dtype=pl.List(pl.String))
    if len(pkg) != frame.height:
        raise CatalogueError(f"apply_package: {len(pkg)} packages for {frame.height} rows")
    known = set(catalogue())
    bad = pkg.explode().drop_nulls().filter(~pkg.explode().drop_nulls().is_in(list(known)))
    if len(bad):
        raise CatalogueError(f"apply_package: field 'package' value {bad[0]!r} is not a catalogue option")
    work = frame.with_columns(pkg)
    costs: list[pl.DataFrame] = []
    ordered = sorted(catalogue().values(), key=lambda o: (MEASURE_TYPES.index(o.measure_type), o.option_id))
    for o in ordered:
        mask = pl.col("package").list.contains(o.option_id)
        if not work.select(mask.any()).item():
            continue
        edit = apply_option(work, o.option_id, mask)
        work = edit.frame
        applied = work.select(mask.alias("m"))["m"]
        costs.append(
            pl.DataFrame(
                {
                    "row": pl.int_range(0, frame.height, eager=True).filter(applied),
                    "option_id": o.option_id,
                    "measure_type": o.measure_type,
                    "quantity": edit.quantity.filter(applied),
                    "cost_gbp": edit.cost_gbp.filter(applied),
                }
            )
        )
    empty = pl.DataFrame(
        schema={
            "row": pl.Int64,
            "option_id": pl.String,
            "measure_type": pl.String,
            "quantity": pl.Float64,
            "cost_gbp": pl.Float64,
        }
    )
    # sorted in install order within each row, so attribution can be read top to bottom
    order = {mt: i for i, mt in enumerate(MEASURE_TYPES)}
    out = pl.concat([empty, *costs], how="vertical_relaxed")
    out = out.sort(["row", pl.col("measure_type").replace_strict(order, return_dtype=pl.Int32)])
    return work.drop("package"), out
