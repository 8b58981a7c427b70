from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.accounts.models import ApiToken, Salesperson, User
from rapport.accounts.roles import SALES, VIEWER
from rapport.accounts.services import (
    authenticate_token,
    create_api_token,
    create_salesperson,
    update_user,
)

pytestmark = pytest.mark.django_db

STRONG = "correct-horse-battery-staple-42"
HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/profile/",
        "/accounts/users/",
        "/accounts/users/new/",
        "/accounts/users/alice/",
        "/accounts/salespeople/",
        "/accounts/salespeople/new/",
    ],
)
def test_anonymous_user_is_redirected_to_login_with_next(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("accounts:profile", []),
        ("accounts:user_list", []),
        ("accounts:user_new", []),
        ("accounts:user_card", ["bob"]),
        ("accounts:salespeople_list", []),
        ("accounts:salespeople_new", []),
        ("accounts:salespeople_card", ["JO"]),
    ],
)
def test_pages_render_for_an_admin_with_and_without_htmx(login, alice, bob, name, args, htmx):
    create_salesperson(actor=alice, code="JO", name="John Roberts")
    client = login(alice)

    response = client.get(reverse(name, args=args), headers=HTMX if htmx else {})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_the_user_list_sends_only_the_results_to_htmx(login, alice, bob):
    client = login(alice)

    page = client.get("/accounts/users/?q=bob")
    fragment = client.get("/accounts/users/?q=bob", headers=HTMX)

    assert b"<html" in page.content
    assert b"<html" not in fragment.content
    assert b'id="results"' in fragment.content
    assert b"bob@example.com" in fragment.content
    assert b"alice@example.com" not in fragment.content


# --- salespeople -------------------------------------------------------------------------


def test_viewer_gets_403_when_posting_a_new_salesperson(login, carol):
    response = login(carol).post("/accounts/salespeople/new/", {"code": "JO", "name": "John"})

    assert response.status_code == 403
    assert not Salesperson.objects.exists()


def test_viewer_sees_a_salesperson_card_read_only(login, alice, carol):
    create_salesperson(actor=alice, code="JO")
    response = login(carol).get("/accounts/salespeople/JO/")
    assert response.status_code == 200
    assert b"disabled" in response.content
    assert response.context["can_change"] is False


def test_admin_creates_a_salesperson_and_is_sent_to_its_card(login, alice):
    response = login(alice).post(
        "/accounts/salespeople/new/",
        {"code": "jo", "name": "John Roberts", "commission_pct": "2.5"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/salespeople/JO/"
    assert Salesperson.objects.get(code="JO").name == "John Roberts"


def test_editing_a_salesperson_works_without_the_disabled_code_in_the_post(login, alice):
    create_salesperson(actor=alice, code="JO", name="John")

    # A browser does not send the disabled code input.
    response = login(alice).post(
        "/accounts/salespeople/JO/", {"name": "John Roberts", "commission_pct": "0"}
    )

    assert response.status_code == 302
    assert Salesperson.objects.get(code="JO").name == "John Roberts"


def test_privacy_blocking_a_linked_salesperson_shows_the_error_next_to_the_field(login, alice, bob):
    salesperson = create_salesperson(actor=alice, code="BO")
    update_user(actor=alice, user=bob, salesperson=salesperson)

    response = login(alice).post(
        "/accounts/salespeople/BO/", {"commission_pct": "0", "privacy_blocked": "on"}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["privacy_blocked"]
    assert not Salesperson.objects.get(code="BO").privacy_blocked


# --- users -------------------------------------------------------------------------------


def test_admin_creates_a_user_with_roles_through_the_card(login, alice):
    create_salesperson(actor=alice, code="DA")
    salesperson = Salesperson.objects.get(code="DA")

    response = login(alice).post(
        "/accounts/users/new/",
        {
            "username": "dave",
            "first_name": "Dave",
            "email": "dave@example.com",
            "password": STRONG,
            "roles": [SALES, VIEWER],
            "salesperson": str(salesperson.pk),
            "language": "fi",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/users/dave/"
    dave = User.objects.get(username="dave")
    assert set(dave.groups.values_list("name", flat=True)) == {SALES, VIEWER}
    assert dave.salesperson == salesperson
    assert dave.check_password(STRONG)
    assert dave.is_active


def test_a_new_user_needs_a_password(login, alice):
    response = login(alice).post("/accounts/users/new/", {"username": "dave"})

    assert response.status_code == 422
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="dave").exists()


def test_editing_a_user_keeps_the_password_when_left_blank(login, alice, bob):
    update_user(actor=alice, user=bob, password=STRONG)

    response = login(alice).post(
        "/accounts/users/bob/",
        {"first_name": "Robert", "roles": [SALES], "is_active": "on", "password": ""},
    )

    assert response.status_code == 302
    bob = User.objects.get(username="bob")
    assert bob.first_name == "Robert"
    assert bob.username == "bob"
    assert bob.check_password(STRONG)


def test_the_salesperson_taken_message_shows_next_to_the_field(login, alice, bob, carol):
    salesperson = create_salesperson(actor=alice, code="BO")
    update_user(actor=alice, user=bob, salesperson=salesperson)

    response = login(alice).post(
        "/accounts/users/carol/",
        {"roles": [VIEWER], "salesperson": str(salesperson.pk), "is_active": "on"},
    )

    assert response.status_code == 422
    assert response.context["form"].errors["salesperson"] == [
        "The BO Salesperson/Purchaser code is already assigned to another User ID bob."
    ]
    assert b"already assigned to another User ID bob" in response.content


def test_viewer_gets_403_when_posting_to_a_user_card(login, carol, bob):
    response = login(carol).post("/accounts/users/bob/", {"roles": ["admin"]})
    assert response.status_code == 403
    assert list(User.objects.get(username="bob").groups.values_list("name", flat=True)) == [SALES]


def test_viewer_cannot_open_the_new_user_page(login, carol):
    assert login(carol).get("/accounts/users/new/").status_code == 403


def test_admin_sees_and_revokes_another_users_token_on_the_user_card(login, alice, bob):
    token, raw = create_api_token(actor=bob, user=bob, name="Bob's script")
    client = login(alice)

    card = client.get("/accounts/users/bob/")
    assert b"Bob&#x27;s script" in card.content
    assert token.prefix.encode() in card.content

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/users/bob/"
    assert authenticate_token(raw) is None


# --- profile and tokens ------------------------------------------------------------------


def test_profile_shows_name_roles_and_salesperson(login, alice, bob):
    salesperson = create_salesperson(actor=alice, code="BO", name="Bob Sales")
    update_user(actor=alice, user=bob, salesperson=salesperson)

    response = login(bob).get("/accounts/profile/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Bob Sales" in content
    assert "Sales" in content
    assert "BO" in content


def test_creating_a_token_on_the_profile_shows_it_once(login, bob):
    client = login(bob)

    response = client.post("/accounts/profile/tokens/", {"name": "Reporting"})

    assert response.status_code == 200
    raw = response.context["new_token_value"]
    assert raw.startswith("rpt_")
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "will not be shown again" in response.content.decode()
    assert authenticate_token(raw) == bob

    again = client.get("/accounts/profile/")
    assert raw not in again.content.decode()
    assert ApiToken.objects.get(user=bob).prefix in again.content.decode()


def test_a_token_without_a_name_shows_the_error_on_the_profile(login, bob):
    response = login(bob).post("/accounts/profile/tokens/", {"name": ""})

    assert response.status_code == 422
    assert response.context["token_form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoking_your_own_token_from_the_profile(login, bob):
    token, raw = create_api_token(actor=bob, user=bob, name="old")

    response = login(bob).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert authenticate_token(raw) is None


def test_revoking_needs_post(login, bob):
    token, raw = create_api_token(actor=bob, user=bob, name="old")
    assert login(bob).get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    assert authenticate_token(raw) == bob


def test_another_users_token_is_404_on_revoke(login, bob, carol):
    token, raw = create_api_token(actor=carol, user=carol, name="carol's")

    response = login(bob).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert authenticate_token(raw) == carol


def test_changing_the_language_on_the_profile(login, bob):
    response = login(bob).post("/accounts/profile/language/", {"language": "nb"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert User.objects.get(username="bob").language == "nb"


def test_an_unknown_language_is_refused_on_the_profile(login, bob):
    response = login(bob).post("/accounts/profile/language/", {"language": "xx"})

    assert response.status_code == 422
    assert response.context["language_form"].errors["language"]
    assert User.objects.get(username="bob").language == ""


def test_the_profile_names_languages_in_their_own_words(alice, client_for) -> None:
    page = client_for(alice).get("/accounts/profile/").content.decode()
    assert ">suomi<" in page and ">norsk<" in page and ">English<" in page
