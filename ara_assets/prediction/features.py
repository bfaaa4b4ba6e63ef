"""What is compared between homes: certificate components, location keys and what an address tells.

A certificate's components are read from the normalised register document (the effective EPC's
`document`); one flat row per home. Location keys come from the landlord's address and postcode:
`postcode` (the unit, ~15 homes), `street` (street name within the postcode district), `district` (the
outward code) and `area` (the postcode area letters; the nearest stand-in for the local authority that
the properties table carries).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import polars as pl

# Categorical components predicted and voted on, in the order reports list them. Each names the register
# path it is read from (docs/epc: the RdSAP 10 register shape; pre-SAP10 documents are normalised to it).
CATEGORICAL_FIELDS: tuple[str, ...] = (
    "property_type",
    "built_form",
    "age_band",
    "storeys",
    "building_parts",
    "wall_construction",
    "wall_insulation_type",
    "roof_construction",
    "roof_insulation_thickness",
    "floor_construction",
    "floor_insulation",
    "glazing_type",
    "main_heating_code",
    "main_fuel",
    "main_heating_control",
    "water_heating_code",
    "pv",
    "mechanical_ventilation",
    "low_energy_lighting",
)
NUMERIC_FIELDS: tuple[str, ...] = ("total_floor_area",)
FLAT_PROPERTY_TYPES = ("2", "3")  # RdSAP PropertyType: 2 flat, 3 maisonette (0 house, 1 bungalow)

_FLAT_WORDS = re.compile(r"\b(flat|apartment|maisonette)\b", re.IGNORECASE)
_NUMBERED_STREET = re.compile(r"^\s*\d+[A-Za-z]?(?:-\d+[A-Za-z]?)?\s+(.+?)\s*$")


def _number(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("value")
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _modal(values: list[Any]) -> str | None:
    found = [str(v) for v in values if v is not None]
    if not found:
        return None
    counts = Counter(found)
    # deterministic: most frequent, then the smallest text
    return min(counts, key=lambda v: (-counts[v], v))


def document_features(doc: dict[str, Any]) -> dict[str, Any]:
    """The compared components of one normalised register document (None where it does not say)."""
    parts = doc.get("sap_building_parts") or [{}]
    main = parts[0] if isinstance(parts, list) and parts else {}
    dims = main.get("sap_floor_dimensions") or []
    first_dim = dims[0] if dims else {}
    heating = doc.get("sap_heating") or {}
    mains = heating.get("main_heating_details") or [{}]
    main_sys = mains[0] if mains else {}
    windows = doc.get("sap_windows") or []
    glazing = (
        _modal([w.get("glazing_type") for w in windows])
        if windows
        else _text(doc.get("multiple_glazing_type"))
    )
    pv = ((doc.get("sap_energy_source") or {}).get("photovoltaic_supply") or {}).get("pv_arrays")
    bulbs = [_number(doc.get(f"{k}_fixed_lighting_bulbs_count")) for k in ("led", "cfl", "incandescent")]
    if all(b is not None for b in bulbs) and sum(b or 0 for b in bulbs) > 0:
        share = (bulbs[0] or 0) + (bulbs[1] or 0)
        share = share / sum(b or 0 for b in bulbs)
    else:
        pct = _number(doc.get("low_energy_lighting"))
        share = None if pct is None else pct / 100.0
    return {
        "property_type": _text(doc.get("property_type")),
        "built_form": _text(doc.get("built_form")),
        "age_band": _text(main.get("construction_age_band")),
        "storeys": str(len(dims)) if dims else None,
        "building_parts": str(len(parts)) if isinstance(parts, list) else None,
        "wall_construction": _text(main.get("wall_construction")),
        "wall_insulation_type": _text(main.get("wall_insulation_type")),
        "roof_construction": _text(main.get("roof_construction")),
        "roof_insulation_thickness": _text(main.get("roof_insulation_thickness")),
        "floor_construction": _text(first_dim.get("floor_construction")),
        "floor_insulation": _text(first_dim.get("floor_insulation")),
        "glazing_type": glazing,
        "main_heating_code": _text(main_sys.get("sap_main_heating_code")),
        "main_fuel": _text(main_sys.get("main_fuel_type")),
        "main_heating_control": _text(main_sys.get("main_heating_control")),
        "water_heating_code": _text(heating.get("water_heating_code")),
        "pv": "yes" if pv else "no",
        "mechanical_ventilation": _text(doc.get("mechanical_ventilation")),
        # quartile of the low-energy share: lighting is voted as a band, not a bulb count
        "low_energy_lighting": None if share is None else str(min(int(share * 4), 3)),
        "total_floor_area": _number(doc.get("total_floor_area")),
    }


FEATURE_SCHEMA: dict[str, pl.DataType] = {
    **{f: pl.String() for f in CATEGORICAL_FIELDS},
    **{f: pl.Float64() for f in NUMERIC_FIELDS},
}


# The components of one document as one struct value: the effective EPC keeps them per home (`features`), so
# the anomaly flags and the predictions read them instead of parsing every document again.
FEATURES_DTYPE = pl.Struct(FEATURE_SCHEMA)


def stored_features(frame: pl.DataFrame, key: str = "property_id") -> pl.DataFrame:
    """`features_frame`'s shape from a frame with `key` and a `features` struct column (FEATURES_DTYPE)."""
    return frame.select(key, pl.col("features").cast(FEATURES_DTYPE)).unnest("features").select(
        key, *FEATURE_SCHEMA
    )


def features_frame(keys: list[Any], docs: Iterable[dict[str, Any]], key: str = "property_id") -> pl.DataFrame:
    """One row per document: `key` and the compared components. `docs` may be a generator: a pool of
    150,000 parsed documents held at once is several GB, their components a few MB."""
    rows = [document_features(d) for d in docs]
    frame = pl.DataFrame(rows, schema=FEATURE_SCHEMA) if rows else pl.DataFrame(schema=FEATURE_SCHEMA)
    return frame.with_columns(pl.Series(key, keys)).select(key, *FEATURE_SCHEMA)


def street_of(address: str | None) -> str | None:
    """The street of an address: the first comma-separated part that starts with a house number, without
    the number ('Flat 3, 12 Demo Street, Town' -> 'demo street'); None when no part does."""
    if not address:
        return None
    for part in address.split(","):
        m = _NUMBERED_STREET.match(part)
        if m:
            return m.group(1).strip().lower()
    return None


def kind_of(address: str | None) -> str | None:
    """'flat' when the address names a flat, apartment or maisonette; else None (not known)."""
    return "flat" if address and _FLAT_WORDS.search(address) else None


# The same rules as `street_of` / `kind_of`, as polars expressions (one pass over the column).
_STREET_PATTERN = r"(?:^|,)\s*\d+[A-Za-z]?(?:-\d+[A-Za-z]?)?\s+([^,]+?)\s*(?:,|$)"
_FLAT_PATTERN = r"(?i)\b(flat|apartment|maisonette)\b"


def location_frame(homes: pl.DataFrame) -> pl.DataFrame:
    """Location keys of each home from `property_id`, `postcode` and (optional) `address`.

    Output: property_id, postcode, street, district, area, kind ('flat' or null)."""
    address = pl.col("address") if "address" in homes.columns else pl.lit(None, pl.String)
    postcode = (
        pl.col("postcode").cast(pl.String).str.to_uppercase().str.replace_all(r"\s+", " ").str.strip_chars()
    )
    district = postcode.str.split(" ").list.first()
    street = address.str.extract(_STREET_PATTERN, 1).str.strip_chars().str.to_lowercase()
    return homes.select(
        pl.col("property_id").cast(pl.Int64),
        postcode.alias("postcode"),
        pl.concat_str(district, street, separator="|").alias("street"),
        district.alias("district"),
        district.str.extract(r"^([A-Z]+)", 1).alias("area"),
        pl.when(address.str.contains(_FLAT_PATTERN)).then(pl.lit("flat")).otherwise(pl.lit(None, pl.String))
        .alias("kind"),
    )  # fmt: skip
