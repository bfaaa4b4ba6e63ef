"""Settings are resolved in the run, not when `ara_assets.definitions` is imported (ADR 0027).

The definitions are imported once, at the top of this module, as a code server or `dagster dev` does; the
environment is changed afterwards, and each run must use the value current when it runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from ara_assets.definitions import defs
from ara_assets.pcdb import active, install, parse_pcdf, write_snapshot
from ara_assets.resources.scoring import ScoringEndpoint, ScoringError
from ara_assets.resources.warehouse.unit_of_work import Warehouse

PCDB_FIXTURE = Path(__file__).parents[1] / "fixtures" / "pcdb" / "pcdf_rev386_excerpt.dat"
ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: os.environ is replaced by a mapping that records every ARA_* name that code of
# `ara_assets` looks up (libraries copying the whole environment, as `platform` does, are not lookups of a
# setting), then the definitions are imported. ARA_HOME points at a folder holding a PCDB snapshot, which an
# import that installed it would make active.
_IMPORT_PROBE = """
import json, os, sys
from collections.abc import MutableMapping

def _asked_by_ara():
    frame = sys._getframe(2)
    while frame is not None and (
        "_collections_abc" in frame.f_code.co_filename or frame.f_code.co_filename == "<string>"
    ):
        frame = frame.f_back
    return frame is not None and f"{os.sep}ara_assets{os.sep}" in frame.f_code.co_filename

class Recording(MutableMapping):
    def __init__(self, inner):
        self.inner, self.read = inner, []
    def _note(self, key):
        if str(key).startswith("ARA_") and _asked_by_ara():
            self.read.append(key)
    def __getitem__(self, key):
        self._note(key)
        return self.inner[key]
    def __contains__(self, key):
        self._note(key)
        return key in self.inner
    def __setitem__(self, key, value):
        self.inner[key] = value
    def __delitem__(self, key):
        del self.inner[key]
    def __iter__(self):
        return iter(self.inner)
    def __len__(self):
        return len(self.inner)
    def copy(self):
        return dict(self.inner)

recording = Recording(os.environ)
os.environ = recording
import ara_assets.settings
assert ara_assets.settings.register_url() == "http://127.0.0.1:1", "the probe must see a lookup"
assert recording.read == ["ARA_REGISTER_URL"], recording.read
recording.read.clear()
import ara_assets.definitions
from ara_assets.pcdb import active
print(json.dumps({"read": sorted(set(recording.read)), "pcdb": active() is not None}))
"""


def test_importing_the_definitions_reads_no_setting_and_installs_no_pcdb(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_snapshot(parse_pcdf(PCDB_FIXTURE.read_text(encoding="latin-1")), home / "pcdb", "fixture")
    env = {
        **os.environ,
        "ARA_HOME": str(home),
        "ARA_REGISTER_URL": "http://127.0.0.1:1",
        "ARA_REGISTER_RPS": "not a number",  # would fail an import that parsed it
        "ARA_SCORING_URL": "http://127.0.0.1:2",
    }
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe == {"read": [], "pcdb": False}


@pytest.mark.integration
def test_a_run_uses_the_database_and_asset_base_of_its_environment(
    warehouse: Warehouse, fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second_db = Warehouse(fresh_database_url)
    second_db.migrate()
    job = defs.resolve_job_def("reference_job")  # the resources exactly as the definitions bind them
    instance = dg.DagsterInstance.ephemeral()
    for database, base in ((warehouse, tmp_path / "first"), (second_db, tmp_path / "second")):
        monkeypatch.setenv("ARA_DATABASE_URL", database.url)
        monkeypatch.setenv("ARA_ASSET_BASE", str(base))
        assert job.execute_in_process(instance=instance).success
        assert (base / "fuel_rates.parquet").exists() and (base / "carbon_factors.parquet").exists()
    # each run wrote its rates to the database of its own environment, one refresh per asset each
    for database in (warehouse, second_db):
        with database.unit_of_work() as uow:
            assert uow.rates.current_version_id() == 2


def test_auto_scoring_reads_the_endpoint_when_it_is_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    resource = ScoringEndpoint(mode="auto")  # bound before the environment is set, as in the definitions
    monkeypatch.delenv("ARA_SCORING_URL", raising=False)
    assert resource.resolved_mode() == "in_process"
    monkeypatch.setenv("ARA_SCORING_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("ARA_SCORING_TOKEN", raising=False)
    assert resource.resolved_mode() == "http"
    # the endpoint from the environment takes its token from ARA_SCORING_TOKEN, refused when missing
    with pytest.raises(ScoringError, match="ARA_SCORING_TOKEN"):
        resource.setup_for_execution(dg.build_init_resource_context())
    # an explicit mode is not overridden by the environment
    assert ScoringEndpoint().resolved_mode() == "in_process"


def test_scoring_set_up_installs_the_pcdb_of_ara_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARA_SCORING_URL", raising=False)
    resource = ScoringEndpoint(mode="auto")
    monkeypatch.setenv("ARA_HOME", str(tmp_path))
    resource.setup_for_execution(dg.build_init_resource_context())
    assert active() is None  # nothing imported under this ARA_HOME
    write_snapshot(parse_pcdf(PCDB_FIXTURE.read_text(encoding="latin-1")), tmp_path / "pcdb", "fixture")
    resource.setup_for_execution(dg.build_init_resource_context())
    products = active()
    assert products is not None and products.revision == 386
    # with a remote endpoint too: the run's measures and predictions are still scored in this process
    install(None)
    monkeypatch.setenv("ARA_SCORING_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("ARA_SCORING_TOKEN", raising=False)
    with pytest.raises(ScoringError, match="ARA_SCORING_TOKEN"):
        resource.setup_for_execution(dg.build_init_resource_context())
    products = active()
    assert products is not None and products.revision == 386
