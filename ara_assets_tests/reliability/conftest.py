"""The Dagster fixtures of ara_assets_tests/defs (a generated portfolio served by the register emulator,
a migrated database, resources pointing at both), shared with the fault-injection suite."""

from ara_assets_tests.defs.conftest import generated_portfolio, pipeline  # noqa: F401
