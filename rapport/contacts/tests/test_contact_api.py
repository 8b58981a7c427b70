from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.services import create_api_token, create_salesperson
from rapport.contacts.services import create_contact


def bearer(user) -> dict[str, str]:
    _token, raw = create_api_token(actor=user, user=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def api(alice):
    client = Client(headers=bearer(alice))
    return client


def test_anonymous_api_calls_get_401_in_the_error_shape(db) -> None:
    response = Client().get("/api/v1/contacts")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated" and body["field"] is None and body["message"]


def test_an_invalid_token_gets_401(db) -> None:
    response = Client(headers={"Authorization": "Bearer rpt_nope"}).get("/api/v1/contacts")
    assert response.status_code == 401


def test_create_and_read_a_contact_with_a_token(api, alice) -> None:
    create_salesperson(actor=alice, code="MK", name="Mika")
    response = api.post(
        "/api/v1/contacts",
        {
            "name": "Wärtsilä Oyj",
            "city": "Helsinki",
            "salesperson_code": "mk",
            "language_code": "fi",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["no"] == "CT000001" and body["company_no"] == "CT000001"
    assert body["salesperson_code"] == "MK" and body["language_code"] == "FI"
    person = api.post(
        "/api/v1/contacts",
        {"name": "Jaana Virtanen", "type": "person", "company_no": "CT000001"},
        content_type="application/json",
    ).json()
    assert person["company_name"] == "Wärtsilä Oyj" and person["city"] == "Helsinki"
    assert api.get("/api/v1/contacts/ct000002").json()["surname"] == "Virtanen"


def test_validation_errors_are_422_with_code_message_and_field(api) -> None:
    response = api.post(
        "/api/v1/contacts", {"name": "X", "phone_no": "12 AB"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "letters",
        "message": "Phone No. must not contain letters",
        "field": "phone_no",
    }
    response = api.post("/api/v1/contacts", {"name": "N" * 101}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "name"
    response = api.post(
        "/api/v1/contacts",
        {"name": "X", "salesperson_code": "NOPE"},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["field"] == "salesperson_code"


def test_a_viewer_can_read_but_not_write(alice, carol) -> None:
    create_contact(actor=alice, name="Readable")
    client = Client(headers=bearer(carol))
    assert client.get("/api/v1/contacts").status_code == 200
    response = client.post("/api/v1/contacts", {"name": "X"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert (
        client.patch(
            "/api/v1/contacts/CT000001", {"name": "Y"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.delete("/api/v1/contacts/CT000001").status_code == 403


def test_missing_contact_is_404_in_the_error_shape(api) -> None:
    response = api.get("/api/v1/contacts/NOPE")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_list_is_paginated_filterable_sortable_with_bounded_queries(
    api, alice, django_assert_max_num_queries
) -> None:
    sp = create_salesperson(actor=alice, code="S1")
    for i in range(30):
        create_contact(
            actor=alice, name=f"Firma {i:02d}", city="Oslo" if i % 2 else "Bergen", salesperson=sp
        )
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/contacts?city=oslo&sort=-name&page_size=10&page=2").json()
    assert body["count"] == 15 and body["pages"] == 2 and body["page"] == 2
    assert [c["name"] for c in body["items"]][:2] == ["Firma 09", "Firma 07"]
    assert api.get("/api/v1/contacts?q=firma 2").json()["count"] == 10
    bad = api.get("/api/v1/contacts?sort=password")
    assert bad.status_code == 422 and bad.json()["field"] == "sort"
    bad = api.get("/api/v1/contacts?privacy_blocked=maybe")
    assert bad.status_code == 422 and bad.json()["field"] == "privacy_blocked"


def test_patch_changes_only_sent_fields(api, alice) -> None:
    create_contact(actor=alice, name="Patchable", city="Turku", phone_no="02 1")
    body = api.patch(
        "/api/v1/contacts/CT000001", {"city": "Pori"}, content_type="application/json"
    ).json()
    assert body["city"] == "Pori" and body["phone_no"] == "02 1"


def test_delete_a_contact(api, alice) -> None:
    create_contact(actor=alice, name="Gone")
    assert api.delete("/api/v1/contacts/CT000001").status_code == 204
    assert api.get("/api/v1/contacts/CT000001").status_code == 404


def test_business_relations_over_the_api(api) -> None:
    assert (
        api.post(
            "/api/v1/business-relations",
            {"code": "cust", "description": "Customer"},
            content_type="application/json",
        ).status_code
        == 201
    )
    api.post("/api/v1/contacts", {"name": "Co"}, content_type="application/json")
    response = api.post(
        "/api/v1/contacts/CT000001/business-relations",
        {"business_relation_code": "CUST", "link_to_table": "customer", "no": "10000"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert api.get("/api/v1/contacts/CT000001/business-relations").json()[0]["no"] == "10000"
    duplicate = api.post(
        "/api/v1/business-relations", {"code": "CUST"}, content_type="application/json"
    )
    assert duplicate.status_code == 422 and duplicate.json()["field"] == "code"


def test_marketing_setup_over_the_api(api, carol) -> None:
    body = api.get("/api/v1/setup").json()
    assert body["contact_nos"] == "CONT" and body["default_language"] == "FI"
    body = api.patch(
        "/api/v1/setup",
        {"default_language": "nb", "inherit_address": False},
        content_type="application/json",
    ).json()
    assert body["default_language"] == "NB" and body["inherit_address"] is False
    bad = api.patch("/api/v1/setup", {"contact_nos": "NOPE"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "contact_nos"
    viewer = Client(headers=bearer(carol))
    assert (
        viewer.patch(
            "/api/v1/setup", {"currency_code": "NOK"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_number_series_and_languages_over_the_api(api) -> None:
    response = api.post(
        "/api/v1/number-series",
        {"code": "X", "starting_no": "X001"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert api.get("/api/v1/number-series/x").json()["starting_no"] == "X001"
    assert api.get("/api/v1/languages?sort=code").json()["count"] == 6
    bad = api.post(
        "/api/v1/number-series",
        {"code": "Y", "starting_no": "ABC"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "starting_no"


def test_openapi_docs_are_served(client_for, alice) -> None:
    client = client_for(alice)
    assert client.get("/api/docs").status_code == 302
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/contacts" in schema["paths"]


def test_health_needs_no_login(db) -> None:
    response = Client().get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
