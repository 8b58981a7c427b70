"""Validation as a new user meets it (issue 16.9): every error at once, decimal commas, dates
that name their format, list filters that say they are wrong."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from rapport.interactions.models import InteractionTemplate

HX = {"HX-Request": "true"}


def errors(html: str) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]+)</p>', html)


def alerts(html: str) -> str:
    return " ".join(re.findall(r'role="alert">(.*?)</div>', html, re.S))


def test_the_contact_form_shows_every_field_error_at_once(alice, client_for) -> None:
    response = client_for(alice).post(
        "/contacts/new/",
        {"type": "person", "name": "", "email": "not-an-email", "company_no": "NOPE"},
    )
    assert response.status_code == 422
    found = errors(response.content.decode())
    assert "You must fill in the Name field." in found
    assert "You must select an existing contact." in found
    assert "The email address &quot;not-an-email&quot; is invalid." in found


@pytest.mark.parametrize("language", ["en", "fi", "nb"])
def test_a_decimal_comma_is_accepted_in_every_language(alice, client_for, language) -> None:
    from rapport.interactions import services

    group = services.create_interaction_group(actor=alice, code="G", description="G")
    client = client_for(alice)
    client.cookies["django_language"] = language
    response = client.post(
        "/interactions/templates/new/",
        {
            "code": "CALL",
            "description": "Call",
            "unit_cost": "1,50",
            "unit_duration": "10",
            "information_flow": "outbound",
            "initiated_by": "us",
            "correspondence_type": "",
            "group": str(group.pk),
        },
    )
    assert response.status_code == 302, errors(response.content.decode())
    assert InteractionTemplate.objects.get(code="CALL").unit_cost == Decimal("1.50")


def test_an_english_amount_that_reads_two_ways_asks_for_a_dot(alice, client_for) -> None:
    response = client_for(alice).post(
        "/interactions/templates/new/",
        {"code": "CALL", "description": "Call", "unit_cost": "1,500"},
    )
    assert "Use a dot as the decimal separator, for example 1.50." in errors(
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter the date as yyyy-mm-dd, for example 2026-11-23."),
        ("fi", "Anna päivämäärä muodossa pp.kk.vvvv, esimerkiksi 23.11.2026."),
    ],
)
def test_a_date_error_names_the_format_and_keeps_what_was_typed(
    alice, client_for, language, message
) -> None:
    from rapport.interactions import services

    group = services.create_interaction_group(actor=alice, code="G", description="G")
    services.create_interaction_template(
        actor=alice, code="CALL", group=group, description="Call", correspondence_type=""
    )
    client = client_for(alice)
    client.cookies["django_language"] = language
    html = client.get("/interactions/templates/CALL/?date_from=31.02.2026").content.decode()
    assert message in alerts(html)
    assert 'value="31.02.2026"' in html


@pytest.mark.parametrize("headers", [{}, HX])
def test_an_invalid_list_filter_says_so_on_the_page_and_shows_no_rows(
    alice, client_for, headers
) -> None:
    from rapport.contacts.services import create_contact

    create_contact(actor=alice, name="Kesko Oyj")
    client = client_for(alice)
    html = client.get("/contacts/?privacy_blocked=maybe", headers=headers).content.decode()
    assert 'class="list-error" role="alert"' in html
    assert "Kesko Oyj" not in html
    log = client.get("/interactions/entries/?date_from=yesterday", headers=headers).content.decode()
    assert "yesterday is not a valid value for the filter" in log
    assert 'role="alert"' in log


def test_deleting_a_code_table_row_without_javascript_asks_first(alice, client_for) -> None:
    from rapport.core.models import Language

    Language.objects.update_or_create(code="SV", defaults={"name": "Swedish"})
    client = client_for(alice)
    response = client.post("/core/languages/SV/delete/")
    assert response.status_code == 200 and "Delete " in response.content.decode()
    assert Language.objects.filter(code="SV").exists()
    response = client.post("/core/languages/SV/delete/", {"confirmed": "1"})
    assert response.status_code == 302 and not Language.objects.filter(code="SV").exists()


def test_deleting_an_interaction_group_without_javascript_asks_first(alice, client_for) -> None:
    from rapport.interactions import services
    from rapport.interactions.models import InteractionGroup

    services.create_interaction_group(actor=alice, code="SPARE", description="Spare")
    client = client_for(alice)
    html = client.post("/interactions/groups/SPARE/delete/").content.decode()
    assert "<h1>Delete interaction group SPARE?</h1>" in html
    assert InteractionGroup.objects.filter(code="SPARE").exists()


def test_the_template_form_shows_every_field_error_at_once(alice, client_for) -> None:
    response = client_for(alice).post(
        "/interactions/templates/new/",
        {"code": "", "description": "Call", "group": "", "unit_cost": "abc"},
    )
    found = errors(response.content.decode())
    assert "You must fill in the Code field." in found
    assert "You must fill in the Interaction Group Code field." in found
    assert "Enter a number." in found
