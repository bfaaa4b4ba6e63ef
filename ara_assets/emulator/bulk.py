"""The register emulator's bulk endpoints: the monthly domestic JSON file and the change events.

Shapes from the register's OpenAPI spec (the register's OpenAPI spec (`epb-data-api_openapi.yml`,
communitiesuk/epb-data-api)):
- `GET /api/files/domestic/json` (Bearer): 302 with `Location` = a pre-signed URL of the ZIP; 404
  `{"error": "File not found"}` when no file is configured.
- `GET /api/files/domestic/json/info` (Bearer): `{"data": {"fileSize": bytes, "lastUpdated": ISO}}`.
- `GET /api/deltas?date_start=&date_end=` (Bearer): `{"data": [{certificateNumber, eventType, timestamp}]}`
  for events whose date is in the inclusive range; 400 for a missing/invalid range or one that includes
  today; 404 `{"error": "No audit logs could be found for that query"}` when there are none.
- `GET /_emulator/files/<name>?X-Amz-Signature=...` (no Bearer, like S3): the ZIP itself, streamed; 403
  for a wrong signature. Stands in for the pre-signed S3 object.

Events come from a JSON file: `[{certificateNumber, eventType, timestamp, newUprn?}]`. At start-up they are
applied to the emulator's per-UPRN API (a removed certificate answers 404, an updated one carries its new
UPRN), so the API and the deltas tell one story. `newUprn` is the emulator's own field, never served.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ara_assets.epc.bulk_file import parse_delta_events

_FILE_NOT_FOUND = {"error": "File not found"}
_NO_DELTAS = {"error": "No audit logs could be found for that query"}
_BAD_RANGE = "The search query was invalid - please provide a valid date range"
_INCLUDES_TODAY = "The search query was invalid - the date cannot include today"
FILE_ROUTE = "/_emulator/files/domestic-json.zip"


@dataclass(frozen=True)
class BulkFiles:
    """What the emulator serves on its bulk endpoints."""

    zip_path: Path | None = None
    last_updated: datetime | None = None  # default: the ZIP's modification time
    deltas_path: Path | None = None

    def load_events(self) -> list[dict[str, Any]]:
        if self.deltas_path is None:
            return []
        try:
            rows = json.loads(Path(self.deltas_path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"register emulator: deltas file {self.deltas_path}: {exc}") from None
        # Validates shapes and types; the raw rows keep `newUprn` for the index.
        parse_delta_events({"data": rows}, source=str(self.deltas_path))
        return rows


def apply_events_to_index(index: Any, events: list[dict[str, Any]]) -> None:
    """Make the per-UPRN API agree with the events: drop removed certificates, move updated ones."""
    for row in sorted(events, key=lambda r: str(r["timestamp"])):
        number = row["certificateNumber"]
        document = index.documents.get(number)
        if document is None:
            continue
        old = index.hits[number].get("uprn")
        if old is not None and number in index.by_uprn.get(old, []):
            index.by_uprn[old].remove(number)
        if row["eventType"] == "removed":
            del index.documents[number]
            del index.hits[number]
            for numbers in index.by_postcode.values():
                if number in numbers:
                    numbers.remove(number)
            continue
        new_uprn = row.get("newUprn")
        if new_uprn is None:
            continue
        index.documents[number] = {**document, "uprn": int(new_uprn)}
        index.hits[number] = {**index.hits[number], "uprn": int(new_uprn)}
        index.by_uprn.setdefault(int(new_uprn), []).append(number)
    index.finish()


def _signature(zip_path: Path, token: str) -> str:
    return hmac.new(token.encode(), str(zip_path).encode(), hashlib.sha256).hexdigest()[:32]


def bulk_routes(
    bulk: BulkFiles,
    *,
    gate: Any,
    respond: Any,
    token: str,
    today: Any = None,
) -> list[Route]:
    """Routes for `build_app`; `gate` and `respond` are the emulator's auth/fault gate and counter."""
    events = bulk.load_events()
    clock = today or (lambda: datetime.now(UTC).date())

    def info_payload() -> dict[str, Any] | None:
        if bulk.zip_path is None or not Path(bulk.zip_path).is_file():
            return None
        stat = Path(bulk.zip_path).stat()
        updated = bulk.last_updated or datetime.fromtimestamp(stat.st_mtime, UTC)
        return {"fileSize": stat.st_size, "lastUpdated": updated.isoformat()}

    async def file_redirect(request: Request) -> Response:
        refused = await gate(request, "files")
        if refused is not None:
            return refused
        if info_payload() is None:
            return respond(_FILE_NOT_FOUND, 404)
        assert bulk.zip_path is not None
        location = (
            f"{request.base_url}{FILE_ROUTE.lstrip('/')}?X-Amz-Signature={_signature(bulk.zip_path, token)}"
        )
        return RedirectResponse(location, status_code=302)

    async def file_info(request: Request) -> JSONResponse:
        refused = await gate(request, "files_info")
        if refused is not None:
            return refused
        payload = info_payload()
        if payload is None:
            return respond(_FILE_NOT_FOUND, 404)
        return respond({"data": payload}, 200)

    async def file_body(request: Request) -> Response:
        # Pre-signed: no Bearer token, the signature in the query is the credential.
        if bulk.zip_path is None or request.query_params.get("X-Amz-Signature") != _signature(
            bulk.zip_path, token
        ):
            return Response("<Error><Code>AccessDenied</Code></Error>", 403, media_type="application/xml")
        return FileResponse(bulk.zip_path, media_type="application/zip")

    async def deltas(request: Request) -> JSONResponse:
        refused = await gate(request, "deltas")
        if refused is not None:
            return refused
        q = request.query_params
        try:
            start = date.fromisoformat(q["date_start"])
            end = date.fromisoformat(q["date_end"])
        except (KeyError, ValueError):
            return respond({"error": _BAD_RANGE}, 400)
        if start > end:
            return respond({"error": _BAD_RANGE}, 400)
        if end >= clock():
            return respond({"error": _INCLUDES_TODAY}, 400)
        rows = [
            {k: r[k] for k in ("certificateNumber", "eventType", "timestamp")}
            for r in events
            if start <= datetime.fromisoformat(str(r["timestamp"]).replace("Z", "+00:00")).date() <= end
        ]
        if not rows:
            return respond(_NO_DELTAS, 404)
        return respond({"data": rows}, 200)

    return [
        Route("/api/files/domestic/json", file_redirect, methods=["GET"]),
        Route("/api/files/domestic/json/info", file_info, methods=["GET"]),
        Route("/api/deltas", deltas, methods=["GET"]),
        Route(FILE_ROUTE, file_body, methods=["GET"]),
    ]
