"""Journey: a user logs in, creates contacts, and finds one through the list's search.

URL and markup contracts this relies on:
  /accounts/login/  a form with inputs `username` and `password` and a submit button
  /contacts/new/    a form with input `name`, select `type` ("company" / "person") and a
                    button "Save"; saving redirects to the contact's card, whose <h1> shows
                    the name
  /contacts/        the list, with a search input `q`; each contact's name is a link to its card
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

USERNAME = "alice"
PASSWORD = "correct-horse-battery"

SUBMIT = ":is(button:not([type]), button[type='submit'], input[type='submit'])"


@pytest.fixture
def alice(transactional_db: None) -> None:
    from rapport.accounts.services import create_user

    create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name='username']").fill(USERNAME)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator(f"form:has(input[name='password']) {SUBMIT}").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def create_contact(page: Page, base_url: str, name: str, contact_type: str) -> str:
    """Create a contact through the form; return the URL of its card."""
    page.goto(f"{base_url}/contacts/new/")
    form = page.locator("form", has=page.locator("[name='name']"))
    form.locator("[name='name']").fill(name)
    form.locator("select[name='type']").select_option(contact_type)
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/contacts/new/"))
    expect(page.locator("h1")).to_contain_text(name)
    return page.url


def test_log_in_create_contact_and_find_it_in_the_list(
    live_server: LiveServer, alice: None, page: Page, screenshot: Callable[[str], Path]
) -> None:
    base_url = live_server.url
    log_in(page, base_url)

    card_url = create_contact(page, base_url, "Aurora Borealis Oy", "company")
    screenshot("card")
    # A second contact, so the search below has something to leave out.
    create_contact(page, base_url, "Zephyr Lindqvist", "person")

    page.goto(f"{base_url}/contacts/")
    expect(page.get_by_role("link", name="Aurora Borealis Oy").first).to_be_visible()
    expect(page.get_by_role("link", name="Zephyr Lindqvist").first).to_be_visible()

    # Search. Enter submits the search form; a live (htmx) search reacts to the typing itself.
    search = page.locator("input[name='q']")
    search.fill("aurora")
    search.press("Enter")
    expect(page.get_by_role("link", name="Zephyr Lindqvist")).to_have_count(0)
    result = page.get_by_role("link", name="Aurora Borealis Oy").first
    expect(result).to_be_visible()
    screenshot("list-search")

    result.click()
    expect(page).to_have_url(card_url)
    expect(page.locator("h1")).to_contain_text("Aurora Borealis Oy")
