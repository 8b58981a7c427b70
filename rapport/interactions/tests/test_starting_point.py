"""Create Interaction's starting point is fixed (issue 15 point 2): contact, salesperson, log
entry, opportunity, and a resumed postponed interaction, in the service, the API and the page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from rapport.accounts.services import create_salesperson
from rapport.campaigns.services import create_campaign
from rapport.interactions import services
from rapport.interactions.models import InteractionLogEntry, Opportunity
from rapport.interactions.tests.test_api import bearer, error, post
from rapport.interactions.tests.test_log_views import CREATE, drawn_form

FIXED = "cannot be changed: it is fixed by the starting point of this interaction"


@pytest.fixture
def as_bob(bob) -> Client:
    return Client(headers=bearer(bob))


@pytest.fixture
def other(alice):
    return create_salesperson(actor=alice, code="OT", name="Olli Toinen")


@pytest.fixture
def opportunity(alice, person, call_template, interact):
    """An open opportunity of `person` with salesperson AH and a campaign."""
    campaign = create_campaign(actor=alice, description="Spring")
    entry = interact(person, call_template, campaign=campaign)
    return services.create_opportunity_from_entry(actor=alice, entry=entry)


def close(opportunity: Opportunity) -> None:
    # Closing is helper H5's service (won/lost); only the status matters here.
    Opportunity.objects.filter(pk=opportunity.pk).update(status="won")


def message(exc: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return exc.value.message_dict[field][0]


# --- the service ---------------------------------------------------------------------------------


def test_a_contact_start_refuses_another_contact(bob, company, person, call_template) -> None:
    start = services.starting_point(kind="contact", contact=company)
    data = services.InteractionInput(contact=person, template=call_template)
    with pytest.raises(ValidationError) as exc:
        services.create_interaction(actor=bob, data=data, start=start)
    assert message(exc, "contact") == (f"Contact No. {FIXED} (contact {company.no}).")
    entry = services.create_interaction(
        actor=bob, data=services.InteractionInput(template=call_template), start=start
    )
    assert entry.contact == company


def test_a_salesperson_start_refuses_another_or_a_cleared_salesperson(
    bob, company, call_template, salesperson, other
) -> None:
    start = services.starting_point(kind="salesperson", salesperson=other)
    for data in (
        services.InteractionInput(contact=company, template=call_template, salesperson=salesperson),
        services.InteractionInput(
            contact=company, template=call_template, explicit={"salesperson"}
        ),
    ):
        with pytest.raises(ValidationError) as exc:
            services.create_interaction(actor=bob, data=data, start=start)
        assert FIXED in message(exc, "salesperson")
    data = services.InteractionInput(contact=company, template=call_template)
    assert services.create_interaction(actor=bob, data=data, start=start).salesperson == other


def test_an_opportunity_start_takes_contact_salesperson_and_campaign_and_refuses_closed_ones(
    bob, person, call_template, salesperson, opportunity
) -> None:
    start = services.starting_point(kind="opportunity", opportunity=opportunity)
    entry = services.create_interaction(
        actor=bob, data=services.InteractionInput(template=call_template), start=start
    )
    assert (entry.contact, entry.salesperson) == (person, salesperson)
    assert (entry.campaign, entry.opportunity) == (opportunity.campaign, opportunity)
    close(opportunity)
    opportunity.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.starting_point(kind="opportunity", opportunity=opportunity)
    assert message(exc, "opportunity") == (
        f"Closed must be equal to 'No' in Opportunity: No.={opportunity.no}. "
        "Current value is 'Yes'."
    )


def test_resuming_keeps_the_postponed_contact_and_salesperson(
    bob, company, person, call_template, interact, other
) -> None:
    later = interact(company, call_template, postpone=True)
    data = services.resume_input(later)
    data.contact = person
    with pytest.raises(ValidationError) as exc:
        services.create_interaction(actor=bob, data=data, resume=later)
    assert FIXED in message(exc, "contact")
    data = services.resume_input(later)
    data.salesperson = other
    with pytest.raises(ValidationError) as exc:
        services.create_interaction(actor=bob, data=data, resume=later)
    assert FIXED in message(exc, "salesperson")
    done = services.create_interaction(actor=bob, data=services.resume_input(later), resume=later)
    assert done.pk == later.pk and not done.postponed


# --- the API -------------------------------------------------------------------------------------


def test_the_api_source_fixes_what_it_determines(
    as_bob, company, person, call_template, salesperson, opportunity
) -> None:
    url = "/api/v1/interactions"
    body = {"template_code": "CALL", "source": {"type": "contact", "contact_no": company.no}}
    assert error(post(as_bob, url, {**body, "contact_no": person.no})) == (
        422,
        "contact_no",
        f"Contact No. {FIXED} (contact {company.no}).",
    )
    assert error(post(as_bob, url, {**body, "contact_no": ""}))[:2] == (422, "contact_no")
    created = post(as_bob, url, body)
    assert created.status_code == 201, created.content
    assert created.json()["contact_no"] == company.no

    from_opp = {
        "template_code": "CALL",
        "source": {"type": "opportunity", "opportunity_no": opportunity.no},
    }
    created = post(as_bob, url, from_opp)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["contact_no"], body["salesperson_code"]) == (person.no, salesperson.code)
    assert (body["campaign_no"], body["opportunity_no"]) == (
        opportunity.campaign.no,
        opportunity.no,
    )
    assert error(post(as_bob, url, {**from_opp, "campaign_no": ""}))[:2] == (422, "campaign_no")
    close(opportunity)
    assert error(post(as_bob, url, from_opp)) == (
        422,
        "source.opportunity_no",
        f"Closed must be equal to 'No' in Opportunity: No.={opportunity.no}. "
        "Current value is 'Yes'.",
    )
    missing = post(as_bob, url, {"template_code": "CALL", "source": {"type": "entry"}})
    assert error(missing)[:2] == (422, "source.entry_no")


def test_the_api_resume_keeps_contact_and_salesperson(
    as_bob, company, person, call_template, interact, other
) -> None:
    later = interact(company, call_template, postpone=True)
    url = f"/api/v1/postponed-interactions/{later.pk}/resume"
    assert error(post(as_bob, url, {"contact_no": person.no}))[:2] == (422, "contact_no")
    assert error(post(as_bob, url, {"salesperson_code": "OT"}))[:2] == (422, "salesperson_code")
    source = {"source": {"type": "contact", "contact_no": company.no}}
    assert error(post(as_bob, url, source))[:2] == (422, "source")
    assert InteractionLogEntry.objects.get(pk=later.pk).postponed
    done = post(as_bob, url, {"contact_no": company.no})
    assert done.status_code == 200, done.content
    assert done.json()["contact_no"] == company.no and not done.json()["postponed"]


def test_the_openapi_document_describes_the_source(bob, client_for) -> None:
    schema = client_for(bob).get("/api/v1/openapi.json").json()
    source = schema["components"]["schemas"]["InteractionSourceIn"]
    assert source["properties"]["type"]["enum"] == [
        "contact",
        "salesperson",
        "entry",
        "opportunity",
    ]


# --- the page ------------------------------------------------------------------------------------


def test_the_page_shows_the_fixed_fields_read_only_and_keeps_them(
    bob, client_for, company, person, call_template
) -> None:
    client = client_for(bob)
    url = f"{CREATE}?contact={company.no}&template=CALL"
    page = client.get(url).content.decode()
    assert "Started from contact" in page
    form = client.get(url).context["form"]
    assert form.fields["contact"].disabled and not form.fields["template"].disabled
    data = drawn_form(client, url)
    response = client.post(data.url, {**data, "contact": person.no, "finish": "1"})
    assert response.status_code == 302
    assert InteractionLogEntry.objects.get().contact == company, "a posted contact is ignored"


def test_the_page_from_an_opportunity_fixes_its_fields_and_refuses_a_closed_one(
    bob, client_for, person, call_template, salesperson, opportunity
) -> None:
    client = client_for(bob)
    url = f"{CREATE}?opportunity={opportunity.no}&template=CALL"
    form = client.get(url).context["form"]
    for name in ("contact", "salesperson", "campaign", "opportunity"):
        assert form.fields[name].disabled, name
    data = drawn_form(client, url)
    assert client.post(data.url, {**data, "finish": "1"}).status_code == 302
    entry = InteractionLogEntry.objects.latest("pk")
    assert (entry.contact, entry.salesperson, entry.campaign) == (
        person,
        salesperson,
        opportunity.campaign,
    )
    close(opportunity)
    response = client.get(url, follow=True)
    assert "Closed must be equal to &#x27;No&#x27; in Opportunity" in response.content.decode()


def test_the_resume_page_shows_contact_and_salesperson_read_only(
    bob, client_for, company, call_template, interact
) -> None:
    later = interact(company, call_template, postpone=True)
    form = client_for(bob).get(f"/interactions/postponed/{later.pk}/resume/").context["form"]
    assert form.fields["contact"].disabled and form.fields["salesperson"].disabled


def test_redrawing_the_form_keeps_the_starting_point_and_locks_nothing_more(
    bob, client_for, company, call_template, salesperson
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}")
    assert data.url == f"{CREATE}?from_contact={company.no}"
    redrawn = client.get(
        CREATE,
        # htmx adds the form's values to the action URL's query
        {**data, "from_contact": company.no, "template": "CALL", "refresh": "template"},
        HTTP_HX_REQUEST="true",
    )
    form = redrawn.context["form"]
    assert form.fields["contact"].disabled and not form.fields["salesperson"].disabled
    assert redrawn.context["action"] == data.url
