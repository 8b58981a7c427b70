"""Journeys over the contact card as a new user meets it (issue 16.5, 16.13)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_interaction_journey import PASSWORD, USERNAME, log_in


@pytest.fixture
def admin(transactional_db: None) -> Any:
    from rapport.accounts.services import create_user

    return create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def test_the_active_contact_tab_follows_the_panel_shown(
    live_server: LiveServer, admin: Any, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from rapport.contacts.services import create_contact

    company = create_contact(actor=admin, name="Aurora Borealis Oy")
    create_contact(actor=admin, name="Matti Virtanen", type="person", company=company)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}{company.get_absolute_url()}")
    tabs = page.locator("nav.tabs")
    expect(tabs.locator("[aria-current]")).to_have_text("General")

    tabs.get_by_role("link", name="Persons").click()
    expect(page).to_have_url(re.compile(r"\?tab=persons$"))
    expect(page.locator(".tab-panel")).to_contain_text("Matti Virtanen")
    expect(page.locator("nav.tabs [aria-current]")).to_have_text("Persons")
    expect(page.locator(".tab-panel")).to_have_count(1)
    expect(page.locator("nav.tabs")).to_have_count(1)

    page.locator("nav.tabs").get_by_role("link", name="Interactions").click()
    expect(page).to_have_url(re.compile(r"\?tab=interactions$"))
    expect(page.locator("nav.tabs [aria-current]")).to_have_text("Interactions")
    expect(page.locator(".tab-panel")).to_have_count(1)
    screenshot("interactions-tab")


def test_the_contact_card_in_finnish_reads_as_finnish(
    live_server: LiveServer, admin: Any, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from rapport.contacts.services import create_contact

    company = create_contact(
        actor=admin, name="Aurora Borealis Oy", email="info@aurora.example", phone_no="040 123 4567"
    )
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}{company.get_absolute_url()}")
    page.locator(".lang-switch button[lang=fi]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator(".lang-switch button[lang=nb]")).to_have_attribute("title", "norsk")
    expect(page.get_by_role("link", name="info@aurora.example")).to_have_attribute(
        "href", "mailto:info@aurora.example"
    )
    expect(page.get_by_role("link", name="040 123 4567")).to_have_attribute(
        "href", "tel:0401234567"
    )
    page.locator("nav.tabs a[href='?tab=interactions']").click()
    expect(page.locator(".chart-table")).to_contain_text("marras")
    expect(page.locator(".chart-table")).not_to_contain_text("Mar ")
    screenshot("finnish-interactions-tab")
