"""The physical inputs of a register-shaped EPC document and their hash.

The hash lets the pipeline tell whether a home's physical state as modelled has changed: between the
lodged certificate and the effective EPC (rebaselining reason `physical_state_changed`), and between
two runs (incremental re-modelling). It must ignore everything that is not the dwelling itself:
identity and address, dates, administrative fields, the lodged results and the assessor's summary
descriptions (which are outputs of the lodging software, not inputs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# Top-level keys of the register's certificate JSON that do not describe the dwelling's fabric or
# systems. Names as served by GET /api/certificate (see the register's API guide (Get energy performance of
# buildings data, part 3)).
NON_PHYSICAL_KEYS: frozenset[str] = frozenset(
    {
        # identity, address and location (location comes from the property record)
        "certificate_number",
        "related_certificate_number",
        "uprn",
        "uprn_source",
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "address_line_4",
        "post_town",
        "postcode",
        "region_code",
        "country_code",
        "name",
        # dates
        "inspection_date",
        "completion_date",
        "registration_date",
        "created_at",
        "assessment_date",
        # administration of the lodgement
        "status",
        "schema_type",
        "schema_version",
        "schema_version_original",
        "sap_version",
        "sap_data_version",
        "bedf_revision_number",
        "calculation_software_version",
        "user_interface_name",
        "user_interface_version",
        "language_code",
        "report_type",
        "assessment_type",
        "transaction_type",
        "tenure",
        "data_type",
        "seller_commission_report",
        "restricted_access",
        # lodged results: outputs of the assessor's software
        "energy_rating_average",
        "energy_rating_current",
        "energy_rating_potential",
        "current_energy_efficiency_band",
        "potential_energy_efficiency_band",
        "environmental_impact_current",
        "environmental_impact_potential",
        "co2_emissions_current",
        "co2_emissions_current_per_floor_area",
        "co2_emissions_potential",
        "energy_consumption_current",
        "energy_consumption_potential",
        "heating_cost_current",
        "heating_cost_potential",
        "hot_water_cost_current",
        "hot_water_cost_potential",
        "lighting_cost_current",
        "lighting_cost_potential",
        "renewable_heat_incentive",
        "suggested_improvements",
        "alternative_improvements",
        "lzc_energy_sources",
        # summary descriptions and their star ratings (derived from the inputs)
        "walls",
        "roofs",
        "floors",
        "window",
        "main_heating",
        "main_heating_controls",
        "hot_water",
        "lighting",
        "secondary_heating",
        "air_tightness",
        "dwelling_type",
    }
)


def physical_inputs(document: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a bare register document that describes the dwelling itself."""
    return {k: v for k, v in document.items() if k not in NON_PHYSICAL_KEYS}


def physical_hash(document: Mapping[str, Any]) -> str:
    """A stable hash (sha256 hex, first 32 chars) of the physical inputs: key order does not matter."""
    canonical = json.dumps(physical_inputs(document), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
