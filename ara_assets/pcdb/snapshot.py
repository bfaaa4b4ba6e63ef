"""The Parquet snapshot of imported PCDF revisions (one folder per revision, ``current.json`` names the one
in use), read by the ``ara`` command and the pipeline without a database round trip."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ara_assets.pcdb.parse import PcdbFile
from ara_assets.pcdb.products import ProductData

CURRENT = "current.json"


def write_snapshot(parsed: PcdbFile, folder: Path, source_name: str) -> Path:
    """Write one revision under ``folder/revision-<n>/`` and make it current. Files are written to a
    temporary name first, so a reader never sees half a revision."""
    target = folder / f"revision-{parsed.revision}"
    target.mkdir(parents=True, exist_ok=True)
    frames = {"boilers": parsed.boilers, "postcode_climate": parsed.postcode_climate, "wwhrs": parsed.wwhrs}
    for name, frame in frames.items():
        tmp = target / f".{name}.parquet.tmp"
        frame.write_parquet(tmp)
        tmp.replace(target / f"{name}.parquet")
    meta = {
        "revision": parsed.revision,
        "issued": parsed.issued.isoformat(),
        "sha256": parsed.sha256,
        "source": source_name,
        "table_counts": {str(k): v for k, v in sorted(parsed.table_counts.items())},
        "skipped": parsed.skipped,
    }
    (target / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    tmp = folder / f".{CURRENT}.tmp"
    tmp.write_text(json.dumps({"revision": parsed.revision}), encoding="utf-8")
    tmp.replace(folder / CURRENT)
    return target


def load_snapshot(folder: Path) -> ProductData | None:
    """The current revision under ``folder`` as ``ProductData``; None when nothing was imported."""
    current = folder / CURRENT
    if not current.exists():
        return None
    revision = int(json.loads(current.read_text(encoding="utf-8"))["revision"])
    target = folder / f"revision-{revision}"
    meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    return ProductData.from_frames(
        revision,
        str(meta["issued"]),
        pl.read_parquet(target / "boilers.parquet"),
        pl.read_parquet(target / "postcode_climate.parquet"),
        sha256=meta.get("sha256"),
        # a snapshot written before WWHRS were imported has none
        wwhrs=pl.read_parquet(target / "wwhrs.parquet") if (target / "wwhrs.parquet").exists() else None,
    )
