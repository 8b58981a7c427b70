"""The audit trail of users, tokens and salespeople (setup)."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.accounts import services
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def events(object_type: str, key: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type, object_key=key).order_by("pk"))


def test_a_user_change_records_before_after_without_the_password_hash(alice: Any, bob: Any) -> None:
    services.update_user(
        actor=alice,
        user=bob,
        email="bob.sales@example.com",
        password="another-horse-battery-staple",
        roles=["sales", "marketing"],
    )
    created, changed = events("accounts.user", "bob")
    assert created.action == "create"
    assert created.details == {"roles": ["sales"]}
    assert changed.actor == alice
    assert changed.changes["email"][1] == "bob.sales@example.com"
    assert changed.changes["password"] == ["***", "***"]
    assert changed.details == {"roles": ["marketing", "sales"]}
    assert "pbkdf2" not in str(created.changes) + str(changed.changes)


def test_tokens_created_and_revoked_are_recorded_without_the_secret(alice: Any, bob: Any) -> None:
    token, raw = services.create_api_token(actor=bob, user=bob, name="script")
    services.revoke_api_token(actor=alice, token=token)
    created, revoked = events("accounts.apitoken", str(token.pk))
    assert created.actor == bob and created.changes["name"] == [None, "script"]
    assert raw not in str(created.changes) and token.digest not in str(created.changes)
    assert revoked.action == "revoke" and revoked.actor == alice


def test_a_salesperson_edit_records_before_and_after(alice: Any) -> None:
    salesperson = services.create_salesperson(actor=alice, code="AH", name="Aino")
    services.update_salesperson(actor=alice, salesperson=salesperson, name="Aino Heikkinen")
    services.delete_salesperson(actor=alice, salesperson=salesperson)
    created, changed, deleted = events("accounts.salesperson", "AH")
    assert created.action == "create"
    assert changed.changes == {"name": ["Aino", "Aino Heikkinen"]}
    assert deleted.action == "delete" and deleted.changes["name"] == ["Aino Heikkinen", None]
