"""Errors raised by the SAP 10.2 calculator."""

from __future__ import annotations


class UnsupportedInput(ValueError):
    """An input the calculator cannot handle: names the record (``home_id``), the field and the value.

    Raised instead of guessing: a code missing from a table, a value outside its domain, a
    feature not implemented yet.
    """

    def __init__(self, record: object, field: str, value: object, reason: str = "") -> None:
        self.record = record
        self.field = field
        self.value = value
        self.reason = reason
        text = f"home_id={record!r}: field {field!r} has unsupported value {value!r}"
        if reason:
            text += f" ({reason})"
        super().__init__(text)
