"""Parse register JSON into a ``Certificate`` and write it back in the register's shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ara_assets.epc.model import Certificate


class CertificateValidationError(ValueError):
    """A field the model refuses; names the certificate, the field path, the value and the schema."""

    def __init__(
        self,
        certificate_number: str | None,
        field_path: str,
        value: Any,
        schema_type: str | None,
        reason: str,
    ) -> None:
        self.certificate_number = certificate_number
        self.field_path = field_path
        self.value = value
        self.schema_type = schema_type
        self.reason = reason
        super().__init__(
            f"certificate {certificate_number or '(no certificate number)'}: field {field_path} = {value!r} "
            f"{reason}"
        )


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier() and part not in {"int", "str", "float", "bool", "list", "dict"}:
            out += f".{part}" if out else part
        # other parts are pydantic's names for union members / validators, not document keys
    return out


def _schema_label(schema_type: Any) -> str:
    return schema_type if isinstance(schema_type, str) else "(no schema_type)"


def parse_certificate(doc: Mapping[str, Any], *, certificate_number: str | None = None) -> Certificate:
    """Validate one register document (``{"data": {...}}`` envelope or the bare document).

    ``certificate_number`` fills in the number when the document itself lacks it (the register's
    published JSON samples carry none; the caller knows which number it fetched). The quirks of the
    register's JSON are normalised (see ``types.py``); an unknown code or malformed value raises
    ``CertificateValidationError``.
    """
    data = doc.get("data") if "data" in doc and "schema_type" not in doc else doc
    if not isinstance(data, Mapping):
        raise CertificateValidationError(
            certificate_number, "data", data, None, "is not a certificate document"
        )
    number = data.get("certificate_number") or data.get("rrn") or certificate_number
    if certificate_number is not None and number != certificate_number:
        # The caller asked for one certificate and got another: refuse rather than file it under either.
        raise CertificateValidationError(
            certificate_number,
            "certificate_number",
            number,
            data.get("schema_type"),
            f"does not match the requested certificate {certificate_number}",
        )
    if certificate_number is not None and "certificate_number" not in data and "rrn" not in data:
        data = {**data, "certificate_number": certificate_number}
    elif not isinstance(data, dict):
        data = dict(data)
    try:
        return Certificate.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        schema = data.get("schema_type")
        path = _path(err["loc"])
        if err["type"] == "unknown_code":
            reason = f"is not a known code for {_schema_label(schema)}"
        elif err["type"] == "missing":
            reason = f"is missing (required for {_schema_label(schema)})"
        else:
            reason = f"is not valid for {_schema_label(schema)}: {err['msg']}"
        value = err.get("input") if err["type"] != "missing" else None
        raise CertificateValidationError(
            number if isinstance(number, str) else None,
            path,
            value,
            schema if isinstance(schema, str) else None,
            reason,
        ) from exc


def to_register_json(cert: Certificate) -> dict[str, Any]:
    """The normalised register-shaped document (no envelope): bare numbers, lists as lists, JSON booleans,
    ISO dates; keys the lodgement had and the model does not type are kept as lodged.

    ``parse_certificate(to_register_json(c)) == c``.
    """
    return cert.model_dump(mode="json", exclude_unset=True)
