"""Repository over `pcdb_revisions`, `pcdb_boilers`, `pcdb_postcode_climate` and `pcdb_wwhrs`
(migrations/0011, 0015).

Bound to the one connection of a unit of work and never commits:

    with warehouse.unit_of_work() as uow:
        result = uow.pcdb.import_file(parsed, source="file:pcdb10.dat")
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from ara_assets.pcdb.parse import MONTHS, PcdbFile
from ara_assets.pcdb.products import ProductData

# every Ara process takes the same key to import a PCDB revision
PCDB_LOCK_KEY = 0x41_52_41_5F_50_43_44  # "ARA_PCD"


class PcdbImportError(ValueError):
    """The revision number is already held with different content."""


@dataclass(frozen=True)
class PcdbImportResult:
    revision: int
    created: bool
    message: str


class PcdbRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def current_revision(self) -> int | None:
        return self._conn.execute(sa.text("SELECT max(revision) FROM pcdb_revisions")).scalar()

    def import_file(self, parsed: PcdbFile, source: str) -> PcdbImportResult:
        self._conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PCDB_LOCK_KEY})
        held = self._conn.execute(
            sa.text("SELECT sha256 FROM pcdb_revisions WHERE revision = :r"), {"r": parsed.revision}
        ).scalar()
        if held == parsed.sha256:
            return PcdbImportResult(
                parsed.revision, False, f"PCDB revision {parsed.revision} already imported"
            )
        if held is not None:
            raise PcdbImportError(
                f"PCDB revision {parsed.revision} is already imported from a different file "
                f"(sha256 {held[:12]}..., this file {parsed.sha256[:12]}...): nothing was imported"
            )
        self._conn.execute(
            sa.text(
                "INSERT INTO pcdb_revisions (revision, issued, source, sha256, table_counts, skipped) "
                "VALUES (:r, :i, :s, :h, CAST(:c AS jsonb), CAST(:k AS jsonb))"
            ),
            {
                "r": parsed.revision,
                "i": parsed.issued,
                "s": source,
                "h": parsed.sha256,
                "c": json.dumps({str(k): v for k, v in sorted(parsed.table_counts.items())}),
                "k": json.dumps(parsed.skipped),
            },
        )
        boilers = parsed.boilers.filter(
            pl.col("winter_efficiency_pct").is_not_null() & pl.col("summer_efficiency_pct").is_not_null()
        )
        if boilers.height:
            cols = list(boilers.columns)
            self._conn.execute(
                sa.text(
                    f"INSERT INTO pcdb_boilers (revision, {', '.join(cols)}) "
                    f"VALUES (:revision, {', '.join(':' + c for c in cols)})"
                ),
                [{"revision": parsed.revision, **r} for r in boilers.iter_rows(named=True)],
            )
        clim = parsed.postcode_climate
        if clim.height:
            rows = [
                {
                    "revision": parsed.revision,
                    **{k: r[k] for k in ("postcode_district", "region", "country", "height_m")},
                    "latitude_deg": r["latitude_deg"],
                    "longitude_deg": r["longitude_deg"],
                    "t": [r[f"temperature_c_{m}"] for m in MONTHS],
                    "w": [r[f"wind_m_s_{m}"] for m in MONTHS],
                    "s": [r[f"solar_w_m2_{m}"] for m in MONTHS],
                }
                for r in clim.iter_rows(named=True)
            ]
            self._conn.execute(
                sa.text(
                    "INSERT INTO pcdb_postcode_climate (revision, postcode_district, region, country, "
                    "height_m, latitude_deg, longitude_deg, temperature_c, wind_m_s, solar_w_m2) VALUES "
                    "(:revision, :postcode_district, :region, :country, :height_m, :latitude_deg, "
                    ":longitude_deg, :t, :w, :s)"
                ),
                rows,
            )
        recovery = parsed.wwhrs.filter(
            pl.col("efficiency_pct").is_not_null() & pl.col("utilisation").is_not_null()
        )
        if recovery.height:
            cols = list(recovery.columns)
            self._conn.execute(
                sa.text(
                    f"INSERT INTO pcdb_wwhrs (revision, {', '.join(cols)}) "
                    f"VALUES (:revision, {', '.join(':' + c for c in cols)})"
                ),
                [{"revision": parsed.revision, **r} for r in recovery.iter_rows(named=True)],
            )
        return PcdbImportResult(
            parsed.revision,
            True,
            f"PCDB revision {parsed.revision} ({parsed.issued.isoformat()}) imported: "
            f"{boilers.height} boilers, {clim.height} postcode districts, {recovery.height} WWHRS",
        )

    def load(self, revision: int | None = None) -> ProductData | None:
        """One revision (default: the newest) as ``ProductData``; None when nothing was imported."""
        revision = revision if revision is not None else self.current_revision()
        if revision is None:
            return None
        issued, sha256 = self._conn.execute(
            sa.text("SELECT issued, sha256 FROM pcdb_revisions WHERE revision = :r"), {"r": revision}
        ).one()
        boilers = pl.DataFrame(
            [
                dict(r._mapping)
                for r in self._conn.execute(
                    sa.text(
                        "SELECT pcdb_index, pcdb_table, fuel, boiler_type, condensing, "
                        "winter_efficiency_pct::float8 AS winter_efficiency_pct, "
                        "summer_efficiency_pct::float8 AS summer_efficiency_pct, "
                        "subsidiary_type, store_type, separate_dhw_tests, "
                        "combi_loss_r1::float8 AS combi_loss_r1, "
                        "combi_loss_f1_kwh_per_day::float8 AS combi_loss_f1_kwh_per_day, "
                        "combi_loss_f2_kwh_per_day::float8 AS combi_loss_f2_kwh_per_day, "
                        "combi_loss_f3_per_litre::float8 AS combi_loss_f3_per_litre, "
                        "keep_hot_facility, keep_hot_timer "
                        "FROM pcdb_boilers WHERE revision = :r"
                    ),
                    {"r": revision},
                )
            ]
        )
        clim_rows = self._conn.execute(
            sa.text(
                "SELECT postcode_district, region, latitude_deg::float8 AS latitude_deg, "
                "height_m::float8 AS height_m, temperature_c::float8[] AS t, wind_m_s::float8[] AS w, "
                "solar_w_m2::float8[] AS s FROM pcdb_postcode_climate WHERE revision = :r"
            ),
            {"r": revision},
        )
        climate = pl.DataFrame(
            [
                {
                    **{k: r[k] for k in ("postcode_district", "region", "latitude_deg", "height_m")},
                    **{f"temperature_c_{m}": r["t"][m - 1] for m in MONTHS},
                    **{f"wind_m_s_{m}": r["w"][m - 1] for m in MONTHS},
                    **{f"solar_w_m2_{m}": r["s"][m - 1] for m in MONTHS},
                }
                for r in (row._mapping for row in clim_rows)
            ]
        )
        wwhrs = pl.DataFrame(
            [
                dict(r._mapping)
                for r in self._conn.execute(
                    sa.text(
                        "SELECT pcdb_index, system_type, efficiency_pct::float8 AS efficiency_pct, "
                        "utilisation::float8 AS utilisation, pcdf_format FROM pcdb_wwhrs WHERE revision = :r"
                    ),
                    {"r": revision},
                )
            ],
            schema={
                "pcdb_index": pl.Int64(),
                "system_type": pl.Int32(),
                "efficiency_pct": pl.Float64(),
                "utilisation": pl.Float64(),
                "pcdf_format": pl.Int32(),
            },
        )
        return ProductData.from_frames(revision, str(issued), boilers, climate, sha256=sha256, wwhrs=wwhrs)
