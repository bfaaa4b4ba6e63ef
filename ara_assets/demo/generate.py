"""Synthetic portfolio generator: English social housing as register-shaped RdSAP certificates.

`generate_portfolio(n_homes, seed)` draws every home's attributes at once (numpy, vectorised over homes)
from the shares in `data/distributions.json`, derives the certificates (none, one or several per home,
some pre-SAP10), and fills their lodged results: SAP, EI, CO2 and primary energy from the calculator plus
assessor noise (`calculated.py`), costs and improvement steps from the heuristic of `lodged.py`. The result
keeps frames, not documents, so 100k homes fit in memory; `write_portfolio` turns each certificate row into
its JSON document (`documents.py`) while writing. Same seed, same bytes.

Pure: no Dagster, httpx or SQLAlchemy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ara_assets.demo import documents
from ara_assets.demo.calculated import (
    EDITION_2012,
    LODGING_ERROR_KINDS,
    LODGING_ERROR_SHARE,
    calculator_lodgements,
    score_lodged,
)
from ara_assets.demo.config import (
    AGE_BANDS,
    GENERATOR_VERSION,
    SCHEMA_PRE_SAP10,
    SCHEMA_RDSAP10,
    distributions,
    system_names,
)
from ara_assets.demo.lodged import lodged_results

DEFAULT_UPRN_START = 900_000_000_001
MAX_WINDOWS = 10
# Letters Royal Mail never uses in the inward part of a postcode: a synthetic inward code made of them
# can never be a real postcode, yet still matches the register's postcode pattern.
_INWARD_LETTERS = np.array(list("CIKMOV"))
# RdSAP 10 lodgements start with the June 2025 change-over; the register cannot hold future dates.
_RDSAP10_FROM = date(2025, 6, 15)
_LATEST = date(2026, 10, 31)
_PRE_SAP10_FROM = date(2013, 1, 1)
_PRE_SAP10_TO = date(2025, 5, 31)


@dataclass(frozen=True, eq=False)  # frames do not compare or hash; identity does
class SyntheticPortfolio:
    """A generated portfolio: homes, their certificates (inputs + lodged results) and the counts.

    `homes`: one row per home (uprn, landlord_reference, address lines, postcode, region_code, ...).
    `certificates`: one row per certificate, ordered by home then registration date; `home_index` points
    into `homes`, `schema_type` tells the document shape. `document(i)` builds the register JSON of row i.
    """

    seed: int
    homes: pl.DataFrame
    certificates: pl.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    def document(self, row: int) -> dict[str, Any]:
        """The `{"data": {...}}` envelope of certificate row `row`, as `GET /api/certificate` returns it."""
        cert = self.certificates.row(row, named=True)
        return documents.build_envelope(cert, self.homes.row(cert["home_index"], named=True))

    def iter_documents(self, chunk: int = 5000) -> Iterator[tuple[str, dict[str, Any]]]:
        """(certificate_number, envelope) for every certificate, in frame order."""
        homes = self.homes.to_dicts()
        for start in range(0, self.certificates.height, chunk):
            for cert in self.certificates.slice(start, chunk).to_dicts():
                yield cert["certificate_number"], documents.build_envelope(cert, homes)


def _choice(
    rng: np.random.Generator, n: int, shares: list[float] | np.ndarray, u: np.ndarray | None = None
) -> np.ndarray:
    """Indices drawn with the given shares (vectorised inverse-CDF sampling); `u` supplies the uniforms
    (neighbourhood-correlated ones from `_Neighbourhoods.uniforms`), else fresh ones are drawn."""
    cdf = np.cumsum(np.asarray(shares, dtype=float))
    cdf /= cdf[-1]
    u = rng.random(n) if u is None else u
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def _choice_by_group(
    rng: np.random.Generator, group: np.ndarray, table: np.ndarray, u: np.ndarray | None = None
) -> np.ndarray:
    """Per-row draw where row i uses the share vector table[group[i]]."""
    cdf = np.cumsum(table, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(group.shape[0]) if u is None else u
    return np.minimum((u[:, None] >= cdf[group]).sum(axis=1), table.shape[1] - 1)


@dataclass(frozen=True)
class _Neighbourhoods:
    """Streets and estates (consecutive streets) of a generated portfolio, and correlated uniforms.

    Real stock is not drawn home by home: a street is built at once (one age band, one construction,
    one built-form pattern) and a landlord refits an estate at once (heating, glazing, cavity fill,
    loft top-ups). `uniforms(attribute)` returns one uniform per home that equals its estate's uniform
    with the attribute's estate share, its street's with the street share, and its own otherwise. A
    mixture of uniforms is uniform, so every marginal share of distributions.json is kept; homes that
    follow their street draw the same category from the same conditional table, so dependent draws
    (a wall type given the age band) stay consistent."""

    street: np.ndarray
    estate: np.ndarray
    shares: dict[str, dict[str, float]]

    def uniforms(self, rng: np.random.Generator, attribute: str) -> np.ndarray:
        n = self.street.shape[0]
        cfg = self.shares[attribute]
        own = rng.random(n)
        by_street = rng.random(int(self.street.max()) + 1 if n else 0)[self.street]
        by_estate = rng.random(int(self.estate.max()) + 1 if n else 0)[self.estate]
        pick = rng.random(n)
        pe, ps = float(cfg.get("estate", 0.0)), float(cfg.get("street", 0.0))
        return np.where(pick < pe, by_estate, np.where(pick < pe + ps, by_street, own))


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _draw_homes(n: int, rng: np.random.Generator, uprn_start: int) -> dict[str, np.ndarray]:
    d = distributions()
    arch_rows = d["archetypes"]["rows"]
    groups = ["house", "bungalow", "low_rise_flat", "high_rise_flat", "maisonette"]
    h: dict[str, np.ndarray] = {}
    streets_cfg = d["streets"]
    per_street = streets_cfg["homes_per_street"]
    street = np.arange(n) // per_street
    hood = _Neighbourhoods(
        street=street,
        estate=street // int(d["neighbourhoods"]["streets_per_estate"]),
        shares=d["neighbourhoods"]["shares"],
    )

    arch = _choice(rng, n, [r["share"] for r in arch_rows], hood.uniforms(rng, "archetype"))
    # Built-form pattern of a terrace: blocks of six houses, the first and last of each an end terrace
    # (two in six, the end-terrace share of the archetype table).
    arch_names = [r["name"] for r in arch_rows]
    mid_t, end_t = arch_names.index("mid_terrace_house"), arch_names.index("end_terrace_house")
    terrace_end = np.isin((np.arange(n) % per_street) % 6, (0, 5))
    arch = np.where(np.isin(arch, (mid_t, end_t)), np.where(terrace_end, end_t, mid_t), arch)
    group = np.array([groups.index(r["group"]) for r in arch_rows])[arch]
    h["archetype"] = arch
    h["group"] = group
    h["property_type"] = np.array([r["property_type"] for r in arch_rows])[arch]
    is_flat = np.isin(group, (2, 3, 4))
    h["is_flat"] = is_flat
    fbf = d["flat_built_form"]
    flat_bf = np.asarray(fbf["codes"])[_choice(rng, n, fbf["shares"])]
    h["built_form"] = np.where(is_flat, flat_bf, np.array([r["built_form"] for r in arch_rows])[arch])
    h["storeys"] = np.array([r["storeys"] for r in arch_rows])[arch]
    # A few three-storey town houses.
    h["storeys"] = np.where((group == 0) & (rng.random(n) < 0.03), 3, h["storeys"])

    ages = d["age_bands"]
    age_table = np.array(
        [ages["high_rise_flat"] if g == "high_rise_flat" else ages["general"] for g in groups]
    )
    age = _choice_by_group(rng, group, age_table, hood.uniforms(rng, "age_band"))
    h["age_index"] = age

    # Flats: block height, the storey of the flat, and what lies above and below.
    high = group == 3
    block = np.where(high, rng.integers(6, 21, n), rng.integers(2, 6, n))
    block = np.where(group == 4, np.maximum(block, 3), block)
    loc = np.floor(rng.random(n) * block).astype(np.int64)
    loc = np.where(group == 4, np.minimum(loc, block - 2), loc)  # a maisonette spans two storeys
    top_storey = np.where(group == 4, loc + 1 >= block - 1, loc >= block - 1)
    h["block_storeys"] = np.where(is_flat, block, 0)
    h["flat_location"] = np.where(is_flat, loc, 0)
    h["top_storey"] = is_flat & top_storey
    h["flat_level"] = np.where(loc == 0, 1, np.where(top_storey, 3, 2))
    h["heat_loss_corridor"] = np.where(is_flat & (group != 4), _choice(rng, n, [0.4, 0.2, 0.3, 0.1]), 0)
    h["corridor_length"] = np.round(rng.uniform(3.0, 12.0, n), 1)

    # Geometry: each storey is a w x d rectangle; perimeters follow the built form.
    means = np.array([r["area_mean"] for r in arch_rows], dtype=float)[arch]
    total = np.clip(means * rng.lognormal(0.0, 0.15, n), 28.0, 160.0)
    storeys = h["storeys"]
    ratio = np.where(is_flat, rng.uniform(0.7, 1.5, n), rng.uniform(1.0, 1.7, n))
    per_storey = total / storeys
    width = np.sqrt(per_storey / ratio)
    depth = per_storey / width
    bf = h["built_form"]
    exposed = np.select(
        [bf == 1, (bf == 2) | (bf == 3), bf == 4, bf == 5, bf == 6],
        [2 * (width + depth), 2 * width + depth, 2 * width, width + depth, width],
        2 * width,
    )
    party = np.select(
        [bf == 1, (bf == 2) | (bf == 3), bf == 4, bf == 5, bf == 6],
        [0 * width, depth, 2 * depth, width + depth, 2 * depth + width],
        2 * depth,
    )
    # Per-storey areas vary a little (bays, stair voids) but stay close to the footprint.
    wobble = rng.uniform(-0.04, 0.04, (n, 3))
    storey_area = np.round(per_storey[:, None] * (1 + wobble), 2)
    storey_area[np.arange(3)[None, :] >= storeys[:, None]] = 0.0
    h["storey_area"] = storey_area
    h["floor_area_total"] = storey_area.sum(axis=1)
    h["heat_loss_perimeter"] = np.round(exposed, 2)
    # the wall to an unheated corridor is part of the heat-loss perimeter (RdSAP carves it out of the main
    # wall): keep it under 40 % so the windows still fit in the rest
    h["corridor_length"] = np.minimum(h["corridor_length"], np.floor(4.0 * exposed) / 10.0)
    h["party_wall_length"] = np.round(party, 2)
    old = age <= 2
    h["room_height"] = np.round(np.where(old, rng.uniform(2.55, 2.8, n), rng.uniform(2.3, 2.5, n)), 2)

    # Fabric.
    walls = d["walls"]
    age_group = np.select([age <= 1, age == 2, age <= 4], [0, 1, 2], 3)
    wall_tables = [walls["by_age_group"][k] for k in ("pre1930", "1930_49", "1950_75", "post1976")]
    wall_con = np.zeros(n, dtype=np.int64)
    u_wall = hood.uniforms(rng, "wall_construction")
    for gi, tbl in enumerate(wall_tables):
        pick = np.asarray(tbl["codes"])[_choice(rng, n, tbl["shares"], u_wall)]
        wall_con = np.where(age_group == gi, pick, wall_con)
    wall_con = np.where(high, np.where(u_wall < walls["high_rise_system_built_share"], 8, 4), wall_con)
    h["wall_construction"] = wall_con
    u = hood.uniforms(rng, "wall_insulation")
    solid = np.isin(wall_con, (1, 2, 3, 8))
    si = walls["solid_insulated_shares"]
    wall_ins = np.full(n, 4)
    wall_ins = np.where(
        (wall_con == 4) & (age <= 7) & (u < walls["cavity_filled_share_pre1991"]), 2, wall_ins
    )
    wall_ins = np.where(solid & (u < si["external"]), 1, wall_ins)
    wall_ins = np.where(solid & (u >= si["external"]) & (u < si["external"] + si["internal"]), 3, wall_ins)
    h["wall_insulation_type"] = wall_ins
    h["party_wall_construction"] = np.where(bf == 1, -1, np.where(wall_con == 4, 2, 1))

    pitched_share = np.array([d["pitched_roof_share"][g] for g in groups])[group]
    has_roof = ~is_flat | h["top_storey"]
    pitched = hood.uniforms(rng, "roof_construction") < pitched_share
    h["roof_construction"] = np.where(has_roof, np.where(pitched, 4, 1), 3)
    loft = d["loft_insulation_mm"]
    h["roof_insulation_mm"] = np.where(
        h["roof_construction"] == 4,
        np.asarray(loft["values"])[_choice(rng, n, loft["shares"], hood.uniforms(rng, "loft_insulation"))],
        -1,
    )
    ground = ~is_flat | (h["flat_location"] == 0)
    h["floor_heat_loss"] = np.where(ground, 7, 6)
    u_floor = hood.uniforms(rng, "floor_construction")
    h["floor_construction"] = np.where(age <= 2, np.where(u_floor < 0.7, 2, 1), np.where(u_floor < 0.9, 1, 3))
    h["floor_insulation"] = np.where(rng.random(n) < 0.03, 2, 1)
    gl = d["glazing"]
    h["glazing_type"] = np.asarray(gl["codes"])[_choice(rng, n, gl["shares"], hood.uniforms(rng, "glazing"))]

    # Windows: 15-25% of floor area, split over 3-10 openings on the front and back (and exposed sides).
    n_win = np.clip(np.rint(h["floor_area_total"] / 12.0), 3, MAX_WINDOWS).astype(np.int64)
    share = rng.uniform(0.16, 0.24, n)
    weights = rng.uniform(0.6, 1.4, (n, MAX_WINDOWS))
    weights[np.arange(MAX_WINDOWS)[None, :] >= n_win[:, None]] = 0.0
    win_area = share[:, None] * h["floor_area_total"][:, None] * weights / weights.sum(axis=1, keepdims=True)
    win_height = np.asarray([1.05, 1.2, 1.35])[rng.integers(0, 3, (n, MAX_WINDOWS))]
    win_width = np.round(win_area / win_height, 2)
    win_width[weights == 0] = 0.0
    h["window_width"] = win_width
    h["window_height"] = np.where(weights > 0, win_height, 0.0)
    h["window_count"] = n_win
    h["window_area"] = (h["window_width"] * h["window_height"]).sum(axis=1)
    front = rng.integers(1, 9, n)
    sides = np.select([bf == 1, (bf == 2) | (bf == 3)], [2, 1], 0)
    slot = np.arange(MAX_WINDOWS)[None, :]
    offsets = np.where(slot % 3 == 2, np.where(sides[:, None] > 0, 2, 4), np.where(slot % 2 == 0, 0, 4))
    h["window_orientation"] = (front[:, None] - 1 + offsets) % 8 + 1

    # Single-storey rear extensions on some houses and bungalows: a second building part with a flat
    # roof, built later than the main dwelling, three sides exposed (two if the house is mid-terrace).
    ext = d["extensions"]
    has_ext = ~is_flat & (age < AGE_BANDS.index("L")) & (rng.random(n) < ext["share"])
    ext_depth = rng.uniform(2.4, 4.0, n)
    ext_area = np.where(has_ext, np.round(rng.uniform(ext["area_min"], ext["area_max"], n), 2), 0.0)
    ext_width = ext_area / ext_depth
    mid = bf == 4
    h["ext_area"] = ext_area
    h["ext_perimeter"] = np.where(has_ext, np.round(ext_width + np.where(mid, 1, 2) * ext_depth, 2), 0.0)
    h["ext_party"] = np.where(has_ext & mid, np.round(ext_depth, 2), 0.0)
    # Capped at band L: a 2022+ extension would bar the home from pre-SAP10 certificates.
    h["ext_age_index"] = np.where(has_ext, np.minimum(age + rng.integers(1, 6, n), AGE_BANDS.index("L")), age)
    h["ext_wall_construction"] = np.where(h["ext_age_index"] >= 2, 4, 3)
    h["ext_room_height"] = np.round(rng.uniform(2.3, 2.5, n), 2)
    h["ext_window_width"] = np.where(has_ext, np.round(ext["window_share"] * ext_area / 1.2, 2), 0.0)
    h["ext_window_area"] = h["ext_window_width"] * 1.2
    h["ext_window_orientation"] = (front + 3) % 8 + 1
    h["floor_area_total"] = h["floor_area_total"] + ext_area
    h["window_area"] = h["window_area"] + h["ext_window_area"]

    h["door_count"] = np.where(is_flat, 1, 2)
    modern_doors = age >= 10
    h["insulated_door_count"] = np.where(
        modern_doors, h["door_count"], rng.integers(0, 3, n) % (h["door_count"] + 1)
    )
    h["habitable_rooms"] = np.clip(np.rint(h["floor_area_total"] / 17.0), 1, 8).astype(np.int64)
    h["open_chimneys_count"] = np.where((age <= 2) & ~is_flat & (rng.random(n) < 0.15), 1, 0)
    h["extract_fans_count"] = rng.integers(0, 3, n)

    # Heating.
    hs = d["heating_systems"]
    share_table = np.array([hs["shares_by_group"][g] for g in groups])
    system = _choice_by_group(rng, group, share_table, hood.uniforms(rng, "heating"))
    h["system"] = system
    controls = np.zeros(n, dtype=np.int64)
    u_controls = hood.uniforms(rng, "heating_controls")
    for si_, row in enumerate(hs["rows"]):
        pick = np.asarray(row["controls"])[_choice(rng, n, row["control_shares"], u_controls)]
        controls = np.where(system == si_, pick, controls)
    h["main_heating_control"] = controls
    names = np.asarray(system_names())[system]
    storage = np.char.startswith(names, "storage")
    gas = np.char.startswith(names, "gas_")
    h["mains_gas"] = gas | (~storage & (rng.random(n) < 0.3)) & ~np.char.startswith(names, "oil")
    meter = np.where(rng.random(n) < 0.9, 2, 1)
    meter = np.where(storage, np.asarray([1, 4, 5])[_choice(rng, n, [0.85, 0.10, 0.05])], meter)
    meter = np.where(names == "air_source_heat_pump", np.where(rng.random(n) < 0.5, 1, 2), meter)
    h["meter_type"] = meter
    h["secondary_heating"] = np.where(storage, rng.random(n) < 0.7, rng.random(n) < 0.08)
    h["cylinder_size"] = np.where(names == "air_source_heat_pump", 4, np.where(rng.random(n) < 0.7, 2, 3))
    h["cylinder_insulation_mm"] = np.asarray([25, 38, 50, 80])[_choice(rng, n, [0.2, 0.3, 0.4, 0.1])]
    h["pump_age"] = _choice(rng, n, [0.3, 0.3, 0.4])
    h["pv_kwp"] = np.where(
        ~is_flat & (h["roof_construction"] == 4) & (rng.random(n) < 0.03),
        np.round(rng.uniform(1.5, 4.0, n), 2),
        0.0,
    )

    bulbs = np.clip(np.rint(h["floor_area_total"] / 7.0 + rng.integers(-2, 3, n)), 3, 30).astype(np.int64)
    led_share = rng.beta(4.0, 1.5, n)
    h["bulbs"] = bulbs
    h["led_share"] = led_share
    h["cfl_share"] = (1 - led_share) * rng.uniform(0.3, 0.9, n)

    h["smart_meter"] = rng.random(n) < 0.55

    # Identity and address.
    regions = d["regions"]["outward_codes"]
    number = np.arange(n) % per_street + 1
    n_streets = int(street.max()) + 1 if n else 0
    # an estate's streets lie in one postcode district
    estate_of_street = np.arange(n_streets) // int(d["neighbourhoods"]["streets_per_estate"])
    estate_region = rng.integers(0, len(regions), int(estate_of_street.max()) + 1 if n_streets else 0)
    street_region = estate_region[estate_of_street]
    street_inward = [
        f"{rng.integers(1, 10)}{a}{b}"
        for a, b in zip(
            _INWARD_LETTERS[rng.integers(0, 6, n_streets)],
            _INWARD_LETTERS[rng.integers(0, 6, n_streets)],
            strict=True,
        )
    ]
    names_, suffixes = streets_cfg["names"], streets_cfg["suffixes"]
    combos = len(names_) * len(suffixes)
    prefixes = [
        "",
        "Upper ",
        "Lower ",
        "New ",
        "Old ",
        "Little ",
        "Great ",
        "North ",
        "South ",
        "East ",
        "West ",
    ]

    def street_name(s: int) -> str:
        base = f"{names_[s % len(names_)]} {suffixes[(s // len(names_)) % len(suffixes)]}"
        tier = (s // combos) % len(prefixes)
        extra = s // (combos * len(prefixes))
        return f"{prefixes[tier]}{base}{'' if extra == 0 else f' {extra + 1}'}"

    street_names = [street_name(s) for s in range(n_streets)]
    towns = [regions[r]["town"] for r in street_region]
    postcodes = [f"{regions[r]['outward']} {street_inward[s]}" for s, r in enumerate(street_region)]
    h["uprn"] = uprn_start + np.arange(n, dtype=np.int64)
    h["street"] = street
    h["number"] = number
    h["region_code"] = np.asarray([r["region_code"] for r in regions])[street_region][street] if n else street
    h["_street_names"] = np.asarray(street_names, dtype=object)
    h["_towns"] = np.asarray(towns, dtype=object)
    h["_postcodes"] = np.asarray(postcodes, dtype=object)
    return h


def _homes_frame(h: dict[str, np.ndarray]) -> pl.DataFrame:
    n = h["uprn"].shape[0]
    street = h["street"]
    street_names = h["_street_names"][street] if n else np.array([], dtype=object)
    towns = h["_towns"][street] if n else np.array([], dtype=object)
    postcodes = h["_postcodes"][street] if n else np.array([], dtype=object)
    line1: list[str] = []
    line2: list[str | None] = []
    addresses: list[str] = []
    flat_nos = (h["flat_location"] * 4 + (h["number"] % 4) + 1).tolist()
    for i, (num, st, town, flat) in enumerate(
        zip(h["number"].tolist(), street_names.tolist(), towns.tolist(), h["is_flat"].tolist(), strict=True)
    ):
        if flat:
            l1, l2 = f"Flat {flat_nos[i]}", f"{num} {st}"
            line1.append(l1)
            line2.append(l2)
            addresses.append(f"{l1}, {l2}, {town}")
        else:
            l1 = f"{num} {st}"
            line1.append(l1)
            line2.append(None)
            addresses.append(f"{l1}, {town}")
    return pl.DataFrame(
        {
            "uprn": h["uprn"],
            "landlord_reference": [f"DEMO-{i + 1:06d}" for i in range(n)],
            "address": addresses,
            "address_line_1": line1,
            "address_line_2": pl.Series(line2, dtype=pl.String),
            "post_town": pl.Series(towns.tolist(), dtype=pl.String),
            "postcode": pl.Series(postcodes.tolist(), dtype=pl.String),
            "region_code": h["region_code"],
            "archetype": h["archetype"],
        }
    )


# Home columns copied onto each certificate row (the physical state an assessor records).
_CERT_COLUMNS = (
    "property_type",
    "built_form",
    "is_flat",
    "storeys",
    "age_index",
    "block_storeys",
    "flat_location",
    "top_storey",
    "flat_level",
    "heat_loss_corridor",
    "corridor_length",
    "floor_area_total",
    "heat_loss_perimeter",
    "party_wall_length",
    "room_height",
    "wall_construction",
    "wall_insulation_type",
    "party_wall_construction",
    "roof_construction",
    "roof_insulation_mm",
    "floor_heat_loss",
    "floor_construction",
    "floor_insulation",
    "glazing_type",
    "window_count",
    "window_area",
    "door_count",
    "insulated_door_count",
    "habitable_rooms",
    "open_chimneys_count",
    "extract_fans_count",
    "system",
    "main_heating_control",
    "mains_gas",
    "meter_type",
    "secondary_heating",
    "cylinder_size",
    "cylinder_insulation_mm",
    "pump_age",
    "pv_kwp",
    "bulbs",
    "led_share",
    "cfl_share",
    "smart_meter",
    "region_code",
    "archetype",
    "ext_area",
    "ext_perimeter",
    "ext_party",
    "ext_age_index",
    "ext_wall_construction",
    "ext_room_height",
    "ext_window_width",
    "ext_window_area",
    "ext_window_orientation",
)


def _draw_certificates(h: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Certificate rows: how many per home, their dates and schema, the older ones' worse state."""
    n = h["uprn"].shape[0]
    q = distributions()["portfolio_quirks"]
    u = rng.random(n)
    # Homes built from 2022 (band M) cannot hold a certificate from before RdSAP 10.
    single_rdsap10 = q["no_certificate"] + q["pre_sap10_only"] + q["several_certificates"]
    u = np.where(h["age_index"] == AGE_BANDS.index("M"), np.maximum(u, single_rdsap10), u)
    none = u < q["no_certificate"]
    pre_only = (u >= q["no_certificate"]) & (u < q["no_certificate"] + q["pre_sap10_only"])
    several = (u >= q["no_certificate"] + q["pre_sap10_only"]) & (
        u < q["no_certificate"] + q["pre_sap10_only"] + q["several_certificates"]
    )
    count = np.where(none, 0, np.where(several, np.where(rng.random(n) < 0.7, 2, 3), 1))
    home = np.repeat(np.arange(n), count)
    c_n = home.shape[0]
    # rank 0 = the newest certificate of its home.
    first = np.repeat(np.cumsum(count) - count, count)
    rank = (count[home] - 1) - (np.arange(c_n) - first)

    latest = np.where(
        pre_only,
        rng.integers(_days(_PRE_SAP10_FROM), _days(_PRE_SAP10_TO) + 1, n),
        rng.integers(_days(_RDSAP10_FROM), _days(_LATEST) + 1, n),
    )
    # Older certificates: 1-6 years before the next newer one, always before RdSAP 10.
    gaps = rng.integers(365, 6 * 365, (c_n,))
    reg = latest[home].copy()
    for r in (1, 2):
        reg = np.where(rank >= r, reg - gaps * 1 - (r - 1) * 400, reg)
    reg = np.where(rank > 0, np.minimum(reg, _days(_PRE_SAP10_TO)), reg)
    schema_pre = (rank > 0) | pre_only[home]

    c: dict[str, np.ndarray] = {col: h[col][home] for col in _CERT_COLUMNS}
    c["home_index"] = home
    c["rank"] = rank
    c["registration_day"] = reg
    c["inspection_lag"] = rng.integers(0, 15, c_n)
    c["is_pre_sap10"] = schema_pre
    for col in ("storey_area", "window_width", "window_height", "window_orientation"):
        c[col] = h[col][home]

    # Older certificates record the home before later works: thinner loft, unfilled cavity, older
    # boiler and glazing, fewer LEDs. Each is independent so some older certificates equal the newer one.
    older = rank > 0
    v = rng.random((c_n, 5))
    loft_before = np.minimum(c["roof_insulation_mm"], np.asarray([50, 75, 100, 150])[rng.integers(0, 4, c_n)])
    c["roof_insulation_mm"] = np.where(
        older & (c["roof_insulation_mm"] > 0) & (v[:, 0] < 0.6), loft_before, c["roof_insulation_mm"]
    )
    c["wall_insulation_type"] = np.where(
        older & (c["wall_insulation_type"] == 2) & (v[:, 1] < 0.5), 4, c["wall_insulation_type"]
    )
    names = system_names()
    swap = {
        names.index("gas_condensing_combi"): names.index("gas_noncondensing_combi"),
        names.index("gas_condensing_regular"): names.index("gas_noncondensing_regular"),
    }
    boiler_before = c["system"].copy()
    for new, old in swap.items():
        boiler_before = np.where(c["system"] == new, old, boiler_before)
    c["system"] = np.where(older & (v[:, 2] < 0.4), boiler_before, c["system"])
    c["glazing_type"] = np.where(older & (c["glazing_type"] == 2) & (v[:, 3] < 0.5), 1, c["glazing_type"])
    c["led_share"] = np.where(older, c["led_share"] * v[:, 4] * 0.5, c["led_share"])
    c["low_energy_share"] = c["led_share"] + c["cfl_share"]

    # The RdSAP 9.94 schema has no 'stairwell' corridor code: such assessors recorded an unheated corridor.
    c["heat_loss_corridor"] = np.where(
        schema_pre & (c["heat_loss_corridor"] == 3), 2, c["heat_loss_corridor"]
    )

    # Register quirks, drawn per certificate.
    c["quirk_bare_measurements"] = rng.random(c_n) < q["bare_measurement_share"]
    c["quirk_window_objects"] = rng.random(c_n) < q["window_measure_object_share"]
    c["quirk_yn_booleans"] = rng.random(c_n) < q["yn_boolean_share"]
    c["quirk_collapsed_lists"] = rng.random(c_n) < q["collapsed_list_share"]
    c["number_seed"] = rng.integers(0, 10**6, c_n)
    return c


def _certificate_numbers(number_seed: np.ndarray, seed: int) -> list[str]:
    """Unique register-pattern numbers.

    '99' opens every number (marks it synthetic); the second and third blocks are a tag of the seed, so
    portfolios of different seeds loaded into one register emulator do not collide; the last two blocks
    are the row index, so numbers within a portfolio are unique.
    """
    tag = int(hashlib.sha256(f"ara-demo-{seed}".encode()).hexdigest(), 16) % 10**8
    middle = f"{tag // 10**4:04d}-{tag % 10**4:04d}"
    out = []
    for i, s in enumerate(number_seed.tolist()):
        out.append(f"99{s % 100:02d}-{middle}-{i // 10**4:04d}-{i % 10**4:04d}")
    return out


def _neighbourhoods_manifest() -> dict[str, Any]:
    cfg = distributions()["neighbourhoods"]
    return {
        "about": "homes are not drawn independently: streets and estates share attributes, so a home can "
        "be predicted from its neighbours (docs/adr: predicted EPC). Each attribute follows the home's "
        "estate with share 'estate', its street with share 'street', else it is the home's own draw.",
        "homes_per_street": distributions()["streets"]["homes_per_street"],
        "streets_per_estate": cfg["streets_per_estate"],
        "street": "one postcode; terraces in blocks of six with an end terrace at each end",
        "estate": "consecutive streets in one postcode district",
        "shares": cfg["shares"],
    }


def generate_portfolio(
    n_homes: int, seed: int, *, uprn_start: int = DEFAULT_UPRN_START
) -> SyntheticPortfolio:
    """Draw a synthetic portfolio of `n_homes` English social homes; deterministic for `seed`."""
    if not isinstance(n_homes, int) or n_homes < 1:
        raise ValueError(f"generate_portfolio: n_homes must be a positive integer, got {n_homes!r}")
    if n_homes > 99_999_999:
        raise ValueError(f"generate_portfolio: n_homes={n_homes} exceeds the certificate-number space")
    if not 100_000_000_000 <= uprn_start <= 999_999_999_999 - n_homes:
        raise ValueError(f"generate_portfolio: uprn_start={uprn_start} does not keep UPRNs at 12 digits")
    rng = np.random.Generator(np.random.PCG64(seed))
    h = _draw_homes(n_homes, rng, uprn_start)
    homes = _homes_frame(h)
    c = _draw_certificates(h, rng)

    matrix_cols = {
        k: c.pop(k) for k in ("storey_area", "window_width", "window_height", "window_orientation")
    }
    numbers = _certificate_numbers(c.pop("number_seed"), seed)
    epoch = np.datetime64("1970-01-01", "D")
    reg = epoch + c["registration_day"].astype("timedelta64[D]")
    insp = reg - c["inspection_lag"].astype("timedelta64[D]")
    frame = pl.DataFrame(c).with_columns(
        pl.Series("certificate_number", numbers),
        pl.Series("registration_date", reg.astype(str)),
        pl.Series("inspection_date", insp.astype(str)),
        pl.Series("schema_type", np.where(c["is_pre_sap10"], SCHEMA_PRE_SAP10, SCHEMA_RDSAP10)),
        pl.Series("storey_area", matrix_cols["storey_area"]),
        pl.Series("window_width", matrix_cols["window_width"]),
        pl.Series("window_height", matrix_cols["window_height"]),
        pl.Series("window_orientation", matrix_cols["window_orientation"]),
    )
    certs = pl.concat([frame, lodged_results(frame, system_names())], how="horizontal")
    # the lodged figures are the calculator's on the inputs the assessor read (a share misread, see
    # calculated.py), plus assessor noise; the documents carry the true inputs
    scores, errors = score_lodged(certs, homes, seed)
    certs = calculator_lodgements(certs, scores, seed).with_columns(pl.Series("lodging_error", errors))

    per_home = np.bincount(c["home_index"], minlength=n_homes)
    pre_only = np.zeros(n_homes, dtype=bool)
    newest = c["rank"] == 0
    pre_only[c["home_index"][newest & c["is_pre_sap10"]]] = True
    bands = certs.filter(pl.Series(newest))["current_energy_efficiency_band"].value_counts(sort=True)
    by_heuristic = int((certs["lodged_by"] == "heuristic").sum())
    manifest = {
        "generator": "ara_assets.demo.generate",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "uprn_start": uprn_start,
        "lodged_results": "calculator",
        "lodged_results_note": "lodged SAP, EI, CO2 and primary energy are the SAP 10.2 calculator's at "
        "rating conditions plus assessor noise (ara_assets/demo/calculated.py); costs, RHI demands and the "
        "improvement steps come from the heuristic of ara_assets/demo/lodged.py",
        "assessor_noise": "standard normal times the repeat-assessment spread at the calculated SAP (8 SAP "
        "at SAP 35 to 2.4 at SAP 85, linear between, flat outside; Crawley et al. 2019, UCL, 1.6M homes)",
        "pre_sap10_offsets": EDITION_2012,
        "lodging_error_share": LODGING_ERROR_SHARE,
        "lodging_error_note": "a drawn share of certificates is lodged with figures computed from one input "
        "misread (the document keeps the true input); the share is an assumption",
        "counts": {
            "homes": n_homes,
            "certificates": int(certs.height),
            "homes_without_certificate": int((per_home == 0).sum()),
            "homes_with_several_certificates": int((per_home > 1).sum()),
            "homes_with_only_pre_sap10_certificate": int(pre_only.sum()),
            "pre_sap10_certificates": int(c["is_pre_sap10"].sum()),
            "rdsap10_certificates": int((~c["is_pre_sap10"]).sum()),
            "lodged_by_heuristic": by_heuristic,
            "lodging_errors": {kind: int((errors == kind).sum()) for kind in LODGING_ERROR_KINDS},
        },
        "current_band_counts": {row[0]: int(row[1]) for row in sorted(bands.iter_rows())},
        "schemas": {"rdsap10": SCHEMA_RDSAP10, "pre_sap10": SCHEMA_PRE_SAP10},
        "neighbourhoods": _neighbourhoods_manifest(),
    }
    return SyntheticPortfolio(seed=seed, homes=homes, certificates=certs, manifest=manifest)


def portfolio_csv(p: SyntheticPortfolio) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["uprn", "landlord_reference", "address", "postcode"])
    writer.writerows(p.homes.select("uprn", "landlord_reference", "address", "postcode").iter_rows())
    return buf.getvalue()


_CHUNK = 2000


def _write_files(cert_dir: Path, files: list[tuple[str, bytes]]) -> None:
    for name, data in files:
        fd = os.open(cert_dir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def write_portfolio(p: SyntheticPortfolio, out: Path) -> None:
    """Write portfolio.csv, certificates/<certificate_number>.json and manifest.json under `out`.

    Refuses a folder that already holds certificates, so two portfolios never mix. The manifest's
    `certificates_sha256` hashes every certificate file's bytes in frame order.
    """
    out = Path(out)
    cert_dir = out / "certificates"
    if cert_dir.exists() and any(cert_dir.iterdir()):
        raise FileExistsError(
            f"write_portfolio: {cert_dir} already holds certificates; choose an empty folder"
        )
    cert_dir.mkdir(parents=True, exist_ok=True)
    (out / "portfolio.csv").write_text(portfolio_csv(p), encoding="utf-8")
    # ASCII escapes (the pound sign as \u00a3) as in the register's own JSON.
    dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
    digest = hashlib.sha256()
    homes = p.homes.to_dicts()
    certs = p.certificates
    # Creating a file is kernel time that releases the GIL: one writer thread overlaps it with the
    # building and encoding here. One writer only: two threads creating files in one folder contend on
    # its lock and burn more CPU than they save. At most one chunk is in flight, so memory stays bounded.
    with ThreadPoolExecutor(1, thread_name_prefix="ara-demo-writer") as writer:
        pending: Future[None] | None = None
        for start in range(0, certs.height, _CHUNK):
            files = []
            for cert in certs.slice(start, _CHUNK).to_dicts():
                data = dumps(documents.build_envelope(cert, homes)).encode("ascii")
                digest.update(data)
                files.append((f"{cert['certificate_number']}.json", data))
            if pending is not None:
                pending.result()
            pending = writer.submit(_write_files, cert_dir, files)
        if pending is not None:
            pending.result()
    manifest = dict(p.manifest)
    manifest["certificates_sha256"] = digest.hexdigest()
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
