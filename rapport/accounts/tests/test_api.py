from __future__ import annotations

import pytest

from rapport.accounts.models import ApiToken, User
from rapport.accounts.roles import ADMIN, SALES, VIEWER
from rapport.accounts.services import (
    authenticate_token,
    create_api_token,
    create_salesperson,
    create_user,
    revoke_api_token,
    update_user,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
STRONG = "correct-horse-battery-staple-42"


# --- authentication ----------------------------------------------------------------------


def test_api_without_credentials_is_401_not_authenticated(client):
    response = client.get(f"{API}/me")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["message"]
    assert body["field"] is None


def test_api_with_a_revoked_token_is_401(client, bob):
    token, raw = create_api_token(actor=bob, user=bob, name="ci")
    revoke_api_token(actor=bob, token=token)

    response = client.get(f"{API}/me", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_describes_the_owner_of_the_token(client, alice, bob, bearer):
    salesperson = create_salesperson(actor=alice, code="BO", name="Bob Sales")
    update_user(actor=alice, user=bob, salesperson=salesperson, language="fi")

    response = client.get(f"{API}/me", headers=bearer(bob))

    assert response.status_code == 200
    assert response.json() == {
        "username": "bob",
        "name": "Bob Sales",
        "email": "bob@example.com",
        "roles": [SALES],
        "salesperson": "BO",
        "language": "fi",
    }


def test_me_works_with_a_signed_in_session(client, carol):
    client.force_login(carol)
    response = client.get(f"{API}/me")
    assert response.status_code == 200
    assert response.json()["roles"] == [VIEWER]


# --- salespeople -------------------------------------------------------------------------


def test_admin_creates_lists_and_changes_salespeople(client, alice, bearer):
    headers = bearer(alice)

    created = client.post(
        f"{API}/salespeople",
        {"code": "jo", "name": "John Roberts", "email": "jo@example.com"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json()["code"] == "JO"

    changed = client.patch(
        f"{API}/salespeople/jo",
        {"job_title": "Sales Manager"},
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 200
    assert changed.json()["job_title"] == "Sales Manager"
    assert changed.json()["name"] == "John Roberts"

    listed = client.get(f"{API}/salespeople?q=rob", headers=headers)
    assert listed.status_code == 200
    assert [row["code"] for row in listed.json()["items"]] == ["JO"]


def test_viewer_gets_403_when_creating_a_salesperson(client, carol, bearer):
    response = client.post(
        f"{API}/salespeople",
        {"code": "JO"},
        content_type="application/json",
        headers=bearer(carol),
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_viewer_may_read_salespeople(client, alice, carol, bearer):
    create_salesperson(actor=alice, code="JO")
    response = client.get(f"{API}/salespeople/JO", headers=bearer(carol))
    assert response.status_code == 200
    assert response.json()["code"] == "JO"


def test_too_long_salesperson_name_is_422_naming_the_field(client, alice, bearer):
    response = client.post(
        f"{API}/salespeople",
        {"code": "JO", "name": "x" * 51},
        content_type="application/json",
        headers=bearer(alice),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "name"


def test_duplicate_salesperson_code_is_422_on_code(client, alice, bearer):
    create_salesperson(actor=alice, code="JO")
    response = client.post(
        f"{API}/salespeople",
        {"code": "jo"},
        content_type="application/json",
        headers=bearer(alice),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "code"


def test_privacy_blocking_a_linked_salesperson_is_422(client, alice, bob, bearer):
    salesperson = create_salesperson(actor=alice, code="BO")
    update_user(actor=alice, user=bob, salesperson=salesperson)

    response = client.patch(
        f"{API}/salespeople/BO",
        {"privacy_blocked": True},
        content_type="application/json",
        headers=bearer(alice),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "privacy_blocked"


# --- users -------------------------------------------------------------------------------


def test_admin_creates_a_user_with_roles_and_salesperson(client, alice, bearer):
    create_salesperson(actor=alice, code="DA")

    response = client.post(
        f"{API}/users",
        {
            "username": "dave",
            "password": STRONG,
            "first_name": "Dave",
            "roles": [SALES],
            "salesperson": "da",
            "language": "nb",
        },
        content_type="application/json",
        headers=bearer(alice),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "dave"
    assert body["roles"] == [SALES]
    assert body["salesperson"] == "DA"
    dave = User.objects.get(username="dave")
    assert dave.check_password(STRONG)
    assert dave.language == "nb"


def test_creating_a_user_needs_a_password(client, alice, bearer):
    response = client.post(
        f"{API}/users",
        {"username": "dave"},
        content_type="application/json",
        headers=bearer(alice),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "password"


def test_viewer_gets_403_when_creating_a_user(client, carol, bearer):
    response = client.post(
        f"{API}/users",
        {"username": "mallory", "password": STRONG, "roles": [ADMIN]},
        content_type="application/json",
        headers=bearer(carol),
    )

    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()


def test_salesperson_taken_by_another_user_is_422_with_the_message(client, alice, bob, bearer):
    salesperson = create_salesperson(actor=alice, code="BO")
    update_user(actor=alice, user=bob, salesperson=salesperson)

    response = client.post(
        f"{API}/users",
        {"username": "dave", "password": STRONG, "salesperson": "BO"},
        content_type="application/json",
        headers=bearer(alice),
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "salesperson_taken",
        "message": "The BO Salesperson/Purchaser code is already assigned to another User ID bob.",
        "field": "salesperson",
    }


def test_unknown_salesperson_code_is_422_on_salesperson(client, alice, bearer):
    response = client.post(
        f"{API}/users",
        {"username": "dave", "password": STRONG, "salesperson": "NOPE"},
        content_type="application/json",
        headers=bearer(alice),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "salesperson"


def test_patch_changes_only_what_is_sent_and_null_unlinks_the_salesperson(
    client, alice, bob, bearer
):
    salesperson = create_salesperson(actor=alice, code="BO")
    update_user(actor=alice, user=bob, salesperson=salesperson)
    headers = bearer(alice)

    response = client.patch(
        f"{API}/users/bob",
        {"roles": [SALES, VIEWER], "salesperson": None},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["roles"] == [SALES, VIEWER]
    assert body["salesperson"] is None
    assert body["email"] == "bob@example.com"


def test_patching_a_missing_user_is_404(client, alice, bearer):
    response = client.patch(
        f"{API}/users/nobody", {}, content_type="application/json", headers=bearer(alice)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_user_list_filters_by_role_with_a_fixed_number_of_queries(
    client, alice, bob, carol, bearer, django_assert_max_num_queries
):
    for number in range(10):
        create_user(actor=alice, username=f"user{number:02}", roles=[VIEWER, SALES])
    headers = bearer(alice)

    # session-less token auth, token stamp, permissions, count, rows, prefetched roles
    with django_assert_max_num_queries(7):
        response = client.get(f"{API}/users?page_size=50", headers=headers)
    assert response.status_code == 200
    assert response.json()["count"] == 13
    assert response.json()["items"][3]["roles"] == [SALES, VIEWER]

    response = client.get(f"{API}/users?role=viewer&q=car", headers=headers)
    assert [row["username"] for row in response.json()["items"]] == ["carol"]


def test_user_list_refuses_an_unknown_sort_with_422(client, alice, bearer):
    response = client.get(f"{API}/users?sort=password", headers=bearer(alice))
    assert response.status_code == 422
    assert response.json()["field"] == "sort"


def test_user_get_returns_one_user(client, alice, bob, bearer):
    response = client.get(f"{API}/users/bob", headers=bearer(alice))
    assert response.status_code == 200
    assert response.json()["roles"] == [SALES]


# --- tokens ------------------------------------------------------------------------------


def _session(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_token_create_returns_the_plain_token_once(bob):
    client = _session(bob)
    create_api_token(actor=bob, user=bob, name="tests")

    created = client.post(f"{API}/tokens", {"name": "Reporting"}, content_type="application/json")

    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith(created.json()["prefix"])
    assert authenticate_token(raw) == bob

    listed = client.get(f"{API}/tokens")
    assert listed.status_code == 200
    assert {row["name"] for row in listed.json()} == {"tests", "Reporting"}
    assert all("token" not in row for row in listed.json())
    assert raw not in listed.content.decode()


def test_token_without_a_name_is_422_on_name(bob):
    response = _session(bob).post(f"{API}/tokens", {"name": " "}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "name"


def test_token_list_shows_only_your_own_tokens(client, alice, bob, bearer):
    create_api_token(actor=alice, user=alice, name="alice's")
    response = client.get(f"{API}/tokens", headers=bearer(bob))
    assert [row["name"] for row in response.json()] == ["tests"]


def test_revoking_your_own_token_stops_it_working(client, bob):
    token, raw = create_api_token(actor=bob, user=bob, name="old")
    headers = {"Authorization": f"Bearer {raw}"}

    response = _session(bob).delete(f"{API}/tokens/{token.pk}")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert client.get(f"{API}/me", headers=headers).status_code == 401


def test_another_users_token_is_404_for_a_non_admin(bob, carol):
    token, _raw = create_api_token(actor=carol, user=carol, name="carol's")

    response = _session(bob).delete(f"{API}/tokens/{token.pk}")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_an_admin_may_revoke_another_users_token(alice, carol):
    token, raw = create_api_token(actor=carol, user=carol, name="carol's")

    response = _session(alice).delete(f"{API}/tokens/{token.pk}")

    assert response.status_code == 200
    assert authenticate_token(raw) is None
