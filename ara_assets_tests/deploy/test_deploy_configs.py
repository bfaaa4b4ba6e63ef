"""The production instance configs under deploy/ load without cloud access, and the ECS one runs on a real
PostgreSQL (the embedded server) with its queue, pool limit and launcher; asset storage on S3 is tested
against a local S3 endpoint (moto's server on 127.0.0.1), through the project's Parquet IO manager in real
Dagster runs and dagster-aws's S3 resource."""

# No `from __future__ import annotations`: Dagster reads the assets' context annotations.

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import sqlalchemy as sa
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config

from ara_assets.resources.io_manager import PolarsParquetIOManager

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = {"ecs": ROOT / "deploy" / "ecs" / "dagster.yaml", "k8s": ROOT / "deploy" / "k8s" / "dagster.yaml"}
DUMMIES = {
    "DAGSTER_PG_URL": "postgresql+psycopg2://ara:dummy@db.invalid:5432/dagster",
    "ARA_ECS_TASK_DEFINITION": "arn:aws:ecs:eu-west-2:000000000000:task-definition/ara:1",
    "ARA_SECRET_DAGSTER_PG_URL": "arn:aws:secretsmanager:eu-west-2:000000000000:secret:pg",
    "ARA_SECRET_DATABASE_URL": "arn:aws:secretsmanager:eu-west-2:000000000000:secret:db",
    "ARA_SECRET_EPC_REGISTER_TOKEN": "arn:aws:secretsmanager:eu-west-2:000000000000:secret:epc",
    "ARA_S3_BUCKET": "ara-assets",
    "ARA_IMAGE": "registry.invalid/ara:latest",
    "ARA_K8S_NAMESPACE": "ara",
    "AWS_DEFAULT_REGION": "eu-west-2",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


@pytest.fixture
def dummy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in DUMMIES.items():
        monkeypatch.setenv(key, value)


def _home(tmp_path: Path, which: str) -> Path:
    home = tmp_path / which
    home.mkdir()
    shutil.copy(CONFIGS[which], home / "dagster.yaml")
    return home


@pytest.mark.parametrize("which", sorted(CONFIGS))
def test_deploy_config_validates(which: str, tmp_path: Path, dummy_env: None):
    home = _home(tmp_path, which)
    config, _ = dagster_instance_config(str(home))  # the instance schema, env vars resolved
    assert "postgres" in config["storage"]
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["pools"]["default_limit"] == 1
    launcher = config["run_launcher"]
    module = __import__(launcher["module"], fromlist=[launcher["class"]])
    launcher_class = getattr(module, launcher["class"])
    # The launcher's own schema: a typo or a field of another release fails here, not at the first run.
    checked = process_config(launcher_class.config_type(), launcher["config"])
    assert checked.success, checked.errors
    # The root config of the example is not cloud-bound by accident: no literal secrets.
    text = CONFIGS[which].read_text()
    assert "password" not in text.lower() and "secret_access_key" not in text.lower()


@pytest.mark.integration
def test_ecs_instance_on_postgres(
    tmp_path: Path, dummy_env: None, fresh_database_url: str, aws_endpoint: str, monkeypatch
):
    import boto3
    from dagster_aws.ecs import EcsRunLauncher

    url = sa.engine.make_url(fresh_database_url).set(drivername="postgresql+psycopg2")
    monkeypatch.setenv("DAGSTER_PG_URL", url.render_as_string(hide_password=False))
    # The launcher checks its task definition when it is built: ECS is the local endpoint here.
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
    registered = boto3.client("ecs").register_task_definition(
        family="ara", containerDefinitions=[{"name": "ara", "image": "ara:latest", "memory": 8192}]
    )
    monkeypatch.setenv("ARA_ECS_TASK_DEFINITION", registered["taskDefinition"]["taskDefinitionArn"])
    home = _home(tmp_path, "ecs")
    with dg.DagsterInstance.from_config(str(home)) as inst:
        assert type(inst.run_storage).__name__ == "PostgresRunStorage"
        assert type(inst.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(inst.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(inst.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert isinstance(inst.run_launcher, EcsRunLauncher)
        assert inst.get_concurrency_config().pool_config.default_pool_limit == 1
        inst.event_log_storage.set_concurrency_slots("epc_register", 1)
        assert inst.event_log_storage.get_concurrency_info("epc_register").slot_count == 1
        # A real run recorded in the Postgres run storage.
        result = dg.materialize([_tiny], instance=inst)
        assert result.success
        assert inst.get_run_by_id(result.run_id) is not None


@dg.asset
def _tiny() -> None:
    return None


@pytest.fixture
def aws_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


parts = dg.StaticPartitionsDefinition(["north", "south"])


@dg.asset(partitions_def=parts)
def homes(context: dg.AssetExecutionContext) -> pl.DataFrame:
    return pl.DataFrame({"portfolio": [context.partition_key] * 3, "sap": [50.0, 60.0, 70.0]})


@dg.asset(partitions_def=parts)
def mean_sap(homes: pl.DataFrame) -> pl.DataFrame:
    return homes.group_by("portfolio").agg(pl.col("sap").mean())


@pytest.mark.integration
def test_parquet_assets_on_s3(aws_endpoint: str, monkeypatch):
    s3_endpoint = aws_endpoint
    from dagster_aws.s3 import S3Resource

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    s3 = S3Resource(endpoint_url=s3_endpoint, region_name="eu-west-2")
    client = s3.get_client()
    client.create_bucket(Bucket="ara-assets", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    io_manager = PolarsParquetIOManager(
        base="s3://ara-assets/prod",
        storage_options={
            "aws_endpoint_url": s3_endpoint,
            "aws_region": "eu-west-2",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "aws_allow_http": "true",
        },
    )
    instance = dg.DagsterInstance.ephemeral()
    for key in ("north", "south"):
        result = dg.materialize(
            [homes, mean_sap], partition_key=key, instance=instance, resources={"io_manager": io_manager}
        )
        assert result.success
    listed = client.list_objects_v2(Bucket="ara-assets", Prefix="prod/")
    keys = sorted(o["Key"] for o in listed["Contents"])
    assert keys == [
        "prod/homes/north.parquet",
        "prod/homes/south.parquet",
        "prod/mean_sap/north.parquet",
        "prod/mean_sap/south.parquet",
    ]
    body = client.get_object(Bucket="ara-assets", Key="prod/mean_sap/south.parquet")["Body"].read()
    assert pl.read_parquet(body).to_dicts() == [{"portfolio": "south", "sap": 60.0}]
    assert io_manager.load_previous(["homes"], "north").height == 3
    assert io_manager.load_previous(["homes"], "east") is None


def test_dockerfile_names_what_exists():
    # The image cannot be built here (no container engine); check that what it copies exists.
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                if not src.startswith("--"):
                    assert (ROOT / src).exists(), src
    assert yaml.safe_load((ROOT / "workspace.yaml").read_text())["load_from"]
