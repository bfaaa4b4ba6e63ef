"""Every `ara` command's --help: boolean flags are shown as flags (no value), and they work as flags."""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from ara_assets.cli import app

runner = CliRunner()


def _paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    # typer 0.29 ships its own copy of click: walk groups by their `commands`, not by click's classes.
    paths = [prefix]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        paths += _paths(sub, (*prefix, name))
    return paths


def test_no_help_shows_a_value_for_a_flag():
    root = typer.main.get_command(app)
    paths = _paths(root)
    assert ("demo", "reset") in paths and ("db", "stop") in paths and ("register", "fetch") in paths
    flags_seen = 0
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, (path, result.output)
        flags_seen += result.output.count("--json") + result.output.count("--fresh")
    assert flags_seen >= 3  # portfolio summary, sap worksheet, demo run


def test_a_flag_takes_no_value():
    result = runner.invoke(app, ["demo", "run", "--fresh", "true"])
    assert result.exit_code == 2  # `true` is an unexpected extra argument: --fresh is a plain flag
    assert "true" in result.output
