"""Product data for the expansion: an imported PCDF revision as look-ups by PCDB index and postcode district.

``ProductData`` is built from the frames of ``parse_pcdf`` (or of a stored snapshot). The RdSAP expansion
asks it for the boiler a certificate lodges by index (``main_heating_index_number`` with
``main_heating_data_source`` 1): found, the record's seasonal efficiencies replace the Table 4b defaults and
``pcdb_fallback`` stays false; absent, the Table 4b default stands in and ``pcdb_fallback`` is true.

A process installs the product data it uses once (``install``; the ``ara`` command and the in-process
scoring resource's set-up load the snapshot under ARA_HOME), so scoring needs no flag; callers may also
pass one in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import polars as pl

from ara_assets.pcdb.parse import MONTHS

FIRST_DISTRICT_CODE = 22  # climate codes 0-21 are the SAP 10.2 Appendix U regions

# PCDF Table 105 fuel -> (regular, combi, CPSU) SAP 10.2 Table 4b code, (non-condensing, condensing)
_GAS = {1: (101, 102), 2: (103, 104), 3: (120, 121)}
_OIL = {1: (126, 127), 2: (129, 130)}
PCDF_GAS_FUELS = (1, 2)  # mains gas, LPG
PCDF_OIL_FUELS = (4,)


@dataclass(frozen=True)
class Boiler:
    pcdb_index: int
    pcdb_table: int
    fuel: int | None
    boiler_type: int | None
    condensing: bool | None
    winter_efficiency_pct: float
    summer_efficiency_pct: float
    # Table 105 combi-loss fields (parse.COMBI_FIELDS); None where the record has none
    subsidiary_type: int | None = None
    store_type: int | None = None
    separate_dhw_tests: int | None = None
    combi_loss_r1: float | None = None
    combi_loss_f1_kwh_per_day: float | None = None
    combi_loss_f2_kwh_per_day: float | None = None
    combi_loss_f3_per_litre: float | None = None
    keep_hot_facility: int | None = None
    keep_hot_timer: int | None = None

    def combi_loss_inputs(self) -> dict[str, Any]:
        """Worksheet inputs for line (61) of a Table 105 combi (empty for any other boiler).

        - Tested for hot water (field 48 >= 1) with r1 and F1, instantaneous (store type 0) and without an
          integral passive FGHR device (subsidiary type 0): SAP 10.2 Table 3b row 1 (profile M) or Table 3c
          (two profiles), carried as ``combi_dhw_tests`` with r1 and F1.
        - A keep-hot facility (field 58) on an instantaneous combi: Table 3a row 3 when a time clock controls
          it (field 59 = 1), row 4 otherwise; an electric keep-hot is flagged (``combi_keep_hot_electric``).
        - A storage combi (store type 1 or 2) is flagged (``combi_storage``): its Table 3a rows need the store
          volume and the store loss, not carried.
        """
        if self.pcdb_table != 105 or self.boiler_type != 2:
            return {}
        out: dict[str, Any] = {}
        instantaneous = (self.store_type or 0) == 0
        tested = (
            instantaneous
            and (self.subsidiary_type or 0) == 0
            and (self.separate_dhw_tests or 0) >= 1
            and self.combi_loss_r1 is not None
            and self.combi_loss_f1_kwh_per_day is not None
        )
        if tested:
            out["combi_dhw_tests"] = int(self.separate_dhw_tests or 0)
            out["combi_loss_r1"] = self.combi_loss_r1
            out["combi_loss_f1_kwh_per_day"] = self.combi_loss_f1_kwh_per_day
        facility = self.keep_hot_facility or 0
        if instantaneous and facility in (1, 2, 3):
            out["combi_keep_hot"] = 1 if self.keep_hot_timer == 1 else 2
            out["combi_keep_hot_electric"] = facility in (2, 3)
        if self.store_type in (1, 2):
            out["combi_storage"] = True
        return out

    def table_4b_code(self) -> int | None:
        """The SAP 10.2 Table 4b row of the same kind (combi / regular / CPSU, condensing or not): the
        worksheet needs it for the boiler's type rules (combi loss, primary loss); None if not derivable."""
        if self.pcdb_table != 105 or self.boiler_type is None:
            return None
        cond = 1 if self.condensing else 0
        if self.fuel in PCDF_GAS_FUELS and self.boiler_type in _GAS:
            return _GAS[self.boiler_type][cond]
        if self.fuel in PCDF_OIL_FUELS and self.boiler_type in _OIL:
            return _OIL[self.boiler_type][cond]
        return None


@dataclass(frozen=True)
class Wwhrs:
    """An instantaneous waste-water heat-recovery system (PCDB Table 353)."""

    pcdb_index: int
    system_type: int  # 1 system A, 2 system B, 3 system C
    efficiency_pct: float
    utilisation: float
    pcdf_format: int  # 453: SAP 2012 layout, one efficiency per arrangement (not by shower flow)

    def worksheet_inputs(self, slot: int) -> dict[str, Any]:
        """The worksheet's inputs for WWHRS ``slot`` (1 or 2), Appendix G4."""
        return {
            f"wwhrs_{slot}_efficiency_pct": self.efficiency_pct,
            f"wwhrs_{slot}_utilisation": self.utilisation,
            f"wwhrs_{slot}_system_type": self.system_type,
        }


@dataclass(frozen=True)
class ProductData:
    revision: int
    issued: str  # ISO date of the PCDF control line
    boilers: dict[int, Boiler]
    climate: dict[str, dict[str, Any]]  # postcode district ("AB10") -> Table 172 record
    sha256: str | None = None  # of the imported file: tells two imports under one revision number apart
    wwhrs: dict[int, Wwhrs] = field(default_factory=dict)  # Table 353 by index

    @classmethod
    def from_frames(
        cls,
        revision: int,
        issued: str,
        boilers: pl.DataFrame,
        climate: pl.DataFrame,
        sha256: str | None = None,
        wwhrs: pl.DataFrame | None = None,
    ) -> ProductData:
        # a snapshot written before the combi-loss fields were imported lacks their columns: None
        extra = [f.name for f in fields(Boiler)][7:]
        by_index = {
            int(r["pcdb_index"]): Boiler(
                int(r["pcdb_index"]),
                int(r["pcdb_table"]),
                r["fuel"],
                r["boiler_type"],
                r["condensing"],
                float(r["winter_efficiency_pct"]),
                float(r["summer_efficiency_pct"]),
                **{k: r.get(k) for k in extra},
            )
            for r in boilers.iter_rows(named=True)
            if r["winter_efficiency_pct"] is not None and r["summer_efficiency_pct"] is not None
        }
        clim = {str(r["postcode_district"]): r for r in climate.iter_rows(named=True)}
        recovery = {
            int(r["pcdb_index"]): Wwhrs(
                int(r["pcdb_index"]),
                int(r["system_type"]),
                float(r["efficiency_pct"]),
                float(r["utilisation"]),
                int(r["pcdf_format"]),
            )
            for r in (wwhrs.iter_rows(named=True) if wwhrs is not None else ())
            if r["efficiency_pct"] is not None and r["utilisation"] is not None
        }
        return cls(revision, issued, by_index, clim, sha256, recovery)

    def tag(self) -> str:
        """What a stored result computed with these data depends on: revision and file digest."""
        return f"pcdb:{self.revision}:{(self.sha256 or '')[:16]}"

    def district_code(self, postcode: str | None) -> int | None:
        """Worksheet climate code of a postcode's Table 172 district (22 + its position), or None."""
        rec = self.district_climate(postcode)
        if rec is None:
            return None
        return FIRST_DISTRICT_CODE + self._district_order()[str(rec["postcode_district"])]

    def _district_order(self) -> dict[str, int]:
        cached = self.__dict__.get("_order")
        if cached is None:
            cached = {d: i for i, d in enumerate(sorted(self.climate))}
            object.__setattr__(self, "_order", cached)
        return cached

    def climate_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Table 172 as (D, 12) temperature, wind, solar and (D,) latitude, in ``district_code`` order."""
        order = sorted(self.climate)
        recs = [self.climate[d] for d in order]

        def grid(prefix: str) -> np.ndarray:
            return np.array([[float(r[f"{prefix}_{m}"]) for m in MONTHS] for r in recs], dtype=np.float64)

        lat = np.array([float(r["latitude_deg"]) for r in recs], dtype=np.float64)
        return grid("temperature_c"), grid("wind_m_s"), grid("solar_w_m2"), lat

    def boiler(self, index: object) -> Boiler | None:
        """The boiler of a lodged index number ("017498", 17498, "17498"); None when absent."""
        try:
            return self.boilers.get(int(str(index).strip()))
        except ValueError:
            return None

    def wwhrs_record(self, index: object) -> Wwhrs | None:
        """The WWHRS of a lodged index number; None when absent."""
        try:
            return self.wwhrs.get(int(str(index).strip()))
        except ValueError:
            return None

    def district_climate(self, postcode: str | None) -> dict[str, Any] | None:
        """Table 172 record of a postcode's district (outward code, e.g. "SW1A 1AA" -> "SW1A")."""
        if not postcode:
            return None
        outward = str(postcode).strip().upper().split(" ")[0]
        if len(outward) > 4 or not outward:
            return None
        # central London sub-districts ("SW1A") are listed under their district ("SW1")
        return self.climate.get(outward) or (
            self.climate.get(outward[:-1]) if outward[-1].isalpha() else None
        )


_ACTIVE: list[ProductData] = []


def install(products: ProductData | None) -> None:
    """Make ``products`` the product data this process scores with (None: none)."""
    _ACTIVE.clear()
    if products is not None:
        _ACTIVE.append(products)


def active() -> ProductData | None:
    """The installed product data, if any."""
    return _ACTIVE[0] if _ACTIVE else None
