"""Journey: the log list reads at 1366 px and on a phone (issue 16.7)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
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


@pytest.fixture
def logged(admin: Any) -> None:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact
    from rapport.interactions import services
    from rapport.interactions.models import InteractionTemplate

    set_up_template_through_services(admin)
    template = InteractionTemplate.objects.get(code="VISIT")
    salesperson = create_salesperson(actor=admin, code="IK", name="Ines Korhonen")
    company = create_contact(
        actor=admin, name="Pohjolan Puutarha ja Rakennus Oy", salesperson=salesperson
    )
    person = create_contact(actor=admin, name="Liisa Korhonen", type="person", company=company)
    for day in range(1, 6):
        services.create_interaction(
            actor=admin,
            data=services.InteractionInput(
                contact=person,
                template=template,
                description=f"Visit about the spring order {day}",
                date=datetime.date(2026, 3, day),
                evaluation="positive",
            ),
        )


def test_the_log_fits_a_laptop_screen_with_the_columns_read_first(
    live_server: LiveServer, logged: None, page: Page, screenshot: Callable[[str], Path]
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interactions/entries/")
    headers = [h.strip() for h in page.locator("#results thead th:visible").all_inner_texts()]
    assert headers[1:7] == [
        "Date",
        "Contact Name",
        "Description",
        "Interaction Template Code",
        "Evaluation",
        "Cost (EUR)",
    ]
    wrap = page.locator("#results .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls at 1366 px"
    screenshot("laptop")

    # The rarely used columns are one click away, without JavaScript.
    expect(page.locator("#results th", has_text="Salesperson Code")).to_be_hidden()
    page.locator("label[for=more-columns]").click()
    expect(page.locator("#results th", has_text="Salesperson Code")).to_be_visible()
    screenshot("more-columns")


def test_the_log_filters_fold_away_on_a_phone(
    live_server: LiveServer, logged: None, page: Page, screenshot: Callable[[str], Path]
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interactions/entries/")
    expect(page.locator("#f-contact")).to_be_hidden()
    expect(page.locator("#results tbody tr").first).to_be_in_viewport()
    screenshot("phone")
    page.locator(".filter-panel > summary").click()
    expect(page.locator("#f-contact")).to_be_visible()
    screenshot("phone-filters")


def test_the_log_fits_a_laptop_screen_in_finnish_too(
    live_server: LiveServer, logged: None, page: Page, screenshot: Callable[[str], Path]
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interactions/entries/")
    page.locator(".lang-switch button[lang=fi]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    wrap = page.locator("#results .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls at 1366 px"
    screenshot("laptop-fi")
