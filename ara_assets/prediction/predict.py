"""Predicted EPCs: a register-shaped document per home from its comparable homes.

For each target, every categorical component is voted on by its weighted neighbours
(`neighbours.neighbour_pairs`): the support of a value is the summed weight of the neighbours holding it,
its share the support over the weight of neighbours that state the field. The predicted document is the
certificate of the neighbour that best agrees with the vote (the weighted medoid: its weight times the
mean share of its values over the fields), with the target's identity in place of the neighbour's. A
real certificate keeps every field consistent with the others (a cavity fill only on a cavity wall, a
cylinder with the system that needs one), which a field-by-field mode would not.

Confidence of a field = support of the predicted value / (weight of neighbours stating the field +
`PRIOR_WEIGHT`): agreement of near, alike homes, shrunk when there are few. `PRIOR_WEIGHT` = 1.0 is one
same-postcode neighbour's worth of doubt, so a lone neighbour on the street gives 0.44, ten unanimous
ones 0.89. The home's confidence is the mean over the categorical fields. Each field lists up to
`EVIDENCE` neighbours holding its value (heaviest first).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl

from ara_assets.prediction.features import CATEGORICAL_FIELDS
from ara_assets.prediction.neighbours import neighbour_pairs

PRIOR_WEIGHT = 1.0
EVIDENCE = 5
AREA_AGREEMENT = 0.10  # a neighbour's floor area within 10 % counts as agreeing with the prediction
PREDICTED_CERTIFICATE_NUMBER = "0000-0000-0000-0000-0001"
# Figures the register lodges with a certificate: a predicted document carries none of a neighbour's.
_LODGED_RESULT_PREFIXES = (
    "energy_rating_",
    "environmental_impact_",
    "energy_consumption_",
    "co2_emissions_",
    "heating_cost_",
    "hot_water_cost_",
    "lighting_cost_",
    "current_energy_efficiency_band",
    "potential_energy_efficiency_band",
    "suggested_improvements",
    "renewable_heat_incentive",
)
_IDENTITY_FIELDS = ("uprn", "address_line_1", "address_line_2", "address_line_3", "post_town", "postcode")


def neighbour_values(pairs: pl.DataFrame, pool_features: pl.DataFrame) -> pl.DataFrame:
    """Each target's neighbours' categorical fields in long form: property_id, neighbour_id, weight, field,
    value (one row per neighbour and field; the vote, the template choice and the evidence all read it)."""
    return (
        pairs.select("property_id", "neighbour_id", "weight")
        .join(pool_features.rename({"property_id": "neighbour_id"}), on="neighbour_id", how="left")
        .unpivot(
            index=["property_id", "neighbour_id", "weight"],
            on=list(CATEGORICAL_FIELDS),
            variable_name="field",
            value_name="value",
        )  # fmt: skip
    )


def field_votes(pairs: pl.DataFrame, pool_features: pl.DataFrame) -> pl.DataFrame:
    """Long frame of the vote: property_id, field, value, support, stated (weight of neighbours stating
    the field), share, confidence."""
    long = neighbour_values(pairs, pool_features).filter(pl.col("value").is_not_null())
    return (
        long.group_by("property_id", "field", "value")
        .agg(pl.col("weight").sum().alias("support"))
        .with_columns(pl.col("support").sum().over("property_id", "field").alias("stated"))
        .with_columns(
            (pl.col("support") / pl.col("stated")).alias("share"),
            (pl.col("support") / (pl.col("stated") + PRIOR_WEIGHT)).alias("confidence"),
        )
    )


def choose_templates(
    pairs: pl.DataFrame,
    pool_features: pl.DataFrame,
    votes: pl.DataFrame,
    excluded: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The weighted medoid of each target's neighbours: property_id, template_id, template_score.

    excluded: (property_id, neighbour_id) pairs that may vote but not serve as the template (their
    certificate does not make a document the calculator scores)."""
    long = (
        neighbour_values(pairs, pool_features).join(
            votes.select("property_id", "field", "value", "share"),
            on=["property_id", "field", "value"],
            how="left",
        )  # fmt: skip
    )
    scored = long.group_by("property_id", "neighbour_id").agg(
        pl.col("weight").first(), pl.col("share").fill_null(0.0).mean().alias("agreement")
    )
    if excluded is not None and excluded.height:
        scored = scored.join(excluded, on=["property_id", "neighbour_id"], how="anti")
    return (
        scored.with_columns((pl.col("weight") * pl.col("agreement")).alias("template_score"))
        .sort(["property_id", "template_score", "neighbour_id"], descending=[False, True, False])
        .unique("property_id", keep="first", maintain_order=True)
        .select("property_id", pl.col("neighbour_id").alias("template_id"), "template_score")
    )


PREDICTION_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "template_id": pl.Int64(),
    "confidence": pl.Float64(),
    "neighbours": pl.Int64(),
    "nearest_level": pl.String(),
    "predicted_floor_area": pl.Float64(),
    "fields": pl.String(),
    "neighbour_ids": pl.List(pl.Int64()),
}


def predict_components(
    targets: pl.DataFrame,
    pool: pl.DataFrame,
    pool_features: pl.DataFrame,
    excluded: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Predicted components of each target (see the module docstring).

    targets, pool: location frames (`features.location_frame`, pool also with property_type, built_form,
    age_band from its certificates); pool_features: `features.features_frame` of the pool's documents.
    excluded: (property_id, neighbour_id) pairs barred as template (`choose_templates`).
    Output: PREDICTION_SCHEMA, one row per target that has a neighbour fit to be its template; `fields`
    is JSON {field: {"value", "confidence", "neighbours": [ids]}}.
    """
    if targets.height <= TARGET_CHUNK:
        return _predict_components(targets, pool, pool_features, excluded)
    # every frame of a prediction is per target, so passes over slices of the targets give the same rows;
    # one pass over 9,000 targets of a 100,000-home portfolio made gigabytes of pairs and votes at once
    parts = [
        _predict_components(targets.slice(start, TARGET_CHUNK), pool, pool_features, excluded)
        for start in range(0, targets.height, TARGET_CHUNK)
    ]
    return pl.concat(parts).sort("property_id")


# Targets predicted in one pass (`predict_components`).
TARGET_CHUNK = 2_000


def _predict_components(
    targets: pl.DataFrame,
    pool: pl.DataFrame,
    pool_features: pl.DataFrame,
    excluded: pl.DataFrame | None = None,
) -> pl.DataFrame:
    if targets.is_empty() or pool.is_empty():
        return pl.DataFrame(schema=PREDICTION_SCHEMA)
    pool_like = pool.join(
        pool_features.select("property_id", "property_type", "built_form", "age_band"), on="property_id",
        how="left", suffix="_doc",
    )  # fmt: skip
    for c in ("property_type", "built_form", "age_band"):
        if f"{c}_doc" in pool_like.columns:
            pool_like = pool_like.with_columns(pl.coalesce(c, f"{c}_doc").alias(c)).drop(f"{c}_doc")
    pairs = neighbour_pairs(targets, pool_like)
    if pairs.is_empty():
        return pl.DataFrame(schema=PREDICTION_SCHEMA)
    votes = field_votes(pairs, pool_features)
    templates = choose_templates(pairs, pool_features, votes, excluded)
    template_values = (
        templates.join(
            pool_features.rename({"property_id": "template_id"}), on="template_id", how="left"
        ).unpivot(
            index=["property_id", "template_id"],
            on=list(CATEGORICAL_FIELDS),
            variable_name="field",
            value_name="value",
        )  # fmt: skip
    )
    fields = template_values.join(
        votes.select("property_id", "field", "value", "confidence"), on=["property_id", "field", "value"],
        how="left",
    ).with_columns(pl.col("confidence").fill_null(0.0))  # fmt: skip
    # evidence: the heaviest neighbours holding each predicted value
    holders = (
        neighbour_values(pairs, pool_features)
        .join(
            template_values.select("property_id", "field", "value"),
            on=["property_id", "field", "value"],
            how="semi",
        )  # fmt: skip
        .sort(["property_id", "field", "weight", "neighbour_id"], descending=[False, False, True, False])
        .group_by("property_id", "field", maintain_order=True)
        .agg(pl.col("neighbour_id").head(EVIDENCE).alias("evidence"))
    )
    fields = fields.join(holders, on=["property_id", "field"], how="left")
    area = (
        pairs.select("property_id", "neighbour_id", "weight")
        .join(
            pool_features.select(pl.col("property_id").alias("neighbour_id"), "total_floor_area"),
            on="neighbour_id",
            how="left",
        )  # fmt: skip
        .join(
            templates.join(
                pool_features.select(
                    pl.col("property_id").alias("template_id"), pl.col("total_floor_area").alias("_t_area")
                ),
                on="template_id",
                how="left",
            ).select("property_id", "_t_area"),
            on="property_id",
            how="left",
        )  # fmt: skip
        .group_by("property_id")
        .agg(
            pl.col("_t_area").first().alias("predicted_floor_area"),
            (
                pl.col("weight")
                .filter(((pl.col("total_floor_area") / pl.col("_t_area")) - 1).abs() <= AREA_AGREEMENT)
                .sum()  # fmt: skip
                / (pl.col("weight").filter(pl.col("total_floor_area").is_not_null()).sum() + PRIOR_WEIGHT)
            ).alias("area_confidence"),
        )
    )
    summary = pairs.group_by("property_id").agg(
        pl.len().alias("neighbours"),
        pl.col("level").first().alias("nearest_level"),
        pl.col("neighbour_id").sort().alias("neighbour_ids"),
    )
    per_home = fields.group_by("property_id").agg(
        pl.col("confidence").mean().alias("confidence"),
        pl.struct("field", "value", "confidence", "evidence").alias("_fields"),
    )
    out = (
        templates.join(per_home, on="property_id")
        .join(summary, on="property_id")
        .join(area, on="property_id")
        .sort("property_id")
    )
    rows = []
    for r in out.iter_rows(named=True):
        detail = {
            f["field"]: {
                "value": f["value"],
                "confidence": round(float(f["confidence"]), 3),
                "neighbours": [int(x) for x in (f["evidence"] or [])],
            }
            for f in sorted(r["_fields"], key=lambda f: CATEGORICAL_FIELDS.index(f["field"]))
        }
        detail["total_floor_area"] = {
            "value": r["predicted_floor_area"],
            "confidence": round(float(r["area_confidence"] or 0.0), 3),
            "neighbours": [],
        }
        rows.append({**r, "fields": json.dumps(detail, sort_keys=True)})
    return pl.DataFrame(rows, schema=PREDICTION_SCHEMA) if rows else pl.DataFrame(schema=PREDICTION_SCHEMA)


def predicted_document(template: dict[str, Any], home: dict[str, Any]) -> dict[str, Any]:
    """The template certificate re-addressed to `home` (uprn, address, postcode), without the template's
    certificate number, lodged results or recommendations."""
    doc = {
        k: v for k, v in template.items()
        if k not in _IDENTITY_FIELDS and not k.startswith(_LODGED_RESULT_PREFIXES)
    }  # fmt: skip
    doc["certificate_number"] = PREDICTED_CERTIFICATE_NUMBER
    for k in _IDENTITY_FIELDS:
        if home.get(k) is not None:
            doc[k] = home[k]
    if "address_line_1" not in doc:
        doc["address_line_1"] = template.get("address_line_1", "")
    if "postcode" not in doc:
        doc["postcode"] = template.get("postcode")
    if "post_town" not in doc and template.get("post_town") is not None:
        doc["post_town"] = template["post_town"]
    return doc


def _home_identity(row: dict[str, Any]) -> dict[str, Any]:
    """Register address fields from the landlord's one-line address ('line 1, line 2, ..., town')."""
    parts = [p.strip() for p in str(row.get("address") or "").split(",") if p.strip()]
    out: dict[str, Any] = {"uprn": row.get("uprn"), "postcode": row.get("postcode")}
    if parts:
        out["address_line_1"] = parts[0]
        if len(parts) > 2:
            out["address_line_2"] = ", ".join(parts[1:-1])
        if len(parts) > 1:
            out["post_town"] = parts[-1]
    return out


TEMPLATE_TRIES = 6


def calculable(documents: list[dict[str, Any]]) -> np.ndarray:
    """Per normalised document, whether the RdSAP expansion and the SAP 10.2 worksheet score it."""
    from ara_assets.sap10 import calculate
    from ara_assets.sap10.rdsap import expand_collect

    ok = np.ones(len(documents), dtype=bool)
    if not documents:
        return ok
    inputs, errors = expand_collect(documents, normalise_docs=False)
    for e in errors:
        ok[e.index] = False
    if inputs.height:
        index = inputs["input_index"].to_numpy()
        # the worksheet returns one row per input row, in order: a refused row is its document's
        rated = calculate(inputs, errors="collect")
        if "error" in rated.columns:
            ok[index[rated["error"].is_not_null().to_numpy()]] = False
    return ok


def predict_epcs(
    targets: pl.DataFrame, pool: pl.DataFrame, documents: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Predicted EPCs for `targets` from the certificates of `pool`.

    targets: property_id, uprn, postcode, address (and optionally property_type, built_form, age_band
             the landlord knows, as register codes in text).
    pool:    property_id, postcode, address, document (normalised register JSON text), and optionally
             features (the document's components as the effective EPC keeps them; else parsed here).
    documents: property_id, document of the pool's homes (at least), when `pool` carries `features` and
             no documents: only the chosen templates' documents are read from it.
    Output:  PREDICTION_SCHEMA plus `document` (the predicted register document as JSON text).

    A predicted document the calculator refuses (its template lodges something the worksheet does not
    support) is predicted again with that template barred, up to `TEMPLATE_TRIES` times; the neighbour
    still votes. After that the last document stands and the baseline reports the refusal.
    """
    from ara_assets.prediction.features import features_frame, location_frame, stored_features

    schema = {**PREDICTION_SCHEMA, "document": pl.String()}
    if targets.is_empty() or pool.is_empty():
        return pl.DataFrame(schema=schema)
    if "features" in pool.columns:
        pool_features = stored_features(pool)
    else:
        # parsed one at a time for their components; a template's document is parsed again when chosen
        pool_features = features_frame(
            pool["property_id"].to_list(), (json.loads(d) for d in pool["document"])
        )
    target_loc = location_frame(targets)
    known = [c for c in ("property_type", "built_form", "age_band") if c in targets.columns]
    if known:
        target_loc = target_loc.join(
            targets.select(pl.col("property_id").cast(pl.Int64), *[pl.col(c).cast(pl.String) for c in known]),
            on="property_id",
        )
    pool_loc = location_frame(pool)
    documents = (pool if documents is None else documents).select(
        pl.col("property_id").cast(pl.Int64), "document"
    )
    homes = {int(r["property_id"]): r for r in targets.iter_rows(named=True)}
    excluded = pl.DataFrame(schema={"property_id": pl.Int64(), "neighbour_id": pl.Int64()})
    done: list[pl.DataFrame] = []
    todo = target_loc
    for attempt in range(TEMPLATE_TRIES):
        predicted = predict_components(todo, pool_loc, pool_features, excluded)
        # only the chosen templates' documents become Python text (the pool's are 150,000 at scale)
        chosen = documents.join(
            predicted.select(pl.col("template_id").cast(pl.Int64).unique().alias("property_id")),
            on="property_id",
            how="semi",
        )
        by_id = dict(zip(chosen["property_id"].to_list(), chosen["document"].to_list(), strict=True))
        built = [
            predicted_document(json.loads(by_id[t]), _home_identity(homes[p]))
            for p, t in zip(
                predicted["property_id"].to_list(), predicted["template_id"].to_list(), strict=True
            )
        ]
        predicted = predicted.with_columns(
            pl.Series("document", [json.dumps(d, sort_keys=True) for d in built], dtype=pl.String)
        )
        ok = calculable(built)
        last = attempt == TEMPLATE_TRIES - 1
        done.append(predicted if last else predicted.filter(pl.Series(ok)))
        refused = predicted.filter(pl.Series(~ok))
        if last or refused.is_empty():
            break
        excluded = pl.concat(
            [excluded, refused.select("property_id", pl.col("template_id").alias("neighbour_id"))]
        )
        todo = target_loc.join(refused.select("property_id"), on="property_id", how="semi")
    return pl.concat(done).select(list(schema)).sort("property_id")
