"""Fuel rates and carbon factors: the bundled snapshot, validation, overlay of corrections, as-of lookup.

Both tables are time-versioned: each row holds from `valid_from` (inclusive) to `valid_to` (exclusive;
null = open, "until a newer row is imported"). Within one table, rows of the same series -- (fuel, region,
tariff) for rates, (fuel, scheme) for factors -- never overlap. Money is in pence as published
(p/kWh, p/day); bills are converted to pounds in `pricing`.

Pure: no database, no Dagster. `ara_assets.resources.warehouse.repositories.rates` stores these frames in
Postgres.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

DATA_DIR = Path(__file__).resolve().parent / "data"

RATE_TARIFFS = (
    "standard",
    "7h_high",
    "7h_low",
    "10h_high",
    "10h_low",
    "18h_high",
    "18h_low",
    "24h",
    "export",
)
FACTOR_SCHEMES = ("DESNZ", "SAP 10.2")

RATES_SCHEMA: dict[str, pl.DataType] = {
    "fuel": pl.String(),
    "region": pl.String(),
    "tariff": pl.String(),
    "unit_rate_p_per_kwh": pl.Float64(),
    "standing_charge_p_per_day": pl.Float64(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
    "source": pl.String(),
}
FACTORS_SCHEMA: dict[str, pl.DataType] = {
    "fuel": pl.String(),
    "scheme": pl.String(),
    "basis": pl.String(),
    "kg_co2e_per_kwh": pl.Float64(),
    "primary_energy_factor": pl.Float64(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
    "source": pl.String(),
}
RATES_KEY = ("fuel", "region", "tariff")
FACTORS_KEY = ("fuel", "scheme")

_FUEL = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# 'GB' (national) or an upper-case region code such as a DNO/Ofgem region ('NORTH_WEST', '_A').
_REGION = re.compile(r"^(GB|[A-Z0-9_-]{1,32})$")
_MAX_ERRORS = 20


class RatesError(ValueError):
    """Bad rates or factors data; the message names the row, the field and the value."""


class UnpricedFuelError(RatesError):
    """Energy of a fuel (or tariff) that has no rate valid on the pricing date."""


@dataclass(frozen=True)
class Kind:
    name: str  # "rates" | "factors"
    schema: dict[str, pl.DataType]
    key: tuple[str, ...]
    required: tuple[str, ...]  # columns a CSV must have; others take defaults


RATES = Kind(
    "rates",
    RATES_SCHEMA,
    RATES_KEY,
    ("fuel", "tariff", "unit_rate_p_per_kwh", "valid_from", "source"),
)
FACTORS = Kind(
    "factors",
    FACTORS_SCHEMA,
    FACTORS_KEY,
    ("fuel", "scheme", "kg_co2e_per_kwh", "valid_from", "source"),
)
KINDS = {"rates": RATES, "factors": FACTORS}


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise RatesError(f"kind {name!r} is not one of {sorted(KINDS)}") from None


# ---------------------------------------------------------------------------------------------- loading


def read_csv(path: str | Path) -> pl.DataFrame:
    """A rates/factors CSV read as text, so that validation (not the CSV reader) reports bad values."""
    return pl.read_csv(path, infer_schema=False, null_values=[""])


def load_bundled_rates() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The snapshot shipped with Ara: (rates, factors), validated. Sources are in each row's `source`."""
    rates = validate_rates(read_csv(DATA_DIR / "fuel_rates.csv"))
    factors = validate_factors(read_csv(DATA_DIR / "carbon_factors.csv"))
    return rates, factors


def bundled_csv_bytes(which: str) -> bytes:
    """The raw bytes of a bundled file (its checksum identifies the snapshot)."""
    name = {"rates": "fuel_rates.csv", "factors": "carbon_factors.csv"}[kind(which).name]
    return (DATA_DIR / name).read_bytes()


# ---------------------------------------------------------------------------------------------- validation


def validate_rates(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed, checked fuel rates in `RATES_SCHEMA` column order; raises `RatesError` naming row, field, value.

    Rows are numbered from 1 in the order given (row 1 is the first data line of a CSV, line 2).
    Missing optional columns take defaults: region 'GB', standing charge 0, valid_to open.
    """
    return _validate(frame, RATES)


def validate_factors(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed, checked carbon factors (see `validate_rates`); basis defaults to the scheme."""
    return _validate(frame, FACTORS)


def validate(frame: pl.DataFrame, which: str) -> pl.DataFrame:
    return _validate(frame, kind(which))


def _validate(frame: pl.DataFrame, k: Kind) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise RatesError(f"{k.name}: expected a polars DataFrame, got {type(frame).__name__}")
    missing = [c for c in k.required if c not in frame.columns]
    if missing:
        raise RatesError(f"{k.name}: missing column(s) {', '.join(missing)}; expected {', '.join(k.schema)}")
    unknown = [c for c in frame.columns if c not in k.schema and c not in ("rates_version", "imported_at")]
    if unknown:
        raise RatesError(f"{k.name}: unknown column(s) {', '.join(unknown)}; expected {', '.join(k.schema)}")
    if frame.height == 0:
        raise RatesError(f"{k.name}: no rows")

    errors: list[str] = []
    raw = frame.with_row_index("_row", offset=1)
    columns: dict[str, pl.Series] = {"_row": raw["_row"]}
    for name, dtype in k.schema.items():
        if name not in raw.columns:
            columns[name] = pl.Series(name, [_default(k, name)] * raw.height, dtype=dtype)
            continue
        original = raw[name]
        if original.dtype == pl.String():
            original = original.str.strip_chars()
            original = pl.Series(
                name, [None if v == "" else v for v in original.to_list()], dtype=pl.String()
            )
        typed = _cast(original, dtype)
        bad = raw["_row"].filter(original.is_not_null() & typed.is_null())
        for row in bad.to_list()[:_MAX_ERRORS]:
            value = original[row - 1]
            errors.append(f"row {row}: field '{name}' value {value!r} is not a valid {_type_word(dtype)}")
        if name in ("region",) or (name == "standing_charge_p_per_day"):
            typed = typed.fill_null(_default(k, name))
        columns[name] = typed.alias(name)
    typed_frame = pl.DataFrame(columns)
    if k is FACTORS:
        typed_frame = typed_frame.with_columns(pl.col("basis").fill_null(pl.col("scheme")))
    if errors:
        raise RatesError(_joined(k, errors))

    errors.extend(_row_checks(typed_frame, k))
    if errors:
        raise RatesError(_joined(k, errors))
    errors.extend(_overlaps(typed_frame, k))
    if errors:
        raise RatesError(_joined(k, errors))
    return typed_frame.drop("_row")


def _default(k: Kind, name: str) -> object:
    return {"region": "GB", "standing_charge_p_per_day": 0.0}.get(name)


def _cast(series: pl.Series, dtype: pl.DataType) -> pl.Series:
    if series.dtype == dtype:
        return series
    if dtype == pl.Date() and series.dtype == pl.String():
        return series.str.to_date("%Y-%m-%d", strict=False)
    return series.cast(dtype, strict=False)


def _type_word(dtype: pl.DataType) -> str:
    if dtype == pl.Date():
        return "date (YYYY-MM-DD)"
    if dtype == pl.Float64():
        return "number"
    return "text"


def _joined(k: Kind, errors: list[str]) -> str:
    more = f"\n... and {len(errors) - _MAX_ERRORS} more" if len(errors) > _MAX_ERRORS else ""
    return f"{k.name} rejected:\n" + "\n".join(errors[:_MAX_ERRORS]) + more


def _row_checks(frame: pl.DataFrame, k: Kind) -> list[str]:
    errors: list[str] = []
    for r in frame.iter_rows(named=True):  # reference tables are tens of rows, not homes
        row = r["_row"]
        for name in k.required:
            if r[name] is None:
                errors.append(f"row {row}: field '{name}' is empty")
        if r["fuel"] is not None and not _FUEL.match(r["fuel"]):
            errors.append(
                f"row {row}: field 'fuel' value {r['fuel']!r} must be lower-case letters, digits and _ "
                "(e.g. mains_gas, electricity)"
            )
        if r["valid_from"] is not None and r["valid_to"] is not None and r["valid_to"] <= r["valid_from"]:
            errors.append(
                f"row {row}: field 'valid_to' value {r['valid_to'].isoformat()!r} is not after "
                f"valid_from {r['valid_from'].isoformat()!r}"
            )
        if r["source"] is not None and not r["source"].strip():
            errors.append(f"row {row}: field 'source' is empty")
        if k is RATES:
            if r["tariff"] is not None and r["tariff"] not in RATE_TARIFFS:
                errors.append(
                    f"row {row}: field 'tariff' value {r['tariff']!r} is not one of {', '.join(RATE_TARIFFS)}"
                )
            if r["region"] is not None and not _REGION.match(r["region"]):
                errors.append(f"row {row}: field 'region' value {r['region']!r} is not 'GB' or a region code")
            for name in ("unit_rate_p_per_kwh", "standing_charge_p_per_day"):
                if r[name] is not None and r[name] < 0:
                    errors.append(f"row {row}: field '{name}' value {r[name]!r} is negative")
            if r["tariff"] == "export" and r["fuel"] != "electricity":
                errors.append(
                    f"row {row}: field 'fuel' value {r['fuel']!r}: only electricity has an export rate"
                )
        else:
            if r["scheme"] is not None and r["scheme"] not in FACTOR_SCHEMES:
                errors.append(
                    f"row {row}: field 'scheme' value {r['scheme']!r} "
                    f"is not one of {', '.join(FACTOR_SCHEMES)}"
                )
            for name in ("kg_co2e_per_kwh", "primary_energy_factor"):
                if r[name] is not None and r[name] < 0:
                    errors.append(f"row {row}: field '{name}' value {r[name]!r} is negative")
    return errors


def _overlaps(frame: pl.DataFrame, k: Kind) -> list[str]:
    errors: list[str] = []
    ordered = frame.sort([*k.key, "valid_from"])
    previous: dict[tuple[object, ...], dict[str, object]] = {}
    for r in ordered.iter_rows(named=True):
        key = tuple(r[c] for c in k.key)
        before = previous.get(key)
        if before is not None and (before["valid_to"] is None or before["valid_to"] > r["valid_from"]):
            until = before["valid_to"].isoformat() if before["valid_to"] else "open"
            errors.append(
                f"row {r['_row']}: field 'valid_from' value {r['valid_from'].isoformat()!r} overlaps row "
                f"{before['_row']} ({', '.join(f'{c}={v}' for c, v in zip(k.key, key, strict=True))}, "
                f"valid {before['valid_from'].isoformat()} to {until})"
            )
        previous[key] = r
    return errors


# ---------------------------------------------------------------------------------------------- versions


def canonical(frame: pl.DataFrame, which: str) -> pl.DataFrame:
    """The frame's own columns in a fixed row order: equal content gives equal checksums."""
    k = kind(which)
    return frame.select(list(k.schema)).sort([*k.key, "valid_from"])


def checksum(rates: pl.DataFrame, factors: pl.DataFrame) -> str:
    """SHA-256 of both tables' content (not of when or from where they were imported)."""
    digest = hashlib.sha256()
    for name, frame in (("rates", rates), ("factors", factors)):
        digest.update(name.encode())
        digest.update(canonical(frame, name).write_csv(float_precision=6).encode())
    return digest.hexdigest()


def frame_checksum(frame: pl.DataFrame, which: str) -> str:
    digest = hashlib.sha256(which.encode())
    digest.update(canonical(frame, which).write_csv(float_precision=6).encode())
    return digest.hexdigest()


def overlay(current: pl.DataFrame, incoming: pl.DataFrame, which: str) -> pl.DataFrame:
    """`incoming` laid over `current`: incoming rows win over the dates they cover.

    Rows of `current` in a series the incoming file also covers are cut back so they no longer overlap
    (an open cap row ending where the next quarter starts, or split around a corrected period); series
    the file does not mention are kept whole. Extra columns of `current` (imported_at) are kept on the
    rows that survive.
    """
    k = kind(which)
    incoming = incoming.select(list(k.schema))
    extra = [c for c in current.columns if c not in k.schema]
    windows: dict[tuple[object, ...], list[tuple[dt.date, dt.date | None]]] = {}
    for r in incoming.iter_rows(named=True):
        windows.setdefault(tuple(r[c] for c in k.key), []).append((r["valid_from"], r["valid_to"]))
    kept: list[dict[str, object]] = []
    for r in current.iter_rows(named=True):
        covered = windows.get(tuple(r[c] for c in k.key))
        if not covered:
            kept.append(r)
            continue
        for start, end in _subtract((r["valid_from"], r["valid_to"]), covered):
            kept.append({**r, "valid_from": start, "valid_to": end})
    schema = {**k.schema, **{c: current.schema[c] for c in extra}}
    survivors = pl.DataFrame(kept, schema=schema, orient="row") if kept else pl.DataFrame(schema=schema)
    added = incoming.with_columns([pl.lit(None, dtype=current.schema[c]).alias(c) for c in extra])
    return pl.concat([survivors, added.select(list(schema))]).sort([*k.key, "valid_from"])


def _subtract(
    span: tuple[dt.date, dt.date | None], cuts: Sequence[tuple[dt.date, dt.date | None]]
) -> list[tuple[dt.date, dt.date | None]]:
    """The parts of a half-open date span not covered by any cut (None = open end)."""
    pieces = [span]
    for cut_from, cut_to in cuts:
        nxt: list[tuple[dt.date, dt.date | None]] = []
        for start, end in pieces:
            if (end is not None and end <= cut_from) or (cut_to is not None and cut_to <= start):
                nxt.append((start, end))
                continue
            if start < cut_from:
                nxt.append((start, cut_from))
            if cut_to is not None and (end is None or cut_to < end):
                nxt.append((cut_to, end))
        pieces = nxt
    return pieces


# ---------------------------------------------------------------------------------------------- as of


def _as_of(frame: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    return frame.filter(
        (pl.col("valid_from") <= on) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > on))
    )


def rates_as_of(rates: pl.DataFrame, on: dt.date, region: str | None = "GB") -> pl.DataFrame:
    """One row per (fuel, tariff) valid on `on`: the region's own rate where it has one, else GB's.

    region=None: every region's rows valid on `on`, one per (region, fuel, tariff), for pricing homes of
    several regions at once (`price_energy` falls back to GB per home).
    """
    if region is None:
        return _as_of(rates, on).sort(["region", "fuel", "tariff"])
    valid = _as_of(rates, on).filter(pl.col("region").is_in([region, "GB"]))
    # The region's row sorts before GB's, and unique(keep="first") keeps it.
    return (
        valid.with_columns((pl.col("region") != region).alias("_fallback"))
        .sort(["fuel", "tariff", "_fallback"])
        .unique(["fuel", "tariff"], keep="first", maintain_order=True)
        .drop("_fallback")
    )


def factors_as_of(factors: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    """One row per (fuel, scheme) valid on `on`."""
    return _as_of(factors, on).sort(["fuel", "scheme"])


@cache
def sap_fuel_map() -> pl.DataFrame:
    """SAP 10.2 Table 12 fuel code -> the fuel it is priced as and the fuel its carbon factor is keyed by."""
    return pl.read_csv(
        DATA_DIR / "sap_fuel_map.csv",
        schema_overrides={"sap_fuel_code": pl.Int64(), "note": pl.String()},
    )
