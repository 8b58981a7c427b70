"""Alternative addresses of a contact (BC's Contact Alt. Address): services, page and API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from rapport.contacts.models import Contact, ContactAltAddress
from rapport.contacts.services import (
    create_contact,
    create_contact_alt_address,
    delete_contact,
    delete_contact_alt_address,
    update_contact_alt_address,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kesko(alice: Any) -> Contact:
    return create_contact(actor=alice, name="Kesko Oyj", email="info@kesko.fi")


def field_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict))


# --- services -------------------------------------------------------------------------------


def test_an_alternative_address_gets_an_upper_case_code_and_search_email(
    alice: Any, kesko: Contact
) -> None:
    alt = create_contact_alt_address(
        actor=alice,
        contact=kesko,
        code=" summer ",
        company_name="Kesko Kesämökki",
        city="Hanko",
        email="Summer@Kesko.fi",
    )
    alt.refresh_from_db()
    assert (alt.code, alt.search_email) == ("SUMMER", "SUMMER@KESKO.FI")
    assert list(kesko.alt_addresses.all()) == [alt]


def test_changing_the_email_keeps_the_search_email_in_step(alice: Any, kesko: Contact) -> None:
    alt = create_contact_alt_address(actor=alice, contact=kesko, code="HOME", email="a@x.fi")
    update_contact_alt_address(actor=alice, alt_address=alt, email="New@X.fi")
    alt.refresh_from_db()
    assert alt.search_email == "NEW@X.FI"
    update_contact_alt_address(actor=alice, alt_address=alt, email="")
    alt.refresh_from_db()
    assert alt.search_email == ""


def test_the_code_is_required(alice: Any, kesko: Contact) -> None:
    with pytest.raises(ValidationError) as exc:
        create_contact_alt_address(actor=alice, contact=kesko, code="  ", city="Hanko")
    assert field_of(exc) == "code"
    assert "You must fill in the Code field." in str(exc.value)


def test_an_invalid_email_is_refused_like_the_contacts_own(alice: Any, kesko: Contact) -> None:
    with pytest.raises(ValidationError) as exc:
        create_contact_alt_address(actor=alice, contact=kesko, code="HOME", email="not-an-address")
    assert field_of(exc) == "email"
    assert 'The email address "not-an-address" is invalid.' in str(exc.value)


def test_a_code_is_unique_per_contact_but_not_across_contacts(alice: Any, kesko: Contact) -> None:
    other = create_contact(actor=alice, name="Valio Oy")
    create_contact_alt_address(actor=alice, contact=kesko, code="HOME")
    create_contact_alt_address(actor=alice, contact=other, code="HOME")
    with pytest.raises(ValidationError) as exc:
        create_contact_alt_address(actor=alice, contact=kesko, code="home")
    assert field_of(exc) == "code"
    assert "already exists" in str(exc.value) and f"Contact No.='{kesko.no}'" in str(exc.value)
    summer = create_contact_alt_address(actor=alice, contact=kesko, code="SUMMER")
    with pytest.raises(ValidationError):
        update_contact_alt_address(actor=alice, alt_address=summer, code="HOME")


def test_a_viewer_cannot_change_alternative_addresses(
    alice: Any, carol: Any, kesko: Contact
) -> None:
    with pytest.raises(PermissionDenied):
        create_contact_alt_address(actor=carol, contact=kesko, code="HOME")
    alt = create_contact_alt_address(actor=alice, contact=kesko, code="HOME")
    with pytest.raises(PermissionDenied):
        delete_contact_alt_address(actor=carol, alt_address=alt)


def test_deleting_a_contact_deletes_its_alternative_addresses(alice: Any, kesko: Contact) -> None:
    create_contact_alt_address(actor=alice, contact=kesko, code="HOME")
    delete_contact(actor=alice, contact=kesko)
    assert not ContactAltAddress.objects.exists()


# --- page -----------------------------------------------------------------------------------


def test_a_salesperson_adds_edits_and_deletes_an_alternative_address_on_the_contact_page(
    bob: Any, client_for: Any, kesko: Contact
) -> None:
    client = client_for(bob)
    tab = f"/contacts/{kesko.no}/?tab=alt_addresses"
    assert "No alternative addresses." in client.get(tab).content.decode()

    response = client.post(
        f"/contacts/{kesko.no}/alt-addresses/new/",
        {"code": "summer", "company_name": "Kesko Kesämökki", "city": "Hanko"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?tab=alt_addresses")
    page = client.get(tab).content.decode()
    assert "SUMMER" in page and "Kesko Kesämökki" in page

    edit = f"/contacts/{kesko.no}/alt-addresses/SUMMER/edit/"
    assert "Kesko Kesämökki" in client.get(edit).content.decode()
    bad = client.post(edit, {"code": "SUMMER", "email": "nope"})
    assert bad.status_code == 422
    assert "The email address" in bad.content.decode()
    client.post(edit, {"code": "SUMMER", "city": "Turku", "email": "summer@kesko.fi"})
    alt = ContactAltAddress.objects.get()
    assert (alt.city, alt.search_email) == ("Turku", "SUMMER@KESKO.FI")

    delete = f"/contacts/{kesko.no}/alt-addresses/SUMMER/delete/"
    asked = client.post(delete)
    assert (
        asked.status_code == 200 and "Delete alternative address SUMMER?" in asked.content.decode()
    )
    assert ContactAltAddress.objects.exists()
    client.post(delete, {"confirmed": "1"})
    assert not ContactAltAddress.objects.exists()


def test_a_missing_code_is_shown_on_the_form(bob: Any, client_for: Any, kesko: Contact) -> None:
    response = client_for(bob).post(f"/contacts/{kesko.no}/alt-addresses/new/", {"city": "X"})
    assert response.status_code == 422
    assert "You must fill in the Code field." in response.content.decode()


def test_a_viewer_sees_alternative_addresses_but_cannot_change_them(
    alice: Any, carol: Any, client_for: Any, kesko: Contact
) -> None:
    create_contact_alt_address(actor=alice, contact=kesko, code="HOME", city="Espoo")
    client = client_for(carol)
    page = client.get(f"/contacts/{kesko.no}/?tab=alt_addresses").content.decode()
    assert "Espoo" in page and "alt-addresses/new/" not in page
    assert client.get(f"/contacts/{kesko.no}/alt-addresses/new/").status_code == 403
    assert client.post(f"/contacts/{kesko.no}/alt-addresses/HOME/delete/").status_code == 403


# --- API ------------------------------------------------------------------------------------


def send(client: Client, method: str, url: str, payload: Any = None) -> Any:
    return getattr(client, method)(
        url, json.dumps(payload) if payload is not None else None, "application/json"
    )


def test_alternative_addresses_through_the_api(alice: Any, client_for: Any, kesko: Contact) -> None:
    api = client_for(alice)
    base = f"/api/v1/contacts/{kesko.no.lower()}/alt-addresses"
    created = send(api, "post", base, {"code": "home", "city": "Espoo", "email": "h@kesko.fi"})
    assert created.status_code == 201, created.content
    assert created.json()["code"] == "HOME" and created.json()["contact_no"] == kesko.no

    assert [row["code"] for row in api.get(base).json()] == ["HOME"]
    assert api.get(f"{base}/home").json()["email"] == "h@kesko.fi"

    patched = send(api, "patch", f"{base}/HOME", {"city": "Vantaa", "email": "v@kesko.fi"})
    assert patched.status_code == 200
    assert patched.json()["city"] == "Vantaa"
    assert ContactAltAddress.objects.get().search_email == "V@KESKO.FI"

    assert api.delete(f"{base}/HOME").status_code == 204
    assert api.get(base).json() == []


def test_api_errors_for_alternative_addresses(alice: Any, client_for: Any, kesko: Contact) -> None:
    api = client_for(alice)
    base = f"/api/v1/contacts/{kesko.no}/alt-addresses"
    create_contact_alt_address(actor=alice, contact=kesko, code="HOME")

    missing = api.get(f"{base}/NOPE")
    assert missing.status_code == 404
    assert set(missing.json()) == {"code", "message", "field"}
    assert api.get("/api/v1/contacts/CT999999/alt-addresses").status_code == 404

    duplicate = send(api, "post", base, {"code": "HOME"})
    assert duplicate.status_code == 422
    assert duplicate.json()["field"] == "code" and duplicate.json()["code"] == "duplicate"

    invalid = send(api, "patch", f"{base}/HOME", {"email": "nope"})
    assert invalid.status_code == 422 and invalid.json()["field"] == "email"

    null = send(api, "patch", f"{base}/HOME", {"city": None})
    assert null.status_code == 422 and null.json()["field"] == "city"

    unknown = api.get(f"{base}?colour=red")
    assert unknown.status_code == 422 and unknown.json()["field"] == "colour"


def test_a_viewer_cannot_create_alternative_addresses_through_the_api(
    carol: Any, client_for: Any, kesko: Contact
) -> None:
    response = send(
        client_for(carol), "post", f"/api/v1/contacts/{kesko.no}/alt-addresses", {"code": "X"}
    )
    assert response.status_code == 403
