"""Code tables of the EPC register: which values a coded field may take, and what they mean.

Two sources, both shipped as CSV in ``data/`` (see ``data/SOURCES.txt``):

- ``register_codes.csv``: the register's own table (``/api/codes``), per attribute, type of assessment and
  exact schema version. Its attribute names differ from the JSON field names (``main_fuel`` for
  ``main_fuel_type``, ``energy_tariff`` for ``meter_type``...), hence ``REGISTER_ATTRIBUTE``.
- ``xsd_codes.csv``: the enumerations of RdSAP-Schema-21.0.1 (applied to every RdSAP assessment) and
  SAP-Schema-19.2.0 (applied to every full-SAP assessment), keyed by JSON field name. Later schemas keep
  superseded codes "for backwards compatibility", so the newest XSD also accepts older lodgements.

A value is valid when the register table lists it for the field and exact schema version (older schemas),
or either source lists it (schemas the XSDs describe, and fields the register table lacks). A field with
no table at all for a schema is not checked (and keeps its value as lodged).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from enum import IntEnum, StrEnum
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# JSON field name -> attribute name in the register's code table.
REGISTER_ATTRIBUTE: dict[str, str] = {
    "main_fuel_type": "main_fuel",
    "water_heating_fuel": "water_heating_fuel",
    "meter_type": "energy_tariff",
    "electricity_tariff": "energy_tariff",
    "multiple_glazing_type": "glazed_type",
    "glazed_area": "glazed_area",
    "built_form": "built_form",
    "property_type": "property_type",
    "tenure": "tenure",
    "transaction_type": "transaction_type",
    "construction_age_band": "construction_age_band",
    "mechanical_ventilation": "mechanical_ventilation",
    "ventilation_type": "ventilation_type",
    "heat_loss_corridor": "heat_loss_corridor",
    "cylinder_insulation_thickness": "cylinder_insulation_thickness",
    "energy_efficiency_rating": "energy_efficiency_rating",
    "environmental_efficiency_rating": "energy_efficiency_rating",
}

# Some JSON fields carry the values of an XSD element with another name.
XSD_FIELD: dict[str, str] = {
    "lzc_energy_sources": "lzc_energy_source",
    "addendum_numbers": "addendum_number",
}

RDSAP_FAMILY = "RdSAP-Schema-21.0.1"
SAP_FAMILY = "SAP-Schema-19.2.0"
# Schema versions the shipped XSDs stand for (the same RdSAP 10 / SAP 10.2 generation; 21.0.0 and
# 19.0/19.1 XSDs were not compared code by code); for these, XSD values are accepted beside the table's.
XSD_SCHEMAS = frozenset(
    {
        "RdSAP-Schema-21.0.0",
        "RdSAP-Schema-21.0.1",
        "SAP-Schema-19.0.0",
        "SAP-Schema-19.1.0",
        "SAP-Schema-19.2.0",
    }
)


class UnknownCodeError(ValueError):
    """A value that the code tables do not list for this field and schema."""


def assessment_family(schema_type: str, assessment_type: str | None = None) -> str:
    """Which XSD family's enumerations apply: RdSAP for reduced-data lodgements, SAP for full SAP."""
    if assessment_type:
        return RDSAP_FAMILY if assessment_type.upper() == "RDSAP" else SAP_FAMILY
    return RDSAP_FAMILY if schema_type.startswith("RdSAP") else SAP_FAMILY


@cache
def _register_table() -> dict[tuple[str, str], dict[str, str]]:
    table: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    with (DATA / "register_codes.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table[(row["attribute"], row["schema_version"])][row["key"]] = row["label"]
    return dict(table)


@cache
def _xsd_table() -> dict[tuple[str, str], dict[str, str]]:
    table: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    # legacy_codes.csv: values older schemas lodge that the newest XSDs no longer list (e.g. country "EAW").
    for name in ("xsd_codes.csv", "legacy_codes.csv"):
        with (DATA / name).open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                table[(row["field"], row["schema_family"])].setdefault(row["key"], row["label"])
    return dict(table)


def normalise_key(code: int | str) -> str:
    """Table keys and lodged values compared alike: "01" and 1 are the same code (JSON drops the zero)."""
    s = str(code).strip()
    return str(int(s)) if s.isdigit() else s


@cache
def codes_for(attribute: str, schema_type: str, assessment_type: str | None = None) -> dict[str, str] | None:
    """Every valid key of ``attribute`` (a JSON field name) for a schema, with its label; None if no table.

    Register labels win over XSD labels where both exist (they are the ones the register shows).
    """
    register_attr = REGISTER_ATTRIBUTE.get(attribute, attribute)
    register = _register_table().get((register_attr, schema_type))
    family = assessment_family(schema_type, assessment_type)
    xsd = _xsd_table().get((XSD_FIELD.get(attribute, attribute), family))
    if register is None and xsd is None:
        return None
    if register is not None and schema_type not in XSD_SCHEMAS:
        # The register's table is per schema version: for older schemas it alone says what was valid
        # then; the newest XSD would also admit codes introduced later.
        xsd = None
    merged = {normalise_key(k): v for k, v in (xsd or {}).items()}
    merged.update({normalise_key(k): v for k, v in (register or {}).items()})
    return merged


def is_known_code(
    attribute: str, code: int | str, schema_type: str, assessment_type: str | None = None
) -> bool:
    """True if the code is listed, or if no table covers this field and schema (nothing to check against)."""
    keys = known_keys(attribute, schema_type, assessment_type)
    # an int is its own normal form (str(int) has no spaces or leading zeros)
    return keys is None or (str(code) if type(code) is int else normalise_key(code)) in keys


@cache
def known_keys(attribute: str, schema_type: str, assessment_type: str | None = None) -> frozenset[str] | None:
    """The normalised keys of ``codes_for`` as a set (None if no table): the validators' membership test."""
    table = codes_for(attribute, schema_type, assessment_type)
    return None if table is None else frozenset(table)


def label(attribute: str, code: int | str, schema_type: str, assessment_type: str | None = None) -> str:
    """The register's label for a code: ``label("built_form", 2, "RdSAP-Schema-21.0.1") == "Semi-Detached"``.

    Raises ``UnknownCodeError`` naming attribute, code and schema when the code is not listed.
    """
    table = codes_for(attribute, schema_type, assessment_type)
    key = normalise_key(code)
    if table is None or key not in table:
        raise UnknownCodeError(f"{attribute} = {code!r} is not a known code for {schema_type}")
    return table[key]


# A few codes that calculation code branches on, as enums (values from RdSAP-Schema-21.0.1 SAP-Domains.xsd).
class PropertyType(IntEnum):
    HOUSE = 0
    BUNGALOW = 1
    FLAT = 2
    MAISONETTE = 3
    PARK_HOME = 4


class BuiltForm(IntEnum):
    DETACHED = 1
    SEMI_DETACHED = 2
    END_TERRACE = 3
    MID_TERRACE = 4
    ENCLOSED_END_TERRACE = 5
    ENCLOSED_MID_TERRACE = 6


class WallConstruction(IntEnum):
    STONE_GRANITE = 1
    STONE_SANDSTONE = 2
    SOLID_BRICK = 3
    CAVITY = 4
    TIMBER_FRAME = 5
    BASEMENT = 6
    CURTAIN = 7
    SYSTEM_BUILT = 8
    COB = 9
    PARK_HOME = 10


class MainHeatingCategory(IntEnum):
    NONE = 1
    BOILER = 2
    MICRO_CHP = 3
    HEAT_PUMP_WET = 4
    HEAT_PUMP_WARM_AIR = 5
    COMMUNITY = 6
    STORAGE_HEATERS = 7
    ELECTRIC_UNDERFLOOR = 8
    WARM_AIR = 9
    ROOM_HEATERS = 10
    OTHER = 11
    NOT_RECORDED = 12


class Tenure(StrEnum):
    OWNER_OCCUPIED = "1"
    RENTED_SOCIAL = "2"
    RENTED_PRIVATE = "3"
    UNKNOWN = "ND"


class ConstructionAgeBand(StrEnum):
    """England and Wales bands (RdSAP 10); ``0`` means not applicable."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the register's own letter
    J = "J"
    K = "K"
    L = "L"
    M = "M"
