"""The contact card as a new user meets it: tabs, links (issue 16)."""

from __future__ import annotations

import pytest

from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact

HX = {"HX-Request": "true"}


@pytest.mark.parametrize("headers", [{}, HX])
def test_a_tab_answers_with_its_panel_once_and_the_tab_bar_marks_it(
    alice, client_for, headers
) -> None:
    company = create_contact(actor=alice, name="Kesko Oyj")
    html = client_for(alice).get(f"{company.get_absolute_url()}?tab=relations", headers=headers)
    text = html.content.decode()
    assert text.count('class="tab-panel"') == 1
    assert text.count('<nav class="tabs"') == 1
    current = text.split('aria-current="page">')[-1]
    assert current.startswith("Business Relations</a>")
    assert 'hx-target="#contact-tabs" hx-swap="outerHTML"' in text


def test_deleting_a_contact_without_javascript_asks_first(alice, client_for) -> None:
    company = create_contact(actor=alice, name="Kesko Oyj")
    client = client_for(alice)
    response = client.post(f"/contacts/{company.no}/delete/")
    assert response.status_code == 200
    assert f"Delete contact {company.no} and all its persons?" in response.content.decode()
    assert Contact.objects.filter(pk=company.pk).exists()
    assert client.post(f"/contacts/{company.no}/delete/", {"confirmed": "1"}).status_code == 302
    assert not Contact.objects.filter(pk=company.pk).exists()


def test_the_card_links_email_and_phone_numbers(alice, client_for) -> None:
    company = create_contact(
        actor=alice,
        name="Kesko Oyj",
        email="info@kesko.example; sales@kesko.example",
        phone_no="+358 10 53 030",
    )
    html = client_for(alice).get(company.get_absolute_url()).content.decode()
    assert '<a href="mailto:info@kesko.example">info@kesko.example</a>' in html
    assert '<a href="mailto:sales@kesko.example">sales@kesko.example</a>' in html
    assert '<a href="tel:+3581053030">+358 10 53 030</a>' in html


def test_every_page_names_the_favicon(alice, client_for) -> None:
    from django.contrib.staticfiles import finders

    html = client_for(alice).get("/contacts/").content.decode()
    assert 'rel="icon" href="/static/rapport/favicon.svg"' in html
    assert finders.find("rapport/favicon.svg")


def test_the_profile_page_links_to_the_api_documentation(alice, client_for) -> None:
    html = client_for(alice).get("/accounts/profile/").content.decode()
    assert '<a href="/api/v1/docs" id="api-docs">API documentation</a>' in html
