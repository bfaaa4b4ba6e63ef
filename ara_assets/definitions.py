"""The Dagster definitions of Ara: assets, checks, jobs, sensors, resources and the executor.

Resources come from the environment (see ara_assets/settings.py):
ARA_DATABASE_URL (or the embedded PostgreSQL), ARA_REGISTER_URL (default: the real register API) with the
Bearer token in EPC_REGISTER_TOKEN and the client's ceiling in ARA_REGISTER_RPS (default 20 requests/s),
ARA_ASSET_BASE for the Parquet files. The PCDB snapshot under ARA_HOME/pcdb (``ara pcdb import``) is
installed for every score the process makes.

Runs use the in-process executor: a process per step costs seconds each (measurements of Dagster 1.13 made
when the wiring was chosen
gotcha 11) and our steps are vectorised; parallelism comes from running portfolios side by side.
"""

from __future__ import annotations

import os

import dagster as dg

from ara_assets.defs import baseline, epc, modelling, reference, register_bulk, sensors
from ara_assets.resources.io_manager import PolarsParquetIOManager
from ara_assets.resources.pcdb import install_from_home
from ara_assets.resources.register.client import EpcRegisterClient
from ara_assets.resources.scoring import ScoringEndpoint
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource

REAL_REGISTER_URL = "https://api.get-energy-performance-data.communities.gov.uk"


def build_scoring() -> ScoringEndpoint:
    # The in-process SAP 10.2 calculator unless a remote scoring endpoint is configured (ADR 0009).
    url = os.environ.get("ARA_SCORING_URL")
    if not url:
        return ScoringEndpoint()
    return ScoringEndpoint(mode="http", url=url, token_env_var="ARA_SCORING_TOKEN")


def build_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database_url=os.environ.get("ARA_DATABASE_URL") or None),
        "epc_register": EpcRegisterClient(
            base_url=os.environ.get("ARA_REGISTER_URL", REAL_REGISTER_URL),
            requests_per_second=float(os.environ.get("ARA_REGISTER_RPS", "20")),
        ),
        "io_manager": PolarsParquetIOManager(base=os.environ.get("ARA_ASSET_BASE") or None),
        "scoring": build_scoring(),
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


def build_executor() -> dg.ExecutorDefinition:
    # ARA_EXECUTOR=multiprocess gives one process per step (e.g. for memory isolation on a big host); the
    # run launcher (one container per run on ECS) is instance configuration in deploy/dagster.yaml.
    choice = os.environ.get("ARA_EXECUTOR", "in_process")
    executors = {"in_process": dg.in_process_executor, "multiprocess": dg.multiprocess_executor}
    if choice not in executors:
        raise ValueError(f"ARA_EXECUTOR={choice!r}: expected one of {sorted(executors)}")
    return executors[choice]


# the PCDB imported with `ara pcdb import` (snapshot under ARA_HOME): product look-ups with no flag
install_from_home()

defs = dg.Definitions(
    assets=[
        register_bulk.register_bulk,
        epc.epc_cache,
        epc.effective_epc,
        baseline.property_baseline,
        modelling.candidate_recommendations,
        modelling.phase_plans,
        reference.fuel_rates,
        reference.carbon_factors,
    ],
    jobs=[
        sensors.epc_job,
        sensors.effective_epc_job,
        sensors.baseline_job,
        sensors.reference_job,
        modelling.plans_job,
        register_bulk.register_bulk_job,
    ],
    sensors=[sensors.portfolio_sensor, sensors.override_sensor, automation_sensor],
    schedules=[reference.reference_quarterly_schedule, register_bulk.register_bulk_monthly],
    resources=build_resources(),
    executor=build_executor(),
)
