"""BRE's Product Characteristics Database (PCDB): the PCDF file parser, product look-ups for the SAP
expansion and the Parquet snapshot (pure: no database, no environment)."""

from ara_assets.pcdb.parse import PcdbFile, PcdbFormatError, parse_pcdf
from ara_assets.pcdb.products import Boiler, ProductData, Wwhrs, active, install
from ara_assets.pcdb.snapshot import load_snapshot, write_snapshot

__all__ = [
    "Boiler",
    "PcdbFile",
    "PcdbFormatError",
    "ProductData",
    "Wwhrs",
    "active",
    "install",
    "load_snapshot",
    "parse_pcdf",
    "write_snapshot",
]
