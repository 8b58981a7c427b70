"""The opportunities and sales cycles API: status codes, validation, permissions, queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.contacts.services import create_contact
from rapport.interactions import services
from rapport.interactions.tests.test_api import bearer, error, patch, post

OPPS = "/api/v1/opportunities"


@pytest.fixture
def api(alice) -> Client:
    return Client(headers=bearer(alice))


@pytest.fixture
def as_bob(bob) -> Client:
    return Client(headers=bearer(bob))


@pytest.fixture
def as_carol(carol) -> Client:
    return Client(headers=bearer(carol))


@pytest.fixture
def cycle(alice):
    cycle = services.create_sales_cycle(actor=alice, code="NEW", is_default=True)
    for no, completed, chances in ((1, 10, 50), (2, 50, 60)):
        services.create_sales_cycle_stage(
            actor=alice,
            sales_cycle=cycle,
            stage=no,
            description=f"Stage {no}",
            completed=Decimal(completed),
            chances_of_success=Decimal(chances),
        )
    return cycle


def create(client: Any, **data: Any) -> Any:
    return post(client, OPPS, data)


def test_create_read_update_and_close_an_opportunity_as_won(as_bob, company, cycle) -> None:
    response = create(
        as_bob, contact_no=company.no, description="40 licences", estimated_value="1000"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["no"], body["status"], body["sales_cycle_code"]) == (
        "OP000001",
        "not_started",
        "NEW",
    )
    assert body["contact_company_no"] == company.no and body["closed"] is False
    response = patch(as_bob, f"{OPPS}/op000001", {"sales_cycle_stage_no": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["status"],
        body["sales_cycle_stage_no"],
        body["sales_cycle_stage_description"],
    ) == (
        "in_progress",
        2,
        "Stage 2",
    )
    assert Decimal(body["calcd_current_value"]) == Decimal(300)
    response = post(as_bob, f"{OPPS}/OP000001/close", {"action": "won"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["closed"], body["date_closed"]) == (
        "won",
        True,
        timezone.localdate().isoformat(),
    )
    assert Decimal(body["calcd_current_value"]) == Decimal(1000)
    assert as_bob.get(f"{OPPS}/OP000001").json()["status"] == "won"


def test_a_closed_opportunity_cannot_change(as_bob, company) -> None:
    create(as_bob, contact_no=company.no)
    post(as_bob, f"{OPPS}/OP000001/close", {"action": "lost"})
    assert error(patch(as_bob, f"{OPPS}/OP000001", {"description": "x"})) == (
        422,
        "closed",
        "Closed must be equal to 'No' in Opportunity: No.=OP000001. Current value is 'Yes'.",
    )


def test_create_checks_are_bcs_and_name_the_payload_field(as_bob, company) -> None:
    assert error(create(as_bob, contact_no="")) == (
        422,
        "contact_no",
        "You must fill in the contact that is involved in the opportunity.",
    )
    assert error(create(as_bob, contact_no="NOPE"))[:2] == (422, "contact_no")
    assert error(create(as_bob, contact_no=company.no, sales_cycle_code="NOPE"))[:2] == (
        422,
        "sales_cycle_code",
    )
    assert error(create(as_bob, contact_no=company.no, sales_cycle_stage_no=1)) == (
        422,
        "sales_cycle_stage_no",
        "Sales Cycle Stage not found.",
    )
    response = create(as_bob, contact_no=company.no)
    assert error(post(as_bob, f"{OPPS}/OP000001/close", {"action": "maybe"})) == (
        422,
        "action",
        "You must select either Won or Lost.",
    )
    assert error(post(as_bob, f"{OPPS}/OP000001/close", {"action": "won"})) == (
        422,
        "calcd_current_value",
        "Sales (LCY) must be greater than 0.",
    )
    assert response.status_code == 201


def test_opportunity_permissions(as_bob, as_carol, api, company, cycle) -> None:
    assert create(as_carol, contact_no=company.no).status_code == 403
    create(as_bob, contact_no=company.no, sales_cycle_stage_no=1)
    assert as_carol.get(f"{OPPS}/OP000001").status_code == 200
    assert patch(as_carol, f"{OPPS}/OP000001", {"description": "x"}).status_code == 403
    assert post(as_carol, f"{OPPS}/OP000001/close", {"action": "won"}).status_code == 403
    assert as_bob.delete(f"{OPPS}/OP000001").status_code == 403
    assert error(api.delete(f"{OPPS}/OP000001")) == (
        422,
        "status",
        "You cannot delete this opportunity while it is active.",
    )
    assert as_bob.get(f"{OPPS}/NOPE").status_code == 404
    assert as_carol.get(OPPS).status_code == 200
    assert post(as_bob, "/api/v1/sales-cycles", {"code": "X"}).status_code == 403


def test_list_filters_searches_sorts_and_pages(alice, as_bob, company, cycle) -> None:
    other = create_contact(actor=alice, name="Valio Oy")
    for i in range(3):
        create(as_bob, contact_no=company.no, description=f"Kesko {i}", estimated_value=str(i))
    create(as_bob, contact_no=other.no, description="Valio deal")
    post(as_bob, f"{OPPS}/OP000004/close", {"action": "lost"})
    body = as_bob.get(OPPS, {"company": company.no, "sort": "-estimated_value"}).json()
    assert body["count"] == 3 and [o["description"] for o in body["items"]] == [
        "Kesko 2",
        "Kesko 1",
        "Kesko 0",
    ]
    assert [o["no"] for o in as_bob.get(OPPS, {"status": "lost"}).json()["items"]] == ["OP000004"]
    assert as_bob.get(OPPS, {"closed": "false"}).json()["count"] == 3
    assert as_bob.get(OPPS, {"q": "valio"}).json()["count"] == 1
    page = as_bob.get(OPPS, {"page_size": 2, "page": 2, "sort": "no"}).json()
    assert [o["no"] for o in page["items"]] == ["OP000003", "OP000004"]
    assert error(as_bob.get(OPPS, {"contact_no": company.no}))[:2] == (422, "contact_no")
    assert error(as_bob.get(OPPS, {"status": "sleeping"}))[:2] == (422, "status")


def test_the_list_takes_the_same_number_of_queries_for_more_rows(
    alice, as_bob, company, cycle
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_bob.get(OPPS).status_code == 200
        return len(ctx.captured_queries)

    create(as_bob, contact_no=company.no, sales_cycle_stage_no=1)
    few = count()
    for _ in range(4):
        person = create_contact(actor=alice, name="P", type="person", company=company)
        create(as_bob, contact_no=person.no, sales_cycle_stage_no=2)
    assert count() == few


def test_sales_cycles_and_stages_over_the_api(api, as_bob, company) -> None:
    response = post(api, "/api/v1/sales-cycles", {"code": "big", "description": "Big deals"})
    assert response.status_code == 201, response.content
    assert response.json()["probability_calculation"] == "multiply"
    url = "/api/v1/sales-cycles/BIG/stages"
    assert (
        post(api, url, {"stage_no": 1, "completed": "25", "chances_of_success": "40"}).status_code
        == 201
    )
    assert error(post(api, url, {"stage_no": 2, "completed": "120"}))[:2] == (422, "completed")
    assert patch(api, f"{url}/1", {"description": "Qualify"}).json()["description"] == "Qualify"
    assert [s["stage_no"] for s in api.get(url).json()] == [1]
    assert patch(api, "/api/v1/sales-cycles/BIG", {"is_default": True}).json()["is_default"]
    opp = create(as_bob, contact_no=company.no, sales_cycle_stage_no=1).json()
    assert opp["sales_cycle_code"] == "BIG" and Decimal(opp["probability"]) == Decimal(10)
    assert error(api.delete(f"{url}/1")) == (
        422,
        "stage_no",
        "You cannot delete a stage which has active entries.",
    )
    assert api.delete(f"{url}/9").status_code == 404


# --- "create opportunity?" after an interaction ------------------------------------------------


def test_create_opportunity_true_on_post_interactions_makes_one_from_the_new_entry(
    as_bob, company, call_template, cycle
) -> None:
    response = post(
        as_bob,
        "/api/v1/interactions",
        {
            "contact_no": company.no,
            "template_code": "CALL",
            "description": "Wants 40 licences",
            "comments": ["Q3"],
            "create_opportunity": True,
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["opportunity_no"] == "OP000001"
    opp = as_bob.get(f"{OPPS}/OP000001").json()
    assert (opp["description"], opp["contact_no"], opp["sales_cycle_code"]) == (
        "Wants 40 licences",
        company.no,
        "NEW",
    )
    assert [c["comment"] for c in opp["comments"]] == ["Q3"]


def test_without_create_opportunity_no_opportunity_is_made(as_bob, company, call_template) -> None:
    response = post(
        as_bob, "/api/v1/interactions", {"contact_no": company.no, "template_code": "CALL"}
    )
    assert response.status_code == 201 and response.json()["opportunity_no"] == ""
    assert as_bob.get(OPPS).json()["count"] == 0


def test_create_opportunity_fails_as_a_whole(as_bob, company, call_template) -> None:
    from rapport.interactions.models import InteractionLogEntry

    response = post(
        as_bob,
        "/api/v1/interactions",
        {
            "contact_no": company.no,
            "template_code": "CALL",
            "postpone": True,
            "create_opportunity": True,
        },
    )
    assert error(response) == (422, "create_opportunity", "Finish the postponed interaction first.")
    assert not InteractionLogEntry.objects.exists()


def test_a_blank_sales_cycle_is_none_and_a_left_out_one_the_default(as_bob, company, cycle) -> None:
    assert create(as_bob, contact_no=company.no).json()["sales_cycle_code"] == "NEW"
    assert (
        create(as_bob, contact_no=company.no, sales_cycle_code="").json()["sales_cycle_code"] == ""
    )
