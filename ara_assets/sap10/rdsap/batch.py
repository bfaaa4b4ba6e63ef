"""Batches of register certificates -> one polars frame of SAP 10.2 worksheet inputs.

The expansion loops over certificates (``certificate.expand_certificate``), collecting column lists
that become one frame at the end (no per-row frames); ``expand_collect`` records the certificates it
refuses instead of stopping at the first, with the cyclic garbage collector paused for the batch.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

from ara_assets.pcdb.products import ProductData
from ara_assets.pcdb.products import active as pcdb_active
from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.gc_pause import gc_paused
from ara_assets.sap10.inputs import INPUT_SCHEMA, REQUIRED
from ara_assets.sap10.rdsap.certificate import expand_certificate
from ara_assets.sap10.rdsap.document import certificate_number, unwrap

# Columns the expansion adds beside INPUT_SCHEMA (passed through calculate as extra columns).
EXTRA_COLUMNS: dict[str, pl.DataType] = {
    "certificate_number": pl.String(),
    "schema_type": pl.String(),
    "pcdb_fallback": pl.Boolean(),
    "pcdb_revision": pl.Int32(),  # the imported PCDF revision the expansion looked products up in
    "total_floor_area_m2": pl.Float64(),
    "local_climate_region": pl.Int32(),
    "postcode_climate_region": pl.Int32(),  # climate code of the PCDB Table 172 district (22+), if known
    "age_band": pl.String(),
    "built_form": pl.Int32(),
    "property_type": pl.Int32(),
    "main_fuel_register": pl.Int32(),
    "input_index": pl.Int64(),  # position of the certificate in the batch given to expand_*
    # approximation codes the expansion recorded (lodged geometry it had to reconcile; approximations.py)
    "approximations": pl.List(pl.String()),
}


_SCHEMA_DTYPES: dict[str, pl.DataType] = {c.name: c.dtype for c in INPUT_SCHEMA.values()}
ALL_DTYPES: dict[str, pl.DataType] = {**_SCHEMA_DTYPES, **EXTRA_COLUMNS}
_PLAIN = (int, float, bool, str, list, type(None))
# Columns whose schema default is an expression (derived from other columns) are left to
# prepare_inputs unless the expansion sets them.
_DEFAULTS: dict[str, Any] = {
    c.name: (None if c.default is REQUIRED else c.default)
    for c in INPUT_SCHEMA.values()
    if c.default is REQUIRED or isinstance(c.default, _PLAIN)
}


@dataclass(frozen=True)
class ExpansionError:
    """One certificate the expansion refused (batch mode)."""

    index: int
    certificate_number: str
    field: str
    value: object
    message: str


def _list_series(name: str, values: list[list[Any]], dtype: pl.List) -> pl.Series:
    """A list column from per-row Python lists through one flat Arrow array (much cheaper than
    letting polars infer every row's list)."""
    offsets = [0]
    flat: list[Any] = []
    for v in values:
        flat.extend(v)
        offsets.append(len(flat))
    inner = dtype.inner
    arrow_inner = pa.float64() if inner == pl.Float64 else pa.string() if inner == pl.String else pa.int32()
    arr = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(flat, arrow_inner))
    return pl.Series(name, arr).cast(dtype)


def frame_columns(first: Iterable[str]) -> list[str]:
    """The columns of a batch's frame: INPUT_SCHEMA columns with a plain default, the extra columns, and
    the optional columns the first expanded row (its keys ``first``) sets."""
    keys = set(first)
    return [name for name in ALL_DTYPES if name in _DEFAULTS or name in EXTRA_COLUMNS or name in keys]


def row_columns(rows: list[dict[str, Any]], names: Iterable[str]) -> dict[str, list[Any]]:
    """Per-row dicts -> one list per column of ``names``, a missing value as the column's default."""
    columns: dict[str, list[Any]] = {}
    for name in names:
        default = _DEFAULTS.get(name)
        if isinstance(ALL_DTYPES[name], pl.List):
            default = default if isinstance(default, list) else []
        columns[name] = [r.get(name, default) for r in rows]
    return columns


def columns_to_frame(columns: dict[str, list[Any]]) -> pl.DataFrame:
    """Column lists -> one frame with the INPUT_SCHEMA dtypes plus the extra columns."""
    series: list[pl.Series] = []
    for name, values in columns.items():
        dtype = ALL_DTYPES[name]
        if isinstance(dtype, pl.List):
            series.append(_list_series(name, values, dtype))
        else:
            series.append(pl.Series(name, values, dtype=dtype, strict=False))
    return pl.DataFrame(series)


def rows_to_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Per-row dicts -> one frame of the columns ``frame_columns`` of the first row names."""
    return columns_to_frame(row_columns(rows, frame_columns(rows[0] if rows else ())))


PLACEHOLDER_NUMBER = "0000-0000-0000-0000-0000"


def normalise(doc: Mapping[str, Any], number: str | None = None) -> Mapping[str, Any]:
    """Route a document through the EPC parser's normalised form (quirks handled once, in ``epc``).

    A document without a certificate number (the register's published samples) is parsed under a
    placeholder number; the caller keeps its own id for it.
    """
    from ara_assets.epc import CertificateValidationError
    from ara_assets.epc.normalise import normalise_register_json

    d = unwrap(doc)
    has_number = bool(d.get("certificate_number") or d.get("rrn"))
    try:
        # == to_register_json(parse_certificate(...)), without building the model when it need not
        return normalise_register_json(d, certificate_number=None if has_number else PLACEHOLDER_NUMBER)
    except CertificateValidationError as e:
        raise UnsupportedInput(number or e.certificate_number, e.field_path, e.value, e.reason) from None


def expand_collect(
    docs: Iterable[Mapping[str, Any]],
    *,
    normalise_docs: bool = True,
    products: ProductData | None = None,
    workers: int = 1,
) -> tuple[pl.DataFrame, list[ExpansionError]]:
    """Expand a batch, collecting per-certificate errors instead of stopping at the first.

    The frame holds the certificates that expanded (in input order); ``errors`` the ones that did not.
    ``workers`` > 1 splits a batch of at least ``parallel.MIN_PARALLEL`` certificates over that many
    processes (this one included; same result, see ``rdsap.parallel``).
    """
    products = products if products is not None else pcdb_active()
    if workers > 1:
        from ara_assets.sap10.rdsap.parallel import MIN_PARALLEL, expand_parallel

        docs = docs if isinstance(docs, list) else list(docs)
        if len(docs) >= MIN_PARALLEL and "fork" in multiprocessing.get_all_start_methods():
            with gc_paused():
                return expand_parallel(docs, normalise_docs, products, workers)
    with gc_paused():
        rows, errors = expand_rows(docs, normalise_docs, products)
        return rows_to_frame(rows), errors


def expand_rows(
    docs: Iterable[Mapping[str, Any]], normalise_docs: bool, products: ProductData | None = None
) -> tuple[list[dict[str, Any]], list[ExpansionError]]:
    """The expansion of each document as one dict (column -> value), and the documents it refused (the
    caller pauses the garbage collector and builds the frame: ``expand_collect``, ``rdsap.parallel``)."""
    rows: list[dict[str, Any]] = []
    errors: list[ExpansionError] = []
    for i, doc in enumerate(docs):
        fallback = f"#{i}"
        try:
            number = certificate_number(doc, fallback)
            d = normalise(doc, number) if normalise_docs else doc
            row = expand_certificate(d, number, products)
            row["input_index"] = i
            rows.append(row)
        except UnsupportedInput as e:
            errors.append(ExpansionError(i, str(e.record), e.field, e.value, str(e)))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError) as e:
            # a document shape the rules did not anticipate: recorded (with the exception type, so it can
            # be fixed) rather than stopping the batch
            number = certificate_number(doc, fallback) if isinstance(doc, Mapping) else fallback
            message = f"home_id={number!r}: unexpected {type(e).__name__}: {e}"
            errors.append(ExpansionError(i, number, "(document)", None, message))
    return rows, errors


def expand_certificates(docs: Iterable[Mapping[str, Any]], *, normalise_docs: bool = True) -> pl.DataFrame:
    """Register documents -> SAP worksheet input frame (``INPUT_SCHEMA`` columns + ``EXTRA_COLUMNS``).

    Raises ``UnsupportedInput`` for the first certificate it cannot expand (use ``expand_collect`` to
    carry on past bad certificates).
    """
    rows = []
    for i, doc in enumerate(docs):
        number = certificate_number(doc, f"#{i}")
        d = normalise(doc, number) if normalise_docs else doc
        row = expand_certificate(d, number)
        row["input_index"] = i
        rows.append(row)
    return rows_to_frame(rows)
