"""CSV imports into the system of record: a portfolio's properties and landlord overrides.

Both follow one rule: every row is checked first (vectorised over the file with polars), and a file
with any bad row is refused whole, naming the row, the field, the value and the reason; nothing is
written. What passes is written in one unit of work.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ara_assets.epc import is_known_field_path
from ara_assets.property.override_values import check_against_document, check_override_value
from ara_assets.resources.warehouse.repositories.overrides import FIELD_PATH
from ara_assets.resources.warehouse.repositories.portfolios import UpsertCounts, check_portfolio_name
from ara_assets.resources.warehouse.unit_of_work import Warehouse

PROPERTY_COLUMNS = ("uprn", "landlord_reference", "address", "postcode")
PROPERTY_REQUIRED = ("uprn", "address", "postcode")
# What the landlord knows about each home (migrations/0006 + 0010), optional on the properties CSV too.
OPTIONAL_ATTRIBUTE_COLUMNS = (
    "tenure",
    "listed_building",
    "listed_grade",
    "conservation_area",
    "on_gas_grid",
    "property_value_gbp",
    "property_value_date",
    "source",
)
OVERRIDE_COLUMNS = ("uprn", "field", "value", "author", "action", "reason")
OVERRIDE_REQUIRED = ("uprn", "field", "value", "author")
MAX_REPORTED = 20  # enough to fix a file in one go without flooding the terminal

# UK postcode shape (outward code, optional space, inward code); GIR 0AA and overseas codes are not homes
# Ara models. Checked after upper-casing and removing spaces.
_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
_UPRN = r"^[0-9]{1,12}$"


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1-based data row (the header is line 1, so row N is line N + 1); None: the whole file
    field: str
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = "header" if self.row is None else f"row {self.row} (line {self.row + 1})"
        shown = "(empty)" if self.value is None else f"value {self.value!r}"
        return f"{where}: field '{self.field}' {shown}: {self.reason}"


class ImportRejected(ValueError):
    """A file refused whole; `errors` lists the first problems found, in row order."""

    def __init__(self, source: str, errors: list[RowError], total: int | None = None) -> None:
        self.source = source
        self.errors = errors
        total = len(errors) if total is None else total
        lines = [f"{source}: rejected, nothing was written ({total} problem{'s' if total != 1 else ''})"]
        lines += [f"  {e}" for e in errors]
        if total > len(errors):
            lines.append(f"  ... and {total - len(errors)} more")
        super().__init__("\n".join(lines))


def check_csv_text(path: Path) -> list[RowError]:
    """What polars would refuse without naming a row: bytes that are not UTF-8, NUL bytes (PostgreSQL text
    cannot hold them), and rows with more or fewer fields than the header. One pass with the csv module."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        return [
            RowError(
                line - 1 if line > 1 else None,
                "(file)",
                f"0x{bad}",
                f"line {line} is not UTF-8 text (this looks like Latin-1 or Windows-1252): save the file "
                "as UTF-8 (in Excel: 'CSV UTF-8')",
            )
        ]
    errors: list[RowError] = []
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, [])
    for n, row in enumerate(rows, start=1):
        if not row:
            continue  # a blank line: polars skips it too
        if len(row) != len(header):
            errors.append(
                RowError(
                    n,
                    "(row)",
                    ",".join(row)[:80],
                    f"not a readable CSV: this row has {len(row)} fields, the header {len(header)}",
                )
            )
        for j, value in enumerate(row):
            if "\x00" in value:
                name = header[j].strip().lower() if j < len(header) else f"(column {j + 1})"
                errors.append(
                    RowError(n, name, value.replace("\x00", "<NUL>"), "contains a NUL byte (0x00): not text")
                )
        if len(errors) >= MAX_REPORTED:
            break
    return errors


def read_csv_strings(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> pl.DataFrame:
    """Read a CSV with a header as trimmed strings (empty -> null); refuse missing or unknown columns."""
    source = str(path)
    raise_if_any(source, check_csv_text(path))
    try:
        frame = pl.read_csv(path, infer_schema=False, raise_if_empty=True)
    except pl.exceptions.NoDataError:
        raise ImportRejected(source, [RowError(None, "(header)", None, "the file is empty")]) from None
    except (pl.exceptions.ComputeError, pl.exceptions.DuplicateError) as exc:
        raise ImportRejected(source, [RowError(None, "(file)", None, f"not a readable CSV: {exc}")]) from None
    # A spreadsheet's byte-order mark would otherwise stick to the first column name.
    frame = frame.rename({c: c.lstrip("\ufeff").strip().lower() for c in frame.columns})
    errors = [RowError(None, c, None, "required column is missing") for c in required if c not in frame]
    errors += [
        RowError(None, c, None, f"unknown column (expected {', '.join(columns)})")
        for c in frame.columns
        if c not in columns
    ]
    if errors:
        raise ImportRejected(source, errors)
    for c in columns:
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    return frame.select(
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c) for c in columns
    )


def collect_row_errors(
    frame: pl.DataFrame, checks: list[tuple[str, pl.Expr, str | pl.Expr]]
) -> list[RowError]:
    """Run (field, bad-row expression, reason) checks over the frame; return every failure, in row order."""
    indexed = frame.with_row_index("_row", offset=1)
    found: list[RowError] = []
    for field, bad, reason in checks:
        reason_expr = reason if isinstance(reason, pl.Expr) else pl.lit(reason)
        hits = indexed.filter(bad.fill_null(False)).select("_row", pl.col(field), reason_expr.alias("_why"))
        found += [RowError(int(r), field, v, str(w)) for r, v, w in hits.iter_rows()]
    return sorted(found, key=lambda e: (e.row or 0, e.field))


def raise_if_any(source: str, errors: list[RowError]) -> None:
    if errors:
        raise ImportRejected(source, errors[:MAX_REPORTED], total=len(errors))


def uprn_checks() -> list[tuple[str, pl.Expr, str | pl.Expr]]:
    uprn = pl.col("uprn")
    return [
        ("uprn", uprn.is_null(), "required value is missing"),
        (
            "uprn",
            uprn.is_not_null() & (~uprn.str.contains(_UPRN) | (uprn.str.replace_all("0", "") == "")),
            "not a positive whole number of at most 12 digits",
        ),
    ]


def parse_property_csv(path: Path) -> pl.DataFrame:
    """Validate a properties CSV (uprn, landlord_reference, address, postcode).

    Returns uprn (Int64), landlord_reference, address and postcode (upper case, one space before the
    inward code). Raises ImportRejected listing the bad rows.
    """
    frame = read_csv_strings(path, PROPERTY_COLUMNS + OPTIONAL_ATTRIBUTE_COLUMNS, PROPERTY_REQUIRED)
    squeezed = pl.col("postcode").str.to_uppercase().str.replace_all(r"\s+", "")
    uprn_ok = pl.col("uprn").str.contains(_UPRN).fill_null(False)
    with_keys = frame.with_columns(
        pl.when(uprn_ok).then(pl.col("uprn").cast(pl.Int64, strict=False)).alias("_uprn"),
        pl.int_range(1, pl.len() + 1).alias("_n"),
    ).with_columns(
        # The first row of each UPRN, to name it in the duplicate message.
        pl.col("_n").first().over("_uprn").alias("_first"),
    )
    checks: list[tuple[str, pl.Expr, str | pl.Expr]] = [
        *uprn_checks(),
        (
            "uprn",
            pl.col("_uprn").is_not_null() & (pl.col("_n") != pl.col("_first")),
            pl.format("duplicate UPRN: already on row {}", pl.col("_first")),
        ),
        ("address", pl.col("address").is_null(), "required value is missing"),
        ("postcode", pl.col("postcode").is_null(), "required value is missing"),
        (
            "postcode",
            pl.col("postcode").is_not_null() & ~squeezed.str.contains(_POSTCODE),
            "not a UK postcode (like SW1A 1AA)",
        ),
    ]
    from ara_assets.resources.warehouse.attributes_import import check_attribute_frame

    attrs = [c for c in OPTIONAL_ATTRIBUTE_COLUMNS if frame[c].null_count() < frame.height]
    errors = collect_row_errors(with_keys, checks)
    if attrs:
        errors += [e for e in check_attribute_frame(frame.select("uprn", *attrs)) if e.field != "uprn"]
    raise_if_any(str(path), sorted(errors, key=lambda e: (e.row or 0, e.field)))
    return with_keys.select(
        *[pl.col(c) for c in attrs],
        pl.col("_uprn").alias("uprn"),
        "landlord_reference",
        "address",
        # Normal form: outward code, one space, the three-character inward code.
        pl.concat_str(
            squeezed.str.slice(0, squeezed.str.len_chars() - 3), pl.lit(" "), squeezed.str.slice(-3)
        ).alias("postcode"),
    )


def import_properties(warehouse: Warehouse, path: Path, portfolio: str) -> UpsertCounts:
    """Validate `path` and upsert its homes into `portfolio` (created if new), all or nothing."""
    try:
        check_portfolio_name(portfolio)
    except ValueError as exc:
        raise ImportRejected(str(path), [RowError(None, "--portfolio", portfolio, str(exc))]) from None
    from ara_assets.resources.warehouse.attributes_import import typed_attributes

    frame = parse_property_csv(path)
    attrs = [c for c in OPTIONAL_ATTRIBUTE_COLUMNS if c in frame.columns]
    with warehouse.unit_of_work() as uow:
        portfolio_id = uow.portfolios.get_or_create(portfolio)
        counts = uow.properties.upsert_many(portfolio_id, frame.drop(attrs))
        if attrs:
            typed = typed_attributes(frame.select(pl.col("uprn").cast(pl.String), *attrs))
            uow.attributes.upsert_many(portfolio, typed)
        return counts


def is_valid_override_path(path: str) -> bool:
    """A path the overrides table accepts and the register's certificate document actually has."""
    return bool(FIELD_PATH.match(path)) and is_known_field_path(path)


def parse_json_value(text: str | None) -> Any:
    """A CSV cell as JSON when it parses as JSON (numbers, booleans, null, quoted strings), else the text."""
    if text is None:
        return None

    def refuse(constant: str) -> Any:
        raise ValueError(constant)  # NaN / Infinity are not JSON that PostgreSQL accepts

    try:
        return json.loads(text, parse_constant=refuse)
    except ValueError:
        return text


def check_override_csv(path: Path) -> tuple[pl.DataFrame, list[RowError]]:
    """Read an overrides CSV (uprn, field, value, author[, action][, reason]) and list its bad rows.

    Returns the frame (uprn Int64 (null where malformed), field, value as the raw cell text, author,
    action 'set'/'retract', reason) and the problems found, in row order. Whether each home exists is
    checked on import, against the database.
    """
    frame = read_csv_strings(path, OVERRIDE_COLUMNS, OVERRIDE_REQUIRED)
    # Few distinct paths per file, so the check runs once per path, not per row.
    known = {f: is_valid_override_path(f) for f in frame["field"].drop_nulls().unique().to_list()}
    action = pl.col("action").str.to_lowercase().fill_null("set")
    checks: list[tuple[str, pl.Expr, str | pl.Expr]] = [
        *uprn_checks(),
        ("field", pl.col("field").is_null(), "required value is missing"),
        (
            "field",
            pl.col("field").is_not_null() & ~pl.col("field").replace_strict(known, default=False),
            "not a field of the register's certificate (like sap_building_parts[0].wall_construction)",
        ),
        ("action", ~action.is_in(["set", "retract"]), "must be 'set' or 'retract'"),
        ("value", (action == "set") & pl.col("value").is_null(), "required value is missing for 'set'"),
        ("value", (action == "retract") & pl.col("value").is_not_null(), "must be empty for 'retract'"),
        ("author", pl.col("author").is_null(), "required value is missing"),
    ]
    errors = collect_row_errors(frame, checks)
    errors += _value_errors(frame, known, action)
    return frame.select(
        pl.col("uprn").cast(pl.Int64, strict=False),
        "field",
        "value",
        "author",
        action.alias("action"),
        "reason",
    ), errors


def _value_errors(frame: pl.DataFrame, known: dict[str, bool], action: pl.Expr) -> list[RowError]:
    """Each 'set' value checked against its field's type, code table and physical range (once per
    distinct field and value: a file usually repeats a few corrections over many homes)."""
    field_known = pl.col("field").replace_strict(known, default=False)
    sets = frame.with_row_index("_row", offset=1).filter(
        (action == "set") & pl.col("value").is_not_null() & field_known
    )
    reasons: dict[tuple[str, str], str | None] = {}
    found: list[RowError] = []
    for row, field, value in sets.select("_row", "field", "value").iter_rows():
        key = (field, value)
        if key not in reasons:
            reasons[key] = check_override_value(field, parse_json_value(value))
        if reasons[key] is not None:
            found.append(RowError(int(row), "value", value, f"for {field}: {reasons[key]}"))
    return found


def _document_errors(uow: Any, frame: pl.DataFrame, ids: dict[int, int]) -> list[RowError]:
    """The file's 'set' rows applied, after the overrides already in force, to each home's current
    certificate exactly as the effective EPC will apply them (list indexes, codes of its schema)."""
    indexed = frame.with_row_index("_row", offset=1)
    # Only homes with a list-indexed path need their certificate: other values were checked against the
    # field's type, codes and range already (and most files set a few top-level fields on many homes).
    listed = indexed.filter(pl.col("field").str.contains(r"\[", literal=False).fill_null(False))["uprn"]
    sets = indexed.filter(
        (pl.col("action") == "set") & pl.col("uprn").is_in(list(ids)) & pl.col("uprn").is_in(listed.implode())
    )
    if not sets.height:
        return []
    uprns = sets["uprn"].unique().to_list()
    certs = uow.certificates.for_uprns(uprns).unique("uprn", keep="first", maintain_order=True)
    in_force = uow.overrides.effective_for_properties([ids[u] for u in uprns])
    force_by = {int(k[0]): g for k, g in in_force.partition_by("property_id", as_dict=True).items()}
    sets_by = {int(k[0]): g for k, g in sets.partition_by("uprn", as_dict=True).items()}
    empty = in_force.clear()
    found: list[RowError] = []
    for uprn, raw in certs.select("uprn", "raw").iter_rows():
        mine_force = force_by.get(ids[int(uprn)], empty)
        before = [(f, json.loads(v)) for f, v in mine_force.select("field_path", "value").iter_rows()]
        mine = sets_by[int(uprn)].select("_row", "field", "value").rows()
        applied = before + [(f, parse_json_value(v)) for _, f, v in mine]
        for n, why in check_against_document(json.loads(raw), applied):
            if n >= len(before):  # overrides already in force are the effective EPC's to report
                row, field, value = mine[n - len(before)]
                found.append(RowError(int(row), "value", value, f"for {field}: {why}"))
    return found


def parse_override_csv(path: Path) -> pl.DataFrame:
    """`check_override_csv`, raising ImportRejected if any row is bad."""
    frame, errors = check_override_csv(path)
    raise_if_any(str(path), errors)
    return frame


def import_overrides(warehouse: Warehouse, path: Path, portfolio: str) -> list[int]:
    """Validate `path` and append its overrides to homes of `portfolio`, all or nothing; return the ids."""
    frame, errors = check_override_csv(path)
    source = str(path)
    with warehouse.unit_of_work() as uow:
        found = uow.portfolios.by_name(portfolio)
        if found is None:
            raise ImportRejected(source, [RowError(None, "--portfolio", portfolio, "no such portfolio")])
        ids = uow.properties.ids_for_uprns(found.id, frame["uprn"].drop_nulls().unique().to_list())
        # Reported together with the file's other problems, so one pass fixes the file.
        missing = frame.with_row_index("_row", offset=1).filter(
            pl.col("uprn").is_not_null() & ~pl.col("uprn").is_in(list(ids))
        )
        errors += [
            RowError(int(r), "uprn", str(u), f"no property with this UPRN in portfolio {portfolio!r}")
            for r, u in missing.select("_row", "uprn").iter_rows()
        ]
        if not errors:
            errors += _document_errors(uow, frame, ids)
        raise_if_any(source, sorted(errors, key=lambda e: (e.row or 0, e.field)))
        rows = [
            {
                "property_id": ids[uprn],
                "field_path": field,
                "value": parse_json_value(value) if action == "set" else None,
                "action": action,
                "author": author,
                "reason": reason,
            }
            for uprn, field, value, author, action, reason in frame.iter_rows()
        ]
        return uow.overrides.append_many(rows)
