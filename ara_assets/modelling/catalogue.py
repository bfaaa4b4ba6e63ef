"""The measure catalogue: retrofit options as data (`data/measures.csv`), costs uprated to one price year.

Each option has a cost basis (per m2 of an element, per item, per kWp or per home), a rate in the prices
of its `cost_year`, a contingency and a lifetime. Rates are uprated to `PRICE_BASE_YEAR` with the price
index in `data/price_index.csv` (DBT / BCIS repair-and-maintenance material prices; see `data/SOURCES.md`):

    rate_2026 = rate x index[2026] / index[cost_year]

Cost per home = quantity x uprated rate (+ uprated extras, e.g. a battery) x (1 + contingency).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

DATA_DIR = Path(__file__).resolve().parent / "data"
PRICE_BASE_YEAR = 2026

COST_BASES = ("per_m2_wall", "per_m2_roof", "per_m2_floor", "per_item", "per_kwp", "per_home")

# Install order used when a package is applied: fabric before systems, systems before generation.
MEASURE_TYPES: tuple[str, ...] = (
    "cavity_wall_fill",
    "external_wall_insulation",
    "internal_wall_insulation",
    "loft_insulation",
    "sloping_ceiling_insulation",
    "flat_roof_insulation",
    "room_in_roof_insulation",
    "suspended_floor_insulation",
    "solid_floor_insulation",
    "double_glazing",
    "triple_glazing",
    "secondary_glazing",
    "draught_proofing",
    "insulated_doors",
    "mechanical_extract_ventilation",
    "led_lighting",
    "cylinder_insulation",
    "cylinder_thermostat",
    "heating_controls",
    "condensing_boiler",
    "air_source_heat_pump",
    "storage_heaters",
    "remove_secondary_heating",
    "solar_pv",
    "solar_pv_battery",
)

FABRIC_MEASURE_TYPES = frozenset(MEASURE_TYPES[:14])
HEATING_MEASURE_TYPES = frozenset(
    {"heating_controls", "condensing_boiler", "air_source_heat_pump", "storage_heaters"}
)


class CatalogueError(ValueError):
    """A bad row in a catalogue data file; the message names the file, the record, the field and the value."""


@dataclass(frozen=True)
class MeasureOption:
    """One row of the catalogue."""

    measure_type: str
    option_id: str
    description: str
    cost_basis: str
    rate_gbp: float  # in `cost_year` prices
    contingency_pct: float
    lifetime_years: int
    cost_year: int
    parameters: dict[str, float] = field(default_factory=dict)
    source_ref: str = ""
    confidence: str = ""
    uprate_factor: float = 1.0  # index[PRICE_BASE_YEAR] / index[cost_year]

    @property
    def rate_gbp_uprated(self) -> float:
        return self.rate_gbp * self.uprate_factor

    def param(self, key: str) -> float:
        if key not in self.parameters:
            raise CatalogueError(f"option {self.option_id!r}: field 'parameters' has no {key!r}")
        return self.parameters[key]


def load_price_index(path: Path | None = None) -> dict[int, float]:
    """Year -> index value (2015 = 100)."""
    path = path or DATA_DIR / "price_index.csv"
    out: dict[int, float] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                year, value = int(row["year"]), float(row["index_2015_100"])
            except (TypeError, ValueError) as exc:
                raise CatalogueError(
                    f"{path.name}: record year={row.get('year')!r}: bad index row {row}"
                ) from exc
            if value <= 0:
                raise CatalogueError(f"{path.name}: record year={year}: field 'index_2015_100' value {value}")
            out[year] = value
    return out


def uprate_factor(
    cost_year: int, to_year: int = PRICE_BASE_YEAR, index: dict[int, float] | None = None
) -> float:
    """Multiplier taking a price of `cost_year` to `to_year`; refuses years outside the index."""
    index = index if index is not None else load_price_index()
    for year in (cost_year, to_year):
        if year not in index:
            raise CatalogueError(
                f"price index: record year={year}: no index value (covered {min(index)}..{max(index)})"
            )
    return index[to_year] / index[cost_year]


def _parse_parameters(text: str, where: str) -> dict[str, float]:
    params: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        key, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            params[key.strip()] = float(value)
        except ValueError as exc:
            raise CatalogueError(f"{where}: field 'parameters' value {part!r} is not key=number") from exc
    return params


def load_options(
    path: Path | None = None, price_year: int = PRICE_BASE_YEAR, index: dict[int, float] | None = None
) -> dict[str, MeasureOption]:
    """option_id -> MeasureOption, validated, with uprate factors to `price_year`."""
    path = path or DATA_DIR / "measures.csv"
    index = index if index is not None else load_price_index()
    options: dict[str, MeasureOption] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            oid = row.get("option_id") or ""
            where = f"{path.name}: record option_id={oid!r}"
            if not oid or oid in options:
                raise CatalogueError(f"{where}: field 'option_id' value {oid!r} is empty or duplicated")
            if row["measure_type"] not in MEASURE_TYPES:
                raise CatalogueError(
                    f"{where}: field 'measure_type' value {row['measure_type']!r} is unknown"
                )
            if row["cost_basis"] not in COST_BASES:
                raise CatalogueError(
                    f"{where}: field 'cost_basis' value {row['cost_basis']!r} not in {COST_BASES}"
                )
            values: dict[str, float] = {}
            for name in ("rate_gbp", "contingency_pct", "lifetime_years", "cost_year"):
                try:
                    values[name] = float(row[name])
                except (TypeError, ValueError) as exc:
                    raise CatalogueError(
                        f"{where}: field {name!r} value {row[name]!r} is not a number"
                    ) from exc
                if values[name] < 0:
                    raise CatalogueError(f"{where}: field {name!r} value {row[name]!r} is negative")
            cost_year = int(values["cost_year"])
            try:
                factor = uprate_factor(cost_year, price_year, index)
            except CatalogueError as exc:
                raise CatalogueError(f"{where}: field 'cost_year' value {cost_year}: {exc}") from exc
            options[oid] = MeasureOption(
                measure_type=row["measure_type"],
                option_id=oid,
                description=row["description"],
                cost_basis=row["cost_basis"],
                rate_gbp=values["rate_gbp"],
                contingency_pct=values["contingency_pct"],
                lifetime_years=int(values["lifetime_years"]),
                cost_year=cost_year,
                parameters=_parse_parameters(row.get("parameters", ""), where),
                source_ref=row.get("source_ref", ""),
                confidence=row.get("confidence", ""),
                uprate_factor=factor,
            )
    missing = set(MEASURE_TYPES) - {o.measure_type for o in options.values()}
    if missing:
        raise CatalogueError(f"{path.name}: measure types without an option: {sorted(missing)}")
    return options


@cache
def catalogue() -> dict[str, MeasureOption]:
    """The shipped catalogue (cached; treat as read-only)."""
    return load_options()


def option(option_id: str) -> MeasureOption:
    try:
        return catalogue()[option_id]
    except KeyError:
        raise CatalogueError(f"measure option {option_id!r}: no such option in the catalogue") from None


def options_of(measure_type: str) -> list[MeasureOption]:
    return [o for o in catalogue().values() if o.measure_type == measure_type]


def catalogue_frame() -> pl.DataFrame:
    """The catalogue as a frame (for docs, reports and joins), with uprated rates."""
    rows = [
        {
            "measure_type": o.measure_type,
            "option_id": o.option_id,
            "description": o.description,
            "cost_basis": o.cost_basis,
            "rate_gbp": o.rate_gbp,
            "cost_year": o.cost_year,
            "uprate_factor": o.uprate_factor,
            f"rate_gbp_{PRICE_BASE_YEAR}": o.rate_gbp_uprated,
            "contingency_pct": o.contingency_pct,
            "lifetime_years": o.lifetime_years,
            "install_order": MEASURE_TYPES.index(o.measure_type),
            "source_ref": o.source_ref,
            "confidence": o.confidence,
        }
        for o in catalogue().values()
    ]
    return pl.DataFrame(rows)
