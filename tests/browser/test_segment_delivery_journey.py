"""Journey (issue 12): open a segment with an e-mail merge, preview a line with personal remarks,
log it with Send Attachments, watch the logged segment's delivery turn to Sent while the job
runs, over a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

USERNAME = "sanna"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(transactional_db: None) -> dict[str, Any]:
    from rapport.accounts.services import create_salesperson, create_user
    from rapport.contacts.services import create_contact
    from rapport.core.models import Language
    from rapport.interactions import services as interactions
    from rapport.interactions.tests.documents import layout_upload
    from rapport.segments import services as segments

    admin = create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])
    anna = create_salesperson(actor=admin, code="ANNA", name="Anna Ahonen")
    english = Language.objects.get(code="EN")
    group = interactions.create_interaction_group(actor=admin, code="LETTER")
    template = interactions.create_interaction_template(
        actor=admin,
        code="NEWSL",
        group=group,
        description="Newsletter",
        correspondence_type="email",
        ignore_contact_corres_type=True,
        language=english,
    )
    interactions.save_template_language(
        actor=admin,
        template=template,
        language=english,
        upload=layout_upload(
            "News for {{ contact.name }}",
            "<p>{{ contact.salutation }},</p><p>{{ remarks }}</p><p>{{ salesperson.name }}</p>",
        ),
    )
    kesko = create_contact(actor=admin, name="Kesko Oyj", salesperson=anna)
    people = [
        create_contact(
            actor=admin,
            name=name,
            type="person",
            company=kesko,
            email=email,
            language=english,
        )
        for name, email in (
            ("Matti Virtanen", "matti@kesko.fi"),
            ("Liisa Laine", "liisa@kesko.fi"),
        )
    ]
    segment = segments.create_segment(
        actor=admin, description="Winter news", template=template, salesperson=anna
    )
    segments.add_contacts(
        actor=admin, segment=segment, filters={"contact": {"no": "|".join(p.no for p in people)}}
    )
    return {"admin": admin, "segment": segment}


@pytest.fixture
def smtp(settings: Any) -> Iterator[Any]:
    """A real SMTP server on loopback (aiosmtpd), as in rapport/conftest.py."""
    from rapport.core.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name='username']").fill(USERNAME)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("form:has(input[name='password']) button").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_segment_delivery_journey(
    page: Page,
    live_server: LiveServer,
    world: dict[str, Any],
    smtp: Any,
    screenshot: Callable[[str], Path],
) -> None:
    from rapport.core.jobs import execute_job
    from rapport.core.models import Job
    from rapport.interactions.services.delivery import DELIVER

    base = live_server.url
    no = world["segment"].no
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base)

    # Personal remarks on the first line, Liisa's (typed markup stays text).
    page.goto(f"{base}/segments/{no}/")
    page.locator("#lines tbody tr").first.locator("a").first.click()
    page.locator("textarea[name='remarks']").fill("See you at the <b>fair</b>!")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Winter news")

    # Preview that line: subject, and the merged body in a sandboxed frame.
    page.locator("#lines tbody tr").first.get_by_role("link", name="Preview").click()
    expect(page.locator("#preview-subject")).to_have_text("News for Liisa Laine")
    frame = page.frame_locator("#preview-frame")
    expect(frame.locator("body")).to_contain_text("See you at the <b>fair</b>!")
    expect(frame.locator("body")).to_contain_text("Anna Ahonen")
    assert page.locator("#preview-frame").get_attribute("sandbox") == ""
    screenshot("preview")

    # Log with Send Attachments (ticked by default: the lines are e-mail).
    page.goto(f"{base}/segments/{no}/log/")
    expect(page.locator("input[name='deliver']")).to_be_checked()
    page.get_by_role("button", name="Log", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Logged Segment")
    expect(page.locator("[data-count='in_progress']")).to_have_text("2")
    screenshot("sending")

    # The worker runs the job; the page, polling, shows the outcome without a reload.
    job = Job.objects.get(kind=DELIVER)
    execute_job(job.pk)
    expect(page.locator("[data-count='sent']")).to_have_text("2")
    expect(page.locator("[data-count='in_progress']")).to_have_text("0")
    expect(page.locator(f"[data-job='{job.pk}'] [data-status]")).to_have_text("Succeeded")
    screenshot("sent")
    [liisa] = smtp.messages_to("liisa@kesko.fi")
    assert liisa["Subject"] == "News for Liisa Laine"
    assert "See you at the &lt;b&gt;fair&lt;/b&gt;!" in liisa.get_body(("html",)).get_content()
    assert len(smtp.messages_to("matti@kesko.fi")) == 1
