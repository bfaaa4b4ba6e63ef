"""BRE's Product Characteristics Data File (PCDF, ``pcdb10.dat`` / ``pcdf2012.dat``) -> frames.

The file is text: ``#`` lines are comments; a ``$`` control line opens a table,
``$<table>,<format>,<revision>,<year>,<month>,<day>,<kind>`` (``$001,<revision>,<y>,<m>,<d>`` gives the
revision of the whole file; ``$999`` ends it); the lines that follow are comma-separated records of that
table in that format. A table may appear more than once (illustrative products, then real ones); its
records are concatenated.

Read here (field positions 1-based, as the PCDF specification numbers them; each checked against records
whose values are published, see docs/sap10/DEVIATIONS.md P1, P2 and W1):

- Table 105, gas and oil boilers, format 210: 1 index, 5 manufacturer, 6 brand, 7 model, 8 qualifier,
  12 fuel (1 mains gas, 2 LPG, 4 oil), 15 type (1 regular, 2 combi, 3 CPSU), 19 condensing (2 yes),
  23 maximum output kW, 25 SEDBUK 2009 annual %, 26 winter seasonal %, 27 summer seasonal %,
  34 PCDF boiler category (102 regular condensing gas, 104 combi, 201 oil...: not a SAP 10.2 Table 4b code);
  the combi-loss fields of SAP 10.2 Tables 3a-3c: 16 subsidiary type (0 normal, 1 with integral passive
  flue-gas heat recovery), 39 store type (0 none: instantaneous, 1 primary store, 2 secondary store, 3 CPSU),
  48 separate DHW tests (0 none, 1 profile M only -> Table 3b, 2 M and S / 3 M and L -> Table 3c),
  51 rejected-energy proportion r1, 52 loss factor F1 (kWh/day), 56 loss factor F2 (kWh/day),
  57 rejected factor F3 (per litre), 58 keep-hot facility (0 none, 1 fuel, 2 electric, 3 both),
  59 keep-hot timer (1: controlled by a time clock).
- Table 122, solid-fuel boilers, format 224: 1 index, 5-8 names, 12 SAP fuel code, 18 output kW,
  21 seasonal efficiency % (the worksheet takes it for winter and summer).
- Table 172, postcode districts, format 272: area, district, updated, region, country, area values, height,
  latitude, longitude, T(1..12), W(1..12), R(1..12) (the header comment of the table names them).
- Table 353, waste-water heat recovery (WWHRS), format 453: 1 index, 5-8 names, 11 type (1 instantaneous;
  2 storage, not imported: the worksheet refuses storage WWHRS), 12 arrangement (A, B or C),
  14 heat-recovery efficiency %, 15 utilisation factor. Format 453 is the SAP 2012 layout: one efficiency
  per arrangement, where SAP 10.2 takes it at the dwelling's shower flow (the expansion records approximation
  ``wwhrs_sap_2012_record``). Positions from the same products in the SAP 2009 format 451 (efficiency then
  utilisation, the utilisation equal in both, e.g. 080001 0.979) read by RCUK-CEE/epctk's ``get_wwhr_system``.
- Table 313 (FGHRS, format 413) and Table 391 (storage heaters, format 491) are not imported, by name
  (``skipped``): the worksheet's FGHRS (63d, Appendix G1-G3) is not implemented and the storage-heater
  records feed nothing (SAP 10.2 scores storage heaters by their Table 4a code).
- Table 362, heat pumps: only the SAP 10 formats carry plant-size-ratio (PSR) groups; format 464 is the
  SAP 2012 layout and is refused by name (``skipped``), so no SAP 2012 heat-pump record reaches Appendix N.

Every other table is counted (``table_counts``) but not read: the worksheet does not use it yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import polars as pl


class PcdbFormatError(ValueError):
    """A PCDF file the importer cannot read: names the line, field and value."""

    def __init__(self, line: int, field_name: str, value: object, reason: str) -> None:
        self.line, self.field_name, self.value, self.reason = line, field_name, value, reason
        super().__init__(f"PCDF line {line}: field {field_name!r} has value {value!r} ({reason})")


BOILER_SCHEMA: dict[str, pl.DataType] = {
    "pcdb_index": pl.Int64(),
    "pcdb_table": pl.Int32(),
    "manufacturer": pl.String(),
    "brand": pl.String(),
    "model": pl.String(),
    "qualifier": pl.String(),
    "fuel": pl.Int32(),  # Table 105: PCDF fuel (1 gas, 2 LPG, 4 oil); Table 122: SAP fuel code
    "boiler_type": pl.Int32(),  # Table 105: 1 regular, 2 combi, 3 CPSU; Table 122: null
    "condensing": pl.Boolean(),
    "output_kw": pl.Float64(),
    "sedbuk_2009_pct": pl.Float64(),
    "winter_efficiency_pct": pl.Float64(),
    "summer_efficiency_pct": pl.Float64(),
    # field 34: the PCDF category (102 regular condensing gas, 201 oil..; not a SAP 10.2 code)
    "pcdf_category_code": pl.Int32(),
    # combi-loss fields (SAP 10.2 Tables 3a-3c); null where the record has none
    "subsidiary_type": pl.Int32(),
    "store_type": pl.Int32(),
    "separate_dhw_tests": pl.Int32(),
    "combi_loss_r1": pl.Float64(),
    "combi_loss_f1_kwh_per_day": pl.Float64(),
    "combi_loss_f2_kwh_per_day": pl.Float64(),
    "combi_loss_f3_per_litre": pl.Float64(),
    "keep_hot_facility": pl.Int32(),
    "keep_hot_timer": pl.Int32(),
}
# the Table 105-only fields: a Table 122 (solid-fuel) record leaves them null
COMBI_FIELDS = (
    "subsidiary_type",
    "store_type",
    "separate_dhw_tests",
    "combi_loss_r1",
    "combi_loss_f1_kwh_per_day",
    "combi_loss_f2_kwh_per_day",
    "combi_loss_f3_per_litre",
    "keep_hot_facility",
    "keep_hot_timer",
)
MONTHS = range(1, 13)
CLIMATE_SCHEMA: dict[str, pl.DataType] = {
    "postcode_district": pl.String(),
    "region": pl.Int32(),
    "country": pl.Int32(),
    "height_m": pl.Float64(),
    "latitude_deg": pl.Float64(),
    "longitude_deg": pl.Float64(),
    **{f"temperature_c_{m}": pl.Float64() for m in MONTHS},
    **{f"wind_m_s_{m}": pl.Float64() for m in MONTHS},
    **{f"solar_w_m2_{m}": pl.Float64() for m in MONTHS},
}
WWHRS_SCHEMA: dict[str, pl.DataType] = {
    "pcdb_index": pl.Int64(),
    "manufacturer": pl.String(),
    "brand": pl.String(),
    "model": pl.String(),
    "qualifier": pl.String(),
    "system_type": pl.Int32(),  # 1 system A, 2 system B, 3 system C (worksheet wwhrs_N_system_type)
    "efficiency_pct": pl.Float64(),
    "utilisation": pl.Float64(),
    "pcdf_format": pl.Int32(),  # 453: the SAP 2012 layout (one efficiency per arrangement)
}
WWHRS_TABLE, WWHRS_FORMATS = 353, (453,)
WWHRS_ARRANGEMENT = {"A": 1, "B": 2, "C": 3}
# tables the file carries that the worksheet does not use: named, not imported
NOT_IMPORTED = {
    313: "Table 313 (flue-gas heat recovery, FGHRS) format {fmt}: not imported, the worksheet's FGHRS "
    "(63d, SAP 10.2 Appendix G1-G3) is not implemented and a certificate lodging one is refused",
    391: "Table 391 (storage heaters) format {fmt}: not imported, SAP 10.2 scores storage heaters by their "
    "Table 4a code",
}
# table -> formats this reader knows (a table in another format is skipped with the reason)
BOILER_FORMATS = {105: (210,), 122: (224,)}
KNOWN_FORMATS = {**BOILER_FORMATS, WWHRS_TABLE: WWHRS_FORMATS}
CLIMATE_FORMATS = (272,)
HEAT_PUMP_TABLE = 362
SAP_2012_HEAT_PUMP_FORMAT = 464


@dataclass
class PcdbFile:
    """One parsed PCDF file."""

    revision: int
    issued: dt.date
    sha256: str
    boilers: pl.DataFrame
    postcode_climate: pl.DataFrame
    wwhrs: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=WWHRS_SCHEMA))
    table_counts: dict[int, int] = field(default_factory=dict)  # records per table number, all tables
    skipped: list[str] = field(default_factory=list)  # tables seen but not imported, with the reason


def _float(line: int, name: str, value: str) -> float | None:
    v = value.strip()
    if v == "":
        return None
    try:
        return float(v)
    except ValueError:
        raise PcdbFormatError(line, name, value, "not a number") from None


def _output(value: str) -> float | None:
    """An output in kW, which some records give as text ('>70kW'): descriptive, so unreadable -> None."""
    try:
        return float(value.strip())
    except ValueError:
        return None


def _int(line: int, name: str, value: str) -> int | None:
    f = _float(line, name, value)
    return None if f is None else int(f)


def _get(fields: list[str], position: int) -> str:
    """Field at a 1-based position ('' past the end: trailing empty fields may be cut)."""
    return fields[position - 1] if len(fields) >= position else ""


def _boiler_105(line: int, f: list[str]) -> dict[str, object]:
    condensing = _int(line, "condensing (field 19)", _get(f, 19))
    return {
        "pcdb_index": _int(line, "index (field 1)", f[0]),
        "pcdb_table": 105,
        "manufacturer": _get(f, 5),
        "brand": _get(f, 6),
        "model": _get(f, 7),
        "qualifier": _get(f, 8),
        "fuel": _int(line, "fuel (field 12)", _get(f, 12)),
        "boiler_type": _int(line, "type (field 15)", _get(f, 15)),
        "condensing": None if condensing is None else condensing == 2,
        "output_kw": _output(_get(f, 23)),
        "sedbuk_2009_pct": _float(line, "SEDBUK 2009 (field 25)", _get(f, 25)),
        "winter_efficiency_pct": _float(line, "winter seasonal efficiency (field 26)", _get(f, 26)),
        "summer_efficiency_pct": _float(line, "summer seasonal efficiency (field 27)", _get(f, 27)),
        "pcdf_category_code": _int(line, "category (field 34)", _get(f, 34)),
        "subsidiary_type": _int(line, "subsidiary type (field 16)", _get(f, 16)),
        "store_type": _int(line, "store type (field 39)", _get(f, 39)),
        "separate_dhw_tests": _int(line, "separate DHW tests (field 48)", _get(f, 48)),
        "combi_loss_r1": _float(line, "r1 (field 51)", _get(f, 51)),
        "combi_loss_f1_kwh_per_day": _float(line, "F1 (field 52)", _get(f, 52)),
        "combi_loss_f2_kwh_per_day": _float(line, "F2 (field 56)", _get(f, 56)),
        "combi_loss_f3_per_litre": _float(line, "F3 (field 57)", _get(f, 57)),
        "keep_hot_facility": _int(line, "keep-hot facility (field 58)", _get(f, 58)),
        "keep_hot_timer": _int(line, "keep-hot timer (field 59)", _get(f, 59)),
    }


def _boiler_122(line: int, f: list[str]) -> dict[str, object]:
    eff = _float(line, "seasonal efficiency (field 21)", _get(f, 21))
    return {
        "pcdb_index": _int(line, "index (field 1)", f[0]),
        "pcdb_table": 122,
        "manufacturer": _get(f, 5),
        "brand": _get(f, 6),
        "model": _get(f, 7),
        "qualifier": _get(f, 8),
        "fuel": _int(line, "fuel (field 12)", _get(f, 12)),
        "boiler_type": None,
        "condensing": None,
        "output_kw": _output(_get(f, 18)),
        "sedbuk_2009_pct": None,
        "winter_efficiency_pct": eff,
        "summer_efficiency_pct": eff,
        "pcdf_category_code": None,
        **dict.fromkeys(COMBI_FIELDS),
    }


STORAGE_WWHRS_SKIPPED = (
    "Table 353 storage WWHRS records (field 11 = 2): not imported, the worksheet's storage WWHRS (SAP 10.2 "
    "Appendix G4.2) is not implemented and a certificate lodging one is refused"
)


def _wwhrs(line: int, f: list[str], fmt: int) -> dict[str, object] | None:
    """An instantaneous WWHRS record (field 11 = 1); None for a storage WWHRS (field 11 = 2)."""
    kind = _int(line, "WWHRS type (field 11)", _get(f, 11))
    if kind == 2:
        return None
    if kind != 1:
        raise PcdbFormatError(line, "WWHRS type (field 11)", kind, "expected 1 instantaneous or 2 storage")
    arrangement = _get(f, 12).strip().upper()
    if arrangement not in WWHRS_ARRANGEMENT:
        raise PcdbFormatError(line, "WWHRS arrangement (field 12)", arrangement, "expected A, B or C")
    return {
        "pcdb_index": _int(line, "index (field 1)", f[0]),
        "manufacturer": _get(f, 5),
        "brand": _get(f, 6),
        "model": _get(f, 7),
        "qualifier": _get(f, 8),
        "system_type": WWHRS_ARRANGEMENT[arrangement],
        "efficiency_pct": _float(line, "efficiency (field 14)", _get(f, 14)),
        "utilisation": _float(line, "utilisation factor (field 15)", _get(f, 15)),
        "pcdf_format": fmt,
    }


def _climate(line: int, f: list[str]) -> dict[str, object]:
    if len(f) < 45:
        raise PcdbFormatError(line, "Table 172 record", len(f), "expected 45 fields")
    out: dict[str, object] = {
        "postcode_district": f"{f[0].strip()}{f[1].strip()}".upper(),
        "region": _int(line, "region (field 4)", f[3]),
        "country": _int(line, "country (field 5)", f[4]),
        "height_m": _float(line, "height (field 7)", f[6]),
        "latitude_deg": _float(line, "latitude (field 8)", f[7]),
        "longitude_deg": _float(line, "longitude (field 9)", f[8]),
    }
    for m in MONTHS:
        out[f"temperature_c_{m}"] = _float(line, f"T({m})", f[8 + m])
        out[f"wind_m_s_{m}"] = _float(line, f"W({m})", f[20 + m])
        out[f"solar_w_m2_{m}"] = _float(line, f"R({m})", f[32 + m])
    return out


def parse_pcdf(text: str) -> PcdbFile:
    """Parse a whole PCDF file. Raises ``PcdbFormatError`` naming the line for anything malformed."""
    revision: int | None = None
    issued: dt.date | None = None
    table: int | None = None
    fmt: int | None = None
    boilers: list[dict[str, object]] = []
    climate: list[dict[str, object]] = []
    wwhrs: list[dict[str, object]] = []
    counts: dict[int, int] = {}
    skipped: dict[tuple[int, int], str] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("$"):
            parts = [p.strip() for p in line[1:].split(",")]
            number = _int(n, "table number", parts[0])
            if number == 1:
                if len(parts) < 5:
                    raise PcdbFormatError(n, "$001 control line", line, "expected revision, year, month, day")
                revision = _int(n, "revision", parts[1])
                try:
                    issued = dt.date(int(parts[2]), int(parts[3]), int(parts[4]))
                except ValueError:
                    raise PcdbFormatError(n, "$001 date", parts[2:5], "not a date") from None
                table = None
                continue
            if number == 999:
                break
            if len(parts) < 2:
                raise PcdbFormatError(n, "control line", line, "expected table number and format")
            table, fmt = number, _int(n, "format", parts[1])
            counts.setdefault(int(table or 0), 0)
            if table == HEAT_PUMP_TABLE and fmt == SAP_2012_HEAT_PUMP_FORMAT:
                skipped[(table, fmt)] = (
                    "Table 362 format 464 is the SAP 2012 heat-pump format (no plant-size-ratio groups): "
                    "refused for SAP 10.2 Appendix N; import the SAP 10 pcdb10.dat for heat pumps"
                )
            elif table in KNOWN_FORMATS and fmt not in KNOWN_FORMATS[table]:
                skipped[(table, fmt or 0)] = f"Table {table} format {fmt}: layout not known to this importer"
            elif table in NOT_IMPORTED:
                skipped[(table, fmt or 0)] = NOT_IMPORTED[table].format(fmt=fmt)
            elif table == 172 and fmt not in CLIMATE_FORMATS:
                skipped[(table, fmt or 0)] = f"Table 172 format {fmt}: layout not known to this importer"
            continue
        if table is None:
            raise PcdbFormatError(n, "record", line[:40], "record before any table control line")
        counts[table] = counts.get(table, 0) + 1
        if (table, fmt or 0) in skipped:
            continue
        fields = raw.rstrip("\r\n").split(",")
        if table == 105:
            boilers.append(_boiler_105(n, fields))
        elif table == 122:
            boilers.append(_boiler_122(n, fields))
        elif table == 172:
            climate.append(_climate(n, fields))
        elif table == WWHRS_TABLE:
            record = _wwhrs(n, fields, int(fmt or 0))
            if record is None:
                skipped[(table, -2)] = STORAGE_WWHRS_SKIPPED
            else:
                wwhrs.append(record)
    if revision is None or issued is None:
        raise PcdbFormatError(0, "$001", None, "no revision control line: not a PCDF file")
    frame = (
        pl.DataFrame(boilers, schema=BOILER_SCHEMA, orient="row")
        if boilers
        else pl.DataFrame(schema=BOILER_SCHEMA)
    )
    # a product listed twice (illustrative then real, or a re-issue): the last record wins
    frame = frame.unique(subset=["pcdb_index"], keep="last", maintain_order=True)
    clim = (
        pl.DataFrame(climate, schema=CLIMATE_SCHEMA, orient="row")
        if climate
        else pl.DataFrame(schema=CLIMATE_SCHEMA)
    )
    clim = clim.unique(subset=["postcode_district"], keep="last", maintain_order=True)
    recovery = (
        pl.DataFrame(wwhrs, schema=WWHRS_SCHEMA, orient="row") if wwhrs else pl.DataFrame(schema=WWHRS_SCHEMA)
    ).unique(subset=["pcdb_index"], keep="last", maintain_order=True)
    return PcdbFile(
        revision=revision,
        issued=issued,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        boilers=frame,
        postcode_climate=clim,
        wwhrs=recovery,
        table_counts=counts,
        skipped=sorted(set(skipped.values())),
    )
