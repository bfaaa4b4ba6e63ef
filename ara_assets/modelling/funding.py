"""Grants and cost caps: the funding rules as versioned data, and the grant each home-phase can draw.

    rules = load_funding_rules()                       # data/funding_schemes.yaml, validated
    funded = apply_funding(plans.phases, plans.measures, homes, scenario, rules, start_year=2026)
    funded.phases    # + grant_gbp, net_cost_gbp, mees_exemption (FUNDING_SCHEMA)
    funded.grants    # one row per (home, phase, scheme) with a grant (GRANT_SCHEMA)

Rules (docs/adr/0015-funding-rules.md), all read from the data file, none coded per scheme:
- A scheme funds a home when the home's tenure group is one of the scheme's `tenures` and its band at the
  scenario start is one of `bands`. `homes` gives each home's tenure (else the scenario's `tenure`).
- A phase can use a scheme when the phase's first year is no later than the scheme's end year (the phase's
  years are (previous phase's target year, this phase's target year], the first from `start_year`).
- Eligible cost: the package's measures of the scheme's `measure_types` (all when null), less what earlier
  schemes of the scenario already pay for that home-phase.
- Co-funding: `share_of_grant` s caps the grant at cost / (1 + s) (the landlord adds s x grant);
  `share_of_cost` s caps it at cost x (1 - s).
- Caps are per home, across the phases: the grant of phase p is min(cumulative, cap) less what phases before
  p drew. The `uplift_cap_gbp` applies instead when the package holds an `uplift_measure_types` measure (on
  the gas grid when `uplift_requires_gas_grid`), for at most `uplift_max_share_of_homes` of the homes the
  scheme funds: those with the largest extra grant keep the uplift.
- `cost_cap` schemes (MEES) pay nothing and apply whatever the scenario names: a home qualifies for an
  exemption when its band at the start is
  one of `bands` and no phase reaches `target_band` with a net cost to date within `cap_gbp`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ara_assets.epc.bands import BANDS
from ara_assets.modelling.catalogue import MEASURE_TYPES

DATA = Path(__file__).parent / "data" / "funding_schemes.yaml"
TENURE_GROUPS = ("social", "private_rented", "owner_occupied")

FUNDING_SCHEMA: dict[str, pl.DataType] = {
    "grant_gbp": pl.Float64(),
    "net_cost_gbp": pl.Float64(),
    # a cost-cap scheme (MEES) applies and the home cannot reach its band within the cap: exemption
    "mees_exemption": pl.Boolean(),
}
GRANT_SCHEMA: dict[str, pl.DataType] = {
    "scenario": pl.String(),
    "property_id": pl.Int64(),
    "phase": pl.Int32(),
    "scheme": pl.String(),
    "grant_gbp": pl.Float64(),
    "uplift": pl.Boolean(),
}


class FundingError(ValueError):
    """Bad funding rules or inputs: names the record (scheme / home), the field and the value."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CoFunding(_Strict):
    basis: Literal["none", "share_of_grant", "share_of_cost"]
    share: float = Field(ge=0.0, lt=1.0)

    def max_grant(self, cost: np.ndarray) -> np.ndarray:
        if self.basis == "share_of_grant":
            return cost / (1.0 + self.share)
        if self.basis == "share_of_cost":
            return cost * (1.0 - self.share)
        return cost


class Scheme(_Strict):
    scheme: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    kind: Literal["grant", "cost_cap"]
    tenures: list[Literal["social", "private_rented", "owner_occupied"]] = Field(min_length=1)
    bands: list[Literal["A", "B", "C", "D", "E", "F", "G"]] = Field(min_length=1)
    measure_types: list[str] | None = None
    cap_gbp: float = Field(gt=0)
    uplift_measure_types: list[str] | None = None
    uplift_cap_gbp: float | None = Field(default=None, gt=0)
    uplift_requires_gas_grid: bool = False
    uplift_max_share_of_homes: float = Field(default=1.0, ge=0.0, le=1.0)
    co_funding: CoFunding = CoFunding(basis="none", share=0.0)
    needs_household_test: bool = False
    target_band: Literal["A", "B", "C", "D", "E", "F", "G"] | None = None
    starts: dt.date
    ends: dt.date
    source: str = Field(min_length=1)
    trust: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Scheme:
        for field in ("measure_types", "uplift_measure_types"):
            for mt in getattr(self, field) or []:
                if mt not in MEASURE_TYPES:
                    raise ValueError(f"field {field!r} value {mt!r}: not a measure type of the catalogue")
        if self.ends < self.starts:
            raise ValueError(f"field 'ends' value {self.ends}: before 'starts' {self.starts}")
        if (self.uplift_measure_types is None) != (self.uplift_cap_gbp is None):
            raise ValueError("field 'uplift_cap_gbp': needs uplift_measure_types, and the other way round")
        if self.uplift_cap_gbp is not None and self.uplift_cap_gbp < self.cap_gbp:
            raise ValueError(f"field 'uplift_cap_gbp' value {self.uplift_cap_gbp}: below cap_gbp")
        if self.kind == "cost_cap" and self.target_band is None:
            raise ValueError("field 'target_band' value None: a cost_cap scheme needs the band it caps")
        return self


class FundingRules(_Strict):
    version: str = Field(min_length=1)
    tenure_groups: dict[str, Literal["social", "private_rented", "owner_occupied"]]
    schemes: list[Scheme] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> FundingRules:
        names = [s.scheme for s in self.schemes]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"field 'schemes' value {dup[0]!r}: scheme named twice")
        return self

    def get(self, name: str) -> Scheme:
        for s in self.schemes:
            if s.scheme == name:
                return s
        raise FundingError(f"field 'funding_schemes' value {name!r}: no such scheme ({self.names()})")

    def names(self) -> list[str]:
        return [s.scheme for s in self.schemes]


def validate_funding_rules(data: Any, source: str) -> FundingRules:
    """Validate a mapping as FundingRules; errors name `source`, the scheme, the field and the message."""
    try:
        return FundingRules.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "schemes" and isinstance(loc[1], int):
            schemes = data.get("schemes") if isinstance(data, dict) else None
            name = (
                schemes[loc[1]].get("scheme") if isinstance(schemes, list) and loc[1] < len(schemes) else None
            )
            where = f"scheme={name!r}: "
            loc = loc[2:]
        msg = str(err["msg"]).removeprefix("Value error, ")
        field = ".".join(str(p) for p in loc)
        prefix = f"field {field!r} value {err.get('input')!r}: " if field else ""
        raise FundingError(f"{source}: {where}{prefix}{msg}") from None


def load_funding_rules(path: Path = DATA) -> FundingRules:
    """Read and validate a funding rules file (default: the bundled data/funding_schemes.yaml)."""
    if path == DATA:
        return _bundled()
    return _load(path)


@cache
def _bundled() -> FundingRules:
    return _load(DATA)


def _load(path: Path) -> FundingRules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FundingError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise FundingError(f"{path}: not valid YAML ({exc})") from None
    return validate_funding_rules(data, str(path))


@dataclass(frozen=True)
class Funded:
    phases: pl.DataFrame  # the input phases + FUNDING_SCHEMA columns
    grants: pl.DataFrame  # GRANT_SCHEMA


def phase_first_years(target_years: list[int], start_year: int) -> list[int]:
    """First year of each phase: the start year, then the year after the previous phase's target year."""
    return [start_year, *[y + 1 for y in target_years[:-1]]]


def _tenure_groups(
    phases: pl.DataFrame, homes: pl.DataFrame | None, default: str | None, rules: FundingRules
) -> pl.DataFrame:
    """property_id, tenure_group, on_gas_grid for every home of `phases`."""
    ids = phases.select("property_id").unique()
    if homes is None:
        homes = pl.DataFrame(schema={"property_id": pl.Int64, "tenure": pl.String, "on_gas_grid": pl.Boolean})
    homes = homes.select(
        pl.col("property_id").cast(pl.Int64),
        (pl.col("tenure") if "tenure" in homes.columns else pl.lit(None)).cast(pl.String).alias("tenure"),
        (pl.col("on_gas_grid") if "on_gas_grid" in homes.columns else pl.lit(None))
        .cast(pl.Boolean)
        .alias("on_gas_grid"),
    )
    unknown = homes.filter(
        pl.col("tenure").is_not_null() & ~pl.col("tenure").is_in(list(rules.tenure_groups))
    )
    if unknown.height:
        raise FundingError(
            f"property_id={unknown['property_id'][0]!r}: field 'tenure' value {unknown['tenure'][0]!r} has "
            f"no scheme tenure group ({sorted(rules.tenure_groups)})"
        )
    group = pl.col("tenure").replace_strict(rules.tenure_groups, default=None, return_dtype=pl.String)
    return ids.join(homes, on="property_id", how="left").with_columns(
        pl.coalesce(group, pl.lit(default, pl.String)).alias("tenure_group"),
        pl.col("on_gas_grid").fill_null(False),
    )


def apply_funding(
    phases: pl.DataFrame,
    measures: pl.DataFrame,
    homes: pl.DataFrame | None,
    scheme_names: list[str],
    tenure: str | None,
    rules: FundingRules,
    *,
    start_year: int,
) -> Funded:
    """Grant per home-phase and scheme, net cost, MEES exemption marks (rules in the module docstring).

    phases: one scenario's plan phases (property_id, phase, target_year, band_at_start, package, cost_gbp,
    band_after, score_error); measures: its measure rows (property_id, phase, measure_type, cost_gbp);
    homes: property_id with optional tenure (property_attributes names) and on_gas_grid.
    """
    if tenure is not None and tenure not in TENURE_GROUPS:
        raise FundingError(f"field 'tenure' value {tenure!r}: not one of {TENURE_GROUPS}")
    # grants: those the scenario names; cost caps (MEES) are law, so every one applies by tenure
    schemes = [rules.get(n) for n in scheme_names if rules.get(n).kind == "grant"]
    schemes += [s for s in rules.schemes if s.kind == "cost_cap"]
    years = (
        phases.select("phase", "target_year").unique().sort("phase")["target_year"].to_list()
        if phases.height
        else []
    )
    n_phases = len(years)
    first_year = dict(zip(range(1, n_phases + 1), phase_first_years(years, start_year), strict=True))
    homes_t = _tenure_groups(phases, homes, tenure, rules)
    base = (
        phases.select(
            "property_id",
            "phase",
            "band_at_start",
            "cost_gbp",
            "band_after",
            "score_error",
            "cost_to_date_gbp",
        )
        .join(homes_t, on="property_id", how="left")
        .sort("property_id", "phase")
    )
    mcost = measures.select("property_id", "phase", "measure_type", "cost_gbp")
    paid = np.zeros(base.height)
    grant_parts: list[pl.DataFrame] = []
    exempt = pl.Series("mees_exemption", [None] * base.height, dtype=pl.Boolean)
    for s in schemes:
        applies = (
            base["tenure_group"].is_in(s.tenures).fill_null(False)
            & base["band_at_start"].is_in(s.bands).fill_null(False)
            & base["score_error"].is_null()
        ).to_numpy()
        if s.kind == "cost_cap":
            exempt = _mees(base, s, applies, paid, exempt)
            continue
        in_time = base["phase"].replace_strict(first_year, return_dtype=pl.Int32).to_numpy() <= s.ends.year
        types = s.measure_types
        m = mcost if types is None else mcost.filter(pl.col("measure_type").is_in(types))
        upl_types = s.uplift_measure_types or []
        per = m.group_by("property_id", "phase").agg(
            pl.col("cost_gbp").sum().alias("eligible"),
            pl.col("measure_type").is_in(upl_types).any().alias("has_uplift"),
        )
        joined = base.select("property_id", "phase", "on_gas_grid").join(
            per, on=["property_id", "phase"], how="left"
        )
        eligible = np.maximum(joined["eligible"].fill_null(0.0).to_numpy() - paid, 0.0)
        eligible = np.where(applies & in_time, eligible, 0.0)
        uncapped = s.co_funding.max_grant(eligible)
        home = base["property_id"].to_numpy()
        standard = _capped_over_phases(home, uncapped, s.cap_gbp)
        grant, uplift = standard, np.zeros(base.height, dtype=bool)
        if s.uplift_cap_gbp is not None:
            can = joined["has_uplift"].fill_null(False).to_numpy() & (eligible > 0)
            if s.uplift_requires_gas_grid:
                can &= joined["on_gas_grid"].to_numpy()
            lifted = _capped_over_phases(home, uncapped, s.uplift_cap_gbp)
            # a home keeps the uplift on every phase once one phase qualifies; at most the share of the
            # homes the scheme funds
            frame = pl.DataFrame(
                {"property_id": home, "can": can, "extra": lifted - standard, "std": standard}
            )
            per_home = frame.group_by("property_id").agg(
                pl.col("can").any(), pl.col("extra").sum(), (pl.col("std").sum() > 0).alias("funded")
            )
            funded = per_home.filter(pl.col("funded") | (pl.col("can") & (pl.col("extra") > 0))).height
            limit = int(np.floor(s.uplift_max_share_of_homes * funded + 1e-9))
            keep = (
                per_home.filter(pl.col("can") & (pl.col("extra") > 0))
                .sort(["extra", "property_id"], descending=[True, False])
                .head(limit)["property_id"]
            )
            lift = np.isin(home, keep.to_numpy())
            grant = np.where(lift, lifted, standard)
            uplift = lift & (grant > 0)
        paid = paid + grant
        grant_parts.append(
            pl.DataFrame(
                {
                    "property_id": home,
                    "phase": base["phase"],
                    "scheme": s.scheme,
                    "grant_gbp": grant,
                    "uplift": uplift,
                }
            ).filter(pl.col("grant_gbp") > 0)
        )
    cost = base["cost_gbp"].fill_null(0.0).to_numpy()
    funded = base.select("property_id", "phase").with_columns(
        pl.Series("grant_gbp", np.round(paid, 2)),
        pl.Series("net_cost_gbp", np.round(cost - paid, 2)),
        exempt,
    )
    out = phases.drop([c for c in FUNDING_SCHEMA if c in phases.columns]).join(
        funded, on=["property_id", "phase"], how="left"
    )
    tags = (
        phases.select("property_id", "scenario").unique("property_id")
        if "scenario" in phases.columns
        else None
    )
    grants = (
        pl.concat(grant_parts)
        if grant_parts
        else pl.DataFrame(
            schema={k: GRANT_SCHEMA[k] for k in ("property_id", "phase", "scheme", "grant_gbp", "uplift")}
        )
    )
    if tags is not None:
        grants = grants.join(tags, on="property_id", how="left")
    grants = grants.select(
        [
            pl.col(c).cast(t) if c in grants.columns else pl.lit(None, t).alias(c)
            for c, t in GRANT_SCHEMA.items()
        ]
    ).with_columns(pl.col("grant_gbp").round(2))
    return Funded(out, grants.sort("property_id", "phase", "scheme"))


def _capped_over_phases(home: np.ndarray, uncapped: np.ndarray, cap: float) -> np.ndarray:
    """Per-phase grants whose sum over a home's phases (rows sorted by home, phase) stays within `cap`."""
    frame = pl.DataFrame({"home": home, "g": uncapped})
    cum = frame.select(pl.col("g").cum_sum().over("home"))["g"].to_numpy()
    capped = np.minimum(cum, cap)
    before = np.minimum(cum - uncapped, cap)
    return np.maximum(capped - before, 0.0)


def _mees(
    base: pl.DataFrame, s: Scheme, applies: np.ndarray, paid: np.ndarray, exempt: pl.Series
) -> pl.Series:
    """Exemption marks: the scheme applies and no phase reaches target_band within the cap (net cost)."""
    assert s.target_band is not None
    good = BANDS[: BANDS.index(s.target_band) + 1]
    frame = (
        base.select("property_id", "band_after", "cost_to_date_gbp")
        .with_columns(
            pl.Series("applies", applies),
            pl.Series("paid", paid),
        )
        .with_columns(
            (pl.col("cost_to_date_gbp") - pl.col("paid").cum_sum().over("property_id")).alias("net_to_date")
        )
    )
    ok = frame.group_by("property_id").agg(
        (pl.col("band_after").is_in(good) & (pl.col("net_to_date") <= s.cap_gbp + 1e-6)).any().alias("ok"),
        pl.col("applies").any(),
    )
    marks = frame.select("property_id").join(ok, on="property_id", how="left")
    new = marks.select(
        pl.when(pl.col("applies")).then(~pl.col("ok")).otherwise(None).alias("mees_exemption")
    )["mees_exemption"]
    # a home under two cost-cap schemes keeps the first mark
    return pl.DataFrame({"a": exempt, "b": new}).select(pl.coalesce("a", "b").alias("mees_exemption"))[
        "mees_exemption"
    ]


def funding_totals(grants: pl.DataFrame) -> dict[str, float]:
    """Grant per scheme (pounds), for summaries."""
    if grants.is_empty():
        return {}
    rows = grants.group_by("scheme").agg(pl.col("grant_gbp").sum()).sort("scheme").iter_rows()
    return {str(k): round(float(v), 2) for k, v in rows}


def grants_after_end(selected: pl.DataFrame, grants: pl.DataFrame, rules: FundingRules) -> pl.DataFrame:
    """Grant rows an allocation places in a year after their scheme ends (the landlord cannot draw them):
    selected (property_id, phase, year) joined to grants (property_id, phase, scheme, grant_gbp)."""
    ends = {s.scheme: s.ends.year for s in rules.schemes}
    return (
        selected.select("property_id", "phase", "year")
        .join(grants.select("property_id", "phase", "scheme", "grant_gbp"), on=["property_id", "phase"])
        .filter(pl.col("year") > pl.col("scheme").replace_strict(ends, return_dtype=pl.Int32))
    )


def net_cost_price(
    scheme_names: list[str],
    homes: pl.DataFrame,
    tenure: str | None,
    rules: FundingRules,
    *,
    phase_first_year: int,
) -> Callable[[pl.DataFrame], pl.DataFrame] | None:
    """The optimiser's price of a package under objective `net_cost`: its cost less the grants it would
    draw in a phase starting in `phase_first_year` (None when no scheme is open then).

    homes: property_id, band_at_start, and optionally tenure and on_gas_grid. An estimate per package: each
    scheme's cap applies to the package alone (not what earlier phases drew) and the uplift's share of
    homes is not enforced here (apply_funding does both on the chosen plans).
    """
    schemes = [
        s
        for s in (rules.get(n) for n in scheme_names)
        if s.kind == "grant" and phase_first_year <= s.ends.year
    ]
    if not schemes:
        return None
    groups = _tenure_groups(homes.select("property_id"), homes, tenure, rules).join(
        homes.select(pl.col("property_id").cast(pl.Int64), "band_at_start"), on="property_id", how="left"
    )

    def price(items: pl.DataFrame) -> pl.DataFrame:
        per = items.join(groups, on="property_id", how="left")
        v = (
            per.group_by("v")
            .agg(
                pl.col("cost_gbp").sum().alias("cost"),
                pl.col("tenure_group").first(),
                pl.col("band_at_start").first(),
                pl.col("on_gas_grid").first(),
            )
            .sort("v")
        )
        paid = np.zeros(v.height)
        for s in schemes:
            mine = (
                per if s.measure_types is None else per.filter(pl.col("measure_type").is_in(s.measure_types))
            )
            agg = mine.group_by("v").agg(
                pl.col("cost_gbp").sum().alias("eligible"),
                pl.col("measure_type").is_in(s.uplift_measure_types or []).any().alias("lift"),
            )
            j = v.select("v", "tenure_group", "band_at_start", "on_gas_grid").join(agg, on="v", how="left")
            ok = (
                j["tenure_group"].is_in(s.tenures).fill_null(False)
                & j["band_at_start"].is_in(s.bands).fill_null(False)
            ).to_numpy()
            eligible = np.maximum(j["eligible"].fill_null(0.0).to_numpy() - paid, 0.0)
            lift = j["lift"].fill_null(False).to_numpy()
            if s.uplift_requires_gas_grid:
                lift &= j["on_gas_grid"].fill_null(False).to_numpy()
            cap = np.where(lift & (s.uplift_cap_gbp is not None), s.uplift_cap_gbp or s.cap_gbp, s.cap_gbp)
            paid = paid + np.where(ok, np.minimum(s.co_funding.max_grant(eligible), cap), 0.0)
        return pl.DataFrame({"v": v["v"], "price_gbp": v["cost"].to_numpy() - paid})

    return price
