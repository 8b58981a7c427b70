"""Token scope, expiry and session-only token management; the sign-in lock; 401 for
anonymous or revoked-token writes."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from rapport.accounts import backends
from rapport.accounts.models import ApiToken
from rapport.accounts.services import (
    authenticate_token,
    create_api_token,
    revoke_api_token,
    update_user,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def with_passwords(alice, bob) -> None:
    update_user(actor=alice, user=alice, password=PASSWORD)
    update_user(actor=alice, user=bob, password=PASSWORD)


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_a_token_cannot_create_or_revoke_tokens(client, bob) -> None:
    token, raw = create_api_token(actor=bob, user=bob, name="ci")
    made = client.post(
        f"{API}/tokens", {"name": "more"}, content_type="application/json", headers=_bearer(raw)
    )
    assert made.status_code == 403
    assert made.json()["code"] == "permission_denied"
    revoked = client.delete(f"{API}/tokens/{token.pk}", headers=_bearer(raw))
    assert revoked.status_code == 403
    assert ApiToken.objects.filter(user=bob).count() == 1
    assert ApiToken.objects.get().revoked_at is None


def test_a_signed_in_session_still_creates_tokens_with_scope_and_expiry(client_for, bob) -> None:
    expires = (timezone.now() + datetime.timedelta(days=30)).isoformat()
    response = client_for(bob).post(
        f"{API}/tokens",
        {"name": "reports", "scope": "read", "expires_at": expires},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "read" and body["expires_at"]


def test_a_read_token_reads_but_cannot_write(client, bob) -> None:
    _token, raw = create_api_token(actor=bob, user=bob, name="read", scope="read")
    assert client.get(f"{API}/me", headers=_bearer(raw)).status_code == 200
    response = client.post(
        f"{API}/contacts", {"name": "Kesko"}, content_type="application/json", headers=_bearer(raw)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_expired_token_no_longer_authenticates(client, bob, monkeypatch) -> None:
    _token, raw = create_api_token(
        actor=bob, user=bob, name="short", expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert authenticate_token(raw) == bob
    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert authenticate_token(raw) is None
    assert client.get(f"{API}/me", headers=_bearer(raw)).status_code == 401


def test_a_new_password_revokes_the_users_tokens_unless_told_not_to(alice, bob) -> None:
    _token, raw = create_api_token(actor=bob, user=bob, name="ci")
    update_user(actor=alice, user=bob, password="another-horse-battery-9")
    assert authenticate_token(raw) is None
    _token, kept = create_api_token(actor=bob, user=bob, name="kept")
    update_user(actor=alice, user=bob, password="yet-another-horse-7", revoke_tokens=False)
    assert authenticate_token(kept) == bob


def test_anonymous_and_revoked_token_writes_are_401_not_csrf_failures(bob) -> None:
    client = Client(enforce_csrf_checks=True)
    anonymous = client.post(f"{API}/contacts", {"name": "X"}, content_type="application/json")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    token, raw = create_api_token(actor=bob, user=bob, name="ci")
    revoke_api_token(actor=bob, token=token)
    revoked = client.post(
        f"{API}/contacts", {"name": "X"}, content_type="application/json", headers=_bearer(raw)
    )
    assert revoked.status_code == 401


def test_a_signed_in_session_still_needs_the_csrf_token_to_write(bob) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post(f"{API}/contacts", {"name": "X"}, content_type="application/json")
    assert response.status_code == 403


def _sign_in(client: Client, username: str, password: str, url: str = "/accounts/login/") -> Any:
    return client.post(url, {"username": username, "password": password})


def test_fifty_wrong_passwords_lock_the_user_until_the_lock_expires(
    client, with_passwords, monkeypatch
) -> None:
    statuses = [_sign_in(client, "bob", "wrong-password").status_code for _ in range(50)]
    assert 302 not in statuses
    locked = _sign_in(client, "bob", PASSWORD)
    assert locked.status_code == 200, "the right password is refused while locked"
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    later = backends._now() + 16 * 60
    monkeypatch.setattr(backends, "_now", lambda: later)
    assert _sign_in(client, "bob", PASSWORD).status_code == 302


def test_wrong_passwords_from_one_address_lock_every_user_name(client, with_passwords) -> None:
    for number in range(50):
        _sign_in(client, f"guess{number}", "wrong-password")
    response = _sign_in(client, "bob", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _sign_in(other, "bob", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_too(client, with_passwords) -> None:
    for _ in range(10):
        _sign_in(client, "alice", "wrong-password", url="/admin/login/")
    response = _sign_in(client, "alice", PASSWORD, url="/admin/login/")
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_the_user_card_revokes_tokens_with_a_new_password_unless_unticked(client_for, alice, bob):
    _token, raw = create_api_token(actor=bob, user=bob, name="ci")
    client = client_for(alice)
    page = client.get("/accounts/users/bob/").content.decode()
    assert re.search(r'<input type="checkbox" name="revoke_tokens"[^>]* checked', page)
    fields = {"first_name": "Bob", "roles": ["sales"], "is_active": "on"}
    ticked = client.post(
        "/accounts/users/bob/",
        {**fields, "password": "another-horse-battery-9", "revoke_tokens": "on"},
    )
    assert ticked.status_code == 302
    assert authenticate_token(raw) is None
    _token, raw = create_api_token(actor=bob, user=bob, name="ci2")
    unticked = client.post("/accounts/users/bob/", {**fields, "password": "third-horse-battery-5"})
    assert unticked.status_code == 302
    assert authenticate_token(raw) == bob
