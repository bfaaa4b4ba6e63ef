"""Synthetic homes for the modelling tests: no addresses, made-up ids."""

from __future__ import annotations

import polars as pl

from ara_assets.sap10.inputs import prepare_inputs


def synthetic_inputs() -> pl.DataFrame:
    """Four homes: gas-combi cavity semi, solid-wall terrace with cylinder, electric flat, small bungalow."""
    raw = pl.DataFrame(
        {
            # the worksheet's record id (named in its refusals) and the property the row models
            "home_id": ["H1", "H2", "H3", "H4"],
            "property_id": [1, 2, 3, 4],
            "storey_floor_area_m2": [[45.0, 45.0], [40.0, 40.0], [55.0], [30.0]],
            "storey_height_m": [[2.5, 2.5], [2.7, 2.6], [2.4], [2.4]],
            "living_area_m2": [18.0, 16.0, 20.0, 12.0],
            "window_area_m2": [[3.0, 2.0, 1.5], [2.5, 2.5], [4.0], [2.0, 1.0]],
            "window_u_value": [[2.8, 2.8, 1.4], [4.8, 4.8], [2.8], [1.2, 1.2]],
            "window_g_perp": [[0.76, 0.76, 0.63], [0.85, 0.85], [0.76], [0.63, 0.63]],
            "window_frame_factor": [[0.7, 0.7, 0.7], [0.7, 0.7], [0.7], [0.7, 0.7]],
            "window_orientation": [[5, 1, 3], [5, 1], [7], [5, 1]],
            "window_pitch_deg": [[90.0, 90.0, 90.0], [90.0, 90.0], [90.0], [90.0, 90.0]],
            "door_area_m2": [[1.9], [1.9, 1.9], [], [1.9]],
            "door_u_value": [[3.0], [3.0, 1.2], [], [1.0]],
            "wall_area_m2": [[80.0], [60.0], [35.0], [50.0]],
            "wall_u_value": [[1.5], [2.1], [0.6], [0.45]],
            "roof_area_m2": [[45.0], [40.0], [], [30.0]],
            "roof_u_value": [[0.4], [2.3], [], [0.16]],
            "floor_area_hl_m2": [[45.0], [40.0], [], [30.0]],
            "floor_u_value": [[0.7], [0.8], [], [0.3]],
            "suspended_wooden_floor": [0, 1, 0, 0],
            "windows_draughtproofed_pct": [50.0, 0.0, 100.0, 100.0],
            "main_heating_code": [104, 101, 401, 102],
            "main_heating_fuel": [1, 1, 30, 1],
            "main_heating_control": [2104, 2102, 2401, 2106],
            "cylinder_volume_l": [None, 110.0, 110.0, 150.0],
            "cylinder_insulation_type": [None, 2, 1, 1],
            "cylinder_insulation_mm": [None, 25.0, 50.0, 50.0],
            "cylinder_thermostat": [True, False, True, True],
            "secondary_heating_code": [None, 605, None, None],
            "secondary_heating_fuel": [None, 1, None, None],
            "electricity_tariff": [1, 1, 2, 1],
        }
    )
    return prepare_inputs(raw)


def synthetic_features() -> pl.DataFrame:
    """Effective-EPC-derived columns and property attributes of the homes in `synthetic_inputs`."""
    return pl.DataFrame(
        {
            "property_id": [1, 2, 3, 4],
            "property_type": [0, 0, 2, 1],
            "wall_construction": [4, 3, 4, 5],
            "wall_insulation_type": [4, 4, 2, 4],
            "roof_construction": [4, 4, 3, 4],
            "floor_construction": [1, 2, 1, 1],
            "has_room_in_roof": [False, False, False, False],
            "listed_building": [False, None, False, False],
            "conservation_area": [False, True, None, False],
        }
    )
