"""Permissions are read in one query per request (Django's own backend runs two)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from rapport.accounts.models import User
from rapport.accounts.services import update_user


def test_a_users_permissions_are_read_in_one_query(
    bob: User, django_assert_num_queries: Any
) -> None:
    fresh = User.objects.get(pk=bob.pk)  # as a request loads it
    with django_assert_num_queries(1):
        assert fresh.has_perm("contacts.view_contact")
        assert fresh.has_perm("interactions.add_interactionlogentry")
        assert not fresh.has_perm("accounts.add_user")


def test_one_query_permissions_are_the_users_own_and_their_roles(
    alice: User, bob: User, carol: User
) -> None:
    own = Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    carol.user_permissions.add(own)
    for user in (alice, bob, carol):
        fresh = User.objects.get(pk=user.pk)
        expected = ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
        assert fresh.get_all_permissions() == expected
    assert "accounts.view_user" in User.objects.get(pk=carol.pk).get_all_permissions()


def test_a_changed_role_applies_to_the_next_request(alice: User, carol: User) -> None:
    assert not User.objects.get(pk=carol.pk).has_perm("contacts.add_contact")
    update_user(actor=alice, user=carol, roles=["sales"])
    assert User.objects.get(pk=carol.pk).has_perm("contacts.add_contact")


def test_an_inactive_user_has_no_permissions(alice: User, bob: User) -> None:
    update_user(actor=alice, user=bob, is_active=False)
    assert User.objects.get(pk=bob.pk).get_all_permissions() == set()
