import datetime as dt

import polars as pl

from ara_assets.property.certificates import CURRENT_CERTIFICATE_SCHEMA, pick_current_certificates

PROPS = pl.DataFrame(
    {
        "property_id": [1, 2, 3, 4],
        "uprn": [900000000001, 900000000002, 900000000003, 900000000004],
        "landlord_reference": ["A1", "A2", "A3", "A4"],
        "postcode": ["LS9 7ZZ", "LS9 7ZZ", "M1 1ZZ", "M1 1ZZ"],
        "address": ["x", "y", "z", "w"],
    }
)
CERTS = pl.DataFrame(
    {
        "certificate_number": [
            "0000-0000-0000-0000-0001",
            "0000-0000-0000-0000-0002",
            "0000-0000-0000-0000-0003",
        ],
        "uprn": [900000000001, 900000000001, 900000000002],
        "registration_date": [dt.date(2015, 1, 1), dt.date(2025, 6, 1), dt.date(2024, 1, 1)],
        "schema_type": ["RdSAP-Schema-17.0", "RdSAP-Schema-21.0.1", "RdSAP-Schema-21.0.1"],
        "sap_version": [9.92, 10.2, 10.2],
        "raw": ["{}", '{"a": 1}', "{}"],
    }
)
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
FETCHES = pl.DataFrame(
    {
        "uprn": [900000000001, 900000000002, 900000000003],
        "status": ["found", "found", "no_certificate"],
        "error": [None, None, None],
        "fetched_at": [NOW, NOW, NOW],
    }
)


def test_latest_registration_wins_and_every_property_kept():
    out = pick_current_certificates(PROPS, CERTS, FETCHES)
    assert out["property_id"].to_list() == [1, 2, 3, 4]
    first = out.row(0, named=True)
    assert first["certificate_number"] == "0000-0000-0000-0000-0002"
    assert first["certificates_held"] == 2
    assert first["reason"] is None
    assert out.schema == pl.Schema(CURRENT_CERTIFICATE_SCHEMA)


def test_reasons_for_homes_without_certificate():
    out = pick_current_certificates(PROPS, CERTS, FETCHES)
    reasons = dict(zip(out["property_id"].to_list(), out["reason"].to_list(), strict=True))
    assert "no certificate" in reasons[3]
    assert "not fetched" in reasons[4]


def test_fetch_error_keeps_cached_certificate_and_reports_when_none():
    fetches = FETCHES.with_columns(
        pl.when(pl.col("uprn") == 900000000001)
        .then(pl.lit("error"))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(pl.col("uprn") == 900000000001).then(pl.lit("HTTP 500")).otherwise(None).alias("error"),
    )
    out = pick_current_certificates(PROPS, CERTS, fetches)
    # The cached certificate still stands after a failed refresh.
    assert out.row(0, named=True)["certificate_number"] == "0000-0000-0000-0000-0002"
    only_error = pick_current_certificates(PROPS, CERTS.head(0), fetches)
    assert only_error.row(0, named=True)["reason"] == "register fetch failed: HTTP 500"


def test_tie_on_registration_date_is_stable():
    certs = CERTS.with_columns(pl.lit(dt.date(2025, 6, 1)).alias("registration_date"))
    a = pick_current_certificates(PROPS, certs, FETCHES)
    b = pick_current_certificates(PROPS, certs.reverse(), FETCHES)
    assert a.equals(b)
    assert a.row(0, named=True)["certificate_number"] == "0000-0000-0000-0000-0002"
