"""Journey: a user filters the log to one contact, sorts, pages and bulk-cancels; only the
rows of that contact on the page shown change (issue 16.1)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.test_interaction_journey import log_in, set_up_template_through_services


@pytest.fixture
def admin(transactional_db: None) -> Any:
    from rapport.accounts.services import create_user
    from tests.browser.test_interaction_journey import PASSWORD, USERNAME

    return create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def test_filter_sort_page_and_bulk_cancel_stay_inside_the_filter(
    live_server: LiveServer, admin: Any, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact
    from rapport.interactions import services
    from rapport.interactions.models import InteractionLogEntry, InteractionTemplate

    set_up_template_through_services(admin)
    template = InteractionTemplate.objects.get(code="VISIT")
    salesperson = create_salesperson(actor=admin, code="IK", name="Ines Korhonen")
    wanted = create_contact(actor=admin, name="Aurora Borealis Oy", salesperson=salesperson)
    other = create_contact(actor=admin, name="Other Company Ab", salesperson=salesperson)
    for day in range(1, 8):
        for contact in (wanted, other):
            services.create_interaction(
                actor=admin,
                data=services.InteractionInput(
                    contact=contact,
                    template=template,
                    description=f"{contact.name} {day}",
                    date=datetime.date(2026, 1, day),
                ),
            )

    base_url = live_server.url
    log_in(page, base_url)
    page.goto(f"{base_url}/interactions/entries/?page_size=3")
    page.locator("#f-contact").fill(wanted.no)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"contact={wanted.no}"))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator(".pagination")).to_contain_text("7 rows")

    # Sort by date (oldest first), then page on: still only the filtered contact.
    page.locator("#results th a", has_text="Date").click()
    expect(page).to_have_url(re.compile(rf"contact={wanted.no}.*sort=date"))
    expect(rows.first).to_contain_text(f"{wanted.name} 1")
    page.locator(".pagination a[rel=next]").click()
    expect(page).to_have_url(re.compile(rf"contact={wanted.no}.*page=2"))
    expect(page.locator(".pagination")).to_contain_text("7 rows")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(f"{wanted.name} 4")
    expect(page.locator("#results tbody")).not_to_contain_text(other.name)
    screenshot("filtered-sorted-page-2")

    # Select all on this page and cancel: exactly the three rows shown change.
    page.locator("[data-select-all]").check()
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.get_by_role("button", name="Cancel selected").click()
    expect(page.locator(".messages")).to_contain_text("3 entries were canceled.")
    assert asked == ["Cancel 3 selected entries?"]
    canceled = InteractionLogEntry.objects.filter(canceled=True)
    assert sorted(canceled.values_list("description", flat=True)) == [
        f"{wanted.name} {day}" for day in (4, 5, 6)
    ]
    expect(page).to_have_url(re.compile(rf"contact={wanted.no}.*page=2"))


def test_without_javascript_a_bulk_cancel_asks_on_a_page_that_names_the_count(
    live_server: LiveServer, admin: Any, browser: Any
) -> None:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact
    from rapport.interactions import services
    from rapport.interactions.models import InteractionLogEntry, InteractionTemplate

    set_up_template_through_services(admin)
    template = InteractionTemplate.objects.get(code="VISIT")
    salesperson = create_salesperson(actor=admin, code="IK", name="Ines Korhonen")
    contact = create_contact(actor=admin, name="Aurora Borealis Oy", salesperson=salesperson)
    for day in (1, 2):
        services.create_interaction(
            actor=admin,
            data=services.InteractionInput(
                contact=contact, template=template, date=datetime.date(2026, 1, day)
            ),
        )
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/interactions/entries/")
        for box in page.locator("input[name='entries']").all():
            box.check()
        page.get_by_role("button", name="Cancel selected").click()
        expect(page.locator("h1")).to_have_text("Cancel 2 selected entries?")
        assert not InteractionLogEntry.objects.filter(canceled=True).exists()
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "no-js-confirm.png"), full_page=True)
        page.get_by_role("button", name="Yes").click()
        expect(page.locator(".messages")).to_contain_text("2 entries were canceled.")
        assert InteractionLogEntry.objects.filter(canceled=True).count() == 2
    finally:
        context.close()
