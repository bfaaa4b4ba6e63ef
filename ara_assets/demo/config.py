"""Shared constants and data files of the demo generator (no heavy imports)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

GENERATOR_VERSION = "3.0.0"
SCHEMA_RDSAP10 = "RdSAP-Schema-21.0.1"
SCHEMA_PRE_SAP10 = "RdSAP-Schema-20.0.0"
AGE_BANDS = "ABCDEFGHIJKLM"


@cache
def load_data(name: str) -> dict[str, Any]:
    """A JSON file of `ara_assets/demo/data/`."""
    text = resources.files("ara_assets.demo").joinpath(f"data/{name}").read_text("utf-8")
    return json.loads(text)


def distributions() -> dict[str, Any]:
    return load_data("distributions.json")


def system_names() -> list[str]:
    return [row["name"] for row in distributions()["heating_systems"]["rows"]]
