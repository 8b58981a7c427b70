"""Issue #12 over the API: deliver on create, the entry's delivery, previews, the document,
resend, e-mail layouts and print bundles."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from rapport.contacts.services import create_contact
from rapport.core.models import Job, JobStatus
from rapport.interactions.models import DeliveryStatus, InteractionLogEntry
from rapport.interactions.services import delivery
from rapport.interactions.tests.delivery_fixtures import log, run_jobs
from rapport.interactions.tests.documents import docx_text, zip_names
from rapport.interactions.tests.test_api import bearer, error, post

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def as_bob(bob: Any) -> Client:
    return Client(headers=bearer(bob))


@pytest.fixture
def as_alice(alice: Any) -> Client:
    return Client(headers=bearer(alice))


def test_an_interaction_created_with_deliver_is_sent_and_its_delivery_is_shown(
    as_bob, maija, mail_template, smtp
):
    response = post(
        as_bob,
        f"{API}/interactions",
        {
            "contact_no": maija.no,
            "template_code": "MAIL",
            "subject": "Autumn offer for you",
            "remarks": "See you in May",
            "deliver": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subject"] == "Autumn offer for you"
    assert body["delivery_status"] == "in_progress" and body["delivery"] is None
    run_jobs()
    [message] = smtp.messages_to("maija@kesko.example")
    assert "See you in May" in message.get_body(("html",)).get_content()
    entry = as_bob.get(f"{API}/interaction-log-entries/{body['entry_no']}").json()
    assert entry["delivery_status"] == "sent"
    assert entry["delivery"]["status"] == "sent"
    assert entry["delivery"]["recipient"] == "maija@kesko.example"
    assert entry["delivery"]["attempts"] == 1 and entry["delivery"]["error"] == ""
    assert entry["delivery"]["message_id"] == message["Message-ID"]
    assert entry["delivery"]["finished_at"]


def test_without_deliver_nothing_is_sent(as_bob, maija, mail_template):
    response = post(
        as_bob, f"{API}/interactions", {"contact_no": maija.no, "template_code": "MAIL"}
    )
    assert response.status_code == 201
    assert response.json()["delivery_status"] == ""
    assert not Job.objects.filter(kind=delivery.DELIVER).exists()


def test_the_preview_returns_the_merged_email_and_logs_nothing(as_bob, maija, mail_template):
    response = post(
        as_bob,
        f"{API}/interactions/preview",
        {"contact_no": maija.no, "template_code": "MAIL", "remarks": "Hello there"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"] == "Offer for Maija Mehiläinen"
    assert "Dear Maija Mehiläinen," in body["html"] and "Hello there" in body["html"]
    assert "<p>" not in body["text"] and "Hello there" in body["text"]
    assert base64.b64decode(body["content_base64"])
    assert InteractionLogEntry.objects.count() == 0
    assert not Job.objects.filter(kind=delivery.DELIVER).exists()


def test_the_preview_of_a_word_letter_has_the_document(as_bob, maija, word_template):
    response = post(
        as_bob, f"{API}/interactions/preview", {"contact_no": maija.no, "template_code": "LETTER"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["file_name"].endswith(".docx")
    assert "Satamakatu 3" in docx_text(base64.b64decode(body["content_base64"]))
    assert "Satamakatu 3" in body["html"]


def test_the_preview_names_a_missing_contact(as_bob, mail_template):
    response = post(as_bob, f"{API}/interactions/preview", {"template_code": "MAIL"})
    assert error(response)[:2] == (422, "contact_no")


def test_the_entry_document_is_byte_identical_on_every_download(
    alice, as_bob, maija, word_template
):
    entry = log(alice, maija, word_template, remarks="Thanks!", deliver=False)
    url = f"{API}/interaction-log-entries/{entry.pk}/document"
    first, second = as_bob.get(url), as_bob.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and "Thanks!" in docx_text(first.content)
    assert first["Content-Disposition"].startswith("attachment")
    assert first["X-Content-Type-Options"] == "nosniff"
    assert as_bob.get(url, {"nonsense": "1"}).status_code == 422
    assert as_bob.get(f"{API}/interaction-log-entries/999999/document").status_code == 404


def test_resend_one_entry_starts_a_job_that_sends_it_again(
    alice, as_bob, maija, mail_template, smtp
):
    entry = log(alice, maija, mail_template)
    run_jobs()
    response = post(as_bob, f"{API}/interaction-log-entries/{entry.pk}/resend")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == JobStatus.QUEUED and body["total"] == 1
    run_jobs()
    assert len(smtp.messages_to("maija@kesko.example")) == 2
    detail = as_bob.get(f"{API}/interaction-log-entries/{entry.pk}").json()
    assert detail["delivery"]["attempts"] == 2
    assert InteractionLogEntry.objects.count() == 1


def test_resend_by_filter_sends_only_the_failed_ones(
    alice, as_bob, company, maija, mail_template, smtp
):
    other = create_contact(
        actor=alice, name="Olli", type="person", company=company, email="olli@kesko.example"
    )
    log(alice, maija, mail_template)
    bad = log(alice, other, mail_template)
    smtp.refuse.add("olli@kesko.example")
    run_jobs()
    smtp.refuse.clear()
    listed = as_bob.get(f"{API}/interaction-log-entries", {"delivery_status": "error"}).json()
    assert [row["entry_no"] for row in listed["items"]] == [bad.pk]
    response = post(
        as_bob,
        f"{API}/interaction-log-entries/resend",
        {"filter": {"template": "MAIL"}, "failed_only": True},
    )
    assert response.status_code == 202, response.content
    assert response.json()["total"] == 1
    run_jobs()
    assert len(smtp.messages_to("olli@kesko.example")) == 1
    assert len(smtp.messages_to("maija@kesko.example")) == 1
    bad.refresh_from_db()
    assert bad.delivery_status == DeliveryStatus.SENT


def test_resend_refusals_name_the_field(alice, as_bob, maija, mail_template, as_alice):
    entry = log(alice, maija, mail_template, deliver=False)
    url = f"{API}/interaction-log-entries/resend"
    assert error(post(as_bob, url, {"filter": {"colour": "red"}}))[:2] == (422, "filter.colour")
    assert error(post(as_bob, url, {}))[:2] == (422, "entry_nos")
    status, field, message = error(
        post(as_bob, url, {"entry_nos": [entry.pk], "failed_only": True})
    )
    assert (status, field, message) == (422, "entry_nos", "There is nothing to send.")


def test_a_viewer_may_not_resend(alice, carol, maija, mail_template):
    entry = log(alice, maija, mail_template)
    response = post(
        Client(headers=bearer(carol)), f"{API}/interaction-log-entries/{entry.pk}/resend"
    )
    assert response.status_code == 403


def test_an_email_layout_is_saved_and_a_broken_one_is_refused_on_the_body(as_alice, mail_template):
    url = f"{API}/interaction-templates/MAIL/languages/EN/email-layout"
    response = post(
        as_alice, url, {"subject": "Hi {{ contact.name }}", "body": "<p>{{ contact.name }}</p>"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["attachment_file_name"].endswith(".html")
    bad = post(as_alice, url, {"subject": "Hi", "body": "<p>{{ contact.no_such_field }}</p>"})
    status, field, message = error(bad)
    assert (status, field) == (422, "body") and "no_such_field" in message
    preview = as_alice.get(f"{API}/interaction-templates/MAIL/languages/EN/preview")
    assert preview.status_code == 200, preview.content
    assert preview.json()["subject"].startswith("Hi ")


def test_the_print_bundle_of_a_hard_copy_job_downloads_as_a_zip(bob, as_bob, maija, word_template):
    log(bob, maija, word_template)
    [job] = run_jobs()
    response = as_bob.get(f"{API}/print-bundles/{job.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "Kesko Oyj - Maija Mehiläinen.docx" in zip_names(response.content)
    assert as_bob.get(f"{API}/print-bundles/{job.pk + 1000}").status_code == 404
