"""Opportunity pages: list, card, new, edit, close, delete, sales cycles and stages, the
default sales cycle on the Marketing Setup page, and the navigation."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from rapport.interactions import services
from rapport.interactions.models import Opportunity, SalesCycle

HX = {"HX-Request": "true"}
LIST = "/interactions/opportunities/"


@pytest.fixture
def cycle(alice):
    cycle = services.create_sales_cycle(actor=alice, code="NEW", is_default=True)
    services.create_sales_cycle_stage(
        actor=alice,
        sales_cycle=cycle,
        stage=1,
        description="Qualify",
        completed=Decimal(20),
        chances_of_success=Decimal(50),
    )
    return cycle


@pytest.fixture
def opportunity(bob, company, cycle):
    return services.create_opportunity(
        actor=bob, contact=company, description="40 licences", estimated_value=Decimal(1000)
    )


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.parametrize(
    ("path", "fragment_id"),
    [
        (LIST, 'id="results"'),
        (f"{LIST}OP000001/", 'id="card"'),
        (f"{LIST}new/", 'id="opportunity-form"'),
        (f"{LIST}OP000001/edit/", 'id="opportunity-form"'),
        (f"{LIST}OP000001/close/", 'id="close-form"'),
    ],
)
def test_opportunity_pages_render_whole_and_as_htmx_fragment(
    client_for, bob, opportunity, path, fragment_id
) -> None:
    client = client_for(bob)
    page = client.get(path)
    assert page.status_code == 200 and "<html" in text(page) and fragment_id in text(page)
    fragment = client.get(path, headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in text(fragment) and fragment_id in text(fragment)


def test_the_navigation_links_to_opportunities(client_for, carol) -> None:
    html = text(client_for(carol).get("/interactions/entries/"))
    assert f'href="{LIST}"' in html


def test_the_card_shows_status_values_and_a_back_link(client_for, bob, opportunity, cycle) -> None:
    services.update_opportunity(
        actor=bob, opportunity=opportunity, current_stage=cycle.stages.get(stage=1)
    )
    html = text(client_for(bob).get(f"{LIST}OP000001/"))
    assert f'href="{LIST}"' in html and "In Progress" in html
    assert "1 Qualify" in html and 'id="calcd-current-value">100.00<' in html
    assert f'href="{LIST}OP000001/edit/"' in html and f'href="{LIST}OP000001/close/"' in html


def test_a_viewer_sees_the_card_without_actions(client_for, carol, opportunity) -> None:
    html = text(client_for(carol).get(f"{LIST}OP000001/"))
    assert "/edit/" not in html and "/close/" not in html
    assert client_for(carol).get(f"{LIST}OP000001/edit/").status_code == 403
    assert client_for(carol).get(f"{LIST}new/").status_code == 403


def test_create_an_opportunity_from_the_page(client_for, bob, company, cycle) -> None:
    client = client_for(bob)
    form = text(client.get(f"{LIST}new/?contact={company.no}"))
    assert f'value="{company.no}"' in form
    response = client.post(
        f"{LIST}new/",
        {
            "contact": company.no,
            "description": "New deal",
            "sales_cycle": "NEW",
            "priority": "high",
            "estimated_value": "500",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{LIST}OP000001/"
    opp = Opportunity.objects.get()
    assert (opp.description, opp.priority, opp.sales_cycle.code) == ("New deal", "high", "NEW")


def test_the_form_shows_bcs_message_and_keeps_the_input(client_for, bob, cycle) -> None:
    response = client_for(bob).post(
        f"{LIST}new/", {"description": "No contact", "priority": "normal"}
    )
    assert response.status_code == 422
    html = text(response)
    assert "You must fill in the contact that is involved in the opportunity." in html
    assert 'value="No contact"' in html


def test_edit_sets_a_stage_and_starts_the_opportunity(client_for, bob, opportunity, cycle) -> None:
    stage = cycle.stages.get(stage=1)
    response = client_for(bob).post(
        f"{LIST}OP000001/edit/",
        {
            "description": "40 licences",
            "contact": opportunity.contact.no,
            "sales_cycle": "NEW",
            "current_stage": stage.pk,
            "priority": "normal",
            "estimated_value": "1000",
            "chances_of_success": "50",
        },
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == "in_progress" and opportunity.calcd_current_value == 100


def test_close_as_won_and_then_it_cannot_be_edited(client_for, bob, opportunity) -> None:
    client = client_for(bob)
    response = client.post(
        f"{LIST}OP000001/close/",
        {"action": "won", "date_closed": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.closed) == ("won", True)
    assert "/edit/" not in text(client.get(f"{LIST}OP000001/"))
    response = client.post(f"{LIST}OP000001/close/", {"action": "lost"})
    assert response.status_code == 422
    assert "Closed must be equal to 'No' in Opportunity" in text(response)
    assert client.get(f"{LIST}OP000001/edit/", follow=True).redirect_chain[-1][0] == (
        f"{LIST}OP000001/"
    )


def test_the_list_filters_and_keeps_the_filter_on_sort_links(
    client_for, bob, company, opportunity
) -> None:
    services.create_opportunity(actor=bob, contact=company, description="Second deal")
    services.close_opportunity(
        actor=bob, opportunity=opportunity, action="lost", date_closed=timezone.localdate()
    )
    client = client_for(bob)
    html = text(client.get(LIST, {"status": "lost", "contact": company.no}))
    assert "40 licences" in html and "Second deal" not in html
    assert f"?status=lost&amp;contact={company.no}&amp;sort=no" in response_raw(
        client, {"status": "lost", "contact": company.no}
    )
    assert "Second deal" in text(client.get(LIST, {"closed": "no"}))


def response_raw(client, params) -> str:
    return client.get(LIST, params).content.decode()


def test_delete_is_for_admins_and_not_while_active(
    client_for, alice, bob, opportunity, cycle
) -> None:
    services.update_opportunity(
        actor=bob, opportunity=opportunity, current_stage=cycle.stages.get(stage=1)
    )
    assert client_for(bob).post(f"{LIST}OP000001/delete/").status_code == 403
    response = client_for(alice).post(f"{LIST}OP000001/delete/", follow=True)
    assert "You cannot delete this opportunity while it is active." in text(response)
    assert Opportunity.objects.exists()


def test_sales_cycles_and_stages_are_set_up_in_pages(client_for, alice) -> None:
    client = client_for(alice)
    assert client.get("/interactions/sales-cycles/").status_code == 200
    response = client.post(
        "/interactions/sales-cycles/new/",
        {"code": "big", "description": "Big deals", "probability_calculation": "multiply"},
    )
    assert response.status_code == 302
    card = text(client.get("/interactions/sales-cycles/BIG/"))
    assert 'href="/interactions/sales-cycles/BIG/stages/"' in card
    response = client.post(
        "/interactions/sales-cycles/BIG/stages/",
        {"stage": "1", "description": "Qualify", "completed": "10", "chances_of_success": "40"},
    )
    assert response.status_code == 302
    response = client.post(
        "/interactions/sales-cycles/BIG/stages/",
        {"original_stage": "1", "description": "Qualified", "completed": "15"},
    )
    assert response.status_code == 302
    stage = SalesCycle.objects.get(code="BIG").stages.get()
    assert (stage.description, stage.completed) == ("Qualified", Decimal(15))
    assert "Qualified" in text(client.get("/interactions/sales-cycles/BIG/stages/"))
    client.post("/interactions/sales-cycles/BIG/stages/1/delete/")
    assert not SalesCycle.objects.get(code="BIG").stages.exists()


def test_the_default_sales_cycle_is_chosen_on_the_marketing_setup_page(
    client_for, alice, cycle
) -> None:
    other = services.create_sales_cycle(actor=alice, code="OTHER")
    client = client_for(alice)
    html = text(client.get("/contacts/setup/"))
    assert "Default Sales Cycle Code" in html and '<option value="NEW" selected>' in html
    response = client.post(
        "/interactions/setup/default-sales-cycle/", {"default_sales_cycle": "OTHER"}
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/setup/"
    assert services.default_sales_cycle() == other


def test_the_contact_card_lists_the_open_opportunities(
    client_for, bob, company, person, cycle
) -> None:
    services.create_opportunity(actor=bob, contact=person, description="Person's deal")
    done = services.create_opportunity(actor=bob, contact=company, description="Old deal")
    services.close_opportunity(
        actor=bob, opportunity=done, action="lost", date_closed=timezone.localdate()
    )
    html = text(client_for(bob).get(f"{company.get_absolute_url()}?tab=interactions"))
    assert 'id="contact-opportunities"' in html
    assert "Person's deal" in html and "Old deal" not in html
    assert f"{LIST}?company={company.no}" in html


def test_the_new_form_starts_with_the_users_salesperson_and_the_default_cycle(
    client_for, bob_with_salesperson, company, cycle
) -> None:
    html = text(client_for(bob_with_salesperson).get(f"{LIST}new/?contact={company.no}"))
    assert '<option value="BOB" selected>' in html and '<option value="NEW" selected>' in html
