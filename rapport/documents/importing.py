"""Reading a CSV (or XLSX) file of document events: the columns, and each row as an input.

The file is read with the contact import's reader (size, row and column limits, formula
escapes); a cell that cannot be parsed is an error of its row, reported with the row number."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.contacts import importing as table_reader
from rapport.core.validation import ValidationError, field_error, first_error

COLUMNS: list[tuple[str, Any]] = [
    ("document_type", _l("Document Type")),
    ("document_no", _l("Document No.")),
    ("event", _l("Event")),
    ("document_date", _l("Document Date")),
    ("customer_no", _l("Customer No.")),
    ("vendor_no", _l("Vendor No.")),
    ("contact_no", _l("Contact No.")),
    ("version_no", _l("Version No.")),
    ("idempotency_key", _l("Idempotency Key")),
    ("amount", _l("Amount")),
    ("campaign_no", _l("Campaign No.")),
    ("salesperson_code", _l("Salesperson Code")),
    ("description", _l("Description")),
    ("order_no", _l("Order No.")),
]
REQUIRED = ("document_type", "document_no", "event")


@dataclass
class ParsedRow:
    line: int  # the row number in the file (the header is row 1)
    values: dict[str, Any]
    error: tuple[str, str, str] | None = None  # field, code, message


def _header_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for name, label in COLUMNS:
        names[name] = name
        names[str(label).strip().lower()] = name
        names[name.replace("_", " ")] = name
    return names


def _cell(name: str, raw: str) -> Any:
    value = table_reader.unescape_formula(raw.strip())
    if name == "document_date":
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise field_error(
                name,
                _("%(field)s: enter a date as YYYY-MM-DD.") % {"field": name},
                "invalid_date",
            ) from None
    if name == "version_no":
        if not value:
            return 0
        if not value.isdigit():
            raise field_error(
                name, _("%(field)s: enter a whole number.") % {"field": name}, "invalid_integer"
            )
        return int(value)
    if name == "amount":
        if not value:
            return None
        try:
            return Decimal(value.replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise field_error(
                name, _("%(field)s: enter a number.") % {"field": name}, "invalid_number"
            ) from None
    return value


def read_rows(content: bytes, filename: str = "") -> list[ParsedRow]:
    """Every data row of the file, parsed; an unknown or missing column refuses the file."""
    table = table_reader.read_table(content, filename)
    names = _header_names()
    columns: list[str | None] = []
    for cell in table.header:
        key = cell.strip().lower()
        if not key:
            columns.append(None)
            continue
        if key not in names:
            raise field_error(
                "file",
                _("The file has a column that cannot be imported: %(column)s.") % {"column": cell},
                "unknown_column",
            )
        columns.append(names[key])
    for required in REQUIRED:
        if required not in columns:
            raise field_error(
                "file",
                _("The file must have the column %(column)s.") % {"column": required},
                "missing_column",
            )
    parsed: list[ParsedRow] = []
    wide_rows = set(table.wide_rows)
    for line, cells in table.rows:
        row = ParsedRow(line=line, values={})
        if line in wide_rows:
            row.error = ("", "too_many_cells", table_reader.wide_row_message())
            parsed.append(row)
            continue
        for name, raw in zip(columns, cells, strict=False):
            if name is None:
                continue
            try:
                row.values[name] = _cell(name, raw or "")
            except ValidationError as exc:
                field, message, code = first_error(exc)
                row.error = (field or name, code, message)
                break
        parsed.append(row)
    return parsed
