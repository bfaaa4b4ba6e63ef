"""The system of record: migrations, append-only overrides, repositories and the unit of work."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from ara_assets.modelling.scenarios import Scenario, load_scenario_yaml
from ara_assets.resources.warehouse import migrations as warehouse_migrations
from ara_assets.resources.warehouse.repositories.certificates import certificate_key_columns
from ara_assets.resources.warehouse.unit_of_work import Warehouse, WarehouseResource

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "examples" / "scenarios"

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _homes(*uprns: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "uprn": list(uprns),
            "landlord_reference": [f"REF-{u}" for u in uprns],
            "address": [f"{u} Synthetic Row" for u in uprns],
            "postcode": ["ZZ1 1ZZ"] * len(uprns),
        }
    )


def _seed(wh: Warehouse, portfolio: str = "north", uprns: tuple[int, ...] = (101, 102, 103)) -> list[int]:
    with wh.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create(portfolio)
        uow.properties.upsert_many(pid, _homes(*uprns))
        return uow.properties.for_portfolio(portfolio)["property_id"].to_list()


def _doc(number: str, uprn: int | None, registered: str, **extra: object) -> dict[str, object]:
    return {
        "certificate_number": number,
        "uprn": uprn,
        "registration_date": registered,
        "schema_type": "RdSAP-Schema-21.0.1",
        "sap_version": 10.2,
        "total_floor_area": 71,
        **extra,
    }


# ------------------------------------------------------------------------------------------ migrations


def test_migrations_apply_in_order_once_and_are_recorded(fresh_database_url: str) -> None:
    wh = Warehouse(fresh_database_url)
    first = wh.migrate()
    assert first == [m.name for m in warehouse_migrations.discover()]
    assert first[0] == "0001_init.sql"
    assert wh.migrate() == []  # idempotent
    status = wh.status()
    assert status.applied == first and status.pending == []
    assert status.row_counts["landlord_overrides"] == 0


def test_concurrent_migrators_apply_each_migration_once(fresh_database_url: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(Warehouse(fresh_database_url).migrate())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = [name for r in results for name in r]
    assert sorted(applied) == [m.name for m in warehouse_migrations.discover()]


def test_edited_migration_is_reported(fresh_database_url: str, tmp_path) -> None:
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE t_a (x int);")
    engine = Warehouse(fresh_database_url).engine
    assert warehouse_migrations.migrate(engine, tmp_path) == ["0001_a.sql"]
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE t_a (x bigint);")
    with pytest.raises(RuntimeError, match="0001_a.sql was changed"):
        warehouse_migrations.migrate(engine, tmp_path)


def test_failed_migration_leaves_nothing_behind(fresh_database_url: str, tmp_path) -> None:
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE t_good (x int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE t_bad (x int); SELECT no_such_function();")
    engine = Warehouse(fresh_database_url).engine
    with pytest.raises(warehouse_migrations.MigrationFailed, match="0002_bad.sql failed.*no_such_function"):
        warehouse_migrations.migrate(engine, tmp_path)
    with engine.connect() as conn:
        assert [m.name for m in warehouse_migrations.applied(conn)] == ["0001_good.sql"]
        assert conn.execute(sa.text("SELECT to_regclass('t_bad')")).scalar() is None
        assert conn.execute(sa.text("SELECT to_regclass('t_good')")).scalar() is not None


def test_stray_migration_name_is_refused(tmp_path) -> None:
    (tmp_path / "1_init.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match="1_init.sql"):
        warehouse_migrations.discover(tmp_path)


# ------------------------------------------------------------------------------------------ append-only


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE landlord_overrides SET author = 'someone else'",
        "DELETE FROM landlord_overrides",
        "TRUNCATE landlord_overrides",
        "UPDATE site_notes SET surveyor = 'x'",
        "DELETE FROM site_notes",
    ],
)
def test_overrides_and_site_notes_are_append_only(warehouse: Warehouse, statement: str) -> None:
    pids = _seed(warehouse)
    with warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [
                {
                    "property_id": pids[0],
                    "field_path": "total_floor_area",
                    "value": 80,
                    "author": "housing officer",
                }
            ]
        )
        uow.site_notes.add(pids[0], date(2025, 3, 1), {"total_floor_area": 75}, "surveyor one")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), warehouse.unit_of_work() as uow:
        uow.connection.execute(sa.text(statement))
    with warehouse.unit_of_work() as uow:
        assert uow.overrides.max_id() == 1
        assert uow.overrides.history_for_property(pids[0])["author"].to_list() == ["housing officer"]


# ------------------------------------------------------------------------------------------- overrides


def test_latest_override_wins_and_retraction_removes_the_field(warehouse: Warehouse) -> None:
    a, b, _ = _seed(warehouse)
    with warehouse.unit_of_work() as uow:
        ids = uow.overrides.append_many(
            [
                {"property_id": a, "field_path": "total_floor_area", "value": 80, "author": "x"},
                {"property_id": a, "field_path": "total_floor_area", "value": 82.5, "author": "y"},
                {"property_id": a, "field_path": "walls[0].wall_construction", "value": 4, "author": "x"},
                {"property_id": b, "field_path": "walls[0].wall_construction", "value": 3, "author": "x"},
                {
                    "property_id": b,
                    "field_path": "walls[0].wall_construction",
                    "action": "retract",
                    "author": "x",
                    "reason": "surveyed: original EPC was right",
                },
                {"property_id": b, "field_path": "has_hot_water_cylinder", "value": None, "author": "x"},
            ]
        )
        assert ids == sorted(ids) and len(ids) == 6
    with warehouse.unit_of_work() as uow:
        eff = uow.overrides.effective_for_properties([a, b])
    got = {(r["property_id"], r["field_path"]): json.loads(r["value"]) for r in eff.iter_rows(named=True)}
    assert got == {
        (a, "total_floor_area"): 82.5,
        (a, "walls[0].wall_construction"): 4,
        (b, "has_hot_water_cylinder"): None,  # a 'set' to JSON null is still in force
    }
    assert eff.filter(pl.col("field_path") == "total_floor_area")["author"].to_list() == ["y"]


def test_set_after_retract_is_in_force_again(warehouse: Warehouse) -> None:
    a, _, _ = _seed(warehouse)
    rows = [
        {"property_id": a, "field_path": "roofs[0].description", "value": "Pitched", "author": "x"},
        {"property_id": a, "field_path": "roofs[0].description", "action": "retract", "author": "x"},
        {"property_id": a, "field_path": "roofs[0].description", "value": "Flat", "author": "x"},
    ]
    with warehouse.unit_of_work() as uow:
        uow.overrides.append_many(rows)
        assert uow.overrides.effective_for_properties([a])["value"].to_list() == ['"Flat"']


def test_override_changes_after_groups_by_portfolio(warehouse: Warehouse) -> None:
    north = _seed(warehouse, "north", (1, 2))
    south = _seed(warehouse, "south", (3,))
    with warehouse.unit_of_work() as uow:
        assert uow.overrides.max_id() == 0
        first = uow.overrides.append_many(
            [{"property_id": north[0], "field_path": "f", "value": 1, "author": "a"}]
        )
        later = uow.overrides.append_many(
            [
                {"property_id": south[0], "field_path": "f", "value": 1, "author": "a"},
                {"property_id": north[1], "field_path": "f", "value": 1, "author": "a"},
            ]
        )
        assert uow.overrides.changes_after(0) == [("north", later[1]), ("south", later[0])]
        assert uow.overrides.changes_after(first[0]) == [("north", later[1]), ("south", later[0])]
        assert uow.overrides.changes_after(later[1]) == []
        assert uow.overrides.max_id() == later[1]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"field_path": "walls[x]", "value": 1, "author": "a"}, "field_path"),
        ({"field_path": "f", "value": 1, "author": " "}, "author"),
        ({"field_path": "f", "value": 1, "author": "a", "action": "delete"}, "action"),
        ({"field_path": "f", "value": 1, "author": "a", "action": "retract"}, "value"),
    ],
)
def test_bad_override_rows_are_refused_with_field_and_value(
    warehouse: Warehouse, row: dict, field: str
) -> None:
    (a, *_) = _seed(warehouse)
    with pytest.raises(ValueError, match=f"override row 1: field '{field}'"), warehouse.unit_of_work() as uow:
        uow.overrides.append_many([{"property_id": a, **row}])


# ------------------------------------------------------------------------------------------ unit of work


def test_unit_of_work_rolls_back_everything_on_error(warehouse: Warehouse) -> None:
    with pytest.raises(RuntimeError, match="boom"), warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create("doomed")
        uow.properties.upsert_many(pid, _homes(1, 2))
        raise RuntimeError("boom")
    with warehouse.unit_of_work() as uow:
        assert uow.portfolios.by_name("doomed") is None
        assert uow.properties.for_portfolio("doomed").height == 0


def test_unit_of_work_rolls_back_on_database_error(warehouse: Warehouse) -> None:
    with pytest.raises(sa.exc.IntegrityError), warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create("half")
        uow.properties.upsert_many(pid, _homes(5))
        uow.properties.upsert_many(pid, _homes(6).with_columns(pl.lit("not a postcode").alias("postcode")))
    with warehouse.unit_of_work() as uow:
        assert uow.portfolios.by_name("half") is None


# ------------------------------------------------------------------------------------ portfolios, homes


def test_portfolios_get_or_create_and_list_after(warehouse: Warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        a = uow.portfolios.get_or_create("a")
        b = uow.portfolios.get_or_create("b")
        assert uow.portfolios.get_or_create("a") == a
        assert uow.portfolios.list_after(0) == [(a, "a"), (b, "b")]
        assert uow.portfolios.list_after(a) == [(b, "b")]
        assert uow.portfolios.by_name("b").id == b  # type: ignore[union-attr]
        for bad in (" padded ", "", "a/b", "../up", "x..y", "tab\there", "-dash-first"):
            with pytest.raises(ValueError, match="field 'name'"):
                uow.portfolios.get_or_create(bad)
        # The database holds the same rule for writers that bypass the repository.
        with (
            pytest.raises(sa.exc.IntegrityError, match="portfolios_name_shape"),
            uow.connection.begin_nested(),
        ):
            uow.connection.execute(sa.text("INSERT INTO portfolios (name) VALUES ('a/b')"))


def test_property_upsert_counts_added_updated_unchanged(warehouse: Warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create("p")
        first = uow.properties.upsert_many(pid, _homes(1, 2, 3))
        changed = _homes(2, 3, 4).with_columns(
            pl.when(pl.col("uprn") == 3)
            .then(pl.lit("3 Renamed Row"))
            .otherwise(pl.col("address"))
            .alias("address")
        )
        second = uow.properties.upsert_many(pid, changed)
        homes = uow.properties.for_portfolio("p")
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.added, second.updated, second.unchanged) == (1, 1, 1)
    assert homes["uprn"].to_list() == [1, 2, 3, 4]
    assert homes.filter(pl.col("uprn") == 3)["address"].item() == "3 Renamed Row"
    assert homes.columns == ["property_id", "uprn", "landlord_reference", "address", "postcode"]


def test_same_uprn_may_belong_to_two_portfolios(warehouse: Warehouse) -> None:
    _seed(warehouse, "one", (7,))
    _seed(warehouse, "two", (7,))
    with warehouse.unit_of_work() as uow:
        assert uow.properties.for_portfolio("one")["uprn"].to_list() == [7]
        assert uow.properties.for_portfolio("two")["uprn"].to_list() == [7]


# ---------------------------------------------------------------------------------- certificates, fetches


def test_certificates_upsert_extracts_key_columns_and_keeps_raw(warehouse: Warehouse) -> None:
    docs = [
        _doc("0001-0000-0000-0000-0001", 101, "2015-04-01"),
        _doc("0001-0000-0000-0000-0002", 101, "2021-09-30"),
        _doc("0001-0000-0000-0000-0003", 102, "2019-01-01"),
    ]
    with warehouse.unit_of_work() as uow:
        assert uow.certificates.upsert_many(docs, NOW) == 3
        # Re-fetching replaces by certificate number rather than duplicating.
        uow.certificates.upsert_many(
            [_doc("0001-0000-0000-0000-0001", 101, "2015-04-01", total_floor_area=72)], NOW
        )
        certs = uow.certificates.for_uprns([101, 999])
    assert certs["certificate_number"].to_list() == ["0001-0000-0000-0000-0002", "0001-0000-0000-0000-0001"]
    assert certs["registration_date"].to_list() == [date(2021, 9, 30), date(2015, 4, 1)]
    assert certs["sap_version"].to_list() == ["10.2", "10.2"]
    assert json.loads(certs["raw"][1])["total_floor_area"] == 72


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"certificate_number": "12345"}, "certificate_number"),
        ({"registration_date": "last tuesday"}, "registration_date"),
        ({"schema_type": None}, "schema_type"),
        ({"uprn": -4}, "uprn"),
        ({"uprn": "RRN-0001"}, "uprn"),
    ],
)
def test_malformed_certificate_is_refused(patch: dict, field: str) -> None:
    doc = {**_doc("0001-0000-0000-0000-0009", 5, "2020-01-01"), **patch}
    with pytest.raises(ValueError, match=f"field '{field}' value"):
        certificate_key_columns(doc)


def test_assessor_uprn_strings_are_read_as_numbers() -> None:
    doc = {**_doc("0001-0000-0000-0000-0009", None, "2020-01-01"), "uprn": "UPRN-000012345678"}
    assert certificate_key_columns(doc)["uprn"] == 12345678


def test_stale_uprns_follow_the_ttl(warehouse: Warehouse) -> None:
    ttl = timedelta(days=30)
    with warehouse.unit_of_work() as uow:
        uow.fetches.record(
            [
                {
                    "uprn": 1,
                    "fetched_at": NOW - timedelta(days=29),
                    "status": "found",
                    "certificate_count": 2,
                },
                {
                    "uprn": 2,
                    "fetched_at": NOW - timedelta(days=30),
                    "status": "found",
                    "certificate_count": 1,
                },
                {"uprn": 3, "fetched_at": NOW - timedelta(days=1), "status": "no_certificate"},
                {"uprn": 4, "fetched_at": NOW - timedelta(days=1), "status": "error", "error": "HTTP 500"},
                {"uprn": 5, "fetched_at": NOW - timedelta(days=400), "status": "no_certificate"},
            ]
        )
        # 1 and 3 are fresh; 2 is exactly at the TTL; 4 failed; 5 is old; 6 was never fetched.
        assert uow.fetches.stale_uprns([6, 5, 4, 3, 2, 1, 6], ttl, NOW) == [2, 4, 5, 6]
        assert uow.fetches.stale_uprns([1, 3], ttl, NOW + timedelta(days=2)) == [1]
        assert uow.fetches.stale_uprns([], ttl, NOW) == []
        # A later fetch overwrites the log row.
        uow.fetches.record([{"uprn": 4, "fetched_at": NOW, "status": "found", "certificate_count": 1}])
        log = uow.fetches.for_uprns([4])
    assert log.select("status", "error", "certificate_count").row(0) == ("found", None, 1)


def test_fetch_rows_are_validated(warehouse: Warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        with pytest.raises(ValueError, match="field 'status' value 'maybe'"):
            uow.fetches.record([{"uprn": 1, "fetched_at": NOW, "status": "maybe"}])
        with pytest.raises(ValueError, match="field 'error'"):
            uow.fetches.record([{"uprn": 1, "fetched_at": NOW, "status": "error"}])
        with pytest.raises(ValueError, match="field 'certificate_count' value 0 does not fit status 'found'"):
            uow.fetches.record([{"uprn": 1, "fetched_at": NOW, "status": "found"}])
        with pytest.raises(ValueError, match="field 'fetched_at'"):
            uow.fetches.record([{"uprn": 1, "fetched_at": datetime(2026, 1, 1), "status": "no_certificate"}])


# ------------------------------------------------------------------------------------ site notes, scenarios


def test_site_notes_latest_per_property_and_changes(warehouse: Warehouse) -> None:
    a, b, c = _seed(warehouse)
    with warehouse.unit_of_work() as uow:
        uow.site_notes.add(a, date(2024, 5, 1), {"total_floor_area": 70}, "s1")
        newest = uow.site_notes.add(a, date(2025, 5, 1), {"total_floor_area": 71}, "s2")
        uow.site_notes.add(a, date(2023, 5, 1), {"total_floor_area": 69}, "s3")  # entered late, older survey
        other = uow.site_notes.add(b, date(2025, 1, 1), {"total_floor_area": 50}, "s1")
        latest = uow.site_notes.latest_for_properties([a, b, c])
        assert uow.site_notes.changes_after(0) == [("north", uow.site_notes.max_id())]
        assert uow.site_notes.changes_after(uow.site_notes.max_id()) == []
    assert latest["site_note_id"].to_list() == [newest, other]
    assert json.loads(latest["document"][0]) == {"total_floor_area": 71}


def test_scenario_create_snapshot_and_replace(warehouse: Warehouse) -> None:
    spec = {
        "name": "EPC C by 2030",
        "goal": {"min_band": "C", "by_year": 2030},
        "budget_per_home_gbp": 10000,
        "phases": [
            {
                "name": "fabric first",
                "allowed_measure_types": ["loft_insulation", "cavity_wall_insulation"],
                "budget_gbp": 4000,
                "target_year": 2027,
                "target": {"min_sap": 60},
            },
            {"name": "heat", "allowed_measure_types": ["air_source_heat_pump"], "target_year": 2030},
        ],
    }
    with warehouse.unit_of_work() as uow:
        sid = uow.scenarios.create(spec)
        snap = uow.scenarios.snapshot("EPC C by 2030")
        with pytest.raises(ValueError, match="already exists"):
            uow.scenarios.create(spec)
    assert snap["id"] == sid and snap["version"] == 1
    assert snap["budget_per_home_gbp"] == 10000.0
    assert [p["phase_number"] for p in snap["phases"]] == [1, 2]
    assert snap["phases"][0]["allowed_measure_types"] == ["loft_insulation", "cavity_wall_insulation"]
    assert snap["phases"][1]["budget_gbp"] is None
    json.dumps(snap)  # a run stores it as JSON
    with warehouse.unit_of_work() as uow:
        assert uow.scenarios.create({**spec, "phases": spec["phases"][:1]}, replace=True) == sid
        replaced = uow.scenarios.get("EPC C by 2030")
        assert uow.scenarios.get("nope") is None
        with pytest.raises(KeyError):
            uow.scenarios.snapshot("nope")
    assert replaced is not None and replaced.version == 2 and len(replaced.phases) == 1


@pytest.mark.parametrize("yaml_name", sorted(p.name for p in SCENARIO_DIR.glob("*.yaml")))
def test_a_stored_scenario_converts_back_to_the_same_domain_scenario(
    warehouse: Warehouse, yaml_name: str
) -> None:
    scenario = load_scenario_yaml(SCENARIO_DIR / yaml_name)
    with warehouse.unit_of_work() as uow:
        sid = uow.scenarios.create(scenario)
        stored = uow.scenarios.get(scenario.name)
        snap = uow.scenarios.snapshot(scenario.name)
    assert stored is not None and stored.id == sid and stored.version == 1
    assert stored.name == scenario.name
    assert stored.scenario() == scenario
    assert Scenario.from_spec(snap) == scenario  # the snapshot a run pins converts the same way


def test_bad_scenario_phase_is_refused(warehouse: Warehouse) -> None:
    spec = {"name": "s", "goal": {}, "phases": [{"name": "p", "target_year": 1850}]}
    with (
        pytest.raises(ValueError, match="phase 1: field 'target_year' value 1850"),
        warehouse.unit_of_work() as uow,
    ):
        uow.scenarios.create(spec)


# ------------------------------------------------------------------------------------------ the resource


def test_warehouse_resource_reuses_engine(warehouse: Warehouse) -> None:
    resource = WarehouseResource(database_url=warehouse.url)
    first = resource.warehouse()
    assert resource.warehouse() is first
    assert first.engine is warehouse.engine  # make_engine caches per URL
    with first.unit_of_work() as uow:
        assert uow.portfolios.list_after(0) == []


def test_duplicate_uprns_in_one_upsert_are_refused(warehouse: Warehouse) -> None:
    with (
        pytest.raises(ValueError, match="field 'uprn' value 4 appears more than once"),
        warehouse.unit_of_work() as uow,
    ):
        uow.properties.upsert_many(uow.portfolios.get_or_create("p"), _homes(4, 5, 4))


def test_fetch_log_keeps_the_last_outcome_of_a_batch(warehouse: Warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        uow.fetches.record(
            [
                {"uprn": 9, "fetched_at": NOW, "status": "error", "error": "timeout"},
                {"uprn": 9, "fetched_at": NOW, "status": "found", "certificate_count": 3},
            ]
        )
        assert uow.fetches.for_uprns([9]).select("status", "certificate_count").row(0) == ("found", 3)


def test_gap_in_migration_numbers_is_refused(tmp_path) -> None:
    (tmp_path / "0001_init.sql").write_text("SELECT 1;")
    (tmp_path / "0006_later.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match="version 0002 is missing"):
        warehouse_migrations.discover(tmp_path)


def test_shipped_migrations_come_from_the_package() -> None:
    names = [m.name for m in warehouse_migrations.discover()]
    assert names[0] == "0001_init.sql"
    assert not {"0003", "0004"} & {n[:4] for n in names}


def test_band_columns_share_one_domain(warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        rows = uow.connection.execute(
            sa.text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE domain_name = 'epc_band' ORDER BY 1, 2"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("plan_phases", "band_after"),
        ("plan_phases", "band_at_start"),
        ("plan_phases", "band_before"),
        ("property_baseline_performance", "calculated_band"),
        ("property_baseline_performance", "effective_band"),
        ("property_baseline_performance", "lodged_band"),
    ]


@pytest.mark.integration
def test_plan_foreign_key_checks_use_the_primary_key(warehouse) -> None:
    # A foreign-key check of plan_measures is a generic plan made before any statistics exist: given a
    # second index on plan_phases it read every home of the phase per measure row (minutes at 100,000 homes).
    with warehouse.engine.connect() as conn:
        conn.execute(sa.text("SET plan_cache_mode = force_generic_plan"))
        conn.execute(
            sa.text(
                "PREPARE fk_check(bigint, text, bigint, integer) AS SELECT 1 FROM ONLY plan_phases x "
                "WHERE portfolio_id = $1 AND scenario = $2 AND property_id = $3 AND phase = $4 "
                "FOR KEY SHARE OF x"
            )
        )
        plan = "\n".join(r[0] for r in conn.execute(sa.text("EXPLAIN EXECUTE fk_check(1, 's', 1, 1)")))
    assert "plan_phases_pkey" in plan, plan
