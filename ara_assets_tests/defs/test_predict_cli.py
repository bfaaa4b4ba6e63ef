"""`ara predict validate` through the real CLI, on certificates fetched by a real Dagster run."""

import json

import dagster as dg
import pytest
from typer.testing import CliRunner

from ara_assets.cli import app
from ara_assets.defs.epc import epc_cache
from ara_assets_tests.defs.conftest import PORTFOLIO, PipelineEnv

pytestmark = pytest.mark.integration


def test_predict_validate_prints_the_leave_one_out_metrics(pipeline: PipelineEnv):
    result = dg.materialize(
        [epc_cache], partition_key=PORTFOLIO, instance=pipeline.instance, resources=pipeline.resources()
    )
    assert result.success
    manifest = json.loads((pipeline.data_dir / "manifest.json").read_text())
    out = CliRunner().invoke(
        app, ["predict", "validate", PORTFOLIO, "--json"], env={"ARA_DATABASE_URL": pipeline.warehouse.url}
    )
    assert out.exit_code == 0, out.output
    metrics = json.loads(out.output)
    assert {"homes", "sap_mae", "within_5_sap", "within_15_sap", "band_agreement", "floor_area_mape",
            "fields"} <= set(metrics)  # fmt: skip
    with_certificate = 40 - manifest["counts"]["homes_without_certificate"]
    # every home with a certificate the calculator scores is compared (a few lodge unsupported inputs)
    assert with_certificate * 0.85 <= metrics["homes"] <= with_certificate
    assert 0.0 <= metrics["within_5_sap"] <= metrics["within_15_sap"] <= 1.0
    assert all(0.0 <= v <= 1.0 for v in metrics["fields"].values())

    unknown = CliRunner().invoke(
        app, ["predict", "validate", "nope", "--json"], env={"ARA_DATABASE_URL": pipeline.warehouse.url}
    )
    assert unknown.exit_code == 1 and "nope" in unknown.output
