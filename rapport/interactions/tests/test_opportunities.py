"""Opportunities on their own (BC's Opportunity card and Close Opportunity) and the sales
cycles with stages they run through."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rapport.accounts.services import create_salesperson, update_salesperson
from rapport.contacts.services import create_contact, update_contact
from rapport.interactions import services
from rapport.interactions.models import Opportunity, SalesCycle


@pytest.fixture
def cycle(alice):
    cycle = services.create_sales_cycle(
        actor=alice, code="new", description="New customers", is_default=True
    )
    services.create_sales_cycle_stage(
        actor=alice,
        sales_cycle=cycle,
        stage=1,
        description="Initial",
        completed=Decimal(10),
        chances_of_success=Decimal(50),
    )
    services.create_sales_cycle_stage(
        actor=alice,
        sales_cycle=cycle,
        stage=2,
        description="Proposal",
        completed=Decimal(50),
        chances_of_success=Decimal(60),
    )
    return cycle


def stage(cycle: SalesCycle, no: int):
    return cycle.stages.get(stage=no)


def today() -> datetime.date:
    return timezone.localdate()


# --- sales cycles ------------------------------------------------------------------------------


def test_a_sales_cycle_has_stages_with_completed_and_chances(cycle) -> None:
    assert cycle.code == "NEW" and services.default_sales_cycle() == cycle
    assert [
        (s.stage, s.description, s.completed, s.chances_of_success) for s in cycle.stages.all()
    ] == [
        (1, "Initial", Decimal(10), Decimal(50)),
        (2, "Proposal", Decimal(50), Decimal(60)),
    ]


def test_only_one_sales_cycle_is_the_default(alice, cycle) -> None:
    other = services.create_sales_cycle(actor=alice, code="EXIST", is_default=True)
    assert services.default_sales_cycle() == other
    services.set_default_sales_cycle(actor=alice, sales_cycle=None)
    assert services.default_sales_cycle() is None


def test_a_stage_number_is_unique_and_percentages_stay_within_100(alice, cycle) -> None:
    with pytest.raises(ValidationError):
        services.create_sales_cycle_stage(actor=alice, sales_cycle=cycle, stage=1)
    with pytest.raises(ValidationError) as exc:
        services.create_sales_cycle_stage(
            actor=alice, sales_cycle=cycle, stage=3, completed=Decimal(101)
        )
    assert "completed" in exc.value.error_dict
    with pytest.raises(ValidationError, match="You must fill in the Stage field."):
        services.create_sales_cycle_stage(actor=alice, sales_cycle=cycle, stage=None)


def test_sales_cycles_are_set_up_by_admins_only(bob, carol) -> None:
    for actor in (bob, carol):
        with pytest.raises(PermissionDenied):
            services.create_sales_cycle(actor=actor, code="X")


def test_a_sales_cycle_or_stage_with_open_opportunities_cannot_be_deleted(
    alice, bob, company, cycle
) -> None:
    opp = services.create_opportunity(
        actor=bob, contact=company, description="Deal", current_stage=stage(cycle, 1)
    )
    with pytest.raises(
        ValidationError, match="You cannot delete a stage which has active entries."
    ):
        services.delete_sales_cycle_stage(actor=alice, stage=stage(cycle, 1))
    with pytest.raises(ValidationError, match="No. of Opportunities must be equal to '0'"):
        services.delete_sales_cycle(actor=alice, sales_cycle=cycle)
    services.close_opportunity(actor=bob, opportunity=opp, action="lost", date_closed=today())
    services.delete_sales_cycle(actor=alice, sales_cycle=cycle)
    opp.refresh_from_db()
    assert opp.sales_cycle is None and opp.status == "lost"


# --- opportunities -----------------------------------------------------------------------------


def test_an_opportunity_gets_its_number_the_default_cycle_and_the_users_salesperson(
    alice, bob_with_salesperson, person, company, cycle
) -> None:
    opp = services.create_opportunity(
        actor=bob_with_salesperson, contact=person, description="Deal"
    )
    assert opp.no == "OP000001" and opp.creation_date == today()
    assert opp.sales_cycle == cycle and opp.status == "not_started" and not opp.closed
    assert opp.contact_company == company and opp.salesperson.code == "BOB"
    assert opp.priority == "normal"


def test_an_opportunity_needs_a_contact(bob) -> None:
    with pytest.raises(
        ValidationError, match="You must fill in the contact that is involved in the opportunity."
    ):
        services.create_opportunity(actor=bob, contact=None, description="Deal")


def test_no_opportunity_for_a_privacy_blocked_contact(alice, bob, company) -> None:
    update_contact(actor=alice, contact=company, privacy_blocked=True)
    with pytest.raises(ValidationError, match="blocked due to privacy"):
        services.create_opportunity(actor=bob, contact=company)


def test_a_blocked_sales_cycle_or_salesperson_cannot_be_chosen(alice, bob, company, cycle) -> None:
    services.update_sales_cycle(actor=alice, sales_cycle=cycle, blocked=True)
    with pytest.raises(ValidationError, match="Blocked must be equal to 'No' in Sales Cycle"):
        services.create_opportunity(actor=bob, contact=company, sales_cycle=cycle)
    sp = create_salesperson(actor=alice, code="OLD", name="Old")
    update_salesperson(actor=alice, salesperson=sp, blocked=True)
    with pytest.raises(ValidationError, match="Blocked salespeople cannot be chosen."):
        services.create_opportunity(actor=bob, contact=company, salesperson=sp)


def test_a_stage_starts_the_opportunity_and_sets_its_calculated_value(bob, company, cycle) -> None:
    opp = services.create_opportunity(
        actor=bob, contact=company, description="Deal", estimated_value=Decimal(1000)
    )
    assert opp.status == "not_started" and opp.calcd_current_value == 0
    opp = services.update_opportunity(actor=bob, opportunity=opp, current_stage=stage(cycle, 2))
    # Multiply (BC's default): 60 % chances x 50 % completed = 30 % of 1000.
    assert opp.status == "in_progress" and opp.date_of_change == today()
    assert (opp.completed, opp.chances_of_success) == (Decimal(50), Decimal(60))
    assert (opp.probability, opp.calcd_current_value) == (Decimal(30), Decimal(300))
    opp = services.update_opportunity(actor=bob, opportunity=opp, chances_of_success=Decimal(80))
    assert opp.calcd_current_value == Decimal(400)


def test_probability_follows_the_cycles_calculation(alice, bob, company, cycle) -> None:
    services.update_sales_cycle(actor=alice, sales_cycle=cycle, probability_calculation="add")
    opp = services.create_opportunity(
        actor=bob,
        contact=company,
        estimated_value=Decimal(1000),
        current_stage=stage(cycle, 1),
    )
    assert opp.status == "in_progress"
    assert (opp.probability, opp.calcd_current_value) == (Decimal(30), Decimal(300))


def test_a_stage_must_belong_to_the_opportunitys_cycle(alice, bob, company, cycle) -> None:
    other = services.create_sales_cycle(actor=alice, code="OTHER")
    opp = services.create_opportunity(actor=bob, contact=company, sales_cycle=other)
    with pytest.raises(ValidationError, match="Sales Cycle Stage not found."):
        services.update_opportunity(actor=bob, opportunity=opp, current_stage=stage(cycle, 1))


def test_the_sales_cycle_cannot_change_once_started(alice, bob, company, cycle) -> None:
    other = services.create_sales_cycle(actor=alice, code="OTHER")
    opp = services.create_opportunity(actor=bob, contact=company, current_stage=stage(cycle, 1))
    with pytest.raises(ValidationError, match="Status must be equal to 'Not Started'"):
        services.update_opportunity(actor=bob, opportunity=opp, sales_cycle=other)


def test_a_started_opportunity_keeps_its_company(alice, bob, company, person, cycle) -> None:
    other = create_contact(actor=alice, name="Other Oy")
    opp = services.create_opportunity(actor=bob, contact=person, current_stage=stage(cycle, 1))
    services.update_opportunity(actor=bob, opportunity=opp, contact=company)
    with pytest.raises(
        ValidationError, match=r"Contact .* Other Oy is related to another company."
    ):
        services.update_opportunity(actor=bob, opportunity=opp, contact=other)


def test_the_estimated_closing_date_is_after_the_last_change(bob, company, cycle) -> None:
    opp = services.create_opportunity(actor=bob, contact=company, current_stage=stage(cycle, 1))
    with pytest.raises(
        ValidationError, match="The Estimated closing date has to be later than this change."
    ):
        services.update_opportunity(
            actor=bob,
            opportunity=opp,
            estimated_closing_date=today() - datetime.timedelta(days=1),
        )


def test_close_as_won_keeps_the_value_and_then_nothing_changes(bob, company, cycle) -> None:
    opp = services.create_opportunity(
        actor=bob, contact=company, estimated_value=Decimal(1000), current_stage=stage(cycle, 1)
    )
    opp = services.close_opportunity(actor=bob, opportunity=opp, action="won", date_closed=today())
    assert (opp.status, opp.closed, opp.date_closed) == ("won", True, today())
    assert (opp.calcd_current_value, opp.probability, opp.completed) == (
        Decimal(1000),
        Decimal(100),
        Decimal(100),
    )
    with pytest.raises(ValidationError, match="Closed must be equal to 'No' in Opportunity"):
        services.update_opportunity(actor=bob, opportunity=opp, description="Changed")
    with pytest.raises(ValidationError, match="Closed must be equal to 'No' in Opportunity"):
        services.close_opportunity(actor=bob, opportunity=opp, action="lost", date_closed=today())


def test_close_as_lost_is_worth_nothing(bob, company) -> None:
    opp = services.create_opportunity(actor=bob, contact=company, estimated_value=Decimal(10))
    opp = services.close_opportunity(actor=bob, opportunity=opp, action="lost", date_closed=today())
    assert (opp.status, opp.closed, opp.calcd_current_value) == ("lost", True, 0)


def test_closing_checks_action_date_and_value(bob, company) -> None:
    opp = services.create_opportunity(actor=bob, contact=company)
    with pytest.raises(ValidationError, match="You must select either Won or Lost."):
        services.close_opportunity(actor=bob, opportunity=opp, action="", date_closed=today())
    with pytest.raises(ValidationError, match="You must fill in the Date of Change field."):
        services.close_opportunity(actor=bob, opportunity=opp, action="won", date_closed=None)
    with pytest.raises(ValidationError, match="The Date of Change has to be after last"):
        services.close_opportunity(
            actor=bob,
            opportunity=opp,
            action="won",
            date_closed=today() - datetime.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match=r"Sales \(LCY\) must be greater than 0."):
        services.close_opportunity(actor=bob, opportunity=opp, action="won", date_closed=today())


def test_an_active_opportunity_cannot_be_deleted(alice, bob, company, cycle) -> None:
    opp = services.create_opportunity(actor=bob, contact=company, current_stage=stage(cycle, 1))
    with pytest.raises(PermissionDenied):
        services.delete_opportunity(actor=bob, opportunity=opp)
    with pytest.raises(
        ValidationError, match="You cannot delete this opportunity while it is active."
    ):
        services.delete_opportunity(actor=alice, opportunity=opp)
    services.close_opportunity(actor=bob, opportunity=opp, action="lost", date_closed=today())
    services.delete_opportunity(actor=alice, opportunity=opp)
    assert not Opportunity.objects.exists()


def test_viewers_cannot_create_or_change_opportunities(bob, carol, company) -> None:
    with pytest.raises(PermissionDenied):
        services.create_opportunity(actor=carol, contact=company)
    opp = services.create_opportunity(actor=bob, contact=company)
    with pytest.raises(PermissionDenied):
        services.update_opportunity(actor=carol, opportunity=opp, description="x")
    with pytest.raises(PermissionDenied):
        services.close_opportunity(actor=carol, opportunity=opp, action="won", date_closed=today())


def test_an_opportunity_from_an_entry_takes_the_default_sales_cycle(
    bob, company, call_template, interact, cycle
) -> None:
    entry = interact(company, call_template, description="Wants 40 licences")
    opp = services.create_opportunity_from_entry(actor=bob, entry=entry)
    assert opp.sales_cycle == cycle and opp.status == "not_started"


def test_a_contact_with_open_opportunities_cannot_be_deleted(alice, bob, company, person) -> None:
    from rapport.contacts.services import delete_contact

    opp = services.create_opportunity(actor=bob, contact=person)
    with pytest.raises(ValidationError, match="one or more opportunities are in not started"):
        delete_contact(actor=alice, contact=company)
    services.close_opportunity(actor=bob, opportunity=opp, action="lost", date_closed=today())
    delete_contact(actor=alice, contact=company)
    opp.refresh_from_db()
    assert opp.contact is None and opp.status == "lost"
