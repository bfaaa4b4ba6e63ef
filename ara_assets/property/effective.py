"""Assembly of the effective EPC: the picture of each home that modelling scores.

Three source paths, never mixed per field (DESIGN.md, docs/adr/0004-effective-epc-source-paths.md,
docs/adr/0018-predicted-epc.md), in order of precedence:

- `site_notes`: a full survey by the landlord's surveyor, used alone;
- `epc` / `epc_with_overrides`: the lodged certificate, with the landlord's field-level overrides laid
  over it (the latest row per field wins; a retraction removes the field's override);
- `predicted`: for a home with neither, an EPC predicted from comparable homes
  (`ara_assets.prediction`), with the landlord's overrides laid over it as over a lodged certificate.

The newer of survey and certificate wins; the certificate's date is its inspection date (when the
assessor saw the home), falling back to its registration date. Every property gets a row: a home with
none of the three keeps its row with `source_path = "none"` and the reason.

Pure: frames in, frames out. Loops per property because each document is a nested JSON tree; the work per
home is one parse, the overrides and one hash.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import polars as pl

from ara_assets import jsontext
from ara_assets.epc import (
    CertificateValidationError,
    get_field_path,
    normalise_register_json,
    set_field_path,
)
from ara_assets.forked import fork_iter, worker_slices
from ara_assets.prediction.features import FEATURES_DTYPE, document_features
from ara_assets.property.override_values import DEFAULT_SCHEMA, check_override_value
from ara_assets.property.physical import physical_hash
from ara_assets.source_digest import source_digest

SOURCE_SITE_NOTES = "site_notes"
SOURCE_EPC = "epc"
SOURCE_EPC_WITH_OVERRIDES = "epc_with_overrides"
SOURCE_PREDICTED = "predicted"
SOURCE_NONE = "none"

EFFECTIVE_EPC_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "uprn": pl.Int64(),
    "source_path": pl.String(),
    "certificate_number": pl.String(),
    "epc_date": pl.Date(),
    "site_note_id": pl.Int64(),
    "survey_date": pl.Date(),
    "document": pl.String(),
    "provenance": pl.String(),
    "physical_hash": pl.String(),
    "lodged_physical_hash": pl.String(),
    "overrides_applied": pl.Int32(),
    "overrides_rejected": pl.Int32(),
    "reason": pl.String(),
    "prediction_confidence": pl.Float64(),
    # the effective document's compared components (prediction/features.py), made while the document is
    # parsed here: the anomaly flags and the predictions read them instead of parsing every document again
    "features": FEATURES_DTYPE,
    "input_key": pl.String(),
}


@dataclass(frozen=True)
class _Override:
    override_id: int
    field_path: str
    value: Any
    author: str | None
    created_at: str | None


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _normalise(document: dict[str, Any]) -> dict[str, Any]:
    """Register document -> the parser's normalised form (no quirks), so hashes compare like with like.

    ``normalise_register_json`` is ``to_register_json(parse_certificate(document))`` (same dict, same
    errors) without building the model for plain documents."""
    return normalise_register_json(document)


# Site notes are register-shaped RdSAP 10 documents written by a surveyor, not lodged certificates: they
# carry no certificate number or registration. The survey record supplies what the parser requires.
SITE_NOTES_CERTIFICATE_NUMBER = "0000-0000-0000-0000-0000"
SITE_NOTES_SCHEMA = "RdSAP-Schema-21.0.1"


def _survey_document(survey: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(survey["document"])
    document = document.get("data", document) if isinstance(document, dict) else document
    survey_date = str(_date(survey["survey_date"]))
    return {
        "certificate_number": SITE_NOTES_CERTIFICATE_NUMBER,
        "schema_type": SITE_NOTES_SCHEMA,
        "sap_version": 10.2,
        "registration_date": survey_date,
        "inspection_date": survey_date,
        **document,
    }


def survey_as_register_document(document: dict[str, Any], survey_date: dt.date) -> dict[str, Any]:
    """A survey document as the pipeline will model it (normalised); raises CertificateValidationError
    naming the field and value the parser refuses."""
    record = {"document": json.dumps(document), "survey_date": survey_date}
    return _normalise(_survey_document(record))


def _epc_date(document: dict[str, Any]) -> dt.date | None:
    return _date(document.get("inspection_date") or document.get("registration_date"))


def _group_overrides(overrides: pl.DataFrame) -> dict[int, list[_Override]]:
    grouped: dict[int, list[_Override]] = defaultdict(list)
    if overrides.is_empty():
        return grouped
    for row in overrides.sort("override_id").iter_rows(named=True):
        grouped[int(row["property_id"])].append(
            _Override(
                override_id=int(row["override_id"]),
                field_path=str(row["field_path"]),
                value=json.loads(row["value"]) if isinstance(row["value"], str) else row["value"],
                author=row.get("author"),
                created_at=str(row["created_at"]) if row.get("created_at") is not None else None,
            )
        )
    return grouped


def _latest_site_notes(site_notes: pl.DataFrame) -> dict[int, dict[str, Any]]:
    if site_notes.is_empty():
        return {}
    latest = site_notes.sort(["survey_date", "site_note_id"]).unique("property_id", keep="last")
    return {int(r["property_id"]): r for r in latest.iter_rows(named=True)}


def assembly_digest() -> str:
    """A digest of the code that assembles an effective EPC (this package, the EPC parser with its code
    tables, and the prediction): a change to any makes every home's key change, so an upgrade re-assembles
    everything."""
    return source_digest(("property", "epc", "prediction"))


def effective_input_keys(
    current: pl.DataFrame, overrides: pl.DataFrame, site_notes: pl.DataFrame
) -> pl.DataFrame:
    """What each property's effective EPC is assembled from, as one comparable string per property: the
    current certificate (number and a hash of its document), the overrides in force (their ids: rows are
    append-only, so ids identify content), the latest survey, and the assembly code's digest."""
    override_ids = (
        overrides.group_by("property_id").agg(
            pl.col("override_id").sort().cast(pl.String).str.join(",").alias("_overrides")
        )
        if not overrides.is_empty()
        else pl.DataFrame(schema={"property_id": pl.Int64, "_overrides": pl.String})
    )
    notes = (
        site_notes.group_by("property_id").agg(pl.col("site_note_id").max().cast(pl.String).alias("_note"))
        if not site_notes.is_empty()
        else pl.DataFrame(schema={"property_id": pl.Int64, "_note": pl.String})
    )
    return (
        current.select(
            pl.col("property_id").cast(pl.Int64),
            pl.col("certificate_number").fill_null(""),
            # polars' hash is deterministic for a polars version; an upgrade re-assembles, which is safe.
            pl.col("raw").hash().cast(pl.String).fill_null("").alias("_raw"),
            pl.col("reason").cast(pl.String).fill_null("").alias("_reason"),
        )
        .join(override_ids.with_columns(pl.col("property_id").cast(pl.Int64)), on="property_id", how="left")
        .join(notes.with_columns(pl.col("property_id").cast(pl.Int64)), on="property_id", how="left")
        .select(
            "property_id",
            pl.concat_str(
                "certificate_number",
                "_raw",
                "_reason",
                pl.col("_overrides").fill_null(""),
                pl.col("_note").fill_null(""),
                pl.lit(assembly_digest()),
                separator="|",
            ).alias("input_key"),
        )
    )


def assemble_effective_epc(
    current: pl.DataFrame,
    overrides: pl.DataFrame,
    site_notes: pl.DataFrame,
    predicted: pl.DataFrame | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """Build one effective-EPC row per property (over `workers` processes when the portfolio is large:
    a home's assembly is Python work, about a millisecond, most of it normalising the document).

    current:    one row per property (the output of `epc_cache`): property_id, uprn, certificate_number,
                raw (the bare register document as JSON text, null when none), reason (why none).
    overrides:  the landlord overrides in force (latest per field, retractions already removed):
                property_id, override_id, field_path, value (JSON text), author, created_at.
    site_notes: property_id, site_note_id, survey_date, document (JSON text), surveyor.
    predicted:  optional, `ara_assets.prediction.predict_epcs` rows (property_id, document, template_id,
                confidence, fields, neighbours, nearest_level); used only for homes with neither a
                certificate nor site notes.
    """
    by_property = _group_overrides(overrides)
    surveys = _latest_site_notes(site_notes)
    predictions = (
        {int(r["property_id"]): r for r in predicted.iter_rows(named=True)} if predicted is not None else {}
    )
    # only what _assemble_one reads: at 100,000 homes these rows hold every lodged document as Python text
    records = current.select(
        [c for c in ("property_id", "uprn", "certificate_number", "raw", "reason") if c in current.columns]
    ).rows(named=True)

    def assemble(start: int, stop: int) -> list[dict[str, Any]]:
        # plain Python only: it may run in a forked process (ara_assets/forked.py)
        return [
            _assemble_one(
                rec,
                by_property.get(int(rec["property_id"]), []),
                surveys.get(int(rec["property_id"])),
                predictions.get(int(rec["property_id"])),
            )
            for rec in records[start:stop]
        ]

    # Memory at scale (the peak of `effective_epc` at 100,000 homes was here): each slice's rows become
    # a frame as they arrive and are dropped, and the lodged text goes once this process's slice is done
    # (the children forked with their own copy).
    schema = {k: v for k, v in EFFECTIVE_EPC_SCHEMA.items() if k != "input_key"}
    frames = []
    for part in fork_iter(assemble, worker_slices(len(records), workers)):
        records.clear()
        frames.append(pl.DataFrame(part, schema=schema))
        del part
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
    keys = effective_input_keys(current, overrides, site_notes)
    return frame.join(keys, on="property_id", how="left").select(list(EFFECTIVE_EPC_SCHEMA))


def _assemble_one(
    rec: dict[str, Any],
    overrides: list[_Override],
    survey: dict[str, Any] | None,
    prediction: dict[str, Any] | None = None,
) -> dict[str, Any]:
    property_id = int(rec["property_id"])
    base: dict[str, Any] = {
        "property_id": property_id,
        "uprn": rec.get("uprn"),
        "source_path": SOURCE_NONE,
        "certificate_number": rec.get("certificate_number"),
        "epc_date": None,
        "site_note_id": None,
        "survey_date": None,
        "document": None,
        "provenance": None,
        "physical_hash": None,
        "lodged_physical_hash": None,
        "overrides_applied": 0,
        "overrides_rejected": 0,
        "reason": None,
        "prediction_confidence": None,
        "features": None,
    }
    lodged: dict[str, Any] | None = None
    if rec.get("raw"):
        try:
            lodged = _normalise(jsontext.loads(rec["raw"]))
        except CertificateValidationError as exc:
            # A certificate the parser refuses cannot be modelled; say why, keep the row.
            base["reason"] = f"certificate does not validate: {exc}"
    if lodged is not None:
        base["epc_date"] = _epc_date(lodged)
        base["lodged_physical_hash"] = physical_hash(lodged)

    survey_doc: dict[str, Any] | None = None
    if survey is not None:
        survey_date = _date(survey["survey_date"])
        epc_date = base["epc_date"]
        if epc_date is None or (survey_date is not None and survey_date >= epc_date):
            try:
                survey_doc = _normalise(_survey_document(survey))
            except CertificateValidationError as exc:
                base["reason"] = f"site notes {survey['site_note_id']} do not validate: {exc}"
            base["site_note_id"] = int(survey["site_note_id"])
            base["survey_date"] = survey_date

    if survey_doc is not None:
        provenance = {
            "base": f"site_notes:{survey['site_note_id']}",
            "surveyor": survey.get("surveyor"),
            # Overrides belong to the EPC path; they are kept in Postgres, not applied to a survey.
            "overrides_not_applied": [o.override_id for o in overrides],
            "fields": {},
        }
        return {
            **base,
            "source_path": SOURCE_SITE_NOTES,
            "document": jsontext.dumps_sorted(survey_doc),
            "provenance": json.dumps(provenance, sort_keys=True),
            "physical_hash": physical_hash(survey_doc),
            "reason": None,
            "features": document_features(survey_doc),
        }

    if lodged is None and prediction is not None and base["reason"] is None:
        return _assemble_predicted(base, prediction, overrides)
    if lodged is None:
        if base["reason"] is None:
            base["reason"] = rec.get("reason") or "no certificate and no site notes"
        return base

    document, fields, rejected = _apply_overrides(lodged, overrides)
    provenance = {
        "base": f"certificate:{rec.get('certificate_number')}",
        "fields": fields,
        "rejected_overrides": rejected,
    }
    return {
        **base,
        "source_path": SOURCE_EPC_WITH_OVERRIDES if fields else SOURCE_EPC,
        "document": jsontext.dumps_sorted(document),
        "provenance": json.dumps(provenance, sort_keys=True, default=str),
        # no override applied: the lodged document itself, already hashed (a hash is a sixth of a home's time)
        "physical_hash": base["lodged_physical_hash"] if document is lodged else physical_hash(document),
        "overrides_applied": len(fields),
        "overrides_rejected": len(rejected),
        "reason": None,
        "features": document_features(document),
    }


def _assemble_predicted(
    base: dict[str, Any], prediction: dict[str, Any], overrides: list[_Override]
) -> dict[str, Any]:
    """The `predicted` path: the predicted document, normalised, with the landlord's overrides laid over it
    exactly as over a lodged certificate (provenance keeps the prediction's confidence and evidence)."""
    try:
        predicted = _normalise(json.loads(prediction["document"]))
    except CertificateValidationError as exc:
        return {
            **base,
            "reason": f"no certificate and no site notes; the predicted EPC does not validate: {exc}",
        }
    document, fields, rejected = _apply_overrides(predicted, overrides)
    provenance = {
        "base": f"predicted:template_property:{prediction.get('template_id')}",
        "confidence": prediction.get("confidence"),
        "neighbours": prediction.get("neighbours"),
        "neighbour_ids": [int(i) for i in (prediction.get("neighbour_ids") or [])],
        "nearest_level": prediction.get("nearest_level"),
        "predicted_fields": json.loads(prediction["fields"]) if prediction.get("fields") else {},
        "fields": fields,
        "rejected_overrides": rejected,
    }
    return {
        **base,
        "source_path": SOURCE_PREDICTED,
        "certificate_number": None,
        "document": jsontext.dumps_sorted(document),
        "provenance": json.dumps(provenance, sort_keys=True, default=str),
        "physical_hash": physical_hash(document),
        "overrides_applied": len(fields),
        "overrides_rejected": len(rejected),
        "reason": None,
        "prediction_confidence": prediction.get("confidence"),
        "features": document_features(document),
    }


def _apply_overrides(
    lodged: dict[str, Any], overrides: list[_Override]
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Lay `overrides` over `lodged` one by one, re-validating after each: (document, applied, rejected)."""
    document = lodged
    fields: dict[str, Any] = {}
    rejected: list[dict[str, Any]] = []
    schema = str(lodged.get("schema_type") or DEFAULT_SCHEMA)
    for override in overrides:
        # The import's rules again (type, code table, range, no NaN): rows stored before those rules,
        # or written around the import, are refused here for this home instead of failing the portfolio.
        why = check_override_value(override.field_path, override.value, schema)
        if why is not None:
            rejected.append(
                {
                    "override_id": override.override_id,
                    "field": override.field_path,
                    "value": override.value,
                    "error": why,
                }
            )
            continue
        try:
            candidate = set_field_path(document, override.field_path, override.value)
            candidate = _normalise(candidate)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            # One bad override must not block the home: it stays in Postgres, is reported here and in
            # the asset's metadata, and the rest apply.
            rejected.append(
                {
                    "override_id": override.override_id,
                    "field": override.field_path,
                    "value": override.value,
                    "error": str(exc),
                }
            )
            continue
        try:
            lodged_value = get_field_path(lodged, override.field_path)
        except (KeyError, IndexError):
            lodged_value = None
        fields[override.field_path] = {
            "source": "landlord_override",
            "lodged_value": lodged_value,
            "override_id": override.override_id,
            "author": override.author,
            "at": override.created_at,
            "value": override.value,
        }
        document = candidate
    return document, fields, rejected


_POOL_PATHS = [SOURCE_EPC, SOURCE_EPC_WITH_OVERRIDES, SOURCE_SITE_NOTES]


NEIGHBOUR_POOL_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "uprn": pl.Int64(),
    "postcode": pl.String(),
    "address": pl.String(),
    "document": pl.String(),
    "physical_hash": pl.String(),
    "features": FEATURES_DTYPE,
}


def neighbour_pool(certificates: pl.DataFrame, workers: int = 1) -> pl.DataFrame:
    """Certificates of homes outside the portfolio (the certificate cache's postcode neighbours, from the
    register's bulk file or fetches) as comparable homes for prediction (NEIGHBOUR_POOL_SCHEMA).

    certificates: uprn, registration_date, raw (register JSON text), as the certificate cache holds them.
    The latest certificate per UPRN; its `property_id` is minus the UPRN, so it can never be taken for a
    portfolio home. A certificate that does not parse is left out (it cannot vote)."""
    if certificates.is_empty():
        return pl.DataFrame(schema=NEIGHBOUR_POOL_SCHEMA)
    latest = certificates.sort("registration_date", descending=True, nulls_last=True).unique(
        "uprn", keep="first", maintain_order=True
    )
    records = latest.select("uprn", "raw").rows()

    def pool_rows(start: int, stop: int) -> list[dict[str, Any]]:
        # plain Python only: it may run in a forked process (ara_assets/forked.py)
        rows: list[dict[str, Any]] = []
        for uprn, raw in records[start:stop]:
            try:
                doc = _normalise(jsontext.loads(raw))
            except (CertificateValidationError, ValueError, TypeError):
                continue
            address = ", ".join(str(doc[k]) for k in ("address_line_1", "address_line_2") if doc.get(k))
            rows.append(
                {
                    "property_id": -int(uprn),
                    "uprn": int(uprn),
                    "postcode": doc.get("postcode"),
                    "address": address or None,
                    "document": jsontext.dumps_sorted(doc),
                    "physical_hash": physical_hash(doc),
                    "features": document_features(doc),
                }
            )
        return rows

    frames = []
    for part in fork_iter(pool_rows, worker_slices(len(records), workers)):
        records.clear()  # as in assemble_effective_epc
        frames.append(pl.DataFrame(part, schema=NEIGHBOUR_POOL_SCHEMA))
        del part
    return pl.concat(frames)


def _neighbour_keys(predicted: pl.DataFrame, pool_hashes: pl.DataFrame) -> pl.DataFrame:
    """property_id and a digest of what a prediction was made from: its neighbours and their physical
    hashes (a change to any of them changes the key; a change elsewhere does not). pool_hashes:
    property_id, physical_hash of every home that could be a neighbour."""
    hashes = pool_hashes.select(pl.col("property_id").alias("neighbour_id"), "physical_hash")
    return (
        predicted.select("property_id", "neighbour_ids")
        .explode("neighbour_ids")
        .rename({"neighbour_ids": "neighbour_id"})
        .join(hashes, on="neighbour_id", how="left")
        .sort("property_id", "neighbour_id")
        .group_by("property_id", maintain_order=True)
        .agg(
            pl.concat_str(
                pl.col("neighbour_id").cast(pl.String), pl.col("physical_hash").fill_null(""), separator=":"
            )
            .str.join(";")
            .alias("_n")  # fmt: skip
        )
        .select("property_id", pl.col("_n").hash().cast(pl.String).alias("_neighbours"))
    )


def _area_keys(targets: pl.DataFrame, pool: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What each target's prediction reads, as one digest per target (property_id, `_area`), and the pool's
    postcode areas (property_id, area). pool: property_id, postcode, address, document_hash (the
    document's `hash(seed=0)`).

    A prediction weighs only the pool homes of the target's postcode area, or the whole pool when the area
    holds none (`prediction.neighbours.neighbour_pairs`); each pool home by its postcode, address and
    document. So the digest holds the target's own uprn, postcode and address and every such pool home of
    its scope: equal digests mean an equal prediction (the calculator that checks a predicted document is
    in the home's own key, the assembly digest)."""
    from ara_assets.prediction.features import location_frame

    located = location_frame(pool.select("property_id", "postcode", "address")).select("property_id", "area")
    members = pool.select(
        pl.col("property_id").cast(pl.Int64),
        pl.concat_str(
            pl.col("property_id").cast(pl.String),
            pl.col("postcode").cast(pl.String).fill_null(""),
            pl.col("address").cast(pl.String).fill_null(""),
            pl.col("document_hash").cast(pl.String),
            separator="\x1f",
        ).alias("_member"),
    ).join(located, on="property_id", how="left")
    whole = members.sort("property_id").select(pl.col("_member").str.join(";").hash(seed=0).cast(pl.String))
    whole_digest = str(whole.item()) if members.height else ""
    per_area = (
        members.filter(pl.col("area").is_not_null())
        .sort("property_id")
        .group_by("area", maintain_order=True)
        .agg(pl.col("_member").str.join(";").hash(seed=0).cast(pl.String).alias("_scope"))
    )
    mine = location_frame(targets.select("property_id", "postcode", "address")).select("property_id", "area")
    keys = (
        targets.select(
            pl.col("property_id").cast(pl.Int64),
            pl.concat_str(
                pl.col("uprn").cast(pl.String).fill_null(""),
                pl.col("postcode").cast(pl.String).fill_null(""),
                pl.col("address").cast(pl.String).fill_null(""),
                separator="\x1f",
            ).alias("_self"),
        )
        .join(mine, on="property_id", how="left")
        .join(per_area, on="area", how="left")
        .select(
            "property_id",
            (pl.col("_self") + "|" + pl.col("_scope").fill_null(pl.lit(f"all:{whole_digest}")))
            .hash(seed=0)
            .cast(pl.String)
            .alias("_area"),
            # a target whose area holds no pool home weighs the whole pool
            pl.col("_scope").is_null().alias("_lonely"),
            "area",
        )
    )
    return keys, located


def complete_with_predictions(
    effective: pl.DataFrame,
    current: pl.DataFrame,
    overrides: pl.DataFrame,
    site_notes: pl.DataFrame,
    homes: pl.DataFrame,
    previous: pl.DataFrame | None = None,
    neighbours: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Give every home left without an effective EPC (`source_path = none`) a predicted one.

    effective: assembled rows (EFFECTIVE_EPC_SCHEMA) of the whole portfolio; the comparable homes are its
    rows with a certificate or site notes. homes: property_id, uprn, postcode, address (the landlord's).
    A predicted row's input key is the home's own key plus a digest of its neighbours and their physical
    hashes; a row of `previous` (the last materialisation) with the same key is reused as it was, so a
    run re-assembles only predictions whose neighbours changed. Homes the prediction cannot reach (no
    comparable home at all) keep their row and reason.
    """
    from ara_assets.prediction.predict import predict_epcs

    todo = effective.filter(pl.col("source_path") == SOURCE_NONE)
    if todo.is_empty():
        return effective
    ids = todo["property_id"].implode()
    located = homes.select(
        pl.col("property_id").cast(pl.Int64), pl.col("uprn").cast(pl.Int64), "postcode", "address"
    )
    # The pool carries the compared components, not the documents: only the chosen templates' documents
    # are read, from `documents` (columns of the frames as they are, no copy of 150,000 documents).
    pool = (
        effective.filter(pl.col("source_path").is_in(_POOL_PATHS))
        .select("property_id", "features", pl.col("document").hash(seed=0).alias("document_hash"))
        .join(located, on="property_id")
    )
    hashes = effective.select("property_id", "physical_hash")
    documents = effective.select("property_id", "document")
    if neighbours is not None and not neighbours.is_empty():
        # homes outside the portfolio vote too (the certificate cache: the portfolio's postcodes)
        outside = neighbours.filter(~pl.col("uprn").is_in(located["uprn"].implode()))
        outside = outside.with_columns(pl.col("document").hash(seed=0).alias("document_hash"))
        pool = pl.concat([pool, outside.select(pool.columns)], how="vertical_relaxed")
        hashes = pl.concat([hashes, outside.select(hashes.columns)], how="vertical_relaxed")
        documents = pl.concat([documents, outside.select(documents.columns)], how="vertical_relaxed")
    targets = located.filter(pl.col("property_id").is_in(ids))
    # A target whose own key and whose pool scope (its postcode area's pool homes) are as in the previous
    # run keeps its previous predicted row without predicting again (docs/adr/0029): the prediction
    # would come out the same. The others are predicted from the pool homes of their areas alone.
    scope, pool_areas = _area_keys(targets, pool)
    prefix = todo.select("property_id", "input_key").join(scope, on="property_id", how="left")
    prefix = prefix.select(
        "property_id",
        (pl.col("input_key") + "|area:" + pl.col("_area") + "|neighbours:").alias("_prefix"),
        "_lonely",
        "area",
    )
    usable = previous is not None and set(EFFECTIVE_EPC_SCHEMA) <= set(previous.columns)
    skipped = pl.DataFrame(schema=EFFECTIVE_EPC_SCHEMA)
    if previous is not None and usable:
        skipped = (
            previous.filter(pl.col("source_path") == SOURCE_PREDICTED)
            .select(list(EFFECTIVE_EPC_SCHEMA))
            .join(prefix.select("property_id", "_prefix"), on="property_id")
            .filter(pl.col("input_key").str.starts_with(pl.col("_prefix")))
            .drop("_prefix")
        )
    remaining = prefix.join(skipped.select("property_id"), on="property_id", how="anti")
    if remaining["_lonely"].any():
        needed = pool
    else:
        areas = remaining["area"].unique().implode()
        needed = pool.join(
            pool_areas.filter(pl.col("area").is_in(areas)).select("property_id"), on="property_id", how="semi"
        )
    predicted = predict_epcs(
        targets.join(remaining.select("property_id"), on="property_id", how="semi"), needed, documents
    )
    keys = (
        prefix.select("property_id", "_prefix")
        .join(_neighbour_keys(predicted, hashes), on="property_id")
        .select("property_id", (pl.col("_prefix") + pl.col("_neighbours")).alias("input_key"))
    )
    reused = skipped
    if previous is not None and usable:
        reused = pl.concat(
            [
                skipped,
                previous.filter(pl.col("source_path") == SOURCE_PREDICTED)
                .join(keys, on=["property_id", "input_key"], how="semi")
                .select(list(EFFECTIVE_EPC_SCHEMA)),
            ]
        )
    redo = predicted.join(reused.select("property_id"), on="property_id", how="anti")
    redo_ids = redo["property_id"].implode()
    redone = assemble_effective_epc(
        current.filter(pl.col("property_id").is_in(redo_ids)),
        overrides.filter(pl.col("property_id").is_in(redo_ids)),
        site_notes.filter(pl.col("property_id").is_in(redo_ids)),
        redo,
    )
    redone = (
        redone.drop("input_key")
        .join(keys, on="property_id", how="left")
        .with_columns(
            pl.when(pl.col("source_path") == SOURCE_PREDICTED)
            .then(pl.col("input_key"))
            .otherwise(pl.lit(None, pl.String))
            .alias("input_key")
        )
        .select(list(EFFECTIVE_EPC_SCHEMA))
    )
    # a home whose prediction failed to validate keeps its own key (assembled again next run)
    redone = redone.join(
        todo.select("property_id", pl.col("input_key").alias("_own")), on="property_id"
    ).select(
        *[
            pl.coalesce("input_key", "_own").alias(c) if c == "input_key" else pl.col(c)
            for c in EFFECTIVE_EPC_SCHEMA
        ]
    )
    done = pl.concat([reused["property_id"], redone["property_id"]]).implode()
    return pl.concat([effective.filter(~pl.col("property_id").is_in(done)), reused, redone]).sort(
        "property_id"
    )
