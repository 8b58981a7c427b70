"""Issue 13 point 4: a recorded document's PDF e-mailed to the contact over SMTP, logging the
e-mailed event: exactly one entry per send, never with the e-mail draft template."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.contacts.services import update_contact
from rapport.core.jobs import execute_job
from rapport.core.models import Job, JobStatus
from rapport.documents import services
from rapport.documents.models import DocumentEvent
from rapport.documents.tests.conftest import PDF, event, make_template
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload
from rapport.interactions.models import DeliveryStatus, InteractionLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(alice, bob, group, templates, customer):
    """A posted sales invoice with its PDF, for a customer with an e-mail address; the setup
    also names an e-mail draft template (which sending must never use)."""
    draft = make_template(alice, group, "DRAFT")
    interactions.update_template_setup(actor=alice, email_draft=draft)
    update_contact(actor=alice, contact=customer, email="ap@kesko.example")
    result = services.record_document_event(
        actor=bob, data=event(pdf=Upload(PDF, "PS-1001.pdf", "application/pdf"))
    )
    return DocumentEvent.objects.get(entry_id=result.entry_no)


def run_delivery() -> list[Job]:
    return [
        execute_job(job.pk)
        for job in Job.objects.filter(kind="interactions.deliver", status=JobStatus.QUEUED)
    ]


def test_sending_a_document_mails_its_pdf_and_logs_one_emailed_entry_per_send(
    bob, posted, templates, smtp
):
    first = services.send_document(actor=bob, event=posted)
    second = services.send_document(actor=bob, event=posted)
    assert first.status == second.status == "recorded"
    assert first.entry_no != second.entry_no
    [job_a, job_b] = run_delivery()
    assert job_a.status == job_b.status == JobStatus.SUCCEEDED

    messages = smtp.messages_to("ap@kesko.example")
    assert len(messages) == 2
    [part] = list(messages[0].iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PDF

    sent = InteractionLogEntry.objects.filter(pk__in=[first.entry_no, second.entry_no])
    assert {e.template.code for e in sent} == {"SINV"}  # the invoice's template, never DRAFT
    assert {e.delivery_status for e in sent} == {DeliveryStatus.SENT}
    assert {e.correspondence_type for e in sent} == {"email"}
    emailed = DocumentEvent.objects.filter(document_no="PS-1001", event="emailed")
    assert emailed.count() == 2


def test_a_document_without_pdf_or_a_contact_without_email_is_refused(
    alice, bob, posted, customer, templates
):
    update_contact(actor=alice, contact=customer, email="")
    before = InteractionLogEntry.objects.count()
    with pytest.raises(ValidationError, match="Make sure that the Email field"):
        services.send_document(actor=bob, event=posted)
    no_pdf = services.record_document_event(actor=bob, data=event(document_no="PS-2"))
    with pytest.raises(ValidationError, match="has no PDF"):
        services.send_document(actor=bob, event=DocumentEvent.objects.get(entry_id=no_pdf.entry_no))
    assert InteractionLogEntry.objects.count() == before + 1  # only PS-2's own entry


def test_send_from_the_page_and_the_api(bob, posted, client_for, smtp):
    client = client_for(bob)
    asked = client.post(f"/documents/{posted.pk}/send/")
    assert asked.status_code == 200 and b"ap@kesko.example" in asked.content  # asks first
    response = client.post(f"/documents/{posted.pk}/send/", {"confirmed": "1"})
    assert response.status_code == 302 and "/interactions/entries/" in response["Location"]
    api = client.post(f"/api/v1/document-events/{posted.pk}/send")
    assert api.status_code == 201 and api.json()["status"] == "recorded"
    assert client.post("/api/v1/document-events/999999/send").status_code == 404
    run_delivery()
    assert len(smtp.messages_to("ap@kesko.example")) == 2
