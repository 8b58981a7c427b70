"""Issue #12 in the pages: send and preview on Create Interaction, the entry's delivery, its
document and Resend, the log's Delivery Status, e-mail layouts, template previews, merge
fields, hostile uploads and print bundles."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.contacts.services import create_contact
from rapport.core.models import Job, Language
from rapport.interactions import services
from rapport.interactions.models import (
    DeliveryStatus,
    InteractionLogEntry,
    InteractionTemplateLanguage,
)
from rapport.interactions.services import delivery
from rapport.interactions.tests.delivery_fixtures import log, run_jobs
from rapport.interactions.tests.documents import docx_bytes, docx_text, zip_names
from rapport.interactions.tests.test_log_views import CREATE, ENTRIES, HX, drawn_form

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def srcdoc(html: str) -> str:
    """The HTML a sandboxed preview frame shows (its srcdoc attribute, unescaped)."""
    match = re.search(r'<iframe class="document-preview" sandbox srcdoc="([^"]*)"', html)
    assert match, "the preview is a sandboxed frame"
    return unescape(match.group(1))


def csp(response: Any) -> dict[str, list[str]]:
    """A response's Content-Security-Policy as {directive: sources}."""
    parts = [p.split() for p in response["Content-Security-Policy"].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def filled_form(client: Any, contact: Any, template: Any, **values: str) -> Any:
    data = drawn_form(client, f"{CREATE}?contact={contact.no}&template={template.code}")
    data.update(values)
    return data


def jobs_queued() -> int:
    return Job.objects.filter(kind=delivery.DELIVER).count()


# --- Create Interaction: subject, remarks, Send, Preview ---------------------------------------


def test_the_create_form_has_subject_remarks_and_send_ticked(bob, client_for, maija, mail_template):
    client = client_for(bob)
    for headers in ({}, HX):
        html = client.get(f"{CREATE}?contact={maija.no}&template=MAIL", headers=headers)
        text = html.content.decode()
        assert 'name="subject"' in text and 'name="remarks"' in text
        assert re.search(r'<input type="checkbox" name="deliver"[^>]* checked', text)
        assert 'name="preview" value="show"' in text


def test_finishing_with_send_sends_the_email_and_the_entry_page_says_sent(
    bob, client_for, maija, mail_template, smtp
):
    client = client_for(bob)
    data = filled_form(client, maija, mail_template, subject="Our autumn offer", remarks="Hi!")
    assert data["deliver"] == "on"
    assert client.post(data.url, {**data, "finish": "1"}).status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert entry.subject == "Our autumn offer"
    assert entry.delivery_status == DeliveryStatus.IN_PROGRESS
    page = client.get(f"{ENTRIES}{entry.pk}/").content.decode()
    job = Job.objects.get(kind=delivery.DELIVER)
    assert "In Progress" in page and f"/core/jobs/{job.pk}/" in page  # a link to the sending job
    run_jobs()
    [message] = smtp.messages_to("maija@kesko.example")
    assert "Hi!" in message.get_body(("html",)).get_content()
    page = client.get(f"{ENTRIES}{entry.pk}/").content.decode()
    assert 'data-delivery-status="sent">Sent' in page
    assert "maija@kesko.example" in page
    assert unescape(page).count(message["Message-ID"]) == 1


def test_finishing_with_send_unticked_logs_without_sending(bob, client_for, maija, mail_template):
    client = client_for(bob)
    data = filled_form(client, maija, mail_template)
    del data["deliver"]
    assert client.post(data.url, {**data, "finish": "1"}).status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert entry.delivery_status == DeliveryStatus.BLANK
    assert jobs_queued() == 0


def test_send_to_a_contact_without_email_shows_the_error_on_the_send_field(
    alice, bob, client_for, salesperson, mail_template
):
    nomail = create_contact(actor=alice, name="No Mail Oy", salesperson=salesperson)
    client = client_for(bob)
    data = filled_form(client, nomail, mail_template)
    response = client.post(data.url, {**data, "finish": "1"})
    assert response.status_code == 422
    assert "Make sure that the Email field is specified" in response.content.decode()
    assert InteractionLogEntry.objects.count() == 0


def test_preview_shows_the_merged_email_in_a_sandboxed_frame_and_logs_nothing(
    bob, client_for, maija, mail_template
):
    client = client_for(bob)
    data = filled_form(client, maija, mail_template, remarks="See you in May")
    for headers in ({}, HX):
        response = client.post(data.url, {**data, "preview": "show"}, headers=headers)
        assert response.status_code == 200
        policy = csp(response)
        assert "'unsafe-inline'" in policy["style-src"]  # the e-mail's styles show
        assert policy["script-src"] == ["'self'"]  # no script runs
        html = response.content.decode()
        shown = srcdoc(html)
        assert "Dear Maija Mehiläinen," in shown and "See you in May" in shown
        assert "Offer for Maija Mehiläinen" in html  # the subject
        assert 'name="preview" value="download"' not in html  # an e-mail is shown, not saved
        assert 'value="See you in May"' in html or "See you in May</textarea>" in html
    assert InteractionLogEntry.objects.count() == 0
    assert jobs_queued() == 0


def test_a_script_in_a_contact_name_never_runs_in_the_preview(
    alice, bob, client_for, company, mail_template
):
    evil = create_contact(
        actor=alice,
        name="<script>alert(1)</script>",
        type="person",
        company=company,
        email="evil@kesko.example",
    )
    client = client_for(bob)
    data = filled_form(client, evil, mail_template)
    html = client.post(data.url, {**data, "preview": "show"}).content.decode()
    assert "<script>alert" not in html
    assert "<script>alert" not in srcdoc(html)  # escaped by the merge, then by the attribute


def test_preview_of_a_word_letter_shows_its_text_and_downloads_the_document(
    bob, client_for, maija, word_template
):
    client = client_for(bob)
    data = filled_form(client, maija, word_template, remarks="Thanks for the visit")
    html = client.post(data.url, {**data, "preview": "show"}).content.decode()
    assert "Satamakatu 3" in srcdoc(html)
    assert 'name="preview" value="download"' in html
    response = client.post(data.url, {**data, "preview": "download"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    text = docx_text(response.content)
    assert "Maija Mehiläinen" in text and "Thanks for the visit" in text
    assert InteractionLogEntry.objects.count() == 0
    assert jobs_queued() == 0


# --- the entry: delivery details, document, Resend --------------------------------------------


def test_the_entry_page_shows_a_refused_delivery_with_the_servers_text(
    alice, bob, client_for, maija, mail_template, smtp
):
    entry = log(alice, maija, mail_template, subject="Offer")
    smtp.refuse.add("maija@kesko.example")
    run_jobs()
    page = client_for(bob).get(f"{ENTRIES}{entry.pk}/").content.decode()
    assert 'data-delivery-status="error">Error' in page
    assert "550" in page and "Offer" in page
    assert "Resend" in page


def test_the_document_download_is_the_same_bytes_every_time(
    alice, bob, client_for, maija, word_template
):
    entry = log(alice, maija, word_template, remarks="Thanks!", deliver=False)
    client = client_for(bob)
    page = client.get(f"{ENTRIES}{entry.pk}/").content.decode()
    assert f"{ENTRIES}{entry.pk}/document/" in page
    first = client.get(f"{ENTRIES}{entry.pk}/document/")
    second = client.get(f"{ENTRIES}{entry.pk}/document/")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert "Thanks!" in docx_text(first.content)
    assert first["Content-Disposition"].startswith("attachment")
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["Content-Type"] == DOCX
    expected = services.render_entry_document(entry)
    assert expected is not None and first.content == expected.content


def test_an_html_document_downloads_without_being_rendered(
    alice, bob, client_for, maija, mail_template
):
    entry = log(alice, maija, mail_template, deliver=False)
    response = client_for(bob).get(f"{ENTRIES}{entry.pk}/document/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"Dear Maija" in response.content


def test_an_entry_without_an_attachment_has_no_document(
    bob, client_for, company, interact, call_template
):
    entry = interact(company, call_template)
    assert client_for(bob).get(f"{ENTRIES}{entry.pk}/document/").status_code == 404


def test_resend_from_the_entry_page_asks_first_then_sends_once_more(
    alice, bob, client_for, maija, mail_template, smtp
):
    entry = log(alice, maija, mail_template)
    run_jobs()
    client = client_for(bob)
    url = f"{ENTRIES}{entry.pk}/resend/"
    asked = client.post(url)
    assert asked.status_code == 200
    assert "Send the document of 1 selected entry again?" in asked.content.decode()
    assert jobs_queued() == 1  # nothing started yet
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    run_jobs()
    assert len(smtp.messages_to("maija@kesko.example")) == 2
    entry.refresh_from_db()
    assert entry.delivery_status == DeliveryStatus.SENT
    assert entry.delivery.attempts == 2
    assert InteractionLogEntry.objects.count() == 1  # nothing logged again


def test_a_viewer_may_not_resend(alice, carol, client_for, maija, mail_template):
    entry = log(alice, maija, mail_template)
    client = client_for(carol)
    assert "Resend" not in client.get(f"{ENTRIES}{entry.pk}/").content.decode()
    assert client.post(f"{ENTRIES}{entry.pk}/resend/", {"confirmed": "1"}).status_code == 403


# --- the log: Delivery Status column, filter, Resend selected ---------------------------------


def test_the_log_filters_by_delivery_status_and_resends_only_the_failed_selection(
    alice, bob, client_for, company, maija, mail_template, smtp
):
    other = create_contact(
        actor=alice, name="Olli", type="person", company=company, email="olli@kesko.example"
    )
    good, bad = log(alice, maija, mail_template), log(alice, other, mail_template)
    smtp.refuse.add("olli@kesko.example")
    run_jobs()
    client = client_for(bob)
    listed = client.get(ENTRIES, {"delivery_status": "error"}, headers=HX).content.decode()
    assert f'value="{bad.pk}"' in listed and f'value="{good.pk}"' not in listed
    listed_all = client.get(ENTRIES).content.decode()
    assert '<th class="extra">Delivery Status</th>' in listed_all  # under "More columns"
    assert 'data-delivery-status="error">Error' in listed_all
    assert 'class="badge warn" title="Delivery Status">Error' in listed_all  # seen first
    refused = client.get(ENTRIES, {"delivery_status": "nonsense"}).content.decode()
    assert "Delivery Status" in refused and f'value="{bad.pk}"' not in refused

    smtp.refuse.clear()
    back = f"{ENTRIES}?delivery_status=error"
    response = client.post(
        "/interactions/entries/action/",
        {
            "action": "resend",
            "entries": [str(good.pk), str(bad.pk)],  # the sent one is not in the filter shown
            "filter": "delivery_status=error",
            "next": back,
            "confirmed": "1",
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    run_jobs()
    assert len(smtp.messages_to("olli@kesko.example")) == 1
    assert len(smtp.messages_to("maija@kesko.example")) == 1
    bad.refresh_from_db()
    assert bad.delivery_status == DeliveryStatus.SENT


def test_resend_selected_asks_first(alice, bob, client_for, maija, mail_template):
    entry = log(alice, maija, mail_template)
    run_jobs()
    response = client_for(bob).post(
        "/interactions/entries/action/", {"action": "resend", "entries": [str(entry.pk)]}
    )
    assert response.status_code == 200
    assert "Send the document of 1 selected entry again?" in response.content.decode()


# --- template pages: e-mail layout, preview, merge fields, hostile uploads --------------------


def en_row(template: Any) -> InteractionTemplateLanguage:
    return InteractionTemplateLanguage.objects.get(template=template, language__code="EN")


def test_the_email_layout_form_saves_a_layout_and_shows_it_again(alice, client_for, group):
    template = services.create_interaction_template(
        actor=alice,
        code="NEWS",
        group=group,
        description="News",
        correspondence_type="email",
        language=Language.objects.get(code="EN"),
    )
    services.save_template_language(
        actor=alice, template=template, language=Language.objects.get(code="EN")
    )
    row = en_row(template)
    client = client_for(alice)
    url = f"/interactions/templates/NEWS/languages/{row.pk}/email-layout/"
    for headers in ({}, HX):
        assert client.get(url, headers=headers).status_code == 200
    response = client.post(
        url, {"subject": "News for {{ contact.name }}", "body": "<p>Hello {{ contact.name }}</p>"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.attachment is not None and row.attachment.is_html
    again = client.get(url).content.decode()
    assert 'value="News for {{ contact.name }}"' in again
    assert "&lt;p&gt;Hello {{ contact.name }}&lt;/p&gt;" in again


def test_a_layout_with_an_unknown_field_is_refused_on_the_body(alice, client_for, mail_template):
    row = en_row(mail_template)
    before = row.attachment_id
    url = f"/interactions/templates/MAIL/languages/{row.pk}/email-layout/"
    response = client_for(alice).post(
        url, {"subject": "Hi", "body": "<p>{{ contact.no_such_field }}</p>"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="field has-error"' in html and "no_such_field" in html
    row.refresh_from_db()
    assert row.attachment_id == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.html", b"<html><body>{{ ''.__class__.__mro__[1].__subclasses__() }}</body></html>"),
        ("broken.html", b"<html><body>{% if contact.name %}unclosed</body></html>"),
        ("unknown.html", b"<html><body>{{ contact.password_hash }}</body></html>"),
        ("broken.docx", docx_bytes("Dear {{ contact.name ", "Line two")),
    ],
)
def test_a_hostile_or_broken_template_upload_shows_the_error_on_the_form(
    alice, client_for, mail_template, name, content
):
    row = en_row(mail_template)
    before = row.attachment_id
    response = client_for(alice).post(
        "/interactions/templates/MAIL/languages/",
        {
            "language": "EN",
            "file": SimpleUploadedFile(name, content),
            "replace": "on",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    block = html[html.index('id="language-form"') :]
    assert 'class="error"' in block
    if name == "unknown.html":
        assert "password_hash" in block  # the message names the field
    row.refresh_from_db()
    assert row.attachment_id == before


def test_template_preview_shows_an_email_in_a_sandbox_and_downloads_a_word_letter(
    bob, client_for, mail_template, word_template
):
    client = client_for(bob)
    mail = client.get(f"/interactions/templates/MAIL/languages/{en_row(mail_template).pk}/preview/")
    assert mail.status_code == 200
    assert "Dear " in srcdoc(mail.content.decode())
    url = f"/interactions/templates/LETTER/languages/{en_row(word_template).pk}/preview/"
    letter = client.get(url)
    assert letter.status_code == 200 and "?download=1" in letter.content.decode()
    download = client.get(url, {"download": "1"})
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == DOCX and docx_text(download.content)


def test_the_template_page_lists_the_merge_fields_and_the_row_actions(
    alice, client_for, mail_template
):
    html = client_for(alice).get("/interactions/templates/MAIL/").content.decode()
    assert "{{ contact.name }}" in html
    row = en_row(mail_template)
    assert f"/interactions/templates/MAIL/languages/{row.pk}/email-layout/" in html
    assert f"/interactions/templates/MAIL/languages/{row.pk}/preview/" in html


# --- print bundles -----------------------------------------------------------------------------


def test_the_job_page_offers_the_print_bundle_of_hard_copies(
    alice, bob, carol, client_for, maija, word_template, smtp
):
    entry = log(bob, maija, word_template)
    assert entry.correspondence_type == "hard_copy"
    [job] = run_jobs()
    client = client_for(bob)
    response = client.get(f"/core/jobs/{job.pk}/")
    assert response.status_code == 200, (job.status, job.error)
    page = response.content.decode()
    url = f"/interactions/print-bundles/{job.pk}/"
    assert url in page and "1 document to print" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "Kesko Oyj - Maija Mehiläinen.docx" in zip_names(response.content)
    assert client_for(carol).get(url).status_code == 404  # not carol's job
    assert smtp.received == []
