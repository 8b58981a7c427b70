"""Journey (issue 16 point 2): Cancel in Create Interaction asks, as BC does ("choose Cancel,
then choose to finish the interaction later"), with JavaScript (a dialog) and without (a
confirm step). After "finish later" the message names the entry and links to Resume."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_interaction_journey import (
    PASSWORD,
    USERNAME,
    log_in,
    set_up_template_through_services,
)


@pytest.fixture
def admin(transactional_db: None) -> Any:
    from rapport.accounts.services import create_user

    return create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def a_contact(admin: Any) -> Any:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact

    set_up_template_through_services(admin)
    salesperson = create_salesperson(actor=admin, code="IK", name="Ines Korhonen")
    return create_contact(actor=admin, name="Aurora Borealis Oy", salesperson=salesperson)


def test_cancel_offers_finish_later_discard_or_go_back_with_javascript(
    live_server: LiveServer, admin: Any, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from rapport.interactions.models import InteractionLogEntry

    contact = a_contact(admin)
    log_in(page, live_server.url)
    card_url = f"{live_server.url}{contact.get_absolute_url()}"
    page.goto(card_url)
    page.get_by_role("link", name="Create Interaction").first.click()
    expect(page.locator("h1")).to_have_text("Create Interaction")
    page.wait_for_load_state("load")
    page.locator("select[name='template']").select_option("VISIT")
    expect(page.locator("[name='description']")).to_have_value("Customer visit")
    page.locator("[name='description']").fill("Talked about the spring order")

    dialog = page.locator("dialog.cancel-dialog")
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Do you want to finish this interaction later?")
    screenshot("cancel-dialog")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[name='description']")).to_have_value("Talked about the spring order")
    assert not InteractionLogEntry.objects.exists()

    page.get_by_role("button", name="Cancel", exact=True).click()
    dialog.get_by_role("button", name="Finish later").click()
    entry = InteractionLogEntry.objects.get()
    assert entry.postponed and entry.description == "Talked about the spring order"
    messages = page.locator(".messages")
    expect(messages).to_contain_text(f"Interaction log entry {entry.pk} was saved as postponed.")
    messages.get_by_role("link", name="Resume").click()
    expect(page.locator("h1")).to_contain_text(f"Resume Interaction {entry.pk}")

    # Discard from the dialog saves nothing more and goes back to the contact.
    page.locator("[name='description']").fill("Changed my mind")
    page.get_by_role("button", name="Cancel", exact=True).click()
    dialog.get_by_role("link", name="Discard").click()
    expect(page).to_have_url(re.compile(r"\?tab=interactions$"))
    assert InteractionLogEntry.objects.get().description == "Talked about the spring order"


def test_cancel_asks_on_its_own_page_without_javascript(
    live_server: LiveServer, admin: Any, browser: Browser
) -> None:
    from rapport.interactions.models import InteractionLogEntry

    contact = a_contact(admin)
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/interactions/new/?contact={contact.no}")
        page.locator("select[name='template']").select_option("VISIT")
        page.get_by_role("button", name="Apply template defaults").click()
        expect(page.locator("[name='description']")).to_have_value("Customer visit")
        page.locator("[name='description']").fill("Left a message")
        page.get_by_role("button", name="Cancel", exact=True).click()

        expect(page.locator("h1")).to_have_text("Do you want to finish this interaction later?")
        page.get_by_role("button", name="Go back").click()
        expect(page.locator("[name='description']")).to_have_value("Left a message")
        page.get_by_role("button", name="Cancel", exact=True).click()
        page.get_by_role("button", name="Finish later").click()

        entry = InteractionLogEntry.objects.get()
        assert entry.postponed and entry.description == "Left a message"
        expect(page.locator(".messages")).to_contain_text(
            f"Interaction log entry {entry.pk} was saved as postponed."
        )
        expect(page.locator(".messages").get_by_role("link", name="Resume")).to_have_attribute(
            "href", f"/interactions/postponed/{entry.pk}/resume/"
        )
    finally:
        context.close()
