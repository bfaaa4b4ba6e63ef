"""A synthetic national bulk file: the register's monthly domestic JSON download, for tests and benchmarks.

The ZIP holds one NDJSON member per registration year (`domestic-<year>.jsonl`), like the register's
per-year export views. Its certificates are:
- the portfolio's own certificates (from `generate_portfolio`), except those registered after the file's
  cut-off `as_of` (lodged since the monthly rebuild: only the per-UPRN API has them);
- filler certificates up to `total_certificates`: documents of a small template portfolio (same
  generator, another seed) re-stamped with a new certificate number and UPRN; a share of them take a
  postcode of the portfolio (the homes' neighbours), the rest keep postcodes no portfolio home has.

Fillers are stamped into the template's encoded bytes (no re-encoding), so 1,000,000 certificates take
minutes, not hours. Deterministic for its arguments. Pure: no Dagster, httpx or SQLAlchemy.
"""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ara_assets.demo import documents
from ara_assets.demo.generate import SyntheticPortfolio, generate_portfolio

FILLER_UPRN_START = 700_000_000_000
_TEMPLATE_HOMES = 400
# Placeholders the encoder writes into a template document, then replaced per filler certificate.
_NUMBER_MARK = "8888-0000-0000-0000-0000"
_UPRN_MARK = 123456789012
_POSTCODE_MARK = "ZZ99 9ZZ"


@dataclass(frozen=True)
class NationalFile:
    path: Path
    certificates: int
    portfolio_certificates: int
    withheld_certificates: list[str]  # registered after as_of: the API has them, the file does not
    neighbour_certificates: int
    members: list[str]

    def manifest(self) -> dict[str, Any]:
        return {
            "path": self.path.name,
            "certificates": self.certificates,
            "portfolio_certificates": self.portfolio_certificates,
            "withheld_certificates": self.withheld_certificates,
            "neighbour_certificates": self.neighbour_certificates,
            "members": self.members,
        }


def filler_number(i: int) -> str:
    # '8888' opens every filler number: the demo generator's own numbers open with '99'.
    return f"8888-{i // 10**12 % 10**4:04d}-{i // 10**8 % 10**4:04d}-{i // 10**4 % 10**4:04d}-{i % 10**4:04d}"


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _template_parts(document: dict[str, Any]) -> tuple[list[bytes], list[str]]:
    """The template's bytes split at the three marks, and which mark follows each part."""
    doc = dict(document)
    doc["certificate_number"] = _NUMBER_MARK
    doc["uprn"] = _UPRN_MARK
    doc["postcode"] = _POSTCODE_MARK
    raw = _encode(doc)
    marks = {
        f'"{_NUMBER_MARK}"'.encode(): "number",
        str(_UPRN_MARK).encode(): "uprn",
        f'"{_POSTCODE_MARK}"'.encode(): "postcode",
    }
    parts: list[bytes] = []
    order: list[str] = []
    rest = raw
    while True:
        hits = [(rest.find(m), m) for m in marks if rest.find(m) >= 0]
        if not hits:
            parts.append(rest)
            return parts, order
        pos, mark = min(hits)
        parts.append(rest[:pos])
        order.append(marks[mark])
        rest = rest[pos + len(mark) :]


def write_national_file(
    portfolio: SyntheticPortfolio,
    out: Path,
    *,
    total_certificates: int,
    as_of: date,
    neighbour_share: float = 0.05,
    seed: int = 0,
    compresslevel: int = 1,
) -> NationalFile:
    """Write the national bulk ZIP to `out`; at least the portfolio's certificates (up to `as_of`)."""
    if not 0.0 <= neighbour_share <= 1.0:
        raise ValueError(f"national file: field 'neighbour_share' must be in [0, 1], got {neighbour_share!r}")
    homes = portfolio.homes.to_dicts()
    by_year: dict[str, list[bytes]] = defaultdict(list)
    withheld: list[str] = []
    own = 0
    for cert in portfolio.certificates.to_dicts():
        if date.fromisoformat(cert["registration_date"][:10]) > as_of:
            withheld.append(cert["certificate_number"])
            continue
        document = documents.build_envelope(cert, homes)["data"]
        by_year[cert["registration_date"][:4]].append(_encode(document))
        own += 1
    fillers = max(0, total_certificates - own)

    template = generate_portfolio(_TEMPLATE_HOMES, seed + 7919, uprn_start=FILLER_UPRN_START - 10**9)
    t_homes = template.homes.to_dicts()
    t_rows = [
        c
        for c in template.certificates.to_dicts()
        if date.fromisoformat(c["registration_date"][:10]) <= as_of
    ]
    templates = [_template_parts(documents.build_envelope(c, t_homes)["data"]) for c in t_rows]
    t_years = [c["registration_date"][:4] for c in t_rows]
    rng = np.random.Generator(np.random.PCG64(seed))
    portfolio_postcodes = sorted(set(portfolio.homes["postcode"].to_list()))
    neighbour = rng.random(fillers) < neighbour_share if portfolio_postcodes else np.zeros(fillers, bool)
    pick = rng.integers(0, max(1, len(portfolio_postcodes)), fillers)
    # Postcodes of non-neighbours: the synthetic 'ZZ' area, which no generated home uses.
    far = [f"ZZ{d // 100 % 100} {d % 10}ZZ" for d in range(10_000)]

    members = []
    years = sorted(set(by_year) | set(t_years))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for year in years:
            name = f"domestic-{year}.jsonl"
            members.append(name)
            with archive.open(name, "w", force_zip64=True) as member:
                for raw in by_year.get(year, []):
                    member.write(raw + b"\n")
                chosen = [t for t, y in enumerate(t_years) if y == year]
                if not templates or not chosen:
                    continue
                for t in chosen:
                    parts, order = templates[t]
                    for i in range(t, fillers, len(templates)):
                        postcode = portfolio_postcodes[pick[i]] if neighbour[i] else far[i % len(far)]
                        values = {
                            "number": f'"{filler_number(i)}"'.encode(),
                            "uprn": str(FILLER_UPRN_START + i).encode(),
                            "postcode": f'"{postcode}"'.encode(),
                        }
                        chunks = [parts[0]]
                        for kind, part in zip(order, parts[1:], strict=True):
                            chunks.append(values[kind])
                            chunks.append(part)
                        chunks.append(b"\n")
                        member.write(b"".join(chunks))
    return NationalFile(
        path=Path(out),
        certificates=own + (fillers if templates else 0),
        portfolio_certificates=own,
        withheld_certificates=withheld,
        neighbour_certificates=int(neighbour.sum()) if templates else 0,
        members=members,
    )


def sample_deltas(
    portfolio: SyntheticPortfolio,
    *,
    after: date,
    removed: int,
    moved: int,
    seed: int = 0,
    within_days: int = 30,
) -> list[dict[str, Any]]:
    """Change events for the register emulator: some of the portfolio's certificates withdrawn, some moved
    to another UPRN of the portfolio (`newUprn`, the emulator's own field). Dated in the `within_days` days
    after `after`, so they fall between the bulk file's rebuild and a later sync."""
    certs = portfolio.certificates.filter(
        portfolio.certificates["registration_date"].str.slice(0, 10) <= after.isoformat()
    )
    rng = np.random.Generator(np.random.PCG64(seed + 31))
    take = min(certs.height, removed + moved)
    rows = rng.choice(certs.height, size=take, replace=False) if take else np.array([], dtype=int)
    uprns = portfolio.homes["uprn"].to_list()
    events: list[dict[str, Any]] = []
    for k, row in enumerate(rows.tolist()):
        cert = certs.row(row, named=True)
        day = after.toordinal() + 1 + int(rng.integers(0, max(1, within_days)))
        stamp = f"{date.fromordinal(day).isoformat()}T10:{k % 60:02d}:00.000Z"
        event: dict[str, Any] = {"certificateNumber": cert["certificate_number"], "timestamp": stamp}
        if k < removed:
            event["eventType"] = "removed"
        else:
            event["eventType"] = "uprn_updated"
            own = uprns[cert["home_index"]]
            event["newUprn"] = next(u for u in uprns[k % len(uprns) :] + uprns if u != own)
        events.append(event)
    return sorted(events, key=lambda e: e["timestamp"])
