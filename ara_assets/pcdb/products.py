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

from dataclasses import dataclass
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
class ProductData:
    revision: int
    issued: str  # ISO date of the PCDF control line
    boilers: dict[int, Boiler]
    climate: dict[str, dict[str, Any]]  # postcode district ("AB10") -> Table 172 record

    @classmethod
    def from_frames(
        cls, revision: int, issued: str, boilers: pl.DataFrame, climate: pl.DataFrame
    ) -> ProductData:
        by_index = {
            int(r["pcdb_index"]): Boiler(
                int(r["pcdb_index"]),
                int(r["pcdb_table"]),
                r["fuel"],
                r["boiler_type"],
                r["condensing"],
                float(r["winter_efficiency_pct"]),
                float(r["summer_efficiency_pct"]),
            )
            for r in boilers.iter_rows(named=True)
            if r["winter_efficiency_pct"] is not None and r["summer_efficiency_pct"] is not None
        }
        clim = {str(r["postcode_district"]): r for r in climate.iter_rows(named=True)}
        return cls(revision, issued, by_index, clim)

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
