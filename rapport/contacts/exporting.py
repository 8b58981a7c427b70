"""Export the contacts a list selects (same filters and sort as the list page) as CSV or XLSX.

The header is the field names an import accepts, so an export imports again as it is. Text
that a spreadsheet would run as a formula gets a leading apostrophe (in both formats).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

from rapport.contacts import queries
from rapport.contacts.importing import BOOLEAN_FIELDS, COLUMNS, escape_formula
from rapport.contacts.models import Contact

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def contacts_to_export(user: Any, params: Mapping[str, str]) -> QuerySet[Contact]:
    """The list's contacts for these query parameters (raises ValidationError on a bad filter)."""
    spec = queries.CONTACT_LIST
    qs = queries.contacts_visible_to(user).select_related("company", "salesperson", "language")
    return spec.order(spec.filter(qs, params), params)


def _value(contact: Contact, column: str) -> Any:
    if column == "company_no":
        return contact.company.no if contact.company_id and contact.company else ""
    if column == "salesperson_code":
        return contact.salesperson.code if contact.salesperson_id and contact.salesperson else ""
    if column == "language_code":
        return contact.language.code if contact.language_id and contact.language else ""
    return getattr(contact, column)


def rows(qs: QuerySet[Contact], *, native_booleans: bool = False) -> Iterator[list[Any]]:
    """The header, then one escaped row per contact (streamed in chunks)."""
    yield list(COLUMNS)
    for contact in qs.iterator(chunk_size=CHUNK_SIZE):
        row: list[Any] = []
        for column in COLUMNS:
            value = _value(contact, column)
            if column in BOOLEAN_FIELDS:
                row.append(bool(value) if native_booleans else ("yes" if value else "no"))
            else:
                row.append(escape_formula(str(value or "")))
        yield row


def filename(extension: str) -> str:
    return f"contacts-{timezone.localdate():%Y%m%d}.{extension}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(qs: QuerySet[Contact]) -> StreamingHttpResponse:
    """UTF-8 CSV with a BOM (Excel then reads the letters right), comma separated."""
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"
        for row in rows(qs):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


def xlsx_response(qs: QuerySet[Contact]) -> FileResponse:
    """An XLSX workbook written row by row (openpyxl write-only), spooled to disk when large."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Contacts")
    for row in rows(qs, native_booleans=True):
        # Control characters cannot be stored in a workbook at all.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename("xlsx"), content_type=XLSX_TYPE
    )


def export_response(qs: QuerySet[Contact], export_format: str) -> HttpResponseBase:
    return xlsx_response(qs) if export_format == "xlsx" else csv_response(qs)
