from ara_assets.property.physical import physical_hash, physical_inputs


def test_hash_ignores_identity_dates_and_lodged_results():
    doc = {
        "certificate_number": "1",
        "registration_date": "2020-01-01",
        "energy_rating_current": 60,
        "total_floor_area": 70,
        "sap_building_parts": [{"wall_construction": 4}],
    }
    other = {
        **doc,
        "certificate_number": "2",
        "registration_date": "2024-01-01",
        "energy_rating_current": 75,
        "walls": [{"description": "Cavity"}],
    }
    assert physical_hash(doc) == physical_hash(other)
    assert set(physical_inputs(doc)) == {"total_floor_area", "sap_building_parts"}


def test_hash_sees_physical_change_and_not_key_order():
    doc = {"total_floor_area": 70, "sap_building_parts": [{"wall_construction": 4, "floor_heat_loss": 7}]}
    reordered = {
        "sap_building_parts": [{"floor_heat_loss": 7, "wall_construction": 4}],
        "total_floor_area": 70,
    }
    changed = {"total_floor_area": 70, "sap_building_parts": [{"wall_construction": 3, "floor_heat_loss": 7}]}
    assert physical_hash(doc) == physical_hash(reordered)
    assert physical_hash(doc) != physical_hash(changed)
