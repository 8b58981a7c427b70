"""Journey: rows whose every text field holds script, markup, template syntax or a javascript:
URL (made through the services) are shown as plain text on every page that shows them; no
script runs, no dialog opens, no link leads to javascript: (issue 14.3)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Dialog, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_interaction_journey import PASSWORD, USERNAME, log_in

SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '"><img src=x onerror=window.__pwned=1>'
TEMPLATE = "{{7*7}}{% debug %}"
LINK = "javascript:window.__pwned=1"
PAYLOADS = (SCRIPT, IMAGE, TEMPLATE, LINK)


@pytest.fixture
def admin(transactional_db: None) -> Any:
    from rapport.accounts.services import create_user

    return create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def _hostile_fields(model: type, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """A payload for every text field among `names`, rotating, cut to the field's length."""
    values: dict[str, str] = {}
    text_fields = [
        name
        for name in names
        if model._meta.get_field(name).get_internal_type() in {"CharField", "TextField"}  # type: ignore[attr-defined]
    ]
    for index, name in enumerate(text_fields):
        limit = model._meta.get_field(name).max_length or 10_000  # type: ignore[attr-defined]
        values[name] = PAYLOADS[index % len(PAYLOADS)][:limit]
    return values


def _set_each(update: Callable[..., Any], values: dict[str, str]) -> list[str]:
    """Apply each value through the service on its own; return the fields it accepted."""
    from django.core.exceptions import ValidationError

    taken = []
    for name, value in values.items():
        try:
            update(**{name: value})
        except ValidationError:
            continue
        taken.append(name)
    return taken


def _hostile_rows(admin: Any) -> dict[str, Any]:
    from rapport.accounts.models import Salesperson
    from rapport.accounts.services import SALESPERSON_FIELDS, create_salesperson, update_salesperson
    from rapport.campaigns.services import create_campaign, create_campaign_status
    from rapport.contacts.models import Contact
    from rapport.contacts.services import (
        CONTACT_FIELDS,
        create_business_relation,
        create_contact,
        update_contact,
    )
    from rapport.interactions import services as interactions
    from rapport.segments import services as segments

    salesperson = create_salesperson(actor=admin, code="EVIL", name=SCRIPT)
    taken = _set_each(
        lambda **v: update_salesperson(actor=admin, salesperson=salesperson, **v),
        _hostile_fields(Salesperson, [f for f in SALESPERSON_FIELDS if f != "email"]),
    )
    assert "name" in taken
    contact = create_contact(actor=admin, name=SCRIPT, salesperson=salesperson)
    contact_fields = [f for f in CONTACT_FIELDS if f not in {"email", "email_2"}]
    taken = _set_each(
        lambda **v: update_contact(actor=admin, contact=contact, **v),
        _hostile_fields(Contact, contact_fields),
    )
    assert len(taken) >= 10, taken
    contact.refresh_from_db()

    group = interactions.create_interaction_group(actor=admin, code="EVILG", description=IMAGE)
    template = interactions.create_interaction_template(
        actor=admin,
        code="EVILT",
        group=group,
        description=SCRIPT,
        correspondence_type="",
    )
    status = create_campaign_status(actor=admin, code="EVILS", description=IMAGE)
    campaign = create_campaign(actor=admin, description=SCRIPT, status=status)
    create_business_relation(actor=admin, code="EVILR", description=SCRIPT)
    entry = interactions.create_interaction(
        actor=admin,
        data=interactions.InteractionInput(
            contact=contact,
            template=template,
            salesperson=salesperson,
            description=IMAGE,
            subject=SCRIPT,
            campaign=campaign,
            date=datetime.date(2026, 11, 23),
            comments=[SCRIPT, LINK, TEMPLATE],
        ),
    )
    opportunity = interactions.create_opportunity(
        actor=admin, contact=contact, description=SCRIPT, salesperson=salesperson
    )
    segment = segments.create_segment(actor=admin, description=SCRIPT, template=template)
    line = segments.add_segment_line(actor=admin, segment=segment, contact=contact)
    segments.update_segment_line(actor=admin, line=line, remarks=IMAGE, description=TEMPLATE)
    return {
        "contact": contact,
        "salesperson": salesperson,
        "group": group,
        "template": template,
        "campaign": campaign,
        "entry": entry,
        "opportunity": opportunity,
        "segment": segment,
    }


def _assert_harmless(page: Page, url: str, dialogs: list[str]) -> None:
    assert page.evaluate("() => typeof window.__pwned") == "undefined", url
    assert dialogs == [], url
    assert page.locator("a[href^='javascript:' i], [src^='javascript:' i]").count() == 0, url
    assert page.locator("img[src='x']").count() == 0, url


def test_hostile_text_in_every_field_shows_literally_and_never_runs(
    live_server: LiveServer, admin: Any, page: Page, screenshot: Callable[[str], Path]
) -> None:
    rows = _hostile_rows(admin)
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    base = live_server.url
    log_in(page, base)
    contact, entry, segment = rows["contact"], rows["entry"], rows["segment"]
    literal_pages = {
        f"/contacts/{contact.no}/": SCRIPT,
        f"/contacts/?q={quote(contact.no)}": SCRIPT,
        f"/accounts/salespeople/{rows['salesperson'].code}/": SCRIPT,
        f"/interactions/entries/{entry.pk}/": IMAGE,
        f"/interactions/templates/{rows['template'].code}/": SCRIPT,
        f"/interactions/groups/{rows['group'].code}/": IMAGE,
        f"/interactions/opportunities/{rows['opportunity'].no}/": SCRIPT,
        f"/segments/{segment.no}/": SCRIPT,
        "/contacts/business-relations/": SCRIPT,
        "/campaigns/campaign-statuses/": IMAGE,
    }
    other_pages = [
        "/contacts/",
        f"/contacts/{contact.no}/?tab=interactions",
        f"/contacts/{contact.no}/?tab=statistics",
        "/accounts/salespeople/",
        "/interactions/entries/",
        f"/interactions/entries/?q={quote('<script>')}",
        "/interactions/templates/",
        "/interactions/groups/",
        "/interactions/opportunities/",
        "/segments/",
        "/campaigns/",
        "/campaigns/campaigns/",
        f"/interactions/campaigns/{rows['campaign'].no}/entries/",
        "/api/docs",
    ]
    for path, text in literal_pages.items():
        page.goto(base + path)
        expect(page.locator("main")).to_contain_text(text)
        _assert_harmless(page, path, dialogs)
    page.goto(f"{base}/interactions/entries/{entry.pk}/")
    expect(page.locator("main")).to_contain_text(LINK)
    expect(page.locator("main")).to_contain_text(TEMPLATE)
    screenshot("entry-card")
    for path in other_pages:
        response = page.goto(base + path)
        assert response is not None and response.status < 400, path
        _assert_harmless(page, path, dialogs)
    page.goto(f"{base}/contacts/{contact.no}/")
    screenshot("contact-card")
