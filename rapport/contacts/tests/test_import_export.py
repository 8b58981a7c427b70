from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from rapport.accounts.services import create_salesperson, create_user
from rapport.contacts import importing, services
from rapport.contacts.models import Contact, ContactType
from rapport.contacts.services import (
    create_contact,
    delete_contact,
    import_contacts,
    update_marketing_setup,
)
from rapport.core.jobs import execute_job
from rapport.core.models import Job, JobStatus, Language, NumberSeries

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_bytes(rows: list[list[Any]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(actor: Any, content: bytes, *, dry_run: bool = False, name: str = "c.csv") -> Any:
    return import_contacts(actor=actor, content=content, filename=name, dry_run=dry_run)


def last_no_used() -> str:
    return NumberSeries.objects.get(code="CONT").last_no_used


def companies_and_persons_csv(persons: int = 2) -> bytes:
    rows: list[list[Any]] = [
        ["no", "type", "name", "address", "city", "phone_no", "salesperson_code", "company_no"],
        ["ACME", "company", "Acme Oy", "Teollisuuskatu 1", "Helsinki", "09 123 456", "MK", ""],
    ]
    for i in range(persons):
        rows.append(["", "person", f"Anna Maria Virtanen {i}", "", "", "", "", "ACME"])
    return csv_bytes(rows)


# --- dry run and errors ------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_reports_errors_by_spreadsheet_row(alice) -> None:
    content = csv_bytes(
        [
            ["name", "phone_no"],
            ["Kesko Oyj", "010 53 030"],
            ["Fazer Oy", "020 555 ABC"],
            ["N" * 101, ""],
        ]
    )
    result = run_import(alice, content, dry_run=True)
    assert result["dry_run"] is True and result["rows"] == 3 and result["created"] == 0
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(3, "phone_no"), (4, "name")]
    assert result["errors"][0]["message"] == "Phone No. must not contain letters"
    assert result["errors"][1]["message"].startswith(
        "Name: Ensure this value has at most 100 characters (it has 101)"
    )
    assert Contact.objects.count() == 0
    assert last_no_used() == ""


def test_a_clean_dry_run_counts_the_rows_and_still_writes_nothing(alice) -> None:
    result = run_import(alice, companies_and_persons_csv(3).replace(b",MK,", b",,"), dry_run=True)
    assert result == {"rows": 4, "created": 0, "errors": [], "dry_run": True}
    assert Contact.objects.count() == 0 and last_no_used() == ""


def test_an_import_with_any_error_writes_nothing(alice) -> None:
    content = csv_bytes([["name", "email"], ["Good Oy", "info@good.fi"], ["Bad Oy", "not-mail"]])
    result = run_import(alice, content)
    assert result["created"] == 0
    assert result["errors"] == [
        {
            "row": 3,
            "field": "email",
            "message": 'Email: The email address "not-mail" is invalid.',
        }
    ]
    assert Contact.objects.count() == 0 and last_no_used() == ""


def test_checks_across_rows_name_the_row_and_the_column(alice) -> None:
    create_contact(actor=alice, name="Existing Oy", no="OLD1")
    person = create_contact(actor=alice, name="Pekka Person", type=ContactType.PERSON)
    content = csv_bytes(
        [
            ["No.", "Type", "Name", "Company No.", "Salesperson Code", "Language Code", "Colour"],
            ["A1", "company", "First", "", "", "", ""],
            ["A1", "company", "Twice", "", "", "", ""],
            ["OLD1", "company", "Taken", "", "", "", ""],
            ["", "person", "Orphan", "LATER", "", "", ""],
            ["LATER", "company", "Later Oy", "", "", "", ""],
            ["", "person", "Wrong Link", person.no, "", "", ""],
            ["", "company", "Codes", "", "nobody", "xx", ""],
            ["", "robot", "Robot", "", "", "", ""],
        ]
    )
    errors = run_import(alice, content, dry_run=True)["errors"]
    by_row = {(e["row"], e["field"]): e["message"] for e in errors}
    assert by_row[(1, None)] == "The column Colour is unknown."
    assert by_row[(3, "no")] == "No.: A1 appears more than once in the file (first in row 2)."
    assert by_row[(4, "no")] == "No.: Contact OLD1 already exists."
    assert by_row[(5, "company_no")] == (
        "Company No.: LATER is neither an existing company nor a company in an earlier row "
        "of this file."
    )
    assert by_row[(7, "company_no")].startswith("Company No.: Type must be equal to 'Company'")
    assert by_row[(8, "salesperson_code")] == "Salesperson Code: NOBODY does not exist."
    assert by_row[(8, "language_code")] == "Language Code: XX does not exist."
    assert by_row[(9, "type")] == "Type: robot is not a valid contact type."
    assert [e["row"] for e in errors] == sorted(e["row"] for e in errors)
    assert Contact.objects.count() == 2


def test_yes_no_columns_accept_finnish_and_norwegian_words(alice) -> None:
    content = csv_bytes(
        [
            ["name", "privacy_blocked", "exclude_from_segment"],
            ["A", "kyllä", "ei"],
            ["B", "ja", "nei"],
            ["C", "1", "false"],
            ["D", "perhaps", ""],
        ]
    )
    result = run_import(alice, content, dry_run=True)
    assert result["errors"] == [
        {
            "row": 5,
            "field": "privacy_blocked",
            "message": "Privacy Blocked: perhaps is not a yes/no value.",
        }
    ]
    content = b"\n".join(content.splitlines()[:4])
    assert run_import(alice, content)["created"] == 3
    assert list(Contact.objects.order_by("name").values_list("privacy_blocked", flat=True)) == [
        True,
        True,
        True,
    ]
    assert not Contact.objects.filter(exclude_from_segment=True).exists()


# --- good files --------------------------------------------------------------------------------


def test_a_csv_creates_companies_and_persons_linked_with_inherited_fields(alice) -> None:
    salesperson = create_salesperson(actor=alice, code="MK", name="Mika")
    existing = create_contact(actor=alice, name="Neste Oyj", city="Espoo", phone_no="010 458 11")
    content = csv_bytes(
        [
            ["no", "type", "name", "address", "city", "phone_no", "salesperson_code", "company_no"],
            ["", "company", "Acme Oy", "Teollisuuskatu 1", "Helsinki", "09 123 456", "mk", ""],
            ["", "person", "Anna Maria Virtanen", "", "", "", "", ""],
            ["", "company", "Beta Ab", "", "Turku", "", "", ""],
            ["", "person", "Pekka Neste", "", "", "", "", existing.no],
        ]
    )
    # A person names a company of the same file by its No.; give Acme one.
    content = content.replace(b",company,Acme Oy", b"ACME,company,Acme Oy", 1).replace(
        b"Virtanen,,,,,", b"Virtanen,,,,,ACME"
    )
    result = run_import(alice, content)
    assert result == {"rows": 4, "created": 4, "errors": [], "dry_run": False}

    acme = Contact.objects.get(no="ACME")
    assert acme.company_id == acme.pk and acme.salesperson == salesperson
    assert acme.language == Language.objects.get(code="FI"), "setup's default language"
    anna = Contact.objects.get(name="Anna Maria Virtanen")
    assert anna.company == acme and anna.type == ContactType.PERSON
    assert (anna.first_name, anna.middle_name, anna.surname) == ("Anna", "Maria", "Virtanen")
    assert (anna.address, anna.city, anna.phone_no) == (
        "Teollisuuskatu 1",
        "Helsinki",
        "09 123 456",
    )
    assert anna.salesperson == salesperson, "inherited from the company"
    beta = Contact.objects.get(name="Beta Ab")
    assert beta.company_id == beta.pk
    pekka = Contact.objects.get(name="Pekka Neste")
    assert pekka.company == existing and pekka.city == "Espoo" and pekka.phone_no == "010 458 11"
    assert anna.no.startswith("CT") and anna.no_series is not None


def test_a_bom_semicolon_csv_with_captions_in_the_header_is_read(alice) -> None:
    content = csv_bytes(
        [
            ["Name", "PHONE NO.", "City", "Correspondence Type"],
            ["Ålö Oy", "+358 9 1", "Åbo", "Email"],
        ],
        delimiter=";",
        bom=True,
    )
    assert run_import(alice, content)["created"] == 1
    contact = Contact.objects.get()
    assert (contact.name, contact.phone_no, contact.city) == ("Ålö Oy", "+358 9 1", "Åbo")
    assert contact.correspondence_type == "email"


def test_a_tab_separated_file_is_read(alice) -> None:
    content = csv_bytes([["name", "city"], ["Tab Oy", "Oulu"]], delimiter="\t")
    assert run_import(alice, content)["created"] == 1
    assert Contact.objects.get().city == "Oulu"


def test_an_xlsx_workbook_creates_companies_and_persons(alice) -> None:
    mika = create_salesperson(actor=alice, code="MK", name="Mika")
    content = xlsx_bytes(
        [
            [
                "No.",
                "Type",
                "Name",
                "Phone No.",
                "Salesperson Code",
                "Privacy Blocked",
                "Company No.",
            ],
            ["X1", "Company", "Excel Oy", 91234567, "MK", False, None],
            [None, None, None, None, None, None, None],
            [None, "Person", "Liisa Laine", None, None, True, "X1"],
        ]
    )
    result = run_import(alice, content, name="contacts.xlsx")
    assert result["created"] == 2 and result["rows"] == 2
    company = Contact.objects.get(no="X1")
    assert company.phone_no == "91234567" and company.salesperson == mika
    liisa = Contact.objects.get(name="Liisa Laine")
    assert liisa.company == company and liisa.privacy_blocked and liisa.phone_no == "91234567"


def test_xlsx_errors_name_the_spreadsheet_row_counting_blank_rows(alice) -> None:
    content = xlsx_bytes([["Name", "Phone No."], ["Ok", None], [None, None], ["Bad", "12 AB"]])
    errors = run_import(alice, content, dry_run=True, name="c.xlsx")["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(4, "phone_no")]


def test_formula_looking_cells_are_plain_text_on_import(alice) -> None:
    content = xlsx_bytes([["Name", "Name 2"], ["=1+1", '=HYPERLINK("http://x")']])
    assert run_import(alice, content, name="f.xlsx")["created"] == 1
    contact = Contact.objects.get()
    assert (contact.name, contact.name_2) == ("=1+1", '=HYPERLINK("http://x")')


def test_numbers_are_drawn_from_contact_nos_skipping_taken_ones(alice) -> None:
    create_contact(actor=alice, name="Typed", no="CT000002")
    content = csv_bytes([["name"], ["One"], ["Two"], ["Three"]])
    assert run_import(alice, content)["created"] == 3
    numbers = list(
        Contact.objects.exclude(no="CT000002").order_by("no").values_list("no", flat=True)
    )
    assert numbers == ["CT000001", "CT000003", "CT000004"]
    assert last_no_used() == "CT000004"
    series = NumberSeries.objects.get(code="CONT")
    assert Contact.objects.filter(no_series=series).count() == 3


def test_typed_numbers_need_manual_nos_and_are_reported_once(alice) -> None:
    NumberSeries.objects.filter(code="CONT").update(manual_nos=False)
    content = csv_bytes([["no", "name"], ["A1", "A"], ["A2", "B"]])
    errors = run_import(alice, content, dry_run=True)["errors"]
    assert len(errors) == 1 and errors[0]["row"] == 2 and errors[0]["field"] == "no"
    assert "activate Manual Nos. in No. Series CONT" in errors[0]["message"]


def test_without_contact_nos_in_setup_unnumbered_rows_are_refused(alice) -> None:
    update_marketing_setup(actor=alice, contact_nos=None)
    errors = run_import(alice, csv_bytes([["name"], ["A"], ["B"]]), dry_run=True)["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "no")]
    assert "Contact Nos. must have a value in Marketing Setup" in errors[0]["message"]


def test_importing_300_rows_takes_a_bounded_number_of_queries(
    alice, settings, django_assert_max_num_queries
) -> None:
    settings.RAPPORT_BATCH_SIZE = 100
    mika = create_salesperson(actor=alice, code="MK", name="Mika")
    create_salesperson(actor=alice, code="JL", name="Jaana")
    existing = create_contact(actor=alice, name="Neste Oyj")
    rows: list[list[Any]] = [
        ["no", "type", "name", "company_no", "salesperson_code", "language_code"]
    ]
    for i in range(100):
        rows.append([f"K{i:03}", "company", f"Company {i}", "", "MK" if i % 2 else "JL", "NB"])
        rows.append(["", "person", f"First Person{i}", f"K{i:03}", "", ""])
        rows.append(["", "person", f"Second Person{i}", existing.no, "", "FI"])
    content = csv_bytes(rows)
    with django_assert_max_num_queries(40):
        result = run_import(alice, content)
    assert result["created"] == 300 and result["errors"] == []
    assert Contact.objects.filter(company=existing, type=ContactType.PERSON).count() == 100
    assert Contact.objects.filter(type=ContactType.COMPANY, company__isnull=True).count() == 0
    assert Contact.objects.get(name="First Person7").salesperson_id == mika.pk


def test_progress_is_reported_between_batches(alice, settings) -> None:
    settings.RAPPORT_BATCH_SIZE = 2
    calls: list[tuple[int, int]] = []
    import_contacts(
        actor=alice,
        content=companies_and_persons_csv(4).replace(b",MK,", b",,"),
        filename="c.csv",
        dry_run=False,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 5), (3, 5), (5, 5)]


# --- refused files -----------------------------------------------------------------------------


def test_an_oversize_file_is_refused(alice, settings) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        run_import(alice, csv_bytes([["name"]] + [["x" * 20]] * 10), dry_run=True)
    assert exc.value.error_dict["file"][0].code == "file_too_large"
    assert "The file is too large" in exc.value.messages[0]


def test_a_file_over_the_row_limit_is_refused(alice, monkeypatch) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 rows"):
        run_import(alice, csv_bytes([["name"], ["a"], ["b"], ["c"], ["d"]]), dry_run=True)


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        b"PK\x03\x04 not really a zip",
        b"",
        b"name\n",
    ],
    ids=["binary", "png", "broken-zip", "empty", "header-only"],
)
def test_garbage_files_are_refused_with_a_clear_error(alice, content: bytes) -> None:
    with pytest.raises(ValidationError) as exc:
        run_import(alice, content, dry_run=True)
    assert "file" in exc.value.error_dict
    assert exc.value.messages[0].startswith("The file")


def test_a_zip_that_is_not_a_workbook_is_refused(alice) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValidationError, match="neither an Excel workbook"):
        run_import(alice, buffer.getvalue(), dry_run=True, name="x.xlsx")


def test_a_viewer_may_not_import(carol) -> None:
    with pytest.raises(PermissionDenied):
        run_import(carol, csv_bytes([["name"], ["A"]]), dry_run=True)


# --- export ------------------------------------------------------------------------------------


def export_csv(client: Any, query: str = "") -> list[list[str]]:
    response = client.get(f"/contacts/export/?format=csv&{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_export_has_the_import_columns_a_bom_and_the_list_filters(
    alice, client_for
) -> None:
    acme = create_contact(actor=alice, name="Acme Oy", city="Helsinki")
    create_contact(actor=alice, name="Anna Virtanen", type="person", company=acme)
    response = client_for(alice).get("/contacts/export/?format=csv&type=person")
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'
    rows = export_csv(client_for(alice), "type=person")
    assert rows[0] == list(importing.COLUMNS)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["name"] == "Anna Virtanen" and row["company_no"] == acme.no
    assert row["city"] == "Helsinki" and row["privacy_blocked"] == "no"
    assert [r[2] for r in export_csv(client_for(alice), "sort=-name")[1:]] == [
        "Anna Virtanen",
        "Acme Oy",
    ]


def test_formula_injection_is_escaped_in_csv_and_xlsx(alice, client_for) -> None:
    create_contact(
        actor=alice, name='=HYPERLINK("http://evil")', name_2="@SUM(A1)", phone_no="+358 40 1"
    )
    client = client_for(alice)
    row = dict(zip(*export_csv(client), strict=True))
    assert row["name"] == '\'=HYPERLINK("http://evil")'
    assert row["name_2"] == "'@SUM(A1)" and row["phone_no"] == "'+358 40 1"

    response = client.get("/contacts/export/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    assert cells["name"].value == '\'=HYPERLINK("http://evil")' and cells["name"].data_type == "s"
    assert cells["phone_no"].value == "'+358 40 1"
    assert cells["privacy_blocked"].value is False


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_an_export_imports_again_as_it_was(alice, client_for, export_format: str) -> None:
    create_salesperson(actor=alice, code="MK", name="Mika")
    acme = create_contact(
        actor=alice,
        name="Acme Oy",
        address="Teollisuuskatu 1",
        city="Helsinki",
        phone_no="+358 9 123",
        email="info@acme.fi",
        vat_registration_no="FI123",
        privacy_blocked=True,
        correspondence_type="email",
    )
    create_contact(
        actor=alice, name="Anna Maria Virtanen", type="person", company=acme, job_title="CEO"
    )
    create_contact(actor=alice, name="=cmd|' /C calc'!A0", type="person")
    fields = [
        c for c in importing.COLUMNS if c not in {"company_no", "salesperson_code", "language_code"}
    ]

    def snapshot() -> list[tuple[Any, ...]]:
        return sorted(
            (
                *(getattr(c, f) for f in fields),
                c.company.no if c.company else "",
                c.salesperson.code if c.salesperson else "",
                c.language.code if c.language else "",
            )
            for c in Contact.objects.select_related("company", "salesperson", "language")
        )

    before = snapshot()
    response = client_for(alice).get(f"/contacts/export/?format={export_format}&sort=company")
    content = b"".join(response.streaming_content)
    for contact in Contact.objects.filter(type=ContactType.PERSON):
        delete_contact(actor=alice, contact=contact)
    delete_contact(actor=alice, contact=Contact.objects.get())
    result = run_import(alice, content, name=f"export.{export_format}")
    assert result["errors"] == [] and result["created"] == 3
    assert snapshot() == before


# --- jobs --------------------------------------------------------------------------------------


def test_a_large_import_runs_as_a_job_with_progress(
    alice, client_for, settings, monkeypatch
) -> None:
    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 5
    settings.RAPPORT_BATCH_SIZE = 4
    reported: list[tuple[int, int]] = []
    real_import = services.import_contacts

    def spy(**kwargs: Any) -> Any:
        def progress(done: int, total: int) -> None:
            reported.append((done, total))
            kwargs["progress"](done, total)

        return real_import(**{**kwargs, "progress": progress})

    monkeypatch.setattr(services, "import_contacts", spy)
    content = companies_and_persons_csv(11).replace(b",MK,", b",,")
    upload = io.BytesIO(content)
    upload.name = "big.csv"
    response = client_for(alice).post("/contacts/import/", {"file": upload})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/core/jobs/{job.pk}/"
    assert job.kind == "contacts.import" and job.total == 12 and job.created_by == alice
    stored = job.params["file"]
    assert stored.startswith("imports/") and stored.endswith(".csv") and "big" not in stored
    assert default_storage.exists(stored)
    assert Contact.objects.count() == 0, "nothing is imported before the job runs"

    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"rows": 12, "created": 12, "errors": [], "dry_run": False}
    assert reported == [(1, 12), (5, 12), (9, 12), (12, 12)], "progress between batches"
    assert (job.done, job.total) == (12, 12)
    assert Contact.objects.filter(company__no="ACME", type=ContactType.PERSON).count() == 11
    assert not default_storage.exists(stored), "the uploaded file is deleted after the job"


def test_a_large_dry_run_runs_at_once(alice, client_for, settings) -> None:
    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 5
    upload = io.BytesIO(companies_and_persons_csv(11).replace(b",MK,", b",,"))
    upload.name = "big.csv"
    response = client_for(alice).post("/contacts/import/", {"file": upload, "dry_run": "on"})
    assert response.status_code == 200 and not Job.objects.exists()
    assert b"The file is fine: 12 contacts can be imported" in response.content


def test_a_job_whose_file_has_errors_imports_nothing_and_lists_them(alice, settings) -> None:
    from rapport.contacts.services import submit_contact_import

    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 1
    content = csv_bytes([["name", "phone_no"], ["A", ""], ["B", "x"]])
    outcome = submit_contact_import(actor=alice, content=content, filename="e.csv", dry_run=False)
    job = execute_job(outcome["job_id"])
    assert job.status == JobStatus.FAILED, "not 'succeeded, created 0'"
    assert job.error == "The job found errors; nothing was changed."
    assert job.result["created"] == 0 and job.result["errors"][0]["row"] == 3
    assert Contact.objects.count() == 0


# --- pages -------------------------------------------------------------------------------------


def test_the_import_page_renders_whole_and_as_htmx_fragment(alice, client_for) -> None:
    client = client_for(alice)
    page = client.get("/contacts/import/").content.decode()
    assert "<html" in page and 'enctype="multipart/form-data"' in page
    assert re.search(r'<input type="checkbox" name="dry_run"[^>]* checked', page)
    assert "phone_no" in page and "Phone No." in page, "the accepted columns are listed"
    fragment = client.get("/contacts/import/", headers=HX).content.decode()
    assert "<html" not in fragment and 'id="import-panel"' in fragment


def test_a_dry_run_on_the_page_shows_the_errors_by_row(alice, client_for) -> None:
    upload = io.BytesIO(csv_bytes([["name", "phone_no"], ["A", ""], ["B", "040 ABC"]]))
    upload.name = "c.csv"
    response = client_for(alice).post("/contacts/import/", {"file": upload, "dry_run": "on"})
    assert response.status_code == 422
    html = response.content.decode()
    assert (
        '<td class="num">3</td><td>phone_no</td><td>Phone No. must not contain letters</td>' in html
    )
    assert Contact.objects.count() == 0


def test_an_import_on_the_page_flashes_the_count_and_goes_to_the_list(alice, client_for) -> None:
    client = client_for(alice)
    upload = io.BytesIO(csv_bytes([["name"], ["A Oy"], ["B Oy"]]))
    upload.name = "c.csv"
    response = client.post("/contacts/import/", {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == "/contacts/"
    assert "2 contacts were imported." in response.content.decode()
    assert Contact.objects.count() == 2


def test_a_garbage_upload_on_the_page_shows_an_error_next_to_the_file(alice, client_for) -> None:
    upload = io.BytesIO(bytes(range(256)) * 8)
    upload.name = "contacts.xlsx"
    response = client_for(alice).post("/contacts/import/", {"file": upload})
    assert response.status_code == 422
    assert "neither an Excel workbook (.xlsx) nor a UTF-8 CSV file" in response.content.decode()


def test_an_oversize_upload_on_the_page_is_refused(alice, client_for, settings) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = 50
    upload = io.BytesIO(b"name\n" + b"x" * 100 + b"\n")
    upload.name = "c.csv"
    response = client_for(alice).post("/contacts/import/", {"file": upload})
    assert response.status_code == 422 and "The file is too large" in response.content.decode()


def test_viewers_get_403_on_the_import_page_but_may_export(db, client_for) -> None:
    viewer = create_user(actor=None, username="vera", password="x-very-long-pass", roles=["viewer"])
    client = client_for(viewer)
    assert client.get("/contacts/import/").status_code == 403
    upload = io.BytesIO(csv_bytes([["name"], ["A"]]))
    upload.name = "c.csv"
    assert client.post("/contacts/import/", {"file": upload}).status_code == 403
    assert client.get("/contacts/export/?format=csv").status_code == 200
    response = client.post("/api/v1/contacts/import", {"file": io.BytesIO(b"name\nA\n")})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Contact.objects.count() == 0


def test_users_without_view_permission_cannot_export(db, client_for) -> None:
    nobody = create_user(actor=None, username="nora", password="x-very-long-pass")
    assert client_for(nobody).get("/contacts/export/?format=csv").status_code == 403
    assert client_for(nobody).get("/api/v1/contacts/export").status_code == 403


# --- API ---------------------------------------------------------------------------------------


def api_upload(content: bytes, name: str = "c.csv") -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def test_api_dry_run_import_reports_errors_and_writes_nothing(alice, client_for) -> None:
    content = csv_bytes([["name", "phone_no"], ["A", ""], ["B", "040 ABC"]])
    response = client_for(alice).post("/api/v1/contacts/import", {"file": api_upload(content)})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "rows": 2,
        "created": 0,
        "dry_run": True,
        "job_id": None,
        "errors": [
            {"row": 3, "field": "phone_no", "message": "Phone No. must not contain letters"}
        ],
    }
    assert Contact.objects.count() == 0


def test_api_import_creates_contacts(alice, client_for) -> None:
    content = csv_bytes([["Name", "City"], ["Api Oy", "Vaasa"]])
    response = client_for(alice).post(
        "/api/v1/contacts/import", {"file": api_upload(content), "dry_run": "false"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1 and response.json()["errors"] == []
    assert Contact.objects.get().city == "Vaasa"


def test_an_api_workbook_import_is_parsed_by_the_task_worker(alice, client_for) -> None:
    from rapport.core.jobs import execute_job

    content = xlsx_bytes([["Name", "City"], ["Api Oy", "Vaasa"]])
    response = client_for(alice).post(
        "/api/v1/contacts/import", {"file": api_upload(content, "c.xlsx"), "dry_run": "false"}
    )
    assert response.status_code == 202, response.content
    assert not Contact.objects.exists(), "the web process did not read the workbook"
    execute_job(response.json()["job_id"])
    assert Contact.objects.get().city == "Vaasa"


def test_api_import_of_a_large_file_answers_202_with_the_job(alice, client_for, settings) -> None:
    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 2
    content = csv_bytes([["name"], ["A"], ["B"], ["C"]])
    response = client_for(alice).post(
        "/api/v1/contacts/import", {"file": api_upload(content), "dry_run": "false"}
    )
    assert response.status_code == 202, response.content
    body = response.json()
    job = Job.objects.get()
    assert body == {"rows": 3, "created": 0, "errors": [], "dry_run": False, "job_id": job.pk}
    assert execute_job(job.pk).result["created"] == 3


def test_api_refuses_a_garbage_file_in_the_error_shape(alice, client_for) -> None:
    response = client_for(alice).post(
        "/api/v1/contacts/import", {"file": api_upload(b"\x00\x01\x02garbage", "c.csv")}
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_file",
        "message": "The file is neither an Excel workbook (.xlsx) nor a UTF-8 CSV file.",
        "field": "file",
    }


def test_api_export_filters_like_the_list(alice, client_for) -> None:
    create_contact(actor=alice, name="Kesko Oyj", city="Helsinki")
    create_contact(actor=alice, name="Equinor ASA", city="Stavanger")
    client = client_for(alice)
    response = client.get("/api/v1/contacts/export?format=csv&city=stavanger")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["Equinor ASA"]
    response = client.get("/api/v1/contacts/export?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 3
    bad = client.get("/api/v1/contacts/export?privacy_blocked=maybe")
    assert bad.status_code == 422 and bad.json()["field"] == "privacy_blocked"
    assert client.get("/api/v1/contacts/export?format=pdf").status_code == 422
