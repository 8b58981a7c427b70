"""Named test actors: alice (admin), bob (sales), carol (viewer), built by the real services.

These are meant to move to a project-wide conftest once other apps need them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from rapport.accounts.models import User
from rapport.accounts.roles import ADMIN, SALES, VIEWER
from rapport.accounts.services import create_api_token, create_user


@pytest.fixture
def alice(db: None) -> User:
    return create_user(
        actor=None,
        username="alice",
        first_name="Alice",
        last_name="Admin",
        email="alice@example.com",
        roles=[ADMIN],
    )


@pytest.fixture
def bob(alice: User) -> User:
    return create_user(
        actor=alice,
        username="bob",
        first_name="Bob",
        last_name="Sales",
        email="bob@example.com",
        roles=[SALES],
    )


@pytest.fixture
def carol(alice: User) -> User:
    return create_user(
        actor=alice,
        username="carol",
        first_name="Carol",
        last_name="Viewer",
        email="carol@example.com",
        roles=[VIEWER],
    )


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """`login(user)` returns the test client signed in as `user`."""

    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def bearer() -> Callable[[User], dict[str, str]]:
    """`bearer(user)` creates an API token for `user` and returns the request headers."""

    def headers(user: User) -> dict[str, str]:
        _token, raw = create_api_token(actor=user, user=user, name="tests")
        return {"Authorization": f"Bearer {raw}"}

    return headers
