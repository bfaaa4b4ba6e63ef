"""Every job of Ara, in one place: the sensors, the schedules and the definitions import them from here.

Each job is a selection of assets; partitioned ones run per portfolio (`portfolios` partitions).
"""

import dagster as dg

from ara_assets.defs.baseline import property_baseline, sap_inputs
from ara_assets.defs.epc import effective_epc, epc_cache
from ara_assets.defs.modelling import candidate_recommendations, phase_plans
from ara_assets.defs.reference import carbon_factors, fuel_rates
from ara_assets.defs.register_bulk import register_bulk

epc_job = dg.define_asset_job(
    "epc_job",
    selection=dg.AssetSelection.assets(epc_cache, effective_epc, sap_inputs, property_baseline),
    description="Fetch the portfolio's certificates, assemble its effective EPCs, expand them into SAP "
    "inputs "
    "and compute its baseline.",
)
baseline_job = dg.define_asset_job(
    "baseline_job",
    selection=dg.AssetSelection.assets(sap_inputs, property_baseline),
    description="Recompute a portfolio's SAP inputs and baseline (what declarative automation runs after "
    "upstream changes).",
)
reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.assets(fuel_rates, carbon_factors),
    description="Refresh fuel rates and carbon factors (the quarterly schedule runs the same assets).",
)
effective_epc_job = dg.define_asset_job(
    "effective_epc_job",
    selection=dg.AssetSelection.assets(effective_epc),
    description="Re-assemble the effective EPCs of a portfolio after overrides or site notes changed.",
)
plans_job = dg.define_asset_job(
    "plans_job",
    selection=dg.AssetSelection.assets(candidate_recommendations, phase_plans),
    description="Model a portfolio's scenarios: candidate options, optimised phase plans, the allocation "
    "(run after `ara scenario create`; declarative automation covers upstream changes).",
)
register_bulk_job = dg.define_asset_job("register_bulk_job", selection=[register_bulk])

ALL_JOBS = [epc_job, effective_epc_job, baseline_job, reference_job, plans_job, register_bulk_job]
