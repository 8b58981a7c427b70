"""Journey: an opportunity from the navigation to "won": create it from the
Opportunities list, edit it to its first stage (status and value follow), close it as won.

URL and markup contracts this relies on:
  navigation          a link "Opportunities" to /interactions/opportunities/
  the list            an action "New"
  the form            fields `contact`, `description`, `estimated_value`, `sales_cycle`,
                      `current_stage`, a button "Save"
  the card            actions "Edit" and "Close"; `#opportunity-status` and
                      `#calcd-current-value` show status and value; a back link to the list
  Close Opportunity   radio `action` (won/lost), field `date_closed`, a button "Close"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

USERNAME = "olli"
PASSWORD = "correct-horse-battery"
SUBMIT = ":is(button:not([type]), button[type='submit'], input[type='submit'])"


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name='username']").fill(USERNAME)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator(f"form:has(input[name='password']) {SUBMIT}").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def seller(transactional_db: None) -> Any:
    from rapport.accounts.services import create_user

    return create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def test_create_an_opportunity_edit_it_and_close_it_as_won(
    live_server: LiveServer, seller: Any, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from rapport.contacts.services import create_contact
    from rapport.interactions import services

    cycle = services.create_sales_cycle(
        actor=seller, code="NEW", description="New customers", is_default=True
    )
    services.create_sales_cycle_stage(
        actor=seller,
        sales_cycle=cycle,
        stage=1,
        description="Qualify",
        completed=Decimal(20),
        chances_of_success=Decimal(50),
    )
    create_contact(actor=seller, name="Aurora Borealis Oy")
    base_url = live_server.url
    log_in(page, base_url)

    # 1. From the navigation to a new opportunity.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Opportunities").click()
    expect(page).to_have_url(re.compile(r"/interactions/opportunities/$"))
    page.get_by_role("link", name="New", exact=True).click()
    form = page.locator("#opportunity-form")
    form.locator("[name='contact']").fill("Aurora")
    form.locator("[name='description']").fill("40 licences")
    form.locator("[name='estimated_value']").fill("1000")
    expect(form.locator("[name='sales_cycle']")).to_have_value("NEW")
    screenshot("new")
    form.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Opportunity OP000001 was created.")
    expect(page.locator("#opportunity-status")).to_contain_text("Not Started")

    # 2. Edit: the first stage starts it, and the value follows the stage.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.locator("[name='current_stage']").select_option(label="NEW: 1 Qualify")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Opportunity OP000001 was saved.")
    expect(page.locator("#opportunity-status")).to_contain_text("In Progress")
    # Multiply: 50 % chances x 20 % completed = 10 % of 1000.
    expect(page.locator("#calcd-current-value")).to_have_text("100.00")

    # 3. Close it as won: the card shows Won, and it can no longer be edited.
    page.get_by_role("link", name="Close", exact=True).click()
    page.get_by_label("Won").check()
    page.locator("#close-form").get_by_role("button", name="Close").click()
    expect(page.locator(".messages")).to_contain_text("Opportunity OP000001 was closed: Won.")
    expect(page.locator("#opportunity-status")).to_contain_text("Won")
    expect(page.locator("#calcd-current-value")).to_have_text("1,000.00")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    screenshot("won")

    # 4. Back to the list, where it shows as won.
    page.get_by_role("link", name="← Opportunities").click()
    expect(page.locator("#opportunity-table")).to_contain_text("Won")
