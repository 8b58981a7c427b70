"""Import files are bounded (cells, time, unpacked size, header width), workbooks are read by
the task worker, a file name that is not UTF-8 is an error, and a clean dry run keeps the file
for "Import now"."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.contacts import importing
from rapport.contacts.models import Contact
from rapport.contacts.tests.test_import_export import csv_bytes, xlsx_bytes
from rapport.core.jobs import execute_job
from rapport.core.models import Job, JobStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value.error_dict["file"][0].code)


def test_a_cell_far_right_does_not_make_every_row_that_wide() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "city"])
    sheet.append(["Kesko Oyj", "Helsinki"])
    sheet.cell(row=2, column=16000, value="x")  # one stray cell at column WQJ
    sheet.append(["Stockmann", "Espoo"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = importing.read_table(buffer.getvalue(), "c.xlsx")
    assert [len(cells) for _number, cells in table.rows] == [2, 2]


def test_a_file_over_the_cell_budget_is_refused(settings) -> None:
    settings.RAPPORT_IMPORT_MAX_CELLS = 50
    content = xlsx_bytes([["name", "city", "phone_no"]] + [["A", "B", "1"]] * 30)
    with pytest.raises(ValidationError) as caught:
        importing.read_table(content, "c.xlsx")
    assert _code(caught) == "too_many_cells"


def test_reading_a_file_stops_at_the_time_budget(settings) -> None:
    settings.RAPPORT_IMPORT_MAX_SECONDS = -1
    with pytest.raises(ValidationError) as caught:
        importing.read_table(csv_bytes([["name"], ["A"]]), "c.csv")
    assert _code(caught) == "file_too_slow"


def test_a_workbook_that_unpacks_too_large_is_refused_unparsed(settings, monkeypatch) -> None:
    settings.RAPPORT_IMPORT_MAX_UNPACKED_BYTES = 1000

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(ValidationError) as caught:
        importing.read_table(xlsx_bytes([["name"], ["A"]]), "c.xlsx")
    assert _code(caught) == "file_too_large"


def test_a_workbook_on_the_import_page_is_read_by_the_worker_only(
    alice, client_for, settings, monkeypatch
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    content = xlsx_bytes([["name"], ["Kesko Oyj"], ["Stockmann Oyj"]])
    real_load = openpyxl.load_workbook

    def not_in_the_web_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("the web process parsed the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", not_in_the_web_process)
    response = client_for(alice).post(
        "/contacts/import/",
        {"file": SimpleUploadedFile("c.xlsx", content), "dry_run": "on"},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/core/jobs/{job.pk}/"
    assert job.status == JobStatus.QUEUED and job.params["dry_run"] is True

    monkeypatch.setattr(openpyxl, "load_workbook", real_load)  # the worker's turn
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["rows"] == 2 and Contact.objects.count() == 0
    kept = job.result["kept_file"]
    assert default_storage.exists(kept)

    page = client_for(alice).get(f"/core/jobs/{job.pk}/").content.decode()
    assert 'id="import-confirm"' in page and kept in page
    confirm = client_for(alice).post("/contacts/import/", {"kept_file": kept, "filename": "c.xlsx"})
    real = Job.objects.exclude(pk=job.pk).get()
    assert confirm.status_code == 302 and real.params["dry_run"] is False
    assert execute_job(real.pk).status == JobStatus.SUCCEEDED
    assert Contact.objects.count() == 2
    assert not default_storage.exists(kept), "the kept file is removed after the real run"


def test_a_file_name_that_is_not_utf8_is_an_error_not_a_missing_file(alice, client_for) -> None:
    body = (
        b"--BB\r\n"
        b'Content-Disposition: form-data; name="file"; filename="\xe4\xff.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\nname\r\nA\r\n"
        b'--BB\r\nContent-Disposition: form-data; name="dry_run"\r\n\r\non\r\n--BB--\r\n'
    )
    response = client_for(alice).post(
        "/contacts/import/", data=body, content_type="multipart/form-data; boundary=BB"
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "The file name is not valid UTF-8" in page
    assert "This field is required" not in page


def test_a_clean_dry_run_keeps_the_file_so_import_now_needs_no_new_choice(
    alice, bob, client_for
) -> None:
    content = csv_bytes([["name"], ["Kesko Oyj"], ["Stockmann Oyj"]])
    client = client_for(alice)
    dry = client.post(
        "/contacts/import/", {"file": SimpleUploadedFile("c.csv", content), "dry_run": "on"}
    )
    assert dry.status_code == 200
    kept = re.search(r'name="kept_file" value="([^"]+)"', dry.content.decode())
    assert kept is not None and default_storage.exists(kept.group(1))
    assert Contact.objects.count() == 0

    other = client_for(bob).post("/contacts/import/", {"kept_file": kept.group(1)})
    assert other.status_code in {403, 422}, "another user's kept file is not theirs to use"
    assert Contact.objects.count() == 0

    done = client.post("/contacts/import/", {"kept_file": kept.group(1), "filename": "c.csv"})
    assert done.status_code == 302
    assert Contact.objects.count() == 2
    assert not default_storage.exists(kept.group(1))
