"""Journey (issue #12): an admin writes an e-mail layout for a template, previews an
interaction for a contact, finishes it with Send ticked, the delivery job runs against a real
SMTP server, and the entry page says "Sent" with the recipient.

URL and markup contracts this relies on:
  /interactions/templates/<code>/   a row action "E-mail layout" per language
  e-mail layout form                `subject`, `body` and "Save"
  /interactions/new/?contact=<no>   select `template`, `remarks`, checkbox `deliver` (ticked),
                                    buttons "Preview" and "Finish"; the preview is an
                                    `iframe.document-preview[sandbox]`
  entry page                        `[data-delivery-status]` with the status's caption
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_interaction_journey import admin, log_in  # noqa: F401  (fixture)


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    from rapport.core.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()


def test_write_a_layout_preview_send_and_see_it_sent(
    live_server: LiveServer,
    admin: Any,  # noqa: F811
    page: Page,
    smtp_server: Any,
    screenshot: Callable[[str], Path],
) -> None:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact
    from rapport.core.jobs import execute_job
    from rapport.core.models import Job, JobStatus, Language
    from rapport.interactions import services
    from rapport.interactions.services import delivery

    base_url = live_server.url
    english = Language.objects.get(code="EN")
    group = services.create_interaction_group(actor=admin, code="MAIL", description="Mail")
    template = services.create_interaction_template(
        actor=admin,
        code="OFFER",
        group=group,
        description="Autumn offer",
        information_flow="outbound",
        correspondence_type="email",
        ignore_contact_corres_type=True,
        language=english,
    )
    row = services.save_template_language(actor=admin, template=template, language=english)
    salesperson = create_salesperson(actor=admin, code="IK", name="Ines Korhonen")
    company = create_contact(actor=admin, name="Aurora Borealis Oy", salesperson=salesperson)
    contact = create_contact(
        actor=admin,
        name="Maija Mehiläinen",
        type="person",
        company=company,
        salesperson=salesperson,
        email="maija@aurora.example",
    )
    log_in(page, base_url)

    # 1. The e-mail layout, written on the template page.
    page.goto(f"{base_url}/interactions/templates/OFFER/")
    expect(page.locator("#merge-fields")).to_contain_text("{{ contact.name }}")
    page.locator(f"#language-{row.pk}").get_by_role("link", name="E-mail layout").click()
    page.locator("[name='subject']").fill("Our offer for {{ contact.name }}")
    page.locator("[name='body']").fill(
        "<p>Dear {{ contact.name }},</p><p>{{ remarks }}</p><p>Kind regards</p>"
    )
    screenshot("email-layout")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("was saved")

    # 2. Create Interaction for the contact: preview, then finish with Send ticked.
    page.goto(f"{base_url}/interactions/new/?contact={contact.no}")
    page.wait_for_load_state("load")
    page.locator("select[name='template']").select_option("OFFER")
    expect(page.locator("[name='description']")).to_have_value("Autumn offer")
    page.locator("[name='remarks']").fill("We would love to see you in May.")
    expect(page.locator("[name='deliver']")).to_be_checked()
    page.get_by_role("button", name="Preview").click()
    frame = page.frame_locator("iframe.document-preview")
    expect(frame.locator("body")).to_contain_text("Dear Maija Mehiläinen,")
    expect(frame.locator("body")).to_contain_text("We would love to see you in May.")
    screenshot("preview")
    page.get_by_role("button", name="Finish", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("was created")

    # 3. The delivery job runs (the worker's part), and the entry says Sent.
    for job in Job.objects.filter(kind=delivery.DELIVER, status=JobStatus.QUEUED):
        execute_job(job.pk)
    [message] = smtp_server.messages_to("maija@aurora.example")
    assert message["Subject"] == "Our offer for Maija Mehiläinen"
    page.goto(f"{base_url}/interactions/entries/")
    page.locator("#results tbody tr", has_text="Autumn offer").get_by_role(
        "link", name=re.compile(r"^\d+$")
    ).click()
    expect(page.locator("[data-delivery-status]")).to_have_text(re.compile(r"^\s*Sent"))
    expect(page.locator("#delivery")).to_contain_text("maija@aurora.example")
    screenshot("entry-sent")
