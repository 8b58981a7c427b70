"""Journey: an admin sets up an interaction template, logs interactions on a contact, postpones
one and resumes it, cancels one on the log, and sees the contact's statistics follow.

URL and markup contracts this relies on:
  /interactions/groups/new/, /interactions/templates/new/
                     forms with `code`, `description`, (`group`, `correspondence_type`) and a
                     submit button (if these pages are not there yet, the group and template are
                     made through the services and the test says so on stdout)
  contact card       an action "Create Interaction"; the tab `?tab=interactions` shows the
                     number of interactions in `[data-stat=count]`
  /interactions/new/ select `template` (choosing one fills `description`), buttons "Finish" and
                     "Finish later"
  /interactions/postponed/  a "Resume" link per postponed interaction
  /interactions/entries/    a checkbox `entries` per row and a button "Cancel selected"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

USERNAME = "ines"
PASSWORD = "correct-horse-battery"
SUBMIT = ":is(button:not([type]), button[type='submit'], input[type='submit'])"


@pytest.fixture
def admin(transactional_db: None) -> Any:
    from rapport.accounts.services import create_user

    return create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name='username']").fill(USERNAME)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator(f"form:has(input[name='password']) {SUBMIT}").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def set_up_template_through_the_ui(page: Page, base_url: str) -> bool:
    """Interaction group VISIT and template VISIT (blank correspondence type) through the setup
    pages; False when those pages are not built yet."""
    page.goto(f"{base_url}/interactions/groups/new/")
    group_form = page.locator("form", has=page.locator("[name='code']"))
    if group_form.count() == 0:
        return False
    group_form.locator("[name='code']").fill("VISIT")
    group_form.locator("[name='description']").fill("Visits")
    group_form.locator(SUBMIT).first.click()
    expect(page).not_to_have_url(re.compile(r"/groups/new/"))

    page.goto(f"{base_url}/interactions/templates/new/")
    form = page.locator("form", has=page.locator("[name='code']"))
    form.locator("[name='code']").fill("VISIT")
    form.locator("[name='description']").fill("Customer visit")
    group = form.locator("select[name='group'] option", has_text="VISIT").get_attribute("value")
    form.locator("select[name='group']").select_option(group)
    form.locator("select[name='correspondence_type']").select_option("")
    form.locator(SUBMIT).first.click()
    expect(page).not_to_have_url(re.compile(r"/templates/new/"))
    return True


def set_up_template_through_services(admin: Any) -> None:
    from rapport.interactions import services

    group = services.create_interaction_group(actor=admin, code="VISIT", description="Visits")
    services.create_interaction_template(
        actor=admin,
        code="VISIT",
        group=group,
        description="Customer visit",
        correspondence_type="",
    )


def interactions_count(page: Page, card_url: str) -> str:
    page.goto(f"{card_url}?tab=interactions")
    return page.locator("[data-stat='count']").inner_text().strip()


def start_interaction(page: Page, card_url: str) -> None:
    page.goto(card_url)
    page.get_by_role("link", name="Create Interaction").first.click()
    expect(page.locator("h1")).to_have_text("Create Interaction")
    page.wait_for_load_state("load")  # htmx (a deferred script) is ready
    page.locator("select[name='template']").select_option("VISIT")
    # Choosing the template redraws the form with its defaults (htmx).
    expect(page.locator("[name='description']")).to_have_value("Customer visit")


def test_create_postpone_resume_and_cancel_interactions_on_a_contact(
    live_server: LiveServer, admin: Any, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact

    base_url = live_server.url
    log_in(page, base_url)
    if not set_up_template_through_the_ui(page, base_url):
        print("interaction group/template pages are not built yet: set up through services")
        set_up_template_through_services(admin)

    salesperson = create_salesperson(actor=admin, code="IK", name="Ines Korhonen")
    contact = create_contact(actor=admin, name="Aurora Borealis Oy", salesperson=salesperson)
    card_url = f"{base_url}{contact.get_absolute_url()}"

    # 1. Create Interaction from the contact card and finish it.
    start_interaction(page, card_url)
    expect(page.locator("#contact-name")).to_contain_text("Aurora Borealis Oy")
    page.locator("[name='comments']").fill("Met the purchasing team")
    screenshot("create-form")
    page.get_by_role("button", name="Finish", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?tab=interactions$"))
    expect(page.locator(".messages")).to_contain_text("was created")
    expect(page.locator("[data-stat='count']")).to_have_text("1")

    # 2. Another one, finished later.
    start_interaction(page, card_url)
    page.locator("[name='description']").fill("Follow-up visit")
    page.get_by_role("button", name="Finish later").click()
    expect(page.locator(".messages")).to_contain_text("was saved as postponed.")
    expect(page.locator("[data-stat='count']")).to_have_text("1")
    expect(page.get_by_role("link", name="Postponed Interactions (1)")).to_be_visible()

    # 3. Resume it from Postponed Interactions and finish it.
    page.goto(f"{base_url}/interactions/postponed/")
    row = page.locator("tr", has_text="Follow-up visit")
    row.get_by_role("link", name="Resume").click()
    expect(page.locator("h1")).to_contain_text("Resume Interaction")
    expect(page.locator("[name='description']")).to_have_value("Follow-up visit")
    page.get_by_role("button", name="Finish", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("was finished")
    assert interactions_count(page, card_url) == "2"

    # 4. Cancel the follow-up on the log.
    page.goto(f"{base_url}/interactions/entries/")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    screenshot("log-list")
    row = page.locator("#results tbody tr", has_text="Follow-up visit")
    row.locator("input[name='entries']").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel selected").click()
    expect(page.locator(".messages")).to_contain_text("1 entry was canceled.")
    canceled = page.locator("#results tbody tr.canceled")
    expect(canceled).to_have_count(1)
    expect(canceled).to_contain_text("Canceled")
    expect(canceled).to_contain_text("Follow-up visit")

    # 5. The contact's statistics no longer count it.
    assert interactions_count(page, card_url) == "1"
    expect(page.locator("#contact-entries tr.canceled")).to_contain_text("Canceled")
    screenshot("contact-tab")
