from __future__ import annotations

import pytest

from rapport.accounts.models import ApiToken
from rapport.accounts.services import authenticate_token, create_api_token, create_salesperson

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["user", "salesperson", "apitoken"])
def test_admin_site_lists_accounts_data_read_only(login, alice, bob, model):
    create_salesperson(actor=alice, code="JO")
    create_api_token(actor=bob, user=bob, name="ci")
    client = login(alice)

    assert client.get(f"/admin/accounts/{model}/").status_code == 200
    assert client.get(f"/admin/accounts/{model}/add/").status_code == 403


def test_admin_site_never_shows_a_token_digest(login, alice, bob):
    token, _raw = create_api_token(actor=bob, user=bob, name="ci")

    response = login(alice).get(f"/admin/accounts/apitoken/{token.pk}/change/")

    assert response.status_code == 200
    assert token.digest not in response.content.decode()


def test_admin_site_revoke_action_revokes_through_the_service(login, alice, bob):
    token, raw = create_api_token(actor=bob, user=bob, name="ci")

    response = login(alice).post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )

    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert authenticate_token(raw) is None
