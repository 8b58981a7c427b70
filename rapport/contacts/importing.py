"""Reading a contact import file (CSV or XLSX) into unsaved, validated contacts. Writes nothing.

The rules for one contact (defaults, name breakdown, inheritance from the company, validation)
are the single-contact service's own helpers; this module only adds what a file needs: reading
the cells, mapping the header, resolving codes in one query each and the checks across rows.
`rapport.contacts.services.import_contacts` writes the plan.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db.models import CharField, Q
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.accounts.models import Salesperson
from rapport.contacts import services
from rapport.contacts.models import Contact, ContactType, MarketingSetup
from rapport.core import services as core_services
from rapport.core.choices import CorrespondenceType
from rapport.core.fields import CodeField
from rapport.core.models import Language
from rapport.core.validation import (
    ValidationError,
    field_error,
    first_error,
    validate_instance,
)
from rapport.core.validation import caption as field_caption

MAX_ROWS = 100_000
# More header columns than this is not a contact file (a header far to the right would make
# every row that wide).
MAX_COLUMNS = 200
MAX_ERRORS = 1_000
# An XLSX is a zip: refuse one that unpacks to far more than an upload may be (a zip bomb).
MAX_UNPACKED_RATIO = 30
LOOKUP_CHUNK = 5_000

RELATION_COLUMNS: dict[str, Any] = {
    "company_no": _l("Company No."),
    "salesperson_code": _l("Salesperson Code"),
    "language_code": _l("Language Code"),
}
# Every column an import accepts, in the order an export writes them.
COLUMNS: tuple[str, ...] = ("no", "type", *services.CONTACT_FIELDS, *RELATION_COLUMNS)
BOOLEAN_FIELDS = ("exclude_from_segment", "privacy_blocked")
TRUE_WORDS = frozenset({"yes", "true", "1", "kyllä", "ja"})
FALSE_WORDS = frozenset({"no", "false", "0", "ei", "nei"})
# A cell starting with one of these could run as a formula in a spreadsheet; exports put an
# apostrophe in front, imports take it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

XLSX, CSV = "xlsx", "csv"
CONTACT_TYPES = frozenset(ContactType.values)
# A service names the relation; the file names the column holding its code.
ERROR_COLUMNS = {
    "company": "company_no",
    "salesperson": "salesperson_code",
    "language": "language_code",
}


def caption(column: str) -> str:
    """The column's caption in the active language ("Phone No.")."""
    if column in RELATION_COLUMNS:
        return str(RELATION_COLUMNS[column])
    return field_caption(Contact, column)


def accepted_columns() -> list[tuple[str, str]]:
    """(field name, caption) of every column an import accepts."""
    return [(column, caption(column)) for column in COLUMNS]


def escape_formula(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unescape_formula(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


# --- reading the file --------------------------------------------------------------------------


@dataclass
class Table:
    """A file's header and its non-empty data rows as (spreadsheet row number, cells)."""

    kind: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    # CSV rows with text right of the header's last column (a value with an unquoted
    # separator shifts every cell after it): each is an error of its row.
    wide_rows: list[int] = field(default_factory=list)


def wide_row_message() -> str:
    return _(
        "The row has more cells than the header has columns. Put a value that holds the "
        "separator in double quotes."
    )


def _invalid_file() -> ValidationError:
    return field_error(
        "file",
        _("The file is neither an Excel workbook (.xlsx) nor a UTF-8 CSV file."),
        "invalid_file",
    )


def check_size(size: int) -> None:
    """Refuse a file over RAPPORT_MAX_UPLOAD_BYTES (before anyone reads it)."""
    limit = settings.RAPPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise field_error(
            "file",
            _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {
                "size": number_format(size / 1_048_576, 1),
                "limit": number_format(limit / 1_048_576, 1),
            },
            "file_too_large",
        )


def _too_many_rows() -> ValidationError:
    return field_error(
        "file",
        _("The file has more than %(max)s rows. Split it into smaller files.")
        % {"max": number_format(MAX_ROWS, force_grouping=True)},
        "too_many_rows",
    )


def file_kind(content: bytes) -> str:
    """XLSX or CSV, decided by the content (a zip is a workbook), never by the file name."""
    return XLSX if content[:4] == b"PK\x03\x04" else CSV


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return unescape_formula(str(value).strip())


class _Budget:
    """Bounds on reading one file: cells kept (RAPPORT_IMPORT_MAX_CELLS) and seconds spent
    (RAPPORT_IMPORT_MAX_SECONDS), so no file can take a worker's memory or time."""

    def __init__(self) -> None:
        self.cells = 0
        self.max_cells = int(getattr(settings, "RAPPORT_IMPORT_MAX_CELLS", 1_000_000))
        self.deadline = time.monotonic() + float(
            getattr(settings, "RAPPORT_IMPORT_MAX_SECONDS", 120)
        )

    def spend(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.max_cells:
            raise field_error(
                "file",
                _("The file has more than %(max)s cells. Split it into smaller files.")
                % {"max": number_format(self.max_cells, force_grouping=True)},
                "too_many_cells",
            )
        if time.monotonic() > self.deadline:
            raise field_error(
                "file",
                _("Reading the file takes too long. Split it into smaller files."),
                "file_too_slow",
            )


def _header_cells(record: Iterable[Any]) -> list[str]:
    """The header row without its trailing empty cells (and never wider than MAX_COLUMNS)."""
    cells = [_cell_text(value) for value in itertools.islice(record, MAX_COLUMNS + 1)]
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise field_error(
            "file",
            _("The file has more than %(max)s columns.") % {"max": MAX_COLUMNS},
            "too_many_columns",
        )
    return cells


def _collect(kind: str, records: Iterable[Iterable[Any]]) -> Table:
    """Header and data rows; cells right of the header's last column are ignored."""
    budget = _Budget()
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    wide_rows: list[int] = []
    for number, record in enumerate(records, start=1):
        if header is None:
            header = _header_cells(record)
            continue
        cells = [_cell_text(value) for value in itertools.islice(record, len(header))]
        budget.spend(max(1, len(cells)))
        wide = (
            kind == CSV
            and isinstance(record, list)
            and any(str(value).strip() for value in record[len(header) :])
        )
        if not any(cells) and not wide:
            continue
        if len(rows) >= MAX_ROWS:
            raise _too_many_rows()
        rows.append((number, cells))
        if wide:
            wide_rows.append(number)
    if header is None or not any(header):
        raise field_error(
            "file",
            _("The file has no header row. The first row must name the columns."),
            "no_header",
        )
    if not rows:
        raise field_error("file", _("The file has no rows below the header."), "no_rows")
    return Table(kind=kind, header=header, rows=rows, wide_rows=wide_rows)


def check_workbook(content: bytes) -> None:
    """Cheap checks of an XLSX before anyone parses it: a workbook inside, and its unpacked
    size within RAPPORT_IMPORT_MAX_UNPACKED_BYTES (a zip bomb is refused unread)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except Exception:  # not a zip at all
        raise _invalid_file() from None
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise _invalid_file()
    unpacked = sum(m.file_size for m in members)
    limit = min(
        MAX_UNPACKED_RATIO * settings.RAPPORT_MAX_UPLOAD_BYTES,
        int(getattr(settings, "RAPPORT_IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)),
    )
    if unpacked > limit:
        raise field_error("file", _("The workbook is too large when unpacked."), "file_too_large")


def _read_xlsx(content: bytes) -> Table:
    import openpyxl

    check_workbook(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # a broken zip or workbook can fail in many ways: never a 500
        raise _invalid_file() from None
    try:
        if not workbook.worksheets:
            raise _invalid_file()
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # trust the cells, not the stored dimension
        return _collect(XLSX, sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
    except ValidationError:
        raise
    except Exception:
        raise _invalid_file() from None
    finally:
        workbook.close()


def _sniff_delimiter(text: str) -> str:
    """',' ';' or tab: whichever the header line uses most (a header has no other commas)."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(content: bytes) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid_file() from None
    if any(ch in text for ch in ("\x00", "\x01", "\x02", "\x03", "\x04", "\x1a", "\x1b")):
        raise _invalid_file()  # binary content that happens to decode
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        return _collect(CSV, reader)
    except csv.Error:
        raise _invalid_file() from None


def read_table(content: bytes, filename: str = "") -> Table:
    """Read a CSV or XLSX file; a file that is neither, too large or too long is refused."""
    check_size(len(content))
    if not content.strip():
        raise field_error("file", _("The file is empty."), "empty_file")
    if file_kind(content) == XLSX:
        return _read_xlsx(content)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _invalid_file()
    return _read_csv(content)


def count_rows(content: bytes, filename: str = "") -> int:
    """How many data rows the file has (it is read and checked as for an import)."""
    return len(read_table(content, filename).rows)


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """Unsaved contacts ready to write: companies first, then persons (linked to a company)."""

    rows: int = 0
    companies: list[Contact] = field(default_factory=list)
    persons: list[Contact] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def contacts(self) -> list[Contact]:
        return [*self.companies, *self.persons]


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.more = 0
        self.first_more_row: int | None = None

    def add(self, row: int, field_name: str | None, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append({"row": row, "field": field_name, "message": message})
        else:
            self.more += 1
            if self.first_more_row is None or row < self.first_more_row:
                self.first_more_row = row

    def add_exception(self, row: int, exc: ValidationError) -> None:
        name, message, _code = first_error(exc)
        name = ERROR_COLUMNS.get(name or "", name)
        self.add(row, name, _named(name, message))

    def as_list(self) -> list[dict[str, Any]]:
        items = sorted(self.items, key=lambda e: e["row"])
        if self.more:
            items.append(
                {
                    "row": self.first_more_row,
                    "field": None,
                    "message": _("%(count)s more errors are not listed.")
                    % {"count": number_format(self.more, force_grouping=True)},
                }
            )
        return items


def _named(name: str | None, message: str) -> str:
    """Put the field's caption in front of a message that does not name it yet."""
    if not name:
        return message
    try:
        label = caption(name)
    except Exception:
        return message
    return message if label in message else f"{label}: {message}"


def _header_names() -> dict[str, str]:
    """lower-case field name or caption (English and the active language) -> column."""
    names: dict[str, str] = {}
    for language in ("en", translation.get_language() or "en"):
        with translation.override(language):
            for column in COLUMNS:
                names.setdefault(caption(column).strip().lower(), column)
    for column in COLUMNS:
        names[column] = column
    return names


def _choice_names(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for language in ("en", translation.get_language() or "en"):
        with translation.override(language):
            for value, label in choices:
                names.setdefault(str(label).lower(), value)
    for value, _label in choices:
        names[value.lower()] = value
    return names


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def existing_numbers(numbers: Iterable[str]) -> set[str]:
    """Which of `numbers` are already contact numbers (one query per 5,000 numbers)."""
    wanted = sorted(set(numbers) - {""})
    found: set[str] = set()
    for chunk in _chunks(wanted):
        found.update(Contact.objects.filter(no__in=chunk).values_list("no", flat=True))
    return found


def _contacts_by_no(numbers: Iterable[str]) -> dict[str, Contact]:
    wanted = sorted(set(numbers) - {""})
    found: dict[str, Contact] = {}
    for chunk in _chunks(wanted):
        found.update((c.no, c) for c in Contact.objects.filter(no__in=chunk))
    return found


@dataclass
class _Context:
    actor: Any
    setup: MarketingSetup
    salespeople: dict[str, Salesperson]
    salespeople_by_id: dict[int, Salesperson]
    languages: dict[str, Language]
    existing_nos: set[str]
    existing_companies: dict[str, Contact]
    types: dict[str, str]
    correspondence: dict[str, str]
    file_companies: dict[str, Contact] = field(default_factory=dict)
    seen_nos: dict[str, int] = field(default_factory=dict)
    manual_checked: bool = False
    series_checked: bool = False


def build_plan(table: Table, *, actor: Any, setup: MarketingSetup) -> ImportPlan:
    """Validate every row and prepare its unsaved contact. Nothing is written."""
    errors = _Errors()
    names = _header_names()
    columns: list[str | None] = []
    seen: set[str] = set()
    for title in table.header:
        column = names.get(title.strip().lower()) if title.strip() else None
        if title.strip() and column is None:
            errors.add(1, None, _("The column %(column)s is unknown.") % {"column": title})
        elif column is not None and column in seen:
            errors.add(
                1,
                column,
                _("The column %(column)s appears more than once.") % {"column": title},
            )
            column = None
        if column is not None:
            seen.add(column)
        columns.append(column)

    records: list[tuple[int, dict[str, str]]] = []
    for number, cells in table.rows:
        values = {column: cells[i] for i, column in enumerate(columns) if column and i < len(cells)}
        for code_field in ("no", "company_no", "salesperson_code", "language_code"):
            if code_field in values:
                values[code_field] = values[code_field].upper()
        records.append((number, values))

    for number in table.wide_rows:
        errors.add(number, None, wide_row_message())
    ctx = _context(records, actor=actor, setup=setup)
    plan = ImportPlan(rows=len(records))
    for number, values in records:
        contact = _prepare(number, values, ctx, errors)
        if contact is None:
            continue
        if contact.is_company:
            plan.companies.append(contact)
        else:
            plan.persons.append(contact)
    plan.errors = errors.as_list()
    return plan


def _context(
    records: list[tuple[int, dict[str, str]]], *, actor: Any, setup: MarketingSetup
) -> _Context:
    def codes(column: str) -> set[str]:
        return {v[column] for _n, v in records if v.get(column)}

    existing_companies = _contacts_by_no(codes("company_no"))
    wanted_ids = {c.salesperson_id for c in existing_companies.values() if c.salesperson_id}
    if setup.default_salesperson_id:
        wanted_ids.add(setup.default_salesperson_id)
    sp_codes = codes("salesperson_code")
    salespeople_by_id: dict[int, Salesperson] = {}
    if sp_codes or wanted_ids:
        salespeople_by_id = {
            sp.pk: sp
            for sp in Salesperson.objects.filter(Q(code__in=sp_codes) | Q(pk__in=wanted_ids))
        }
    lang_codes = codes("language_code")
    return _Context(
        actor=actor,
        setup=setup,
        salespeople={sp.code: sp for sp in salespeople_by_id.values() if sp.code in sp_codes},
        salespeople_by_id=salespeople_by_id,
        languages={lang.code: lang for lang in Language.objects.filter(code__in=lang_codes)}
        if lang_codes
        else {},
        existing_nos=existing_numbers(codes("no")),
        existing_companies=existing_companies,
        types=_choice_names(ContactType.choices),
        correspondence=_choice_names(CorrespondenceType.choices),
    )


def _parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if not lowered or lowered in FALSE_WORDS:
        return False
    return None


def _prepare(number: int, values: dict[str, str], ctx: _Context, errors: _Errors) -> Contact | None:
    """One row's unsaved contact, prepared exactly as services.create_contact prepares one."""
    failed = False

    def fail(name: str | None, message: str) -> None:
        nonlocal failed
        failed = True
        errors.add(number, name, message)

    fields: dict[str, Any] = {f: values[f] for f in services.CONTACT_FIELDS if f in values}
    for name in BOOLEAN_FIELDS:
        if name in fields:
            parsed = _parse_bool(fields[name])
            if parsed is None:
                fail(
                    name,
                    _("%(field)s: %(value)s is not a yes/no value.")
                    % {"field": caption(name), "value": fields[name]},
                )
                parsed = False
            fields[name] = parsed
    if "correspondence_type" in fields:
        raw = fields["correspondence_type"]
        fields["correspondence_type"] = ctx.correspondence.get(raw.lower(), raw)

    no = values.get("no", "")
    company_no = values.get("company_no", "")
    raw_type = values.get("type", "")
    if raw_type:
        kind = ctx.types.get(raw_type.lower(), raw_type)
    elif company_no and company_no != no:
        kind = ContactType.PERSON
    else:
        kind = ContactType.COMPANY

    contact = Contact(no=no, type=kind, **fields)

    for column, lookup, attr in (
        ("salesperson_code", ctx.salespeople, "salesperson"),
        ("language_code", ctx.languages, "language"),
    ):
        code = values.get(column, "")
        if not code:
            continue
        target = lookup.get(code)
        if target is None:
            fail(
                column,
                _("%(field)s: %(value)s does not exist.")
                % {"field": caption(column), "value": code},
            )
        else:
            setattr(contact, attr, target)

    if no:
        if not ctx.manual_checked:
            ctx.manual_checked = True
            try:
                core_services.check_manual_number(series=ctx.setup.contact_nos)
            except ValidationError as exc:
                failed = True
                errors.add_exception(number, exc)
        if no in ctx.seen_nos:
            fail(
                "no",
                _("%(field)s: %(value)s appears more than once in the file (first in row %(row)s).")
                % {"field": caption("no"), "value": no, "row": ctx.seen_nos[no]},
            )
        elif no in ctx.existing_nos:
            fail(
                "no",
                _("%(field)s: Contact %(value)s already exists.")
                % {"field": caption("no"), "value": no},
            )
        ctx.seen_nos.setdefault(no, number)
        try:
            validate_instance(
                contact,
                exclude=[f.name for f in Contact._meta.fields if f.name != "no"],
                unique=False,
            )
        except ValidationError as exc:
            failed = True
            errors.add_exception(number, exc)
    elif ctx.setup.contact_nos_id is None and not ctx.series_checked:
        ctx.series_checked = True
        fail(
            "no",
            _("%(field)s must have a value in Marketing Setup. It cannot be zero or empty.")
            % {"field": _("Contact Nos.")},
        )

    if contact.is_person and contact.name and not any(fields.get(f) for f in services.NAME_PARTS):
        contact.first_name, contact.middle_name, contact.surname = services.break_down_name(
            contact.name
        )
    services.apply_new_contact_defaults(contact, ctx.setup, ctx.actor)

    if company_no and company_no != no and kind in CONTACT_TYPES:
        company = ctx.file_companies.get(company_no) or ctx.existing_companies.get(company_no)
        if company is None:
            fail(
                "company_no",
                _(
                    "%(field)s: %(value)s is neither an existing company nor a company in an "
                    "earlier row of this file."
                )
                % {"field": caption("company_no"), "value": company_no},
            )
        else:
            try:
                services._check_company_link(contact, company)
            except ValidationError as exc:
                failed = True
                errors.add_exception(number, exc)
            else:
                contact.company = company
                services.inherit_from_company(contact, company, ctx.setup)

    _attach_salesperson(contact, ctx)
    # The salesperson and language were resolved above (or inherited from rows that exist), so
    # the per-row existence queries of model validation are skipped for those two fields only.
    contact.clean_fields = _clean_fields_without(contact, ("salesperson", "language"))  # type: ignore[method-assign]
    try:
        services.clean_contact(contact, check_unique=False)
    except ValidationError as exc:
        failed = True
        errors.add_exception(number, exc)
    finally:
        del contact.clean_fields

    if contact.is_company and no and no not in ctx.file_companies:
        ctx.file_companies[no] = contact
    return None if failed else contact


def _attach_salesperson(contact: Contact, ctx: _Context) -> None:
    """Give the contact its salesperson object from the lookup, so no row queries for it."""
    sp_id = contact.salesperson_id
    if sp_id is None or Contact.salesperson.is_cached(contact):  # type: ignore[attr-defined]
        return
    salesperson = ctx.salespeople_by_id.get(sp_id)
    if salesperson is None:
        salesperson = Salesperson.objects.get(pk=sp_id)
        ctx.salespeople_by_id[sp_id] = salesperson
    contact.salesperson = salesperson


def _plain_text_fields() -> list[Any]:
    """Contact's text fields whose only model check is the maximum length (no choices)."""
    return [
        f
        for f in Contact._meta.concrete_fields
        if type(f) in (CharField, CodeField)
        and not f.choices
        and all(isinstance(v, MaxLengthValidator) for v in f.validators)
    ]


PLAIN_TEXT_FIELDS = _plain_text_fields()


def _clean_fields_without(contact: Contact, skip: tuple[str, ...]) -> Any:
    """Model field validation for one import row, `skip` left out. A text field that is
    within its length (or blank where blank is allowed) is taken as it is (normalized like
    `to_python` does); every other field, and any text field that fails, goes through Django's
    own `clean_fields`, so the errors are the same as the single-contact service's."""

    def clean_fields(exclude: Iterable[str] | None = None) -> None:
        excluded = {*(exclude or ()), *skip}
        for f in PLAIN_TEXT_FIELDS:
            if f.name in excluded:
                continue
            value = getattr(contact, f.attname)
            if not isinstance(value, str) or "\x00" in value:
                continue
            if value == "" and f.blank:
                excluded.add(f.name)
            elif value != "" and len(value) <= f.max_length:
                setattr(contact, f.attname, f.to_python(value))
                excluded.add(f.name)
        Contact.clean_fields(contact, exclude=list(excluded))

    return clean_fields


def plan_import(*, content: bytes, filename: str, actor: Any, setup: MarketingSetup) -> ImportPlan:
    """Read and validate a file: the contacts to create, or the errors by row."""
    return build_plan(read_table(content, filename), actor=actor, setup=setup)
