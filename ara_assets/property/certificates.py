"""The current certificate of each property, from everything the cache holds.

The register keeps expired and replaced certificates; the current one is the latest by registration
date (ties broken by certificate number, so the choice is stable). Homes with none keep their row and
say why, from the last fetch's status.
"""

from __future__ import annotations

import polars as pl

CURRENT_CERTIFICATE_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "uprn": pl.Int64(),
    "landlord_reference": pl.String(),
    "postcode": pl.String(),
    "certificate_number": pl.String(),
    "registration_date": pl.Date(),
    "schema_type": pl.String(),
    "sap_version": pl.Float64(),
    "certificates_held": pl.UInt32(),
    "raw": pl.String(),
    "fetch_status": pl.String(),
    "fetched_at": pl.Datetime("us", "UTC"),
    "reason": pl.String(),
}


def pick_current_certificates(
    properties: pl.DataFrame, certificates: pl.DataFrame, fetches: pl.DataFrame
) -> pl.DataFrame:
    """One row per property with its current certificate, or the reason it has none.

    properties:   property_id, uprn, landlord_reference, postcode
    certificates: certificate_number, uprn, registration_date, schema_type, sap_version, raw
    fetches:      uprn, status ('found' | 'no_certificate' | 'error'), error, fetched_at
    """
    # Chosen on the narrow columns, the documents gathered once at the end: at 100,000 homes the cache's
    # documents are a gigabyte, and every sort or join that carried them made a copy.
    certs = certificates.select(
        pl.col("certificate_number").cast(pl.String),
        pl.col("uprn").cast(pl.Int64),
        pl.col("registration_date").cast(pl.Date),
        pl.col("schema_type").cast(pl.String),
        pl.col("sap_version").cast(pl.Float64),
    ).with_row_index("_row")
    held = certs.group_by("uprn").agg(pl.len().cast(pl.UInt32).alias("certificates_held"))
    current = certs.sort(["uprn", "registration_date", "certificate_number"]).unique(
        "uprn", keep="last", maintain_order=True
    )
    last_fetch = fetches.select(
        pl.col("uprn").cast(pl.Int64),
        pl.col("status").cast(pl.String).alias("fetch_status"),
        pl.col("error").cast(pl.String).alias("fetch_error"),
        pl.col("fetched_at").cast(pl.Datetime("us", "UTC")),
    )
    out = (
        properties.select(
            pl.col("property_id").cast(pl.Int64),
            pl.col("uprn").cast(pl.Int64),
            pl.col("landlord_reference").cast(pl.String),
            pl.col("postcode").cast(pl.String),
        )
        .join(current, on="uprn", how="left")
        .join(held, on="uprn", how="left")
        .join(last_fetch, on="uprn", how="left")
        .with_columns(
            pl.col("certificates_held").fill_null(0),
            pl.when(pl.col("certificate_number").is_not_null())
            .then(pl.lit(None, pl.String))
            .when(pl.col("fetch_status") == "no_certificate")
            .then(pl.lit("no certificate on the register for this UPRN"))
            .when(pl.col("fetch_status") == "error")
            .then(pl.concat_str(pl.lit("register fetch failed: "), pl.col("fetch_error").fill_null("")))
            .otherwise(pl.lit("not fetched from the register yet"))
            .alias("reason"),
        )
        .drop("fetch_error")
        .sort("property_id")
    )
    raw = certificates.get_column("raw").cast(pl.String).gather(out.get_column("_row"))
    return out.with_columns(raw.alias("raw")).select(
        [pl.col(c).cast(t) for c, t in CURRENT_CERTIFICATE_SCHEMA.items()]
    )
