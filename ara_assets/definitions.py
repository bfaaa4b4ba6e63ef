"""The Dagster definitions of Ara: assets, checks, jobs, sensors, resources and the executor.

Importing this module reads no environment and touches no file (ADR 0027). The resources are bound with
their settings unset, and each resolves them when a run sets it up or first uses it, through
`ara_assets.settings` (the one module that reads `ARA_*` variables), so a run sees the environment it runs
in, whenever this module was imported:

- `warehouse`: ARA_DATABASE_URL, else the embedded PostgreSQL under ARA_HOME.
- `epc_register`: ARA_REGISTER_URL (default: the real register API) and the client's ceiling ARA_REGISTER_RPS
  (default 20 requests/s); the Bearer token is read from EPC_REGISTER_TOKEN at each request.
- `io_manager`: ARA_ASSET_BASE for the Parquet files (default ARA_HOME/assets).
- `scoring`: a remote endpoint at ARA_SCORING_URL (token ARA_SCORING_TOKEN) if set, else the in-process
  calculator, whose set-up installs the PCDB snapshot under ARA_HOME/pcdb (`ara pcdb import`) for the run.

A field set in the UI's launchpad or in run config (`resources: {epc_register: {config: {...}}}`) wins over
the environment. Runs use the in-process executor unless their run config selects multiprocess
(`ara_assets/defs/executor.py`).
"""

from __future__ import annotations

import dagster as dg

from ara_assets.defs import baseline, epc, jobs, modelling, reference, register_bulk, schedules, sensors
from ara_assets.defs.executor import in_process_by_default
from ara_assets.resources.io_manager import PolarsParquetIOManager
from ara_assets.resources.register.client import EpcRegisterClient
from ara_assets.resources.scoring import ScoringEndpoint
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource


def build_resources() -> dict[str, object]:
    # Every setting unset: resolved from the environment of the run (module docstring).
    return {
        "warehouse": WarehouseResource(),
        "epc_register": EpcRegisterClient(),
        "io_manager": PolarsParquetIOManager(),
        "scoring": ScoringEndpoint(mode="auto"),
    }


# Declarative automation (property_baseline and the plans follow their upstream) runs as soon as the daemon
# runs (`dagster dev`), not only after someone switches the sensor on in the UI.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "default_automation_condition_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates the assets' automation conditions (eager baseline and plans; missing references).",
)

defs = dg.Definitions(
    assets=[
        register_bulk.register_bulk,
        epc.epc_cache,
        epc.effective_epc,
        baseline.sap_inputs,
        baseline.property_baseline,
        modelling.candidate_recommendations,
        modelling.phase_plans,
        reference.fuel_rates,
        reference.carbon_factors,
    ],
    jobs=jobs.ALL_JOBS,
    sensors=[sensors.portfolio_sensor, sensors.override_sensor, automation_sensor],
    schedules=[schedules.reference_quarterly_schedule, schedules.register_bulk_monthly],
    resources=build_resources(),
    executor=in_process_by_default,
)
