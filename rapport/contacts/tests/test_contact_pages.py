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
