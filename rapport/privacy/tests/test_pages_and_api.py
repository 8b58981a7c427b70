"""The privacy actions on the contact card and in the API."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from rapport.contacts.models import Contact
from rapport.interactions.tests.delivery_fixtures import log

pytestmark = pytest.mark.django_db


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_contact_card_offers_the_privacy_actions_to_admins_only(client_for, alice, bob, maija):
    page = client_for(alice).get(maija.get_absolute_url()).content.decode()
    assert "Export personal data" in page and "Erase personal data" in page
    assert f"/privacy/contacts/{maija.no}/personal-data/" in page
    page = client_for(bob).get(maija.get_absolute_url()).content.decode()
    assert "Export personal data" not in page and "Erase personal data" not in page


def test_the_export_page_downloads_a_zip(client_for, alice, bob, maija, call_template):
    log(alice, maija, call_template, deliver=False)
    response = client_for(alice).get(f"/privacy/contacts/{maija.no}/personal-data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-{maija.no}.zip"'
    )
    files = members(body(response))
    assert json.loads(files["contact.json"])["contact"]["no"] == maija.no
    assert len(json.loads(files["entries.json"])) == 1
    assert client_for(bob).get(f"/privacy/contacts/{maija.no}/personal-data/").status_code == 403


def test_erasing_asks_first_naming_what_will_happen(client_for, alice, maija, call_template):
    log(alice, maija, call_template, deliver=False)
    client = client_for(alice)
    url = f"/privacy/contacts/{maija.no}/erase/"
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert f"Erase the personal data of contact {maija.no}?" in text
    assert "1 interaction log entry keeps its template, date, cost and duration" in text
    assert "1 alternative address is deleted." in text
    assert "This cannot be undone." in text
    assert Contact.objects.get(pk=maija.pk).erased_at is None
    # Posting without the confirmation asks again; nothing happens.
    assert "Erase the personal data" in client.post(url).content.decode()
    assert Contact.objects.get(pk=maija.pk).erased_at is None

    done = client.post(url, {"confirmed": "1"}, follow=True)
    assert f"The personal data of contact {maija.no} was erased." in done.content.decode()
    assert Contact.objects.get(pk=maija.pk).name == f"Erased contact {maija.no}"
    assert "Erase personal data" not in done.content.decode()


def test_a_refused_erasure_shows_why_on_the_card(client_for, alice, maija):
    client = client_for(alice)
    client.post(f"/privacy/contacts/{maija.no}/erase/", {"confirmed": "1"})
    again = client.get(f"/privacy/contacts/{maija.no}/erase/", follow=True)
    assert f"Contact {maija.no} was erased already." in again.content.decode()


def test_others_may_not_erase(client_for, bob, carol, maija):
    for user in (bob, carol):
        client = client_for(user)
        assert client.get(f"/privacy/contacts/{maija.no}/erase/").status_code == 403
        erase = client.post(f"/privacy/contacts/{maija.no}/erase/", {"confirmed": "1"})
        assert erase.status_code == 403
    assert Contact.objects.get(pk=maija.pk).erased_at is None


def test_the_api_exports_personal_data_as_a_zip(client_for, alice, bob, maija, call_template):
    log(alice, maija, call_template, deliver=False)
    response = client_for(alice).get(f"/api/v1/contacts/{maija.no}/personal-data")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "entries.csv" in members(body(response))
    denied = client_for(bob).get(f"/api/v1/contacts/{maija.no}/personal-data")
    assert denied.status_code == 403 and set(denied.json()) == {"code", "message", "field"}
    missing = client_for(alice).get("/api/v1/contacts/NOPE/personal-data")
    assert missing.status_code == 404
    assert missing.json()["message"] == "There is no Contact with the number NOPE."


def test_the_api_erases_once(client_for, alice, bob, maija):
    assert client_for(bob).post(f"/api/v1/contacts/{maija.no}/erase").status_code == 403
    api = client_for(alice)
    response = api.post(f"/api/v1/contacts/{maija.no}/erase")
    assert response.status_code == 200
    data = response.json()
    assert data["contact_no"] == maija.no and data["erased_by"] == "alice"
    assert data["counts"]["alt_addresses"] == 1
    again = api.post(f"/api/v1/contacts/{maija.no}/erase")
    assert again.status_code == 422
    assert again.json() == {
        "code": "already_erased",
        "message": f"Contact {maija.no} was erased already.",
        "field": "contact",
    }


def test_a_long_history_is_exported_by_a_job_and_downloaded_once(
    client_for, alice, maija, call_template, settings
):
    from rapport.core.jobs import execute_job

    settings.RAPPORT_PRIVACY_EXPORT_JOB_ENTRIES = 1
    for _ in range(2):
        log(alice, maija, call_template, deliver=False)
    client = client_for(alice)
    started = client.get(f"/privacy/contacts/{maija.no}/personal-data/")
    assert started.status_code == 302 and "/core/jobs/" in started["Location"]
    job_id = int(started["Location"].rstrip("/").rsplit("/", 1)[-1])
    job = execute_job(job_id)
    assert job.status == "succeeded" and job.result["entries"] == 2

    page = client.get(started["Location"]).content.decode()
    url = f"/privacy/exports/{job_id}/"
    assert f'href="{url}"' in page
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="personal-data-{maija.no}.zip"'
    )
    assert len(json.loads(members(body(download))["entries.json"])) == 2
    assert client.get(url).status_code == 404, "the file is deleted once downloaded"


def test_only_the_user_who_started_an_export_may_download_it(
    client_for, alice, maija, call_template, settings
):
    from rapport.accounts.services import create_user
    from rapport.core.jobs import execute_job
    from rapport.privacy import tasks

    log(alice, maija, call_template, deliver=False)
    job = tasks.start_contact_export(actor=alice, contact=maija)
    execute_job(job.pk)
    other = create_user(actor=None, username="admin2", password="x" * 20, roles=["admin"])
    assert client_for(other).get(f"/privacy/exports/{job.pk}/").status_code == 404
    assert client_for(alice).get(f"/privacy/exports/{job.pk}/").status_code == 200


def test_erasing_deletes_exports_waiting_to_be_downloaded(
    client_for, alice, maija, call_template, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from rapport.core.jobs import execute_job
    from rapport.privacy import services, tasks

    log(alice, maija, call_template, deliver=False)
    job = execute_job(tasks.start_contact_export(actor=alice, contact=maija).pk)
    name = tasks.export_file(job)
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.erase_contact(actor=alice, contact=maija)
    assert not default_storage.exists(name)
    assert client_for(alice).get(f"/privacy/exports/{job.pk}/").status_code == 404
