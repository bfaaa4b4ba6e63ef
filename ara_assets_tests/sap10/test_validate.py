"""The validation harness end to end on the register's published samples (synthetic: inputs and lodged
ratings do not agree, so this checks the harness, not accuracy) and on synthetic scored certificates."""

from __future__ import annotations

import copy
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ara_assets.sap10.validate import is_target, load_corpus, validate_corpus
from ara_assets_tests.fixtures import fixture_path

SAMPLES = fixture_path("register_samples", "json_samples")
FIXTURE = Path(__file__).parent / "rdsap/fixtures/synthetic_semi_gas_combi.json"


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for p in SAMPLES.glob("*.json"):
        shutil.copy(p, folder / p.name)
    doc = json.loads(FIXTURE.read_text())
    lines = []
    for n, rating in ((1, 61), (2, 70)):
        d = copy.deepcopy(doc)
        d["data"]["certificate_number"] = f"9999-0000-0000-0000-{n:04d}"
        d["data"]["energy_rating_current"] = rating
        lines.append(json.dumps(d))
    (folder / "scored.ndjson").write_text("\n".join(lines) + "\n")
    return folder


def test_target_rule() -> None:
    assert is_target("RdSAP-Schema-21.0.1", 10.2)
    assert is_target("RdSAP-Schema-21.0.0", None)
    assert not is_target("RdSAP-Schema-20.0.0", 9.94)
    assert is_target("SAP-Schema-19.1.0", 10.2)  # full SAP 10.2: scored by the SAP XML reader (issue 13)
    assert not is_target("SAP-Schema-17.1", 9.92)


def test_folder_zip_and_ndjson_corpora_agree(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    zipped = tmp_path / "corpus.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for p in sorted(folder.iterdir()):
            z.write(p, p.name)
    a = [d for _, d in load_corpus(folder)]
    b = [d for _, d in load_corpus(zipped)]
    assert a == b
    assert len([d for _, d in load_corpus(folder / "scored.ndjson")]) == 2


def test_harness_end_to_end(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    out = tmp_path / "out"
    board = validate_corpus(folder, out)
    n_samples = len(list(SAMPLES.glob("*.json")))
    assert n_samples == 14
    t = board["targets"]
    assert t["certificates"] + board["not_targets"]["certificates"] == n_samples + 2
    # the two synthetic certificates and the two RdSAP-Schema-21 register samples (older schemas: not targets)
    assert t["scored"] == 4
    # residuals against the lodged 61 and 70: the same calculated rating for both
    assert 0.0 <= t["within_2"] <= 1.0 and t["sap_mae"] >= 0.0
    assert set(board["by"]) == {"built_form", "age_band", "main_fuel_register", "schema_type"}
    assert board["by"]["age_band"]["D"]["scored"] == 2
    assert board["by"]["built_form"]["2 Semi-Detached"]["scored"] == 4
    assert {"scoreboard.md", "scoreboard.json", "residuals.csv"} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "scoreboard.json").read_text()) == board
    csv_lines = (out / "residuals.csv").read_text().splitlines()
    assert len(csv_lines) == n_samples + 3
    assert "## Targets by built_form" in (out / "scoreboard.md").read_text()


@pytest.mark.parametrize("as_zip", [False, True])
def test_cli_validate(tmp_path: Path, as_zip: bool) -> None:
    from ara_assets.cli import app

    corpus = _corpus(tmp_path)
    if as_zip:
        zipped = tmp_path / "c.zip"
        with zipfile.ZipFile(zipped, "w") as z:
            for p in corpus.iterdir():
                z.write(p, p.name)
        corpus = zipped
    out = tmp_path / "board"
    result = CliRunner().invoke(app, ["sap", "validate", "--corpus", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "scoreboard written" in result.output
    assert (out / "scoreboard.md").exists()


def test_batches_and_line_delimited_json_files(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    # the same two certificates again as a line-delimited file with a .json name (bulk-download style)
    (folder / "bulk-2025.json").write_text((folder / "scored.ndjson").read_text())
    one = validate_corpus(folder, tmp_path / "a")
    small = validate_corpus(folder, tmp_path / "b", batch=3)
    assert one == small
    assert one["targets"]["scored"] == 6  # 2 synthetic x 2 files + the two RdSAP-Schema-21 samples


def test_scoreboard_counts_homes_per_approximation(tmp_path) -> None:
    import json as _json

    from ara_assets.demo.generate import generate_portfolio
    from ara_assets.sap10.approximations import registry
    from ara_assets.sap10.validate import validate_corpus

    corpus = tmp_path / "corpus.ndjson"
    docs = [doc for _, doc in generate_portfolio(300, seed=1).iter_documents()]
    corpus.write_text("\n".join(_json.dumps(d) for d in docs))
    board = validate_corpus(corpus, tmp_path / "out")
    assert board["approximations"], "a 300-home portfolio has off-peak meters"
    assert set(board["approximations"]) <= set(registry())
    assert board["pcdb_revision"] is None  # nothing installed in this process
    text = (tmp_path / "out" / "scoreboard.md").read_text()
    assert "## Approximations" in text and next(iter(board["approximations"])) in text
