"""EPC assets: `epc_cache` (register -> Postgres -> current certificate per property) and `effective_epc`.

Thin wiring: the register client and the warehouse are resources; the logic lives in
`ara_assets.property` (pure). Checks run inside the asset step (check_specs), so a blocking failure
stops downstream steps of the same run and nothing reads a wrong frame.
"""

# No `from __future__ import annotations` here: Dagster reads the Config and resource annotations of
# asset and sensor functions at decoration time and cannot resolve them as strings.

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl

from ara_assets.defs.guard import guard
from ara_assets.defs.metadata import md_table, preview, standard
from ara_assets.defs.partitions import portfolios
from ara_assets.defs.previous import previous_output
from ara_assets.invariants import Invariant
from ara_assets.memory import release_free_memory
from ara_assets.prediction.anomalies import flag_anomalies
from ara_assets.property.certificates import pick_current_certificates
from ara_assets.property.effective import (
    EFFECTIVE_EPC_SCHEMA,
    SOURCE_PREDICTED,
    assemble_effective_epc,
    complete_with_predictions,
    effective_input_keys,
    neighbour_pool,
)
from ara_assets.property.invariants import effective_epc_invariants
from ara_assets.property.reuse import reusable_rows
from ara_assets.resources.register.client import EpcRegisterClient, RegisterConfigError
from ara_assets.resources.register.epc_fetch import (
    DEFAULT_CHUNK_HOMES,
    DEFAULT_CHUNK_SECONDS,
    fetch_and_store,
)
from ara_assets.resources.register.progress import FetchProgress
from ara_assets.resources.scoring import ScoringEndpoint
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource
from ara_assets.settings import worker_processes


class EpcCacheConfig(dg.Config):
    ttl_days: float = 30.0
    """Certificates fetched less than this many days ago are served from Postgres, not refetched."""
    force_refresh: bool = False
    """Fetch every UPRN of the portfolio again, whatever its age in the cache."""
    chunk_homes: int = DEFAULT_CHUNK_HOMES
    """UPRNs fetched per committed chunk: a killed fetch keeps every chunk committed before it."""
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS
    """A slow register shrinks the chunks so that a commit comes about this often."""


def _progress_logger(
    context: dg.AssetExecutionContext, label: str, client: EpcRegisterClient
) -> FetchProgress:
    # At least every 10 % and every 30 s: done/total, rate, retries, ETA (a 10,000-home fetch takes minutes).
    return FetchProgress(context.log.info, label=label, retries=lambda: client.get_client().stats.retries)


@dg.asset(
    partitions_def=portfolios,
    group_name="epc",
    kinds={"postgres", "polars"},
    pool="epc_register",
    check_specs=[
        dg.AssetCheckSpec(
            "one_row_per_property",
            asset="epc_cache",
            blocking=True,
            description="One row per property of the portfolio: its current certificate or why it has none.",
        ),
    ],
    description="Every certificate the register holds for each UPRN of the portfolio, cached in Postgres "
    "(refetched past a TTL; a failed refresh keeps what was cached), and one row per property with its "
    "current certificate (latest registration date) or the reason it has none.",
)
def epc_cache(
    context: dg.AssetExecutionContext,
    config: EpcCacheConfig,
    warehouse: WarehouseResource,
    epc_register: EpcRegisterClient,
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    portfolio = context.partition_key
    wh = warehouse.warehouse()
    now = dt.datetime.now(dt.UTC)
    with wh.unit_of_work() as uow:
        properties = uow.properties.for_portfolio(portfolio)
        uprns = [int(u) for u in properties["uprn"].to_list()]
        if config.force_refresh:
            stale = uprns
        else:
            stale = uow.fetches.stale_uprns(uprns, ttl=dt.timedelta(days=config.ttl_days), now=now)
    context.log.info(
        f"portfolio {portfolio}: {len(uprns)} properties, {len(stale)} to fetch "
        f"({'forced' if config.force_refresh else f'TTL {config.ttl_days:g} days'})"
    )
    # Stored chunk by chunk (resources/register/epc_fetch.py): a document that does not validate is recorded
    # for its UPRN, the rest are stored, and a killed fetch keeps what it committed. A UPRN whose fetch failed
    # keeps the certificates it already had.
    try:
        outcome = fetch_and_store(
            wh,
            epc_register,
            portfolio,
            stale,
            chunk_homes=config.chunk_homes,
            chunk_seconds=config.chunk_seconds,
            progress=_progress_logger(context, "register fetch", epc_register),
        )
    except RegisterConfigError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    errors = outcome.errors or []
    for error in errors[:10]:
        context.log.warning(error)
    with wh.unit_of_work() as uow:
        certificates = uow.certificates.for_uprns(uprns)
        fetches = uow.fetches.for_uprns(uprns)
    current = pick_current_certificates(properties, certificates, fetches)

    duplicated = current.filter(pl.col("property_id").is_duplicated())["property_id"].unique().to_list()
    # Before the IO manager stores anything: a failure leaves the previous frame for effective_epc.
    checks = guard(
        "epc_cache",
        portfolio,
        [
            Invariant(
                "one_row_per_property",
                passed=not duplicated and current.height == properties.height,
                detail=f"{properties.height} properties, {current.height} rows",
                homes=tuple(sorted(duplicated)),
                metadata={"properties": properties.height, "rows": current.height},
            )
        ],
    )
    counts = current.select(
        pl.col("certificate_number").is_not_null().sum().alias("with_certificate"),
        (pl.col("certificates_held") > 1).sum().alias("with_several"),
        (pl.col("sap_version") < 10.2).sum().alias("pre_sap10_2"),
    ).row(0, named=True)
    reasons = (
        current.filter(pl.col("reason").is_not_null()).group_by("reason").len().sort("len", descending=True)
    )
    yield dg.Output(
        current,
        metadata={
            **standard(current),
            "properties": current.height,
            "with_certificate": int(counts["with_certificate"] or 0),
            "without_certificate": current.height - int(counts["with_certificate"] or 0),
            "with_several_certificates": int(counts["with_several"] or 0),
            "current_certificate_pre_sap10_2": int(counts["pre_sap10_2"] or 0),
            "fetched_this_run": outcome.fetched,
            "fetch_errors_this_run": len(errors),
            "certificates_received_this_run": outcome.certificates_stored,
            "documents_refused_this_run": outcome.invalid_documents,
            "chunks_committed_this_run": outcome.chunks_committed,
            "reasons_without_certificate": md_table(
                ["reason", "homes"], [(r["reason"], r["len"]) for r in reasons.iter_rows(named=True)]
            ),
        },
    )
    yield from checks


@dg.asset(
    partitions_def=portfolios,
    group_name="epc",
    kinds={"polars"},
    check_specs=[
        dg.AssetCheckSpec(
            "every_property_has_effective_epc_or_reason",
            asset="effective_epc",
            blocking=True,
            description="Every property has an effective EPC document, or the reason it has none.",
        ),
        dg.AssetCheckSpec(
            "no_duplicate_properties",
            asset="effective_epc",
            blocking=True,
            description="No property appears twice in the effective EPC.",
        ),
    ],
    description="The EPC picture that modelling scores: site notes alone, or the lodged EPC with landlord "
    "overrides laid over it (the newer of survey and EPC wins), or, for a home with neither, an EPC "
    "predicted from comparable homes (with overrides laid over it), with provenance and a hash of the "
    "physical inputs per property; anomaly flags on lodged certificates in the metadata.",
)
def effective_epc(
    context: dg.AssetExecutionContext,
    epc_cache: pl.DataFrame,
    warehouse: WarehouseResource,
    io_manager: dg.ResourceParam[Any],
    scoring: ScoringEndpoint,  # set up for the run: installs the imported PCDB the predictions score with
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    property_ids = [int(p) for p in epc_cache["property_id"].to_list()]
    with warehouse.warehouse().unit_of_work() as uow:
        overrides = uow.overrides.effective_for_properties(property_ids)
        site_notes = uow.site_notes.latest_for_properties(property_ids)
        homes = uow.properties.for_portfolio(context.partition_key)
        # Homes without a certificate are predicted from comparable homes: the portfolio's own, and the
        # certificate cache's other homes in the portfolio's postcodes (the bulk file keeps them).
        needs_prediction = epc_cache["certificate_number"].null_count() > 0
        outside = (
            uow.certificates.in_postcodes(
                homes["postcode"].drop_nulls().unique().to_list(), homes["uprn"].to_list()
            )
            if needs_prediction
            else None
        )
    workers = worker_processes()
    neighbours = neighbour_pool(outside, workers=workers) if outside is not None else None
    # Incremental: homes whose inputs (certificate, overrides in force, survey, assembly code) are as in
    # the previous materialisation keep its rows; only the others are assembled again.
    keys = effective_input_keys(epc_cache, overrides, site_notes)
    previous = previous_output(io_manager, "effective_epc", context.partition_key)
    # predicted rows carry their neighbours' digest in their key: complete_with_predictions reuses them
    reuse = reusable_rows(keys, previous, EFFECTIVE_EPC_SCHEMA)
    kept = reuse.kept
    todo = epc_cache.filter(pl.col("property_id").is_in(reuse.todo_ids.implode()))
    todo_ids = todo["property_id"].implode()
    fresh = assemble_effective_epc(
        todo,
        overrides.filter(pl.col("property_id").is_in(todo_ids)),
        site_notes.filter(pl.col("property_id").is_in(todo_ids)),
        workers=workers,
    )
    effective = pl.concat([kept, fresh]).sort("property_id")
    # the assembly's Python rows are gone: their pages go back before the predictions (ara_assets/memory.py)
    release_free_memory()
    effective = complete_with_predictions(
        effective, epc_cache, overrides, site_notes, homes, previous, neighbours=neighbours
    )
    # predicted homes whose prediction came back unchanged from the previous run
    predicted = effective.filter(pl.col("source_path") == SOURCE_PREDICTED).select("property_id", "input_key")
    reused = reusable_rows(predicted, previous, EFFECTIVE_EPC_SCHEMA).kept.height
    assembled, unchanged = fresh.height - reused, kept.height + reused
    context.log.info(f"effective EPC: {assembled} assembled, {unchanged} unchanged")
    anomalies = flag_anomalies(
        effective.filter(pl.col("source_path").is_in(["epc", "epc_with_overrides"]))
        .select("property_id", "features")
        .join(homes.select("property_id", "postcode", "address"), on="property_id")
    )

    # Before the IO manager stores anything: a failure leaves the previous effective EPCs in place.
    checks = guard("effective_epc", context.partition_key, effective_epc_invariants(effective, epc_cache))
    by_source = effective.group_by("source_path").len()
    rejected = int(effective["overrides_rejected"].sum() or 0)
    if rejected:
        bad = effective.filter(pl.col("overrides_rejected") > 0).select("property_id", "provenance").head(5)
        for row in bad.iter_rows(named=True):
            context.log.warning(f"property {row['property_id']}: rejected overrides {row['provenance']}")
    yield dg.Output(
        effective,
        metadata={
            **standard(effective.drop("document")),
            "properties": effective.height,
            "by_source_path": md_table(
                ["source path", "homes"],
                [(r["source_path"], r["len"]) for r in by_source.iter_rows(named=True)],
            ),
            "homes_needing_attention": preview(
                effective.filter(pl.col("document").is_null() | (pl.col("overrides_rejected") > 0)).select(
                    "property_id",
                    pl.when(pl.col("document").is_null())
                    .then(pl.lit("no effective EPC"))
                    .otherwise(pl.lit("overrides rejected"))
                    .alias("issue"),
                    pl.coalesce("reason", pl.lit("see the effective_epc provenance column")).alias("reason"),
                )
            ),
            "assembled": assembled,
            "unchanged": unchanged,
            "overrides_applied": int(effective["overrides_applied"].sum() or 0),
            "overrides_rejected": rejected,
            "without_effective_epc": int(effective["document"].is_null().sum()),
            "predicted": int((effective["source_path"] == SOURCE_PREDICTED).sum()),
            "anomaly_flags": anomalies.height,
            "anomalies": dg.MetadataValue.json(anomalies.head(50).to_dicts()),
        },
    )
    yield from checks
