from __future__ import annotations

import pytest
from django.test import Client

from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact

HX = {"HX-Request": "true"}


def test_anonymous_users_are_sent_to_the_login_page(db) -> None:
    for url in ("/contacts/", "/contacts/new/", "/contacts/setup/", "/core/number-series/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_login_page_needs_no_login_and_signs_in(alice) -> None:
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert client.get("/contacts/").status_code == 200


def test_contact_list_renders_whole_page_and_htmx_fragment(client_for, alice) -> None:
    create_contact(actor=alice, name="Stora Enso Oyj", city="Helsinki")
    create_contact(actor=alice, name="Equinor ASA", city="Stavanger")
    client = client_for(alice)
    page = client.get("/contacts/?q=stora")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and "Stora Enso Oyj" in html and "Equinor" not in html
    fragment = client.get("/contacts/?city=stavanger", headers=HX).content.decode()
    assert "<html" not in fragment and 'id="results"' in fragment and "Equinor ASA" in fragment


def test_contact_list_pages_with_bounded_queries(
    client_for, alice, django_assert_max_num_queries
) -> None:
    for i in range(60):
        create_contact(actor=alice, name=f"Yritys {i:02d}")
    client = client_for(alice)
    with django_assert_max_num_queries(12):
        response = client.get("/contacts/?sort=name&page=2")
    html = response.content.decode()
    assert "Yritys 50" in html and "Yritys 49" not in html and "Page 2 of 2" in html


def test_create_a_contact_through_the_form(client_for, alice) -> None:
    client = client_for(alice)
    assert client.get("/contacts/new/").status_code == 200
    response = client.post(
        "/contacts/new/",
        {"type": "company", "name": "Nokia Oyj", "city": "Espoo", "correspondence_type": ""},
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/CT000001/"
    card = client.get("/contacts/CT000001/")
    assert "Nokia Oyj" in card.content.decode()


def test_form_errors_name_the_field_and_keep_the_input(client_for, alice) -> None:
    client = client_for(alice)
    response = client.post(
        "/contacts/new/",
        {"type": "company", "name": "Keep me", "phone_no": "12 ABC", "correspondence_type": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Phone No. must not contain letters" in html and 'value="Keep me"' in html
    assert not Contact.objects.exists()


def test_new_person_from_a_company_card(client_for, alice) -> None:
    company = create_contact(actor=alice, name="Orkla ASA", city="Oslo")
    client = client_for(alice)
    form = client.get(f"/contacts/new/?company={company.no}").content.decode()
    assert f'value="{company.no}"' in form
    response = client.post(
        "/contacts/new/",
        {
            "type": "person",
            "name": "Kari Nordmann",
            "company_no": company.no,
            "correspondence_type": "",
        },
    )
    assert response.status_code == 302
    person = Contact.objects.get(name="Kari Nordmann")
    assert person.company == company and person.city == "Oslo"
    tab = client.get(f"/contacts/{company.no}/?tab=persons", headers=HX).content.decode()
    assert "Kari Nordmann" in tab and "<html" not in tab


def test_unknown_company_no_is_a_field_error(client_for, alice) -> None:
    response = client_for(alice).post(
        "/contacts/new/",
        {"type": "person", "name": "X", "company_no": "NOPE", "correspondence_type": ""},
    )
    assert response.status_code == 422
    assert "You must select an existing contact." in response.content.decode()


@pytest.mark.parametrize("tab", ["general", "persons", "relations", "interactions"])
def test_contact_card_tabs_render_with_and_without_htmx(client_for, alice, tab: str) -> None:
    create_contact(actor=alice, name="Tabbed")
    client = client_for(alice)
    full = client.get(f"/contacts/CT000001/?tab={tab}")
    part = client.get(f"/contacts/CT000001/?tab={tab}", headers=HX)
    assert full.status_code == part.status_code == 200
    assert "<html" in full.content.decode() and "<html" not in part.content.decode()


def test_a_viewer_sees_contacts_but_cannot_write_anything(alice, carol, client_for) -> None:
    create_contact(actor=alice, name="Visible")
    client = client_for(carol)
    assert client.get("/contacts/").status_code == 200
    assert client.get("/contacts/CT000001/").status_code == 200
    assert client.get("/contacts/new/").status_code == 403
    assert client.post("/contacts/new/", {"name": "X", "type": "company"}).status_code == 403
    assert client.post("/contacts/CT000001/edit/", {"name": "Y"}).status_code == 403
    assert client.post("/contacts/CT000001/delete/", {"confirmed": "1"}).status_code == 403
    assert client.post("/contacts/setup/", {}).status_code == 403
    assert client.post("/core/number-series/new/", {"code": "Z"}).status_code == 403
    assert client.post("/contacts/business-relations/new/", {"code": "Z"}).status_code == 403
    assert Contact.objects.get().name == "Visible"


def test_delete_a_contact_from_its_card(client_for, alice) -> None:
    create_contact(actor=alice, name="Doomed")
    response = client_for(alice).post("/contacts/CT000001/delete/", {"confirmed": "1"})
    assert response.status_code == 302 and not Contact.objects.exists()


def test_setup_page_saves_and_shows_errors(client_for, alice) -> None:
    client = client_for(alice)
    assert client.get("/contacts/setup/").status_code == 200
    form = {
        "currency_code": "EUR",
        "attachment_storage_type": "disk_file",
        "attachment_storage_location": "../etc",
        "default_correspondence_type": "",
    }
    response = client.post("/contacts/setup/", form)
    assert response.status_code == 422
    assert "without" in response.content.decode()


def test_code_table_pages_create_and_list(client_for, alice) -> None:
    client = client_for(alice)
    response = client.post(
        "/core/number-series/new/",
        {"code": "nw", "starting_no": "NW01", "increment_by": 1, "default_nos": "on"},
    )
    assert response.status_code == 302
    listing = client.get("/core/number-series/?q=nw").content.decode()
    assert "NW01" in listing
    assert "<html" not in client.get("/core/number-series/", headers=HX).content.decode()
    assert client.get("/core/languages/FI/").status_code == 200


def test_language_switch_is_kept_on_the_user(client_for, alice) -> None:
    client = client_for(alice)
    client.post("/language/", {"language": "fi", "next": "/contacts/"})
    alice.refresh_from_db()
    assert alice.language == "fi"
    html = client.get("/contacts/").content.decode()
    assert 'lang="fi"' in html


def test_language_switch_refuses_foreign_redirects(db) -> None:
    response = Client().post("/language/", {"language": "nb", "next": "https://evil.example/"})
    assert response["Location"] == "/"
