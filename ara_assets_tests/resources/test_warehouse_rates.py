"""RatesRepository on a migrated database: versions, no-op re-imports, overlay, overlap refused, atomicity."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from ara_assets.baseline import rates as r

pytestmark = pytest.mark.integration


def _bundled_import(uow: object) -> object:
    rates, factors = r.load_bundled_rates()
    repo = uow.rates
    return repo.import_frames({"rates": rates, "factors": factors}, source="bundled", mode="replace")


def test_import_creates_a_version_and_identical_reimport_does_not(warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        first = _bundled_import(uow)
    assert first.created and first.version_id is not None
    with warehouse.unit_of_work() as uow:
        again = _bundled_import(uow)
        repo = uow.rates
        assert not again.created and again.version_id == first.version_id
        assert "unchanged" in again.message
        assert [v.id for v in repo.versions()] == [first.version_id]
        rates, factors = r.load_bundled_rates()
        stored = repo.rates()
        assert stored.height == rates.height and set(stored["rates_version"]) == {first.version_id}
        assert repo.factors().height == factors.height
        # Same content from another source: nothing would change, so still no new version.
        same = repo.import_frame(rates, "rates", source="manual:same.csv")
        assert not same.created and "no change" in same.message


def test_correction_makes_a_new_version_and_keeps_history(warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        first = _bundled_import(uow)
    correction = pl.DataFrame(
        {
            "fuel": ["mains_gas"],
            "tariff": ["standard"],
            "unit_rate_p_per_kwh": ["6.50"],
            "standing_charge_p_per_day": ["31.00"],
            "valid_from": ["2026-10-01"],
            "valid_to": ["2027-01-01"],
            "source": ["synthetic Oct-Dec 2026 cap for the test"],
        }
    )
    with warehouse.unit_of_work() as uow:
        repo = uow.rates
        result = repo.import_frame(correction, "rates", source="manual:oct.csv", note="new quarter")
        assert result.created and result.version_id == first.version_id + 1
        gas = repo.rates_as_of(dt.date(2026, 11, 22)).filter(pl.col("fuel") == "mains_gas")
        assert gas["unit_rate_p_per_kwh"].to_list() == [6.5]
        july = repo.rates_as_of(dt.date(2026, 8, 1)).filter(pl.col("fuel") == "mains_gas")
        assert july["unit_rate_p_per_kwh"].to_list() == [7.33]
        # The version before is intact and still answers for its own rows.
        old = repo.rates(first.version_id).filter(
            (pl.col("fuel") == "mains_gas") & pl.col("valid_to").is_null()
        )
        assert old["valid_from"].to_list() == [dt.date(2026, 7, 1)]
        # Factors were carried over unchanged.
        assert repo.factors().height == repo.factors(first.version_id).height
        assert repo.current_version().note == "new quarter"
        # Carried rows keep when they were first imported.
        elec_new = repo.rates().filter(pl.col("fuel") == "electricity")["imported_at"].min()
        elec_old = repo.rates(first.version_id).filter(pl.col("fuel") == "electricity")["imported_at"].min()
        assert elec_new == elec_old


def test_bad_file_rejected_whole_and_nothing_written(warehouse) -> None:
    bad = pl.DataFrame(
        {
            "fuel": ["mains_gas", "electricity"],
            "tariff": ["standard", "standard"],
            "unit_rate_p_per_kwh": ["6", "-3"],
            "valid_from": ["2027-01-01", "2027-01-01"],
            "source": ["synthetic", "synthetic"],
        }
    )
    message = r"row 2: field 'unit_rate_p_per_kwh' value -3.0 is negative"
    with pytest.raises(r.RatesError, match=message), warehouse.unit_of_work() as uow:
        uow.rates.import_frame(bad, "rates", source="manual:bad.csv")
    with warehouse.unit_of_work() as uow:
        assert uow.rates.current_version() is None


def test_failure_after_the_version_row_rolls_everything_back(warehouse) -> None:
    with pytest.raises(RuntimeError, match="boom"), warehouse.unit_of_work() as uow:
        _bundled_import(uow)
        raise RuntimeError("boom")
    with warehouse.unit_of_work() as uow:
        counts = [
            uow.connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("rates_versions", "fuel_rates", "carbon_factors")
        ]
    assert counts == [0, 0, 0]


def test_database_refuses_overlaps_negative_rates_and_edits(warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        version = _bundled_import(uow).version_id
    insert = sa.text(
        "INSERT INTO fuel_rates (rates_version, fuel, tariff, unit_rate_p_per_kwh, valid_from, valid_to, "
        "source) VALUES (:v, 'mains_gas', 'standard', :u, :f, :t, 'synthetic')"
    )
    with pytest.raises(sa.exc.DBAPIError, match="overlapping validity"), warehouse.unit_of_work() as uow:
        uow.connection.execute(insert, {"v": version, "u": 5, "f": dt.date(2026, 8, 1), "t": None})
    negative = {"v": version, "u": -1, "f": dt.date(2020, 1, 1), "t": dt.date(2020, 2, 1)}
    with pytest.raises(sa.exc.IntegrityError, match="unit_rate_p_per_kwh"), warehouse.unit_of_work() as uow:
        uow.connection.execute(insert, negative)
    with pytest.raises(sa.exc.DBAPIError, match="never updated"), warehouse.unit_of_work() as uow:
        uow.connection.execute(sa.text("UPDATE fuel_rates SET unit_rate_p_per_kwh = 1"))
    for table in ("fuel_rates", "carbon_factors"):
        with pytest.raises(sa.exc.DBAPIError, match="never deleted"), warehouse.unit_of_work() as uow:
            uow.connection.execute(sa.text(f"DELETE FROM {table}"))
        # the application role may not truncate at all; the trigger also stops the owner
        refused = "never truncated|permission denied"
        with pytest.raises(sa.exc.DBAPIError, match=refused), warehouse.unit_of_work() as uow:
            uow.connection.execute(sa.text(f"TRUNCATE {table} CASCADE"))
    # A row in a free window is accepted: the trigger refuses overlaps only.
    with warehouse.unit_of_work() as uow:
        uow.connection.execute(
            insert, {"v": version, "u": 5, "f": dt.date(2020, 1, 1), "t": dt.date(2020, 2, 1)}
        )


def test_empty_warehouse_reads(warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        repo = uow.rates
        assert repo.current_version_id() is None
        assert repo.rates().height == 0 and repo.versions() == []
        assert repo.rates_as_of(dt.date(2026, 1, 1)).height == 0


# ---------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(warehouse, monkeypatch):
    from typer.testing import CliRunner

    from ara_assets.cli import app

    monkeypatch.setenv("ARA_DATABASE_URL", warehouse.url)
    runner = CliRunner()

    def run(*args: str) -> object:
        return runner.invoke(app, ["rates", *args])

    return run


@pytest.fixture
def csv_server(tmp_path):
    """A loopback HTTP server serving files written to tmp_path/www."""
    import functools
    import http.server
    import threading

    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_cli_refresh_show_and_import(cli, tmp_path) -> None:
    first = cli("refresh")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("version 1:")
    again = cli("refresh")
    assert again.exit_code == 0 and "unchanged" in again.output
    shown = cli("show", "--as-of", "2026-08-01")
    assert shown.exit_code == 0, shown.output
    assert "rates version 1" in shown.output and "mains_gas" in shown.output and "7.33" in shown.output
    assert "unpriced on 2026-08-01: " in shown.output and "heat_network" in shown.output

    good = tmp_path / "oct.csv"
    good.write_text(
        "fuel,tariff,unit_rate_p_per_kwh,standing_charge_p_per_day,valid_from,valid_to,source\n"
        "mains_gas,standard,6.5,31,2026-10-01,2027-01-01,synthetic Oct-Dec 2026\n"
    )
    imported = cli("import", str(good), "--note", "Q4")
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("version 2:")
    assert "6.5" in cli("show", "--as-of", "2026-11-01").output

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "fuel,tariff,unit_rate_p_per_kwh,valid_from,source\n"
        "mains_gas,standard,6.5,2027-01-01,ok\n"
        "electricity,standard,abc,2027-01-01,typo\n"
    )
    rejected = cli("import", str(bad))
    assert rejected.exit_code == 1
    assert "row 2: field 'unit_rate_p_per_kwh' value 'abc' is not a valid number" in rejected.output
    assert "nothing was imported" in rejected.output
    assert "rates version 2" in cli("show").output

    factors = tmp_path / "factors.csv"
    factors.write_text(
        "fuel,scheme,kg_co2e_per_kwh,valid_from,source\nheating_oil,DESNZ,-0.25,2025-01-01,synthetic\n"
    )
    bad_factor = cli("import", str(factors), "--kind", "factors")
    assert (
        bad_factor.exit_code == 1 and "field 'kg_co2e_per_kwh' value -0.25 is negative" in bad_factor.output
    )


def test_cli_refresh_from_url(cli, csv_server) -> None:
    root, base = csv_server
    (root / "rates.csv").write_text(
        "fuel,tariff,unit_rate_p_per_kwh,standing_charge_p_per_day,valid_from,source\n"
        "mains_gas,standard,6,30,2026-01-01,synthetic feed\n"
        "electricity,standard,25,50,2026-01-01,synthetic feed\n"
    )
    done = cli("refresh", "--source", f"{base}/rates.csv")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("version 1: 2 rate rows, 0 factor rows")
    assert cli("refresh", "--source", f"{base}/rates.csv").output.startswith("source ")
    missing = cli("refresh", "--source", f"{base}/nope.csv")
    assert missing.exit_code == 1 and "download failed" in missing.output


def test_unit_of_work_carries_the_rates_repository(warehouse):
    with warehouse.unit_of_work() as uow:
        assert uow.rates.current_version_id() is None or isinstance(uow.rates.current_version_id(), int)
    assert "fuel_rates" in warehouse.status().row_counts
