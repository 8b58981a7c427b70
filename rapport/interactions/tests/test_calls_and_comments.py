"""Phone calls record what BC's call records; blanks sent on purpose are checked; comment dates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from rapport.campaigns.services import create_campaign
from rapport.contacts.models import Contact
from rapport.contacts.services import update_contact, update_marketing_setup
from rapport.interactions import services
from rapport.interactions.models import InteractionLogEntry
from rapport.interactions.tests.test_api import bearer, error, post
from rapport.interactions.tests.test_log_views import field_block


@pytest.fixture
def as_bob(bob) -> Client:
    return Client(headers=bearer(bob))


@pytest.fixture
def calls(alice, company, call_template):
    """Outg. Calls set up and a company with a phone number."""
    services.update_template_setup(actor=alice, outgoing_calls=call_template)
    return update_contact(actor=alice, contact=company, phone_no="+358 40 123 4567")


# --- 15.3: blank is not "not given" -------------------------------------------------------------


def test_a_phone_call_with_the_number_or_description_cleared_says_what_to_fill_in(
    bob, calls
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.make_phone_call(actor=bob, contact=calls, blank={"phone_no"})
    assert exc.value.message_dict == {"phone_no": ["You must fill in the phone number."]}
    with pytest.raises(ValidationError) as exc:
        services.make_phone_call(actor=bob, contact=calls, description="")
    assert exc.value.message_dict == {"description": ["You must fill in the Description field."]}
    entry = services.make_phone_call(actor=bob, contact=calls)
    assert (entry.contact_via, entry.description) == ("+358 40 123 4567", "Phone call")


def test_the_phone_call_api_tells_a_cleared_field_from_a_missing_one(as_bob, calls) -> None:
    url = f"/api/v1/contacts/{calls.no}/phone-calls"
    assert error(post(as_bob, url, {"phone_no": ""})) == (
        422,
        "phone_no",
        "You must fill in the phone number.",
    )
    assert error(post(as_bob, url, {"description": ""})) == (
        422,
        "description",
        "You must fill in the Description field.",
    )
    assert error(post(as_bob, url, {"description": None}))[1] == "description"
    assert not InteractionLogEntry.objects.exists()
    response = post(as_bob, url, {})
    assert response.status_code == 201, response.content
    assert response.json()["contact_via"] == "+358 40 123 4567"


def test_the_phone_call_page_checks_a_cleared_number_and_description(
    bob, client_for, calls
) -> None:
    client = client_for(bob)
    url = f"/interactions/contacts/{calls.no}/call/"
    response = client.post(url, {"phone_no": "", "description": "Follow-up"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "You must fill in the phone number." in field_block(html, "phone_no")
    response = client.post(url, {"phone_no": "040 1", "description": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "You must fill in the Description field." in field_block(html, "description")
    assert not InteractionLogEntry.objects.exists()


def test_a_contact_created_with_a_blank_salesperson_and_type_keeps_them_blank(
    alice, as_bob, salesperson
) -> None:
    update_marketing_setup(
        actor=alice, default_salesperson=salesperson, default_correspondence_type="email"
    )
    blank = post(
        as_bob,
        "/api/v1/contacts",
        {"name": "Blank Oy", "salesperson_code": "", "correspondence_type": ""},
    )
    assert blank.status_code == 201, blank.content
    assert (blank.json()["salesperson_code"], blank.json()["correspondence_type"]) == ("", "")
    defaulted = post(as_bob, "/api/v1/contacts", {"name": "Default Oy"})
    assert (defaulted.json()["salesperson_code"], defaulted.json()["correspondence_type"]) == (
        "AH",
        "email",
    )
    stored = Contact.objects.get(no=blank.json()["no"])
    assert stored.salesperson_id is None and stored.correspondence_type == ""


# --- 15.4: a phone call records everything a call has -------------------------------------------


def test_a_phone_call_records_evaluation_failure_campaign_opportunity_and_comments(
    alice, bob, calls, call_template, interact
) -> None:
    campaign = create_campaign(actor=alice, description="Spring")
    opportunity = services.create_opportunity_from_entry(
        actor=alice, entry=interact(calls, call_template)
    )
    entry = services.make_phone_call(
        actor=bob,
        contact=calls,
        evaluation="positive",
        attempt_failed=True,
        campaign=campaign,
        opportunity=opportunity,
        comments=[services.CommentLine(comment="Call back", date=datetime.date(2026, 11, 20))],
    )
    assert (entry.evaluation, entry.attempt_failed) == ("positive", True)
    assert (entry.campaign, entry.opportunity) == (campaign, opportunity)
    assert list(entry.comments.values_list("date", "comment")) == [
        (datetime.date(2026, 11, 20), "Call back")
    ]


def test_the_phone_call_api_records_everything_a_call_has(
    alice, as_bob, calls, call_template, interact
) -> None:
    campaign = create_campaign(actor=alice, description="Spring")
    opportunity = services.create_opportunity_from_entry(
        actor=alice, entry=interact(calls, call_template)
    )
    response = post(
        as_bob,
        f"/api/v1/contacts/{calls.no}/phone-calls",
        {
            "evaluation": "negative",
            "attempt_failed": True,
            "campaign_no": campaign.no,
            "opportunity_no": opportunity.no,
            "comments": ["Busy", {"comment": "Try Monday", "date": "2026-11-27"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["evaluation"], body["attempt_failed"]) == ("negative", True)
    assert (body["campaign_no"], body["opportunity_no"]) == (campaign.no, opportunity.no)
    assert [(c["date"], c["comment"]) for c in body["comments"]] == [
        ("2026-11-23", "Busy"),
        ("2026-11-27", "Try Monday"),
    ]


def test_the_phone_call_page_records_everything_a_call_has(
    alice, bob, client_for, calls, call_template, interact
) -> None:
    campaign = create_campaign(actor=alice, description="Spring")
    opportunity = services.create_opportunity_from_entry(
        actor=alice, entry=interact(calls, call_template)
    )
    client = client_for(bob)
    url = f"/interactions/contacts/{calls.no}/call/"
    page = client.get(url).content.decode()
    for name in ("evaluation", "campaign", "opportunity", "comment_date"):
        assert f'name="{name}"' in page, name
    response = client.post(
        url,
        {
            "phone_no": "040 1",
            "description": "Phone call",
            "duration": "7",
            "evaluation": "positive",
            "campaign": campaign.no,
            "opportunity": opportunity.no,
            "comments": "Wants a quote",
            "comment_date": "2026-11-21",
        },
    )
    assert response.status_code == 302, response.content.decode()
    entry = InteractionLogEntry.objects.get(contact_via="040 1")
    assert (entry.evaluation, entry.attempt_failed, entry.duration) == ("positive", True, 7)
    assert (entry.campaign, entry.opportunity) == (campaign, opportunity)
    assert list(entry.comments.values_list("date", "comment")) == [
        (datetime.date(2026, 11, 21), "Wants a quote")
    ]


# --- 15.5: comments have a date the user can set ------------------------------------------------


def test_an_entry_comment_takes_the_date_the_user_sets_or_today(
    bob, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    first = services.add_entry_comment(actor=bob, entry=entry, comment="Today")
    second = services.add_entry_comment(actor=bob, entry=entry, comment="Also today")
    chosen = services.add_entry_comment(
        actor=bob, entry=entry, comment="Earlier", date=datetime.date(2026, 11, 2)
    )
    none = services.add_entry_comment(actor=bob, entry=entry, comment="Undated", date=None)
    today = datetime.date(2026, 11, 23)
    assert (first.date, second.date, chosen.date, none.date) == (
        today,
        today,
        datetime.date(2026, 11, 2),
        None,
    )


def test_comment_dates_through_the_api_and_the_entry_page(
    bob, as_bob, client_for, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    url = f"/api/v1/interaction-log-entries/{entry.pk}/comments"
    assert post(as_bob, url, {"comment": "a"}).json()["date"] == "2026-11-23"
    assert post(as_bob, url, {"comment": "b", "date": "2026-10-01"}).json()["date"] == "2026-10-01"
    assert post(as_bob, url, {"comment": "c", "date": None}).json()["date"] is None
    client = client_for(bob)
    page = client.get(f"/interactions/entries/{entry.pk}/").content.decode()
    assert 'name="date"' in field_block(page, "date") and 'value="2026-11-23"' in page
    response = client.post(
        f"/interactions/entries/{entry.pk}/comments/", {"comment": "d", "date": "2026-09-09"}
    )
    assert response.status_code == 302
    assert entry.comments.get(comment="d").date == datetime.date(2026, 9, 9)


def test_the_duration_of_a_call_defaults_to_the_template(bob, calls) -> None:
    entry = services.make_phone_call(actor=bob, contact=calls)
    assert entry.duration == Decimal(10)


# --- 16.6: one call action; Make Phone Call prefills the template's duration --------------------


def test_the_contact_card_has_one_call_action(alice, bob, carol, client_for, calls) -> None:
    card = client_for(bob).get(calls.get_absolute_url()).content.decode()
    assert card.count('data-action="call"') == 1
    assert f'href="/interactions/contacts/{calls.no}/call/"' in card
    assert 'href="tel:' not in card.split('class="actionbar"')[1].split("</div>")[0]
    viewer = client_for(carol).get(calls.get_absolute_url()).content.decode()
    assert viewer.count('data-action="call"') == 1 and "/call/" not in viewer
    assert 'href="tel:+358 40 123 4567"' in viewer


def test_make_phone_call_prefills_the_templates_duration_and_description(
    bob, client_for, calls
) -> None:
    page = client_for(bob).get(f"/interactions/contacts/{calls.no}/call/").content.decode()
    assert 'value="10"' in field_block(page, "duration")
    assert 'value="Phone call"' in field_block(page, "description")


def test_the_new_contact_page_shows_the_defaults_and_keeps_a_cleared_one_blank(
    alice, bob, client_for, salesperson
) -> None:
    update_marketing_setup(
        actor=alice, default_salesperson=salesperson, default_correspondence_type="email"
    )
    client = client_for(bob)
    form = client.get("/contacts/new/").context["form"]
    assert form["salesperson"].value() == salesperson.pk
    assert form["correspondence_type"].value() == "email"
    response = client.post(
        "/contacts/new/",
        {"type": "company", "name": "Blank Oy", "salesperson": "", "correspondence_type": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    blank = Contact.objects.get(name="Blank Oy")
    assert blank.salesperson_id is None and blank.correspondence_type == ""
