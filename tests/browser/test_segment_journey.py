"""Journey (issue 11 point 10): build a segment by criteria, reduce it, go back, edit a line,
log it with a follow-up segment, find the logged segment, cancel it, and see the contacts'
entries canceled."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

USERNAME = "sanna"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(transactional_db: None) -> dict[str, Any]:
    from decimal import Decimal

    from rapport.accounts.services import create_salesperson, create_user
    from rapport.contacts.services import create_contact
    from rapport.interactions import services as interactions

    admin = create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])
    anna = create_salesperson(actor=admin, code="ANNA", name="Anna Ahonen")
    group = interactions.create_interaction_group(actor=admin, code="LETTER")
    interactions.create_interaction_template(
        actor=admin,
        code="NEWSL",
        group=group,
        description="Newsletter",
        unit_cost=Decimal("1.50"),
        correspondence_type="",
    )
    kesko = create_contact(actor=admin, name="Kesko Oyj", city="Helsinki", salesperson=anna)
    for name in ("Matti Virtanen", "Liisa Laine"):
        create_contact(actor=admin, name=name, type="person", company=kesko)
    create_contact(actor=admin, name="Equinor ASA", city="Stavanger", salesperson=anna)
    return {"admin": admin}


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name='username']").fill(USERNAME)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("form:has(input[name='password']) button").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_segment_journey(
    page: Page, live_server: LiveServer, world: dict[str, Any], screenshot: Callable[[str], Path]
) -> None:
    from rapport.interactions.models import InteractionLogEntry

    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base)

    # A new segment with the newsletter template.
    page.goto(f"{base}/segments/new/")
    page.locator("[name='description']").fill("Autumn newsletter")
    page.locator("select[name='template']").select_option("NEWSL")
    page.locator("select[name='salesperson']").select_option("ANNA")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Autumn newsletter")
    segment_url = page.url

    # Add every contact (preview first), then reduce the companies away.
    page.get_by_role("link", name="Add Contacts").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview")).to_contain_text("4 contacts will be added.")
    page.get_by_role("button", name="OK").click()
    expect(page.locator("#lines tbody tr")).to_have_count(4)
    page.get_by_role("link", name="Reduce Contacts").click()
    page.locator("select[name='type']").select_option("company")
    page.get_by_role("button", name="OK").click()
    expect(page.locator("#lines tbody tr")).to_have_count(2)
    screenshot("reduced")

    # Go back: the companies return.
    page.get_by_role("link", name="Go Back", exact=True).click()
    page.get_by_role("button", name="Yes").click()
    expect(page.locator("#lines tbody tr")).to_have_count(4)

    # Edit a line's description.
    page.locator("#lines tbody tr", has_text="Matti Virtanen").locator("a").first.click()
    page.locator("[name='description']").fill("Personal invitation")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#lines tbody tr", has_text="Matti Virtanen")).to_contain_text(
        "Personal invitation"
    )
    screenshot("segment")

    # Log it with a follow-up segment.
    page.get_by_role("link", name="Log", exact=True).click()
    page.locator("[name='follow_up']").check()
    page.get_by_role("button", name="Log", exact=True).click()
    expect(page.locator("body")).to_contain_text("has been logged")
    expect(page.locator("h1")).to_contain_text("Follow-up on segment")
    expect(page.locator("#lines tbody tr")).to_have_count(4)
    assert page.url != segment_url
    assert InteractionLogEntry.objects.filter(canceled=False).count() == 4

    # Find the logged segment and cancel it: its entries are canceled.
    page.goto(f"{base}/segments/logged/")
    row = page.locator("tbody tr", has_text="Autumn newsletter")
    row.locator("input[type=checkbox]").check()
    page.get_by_role("button", name="Cancel selected").click()
    expect(page.locator("tbody tr", has_text="Autumn newsletter")).to_contain_text("Canceled")
    screenshot("logged-segments")
    assert InteractionLogEntry.objects.filter(canceled=True).count() == 4
    page.goto(f"{base}/interactions/entries/?canceled=yes")
    expect(page.locator("body")).to_contain_text("Matti Virtanen")
