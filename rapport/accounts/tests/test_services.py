from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.accounts.models import ApiToken, User
from rapport.accounts.roles import ADMIN, SALES, VIEWER
from rapport.accounts.services import (
    authenticate_token,
    bootstrap_admin,
    create_api_token,
    create_salesperson,
    create_user,
    revoke_api_token,
    set_user_language,
    sync_roles,
    update_salesperson,
    update_user,
)
from rapport.core.validation import first_error

pytestmark = pytest.mark.django_db

STRONG = "correct-horse-battery-staple-42"


def fresh(user: User) -> User:
    """The user re-read, without cached permissions."""
    return User.objects.get(pk=user.pk)


# --- salespeople -------------------------------------------------------------------------


def test_salesperson_code_is_stored_upper_case_and_trimmed(alice):
    salesperson = create_salesperson(actor=alice, code="  jo ", name="John Roberts")
    assert salesperson.code == "JO"


def test_salesperson_without_a_code_names_the_code_field(alice):
    with pytest.raises(ValidationError) as exc:
        create_salesperson(actor=alice, code="  ")
    assert first_error(exc.value)[0] == "code"
    assert first_error(exc.value)[2] == "required"


def test_duplicate_salesperson_code_is_refused_on_the_code_field(alice):
    create_salesperson(actor=alice, code="JO")
    with pytest.raises(ValidationError) as exc:
        create_salesperson(actor=alice, code="jo")
    assert first_error(exc.value)[0] == "code"


def test_viewer_cannot_create_a_salesperson(carol):
    with pytest.raises(PermissionDenied):
        create_salesperson(actor=carol, code="JO")


def test_linking_a_salesperson_already_assigned_to_another_user_names_that_user(alice, bob, carol):
    salesperson = create_salesperson(actor=alice, code="JO", name="John")
    update_user(actor=alice, user=bob, salesperson=salesperson)

    with pytest.raises(ValidationError) as exc:
        update_user(actor=alice, user=carol, salesperson=salesperson)

    field, message, code = first_error(exc.value)
    assert field == "salesperson"
    assert message == (
        "The JO Salesperson/Purchaser code is already assigned to another User ID bob."
    )
    assert code == "salesperson_taken"
    assert fresh(carol).salesperson is None


def test_relinking_the_same_salesperson_to_its_own_user_is_allowed(alice, bob):
    salesperson = create_salesperson(actor=alice, code="JO")
    update_user(actor=alice, user=bob, salesperson=salesperson)
    update_user(actor=alice, user=bob, salesperson=salesperson, first_name="Robert")
    assert fresh(bob).salesperson == salesperson
    assert fresh(bob).first_name == "Robert"


def test_a_privacy_blocked_salesperson_cannot_be_linked_to_a_user(alice, bob):
    salesperson = create_salesperson(actor=alice, code="JO", privacy_blocked=True)

    with pytest.raises(ValidationError) as exc:
        update_user(actor=alice, user=bob, salesperson=salesperson)

    field, message, code = first_error(exc.value)
    assert (field, code) == ("salesperson", "privacy_blocked")
    assert "JO" in message


def test_a_salesperson_linked_to_a_user_cannot_be_privacy_blocked(alice, bob):
    salesperson = create_salesperson(actor=alice, code="JO")
    update_user(actor=alice, user=bob, salesperson=salesperson)

    with pytest.raises(ValidationError) as exc:
        update_salesperson(actor=alice, salesperson=salesperson, privacy_blocked=True)

    assert first_error(exc.value)[0] == "privacy_blocked"
    salesperson.refresh_from_db()
    assert salesperson.privacy_blocked is False


# --- users and roles ---------------------------------------------------------------------


def test_role_sync_gives_a_viewer_only_view_permissions(carol):
    sync_roles()  # idempotent: running it again changes nothing

    perms = fresh(carol).get_all_permissions()

    assert "contacts.view_contact" in perms
    assert "accounts.view_salesperson" in perms
    assert all(perm.split(".")[1].startswith("view_") for perm in perms)
    assert not fresh(carol).has_perm("accounts.add_salesperson")


def test_admin_role_makes_the_user_staff_and_lets_them_manage_users(alice, bob):
    assert alice.is_staff
    assert not bob.is_staff
    assert fresh(alice).has_perms(["accounts.add_user", "accounts.change_user"])


def test_changing_roles_replaces_them_and_follows_staff(alice, bob):
    update_user(actor=alice, user=bob, roles=[ADMIN, VIEWER])
    assert set(fresh(bob).groups.values_list("name", flat=True)) == {ADMIN, VIEWER}
    assert fresh(bob).is_staff

    update_user(actor=alice, user=bob, roles=[SALES])
    assert list(fresh(bob).groups.values_list("name", flat=True)) == [SALES]
    assert not fresh(bob).is_staff


def test_unknown_role_is_refused_on_the_roles_field(alice, bob):
    with pytest.raises(ValidationError) as exc:
        update_user(actor=alice, user=bob, roles=["wizard"])
    assert first_error(exc.value)[:1] == ("roles",)
    assert list(fresh(bob).groups.values_list("name", flat=True)) == [SALES]


def test_sales_user_cannot_create_or_change_users(bob, carol):
    with pytest.raises(PermissionDenied):
        create_user(actor=bob, username="mallory", roles=[ADMIN])
    with pytest.raises(PermissionDenied):
        update_user(actor=bob, user=carol, roles=[ADMIN])
    assert not User.objects.filter(username="mallory").exists()


def test_weak_password_is_refused_on_the_password_field(alice):
    with pytest.raises(ValidationError) as exc:
        create_user(actor=alice, username="dave", password="123")
    assert first_error(exc.value)[0] == "password"
    assert not User.objects.filter(username="dave").exists()


def test_a_strong_password_lets_the_user_sign_in(alice, bob):
    update_user(actor=alice, user=bob, password=STRONG)
    assert fresh(bob).check_password(STRONG)


def test_duplicate_username_is_refused_on_the_username_field(alice, bob):
    with pytest.raises(ValidationError) as exc:
        create_user(actor=alice, username="bob")
    assert first_error(exc.value)[0] == "username"


def test_an_administrator_cannot_deactivate_or_demote_themselves(alice):
    with pytest.raises(ValidationError) as exc:
        update_user(actor=alice, user=alice, is_active=False)
    assert first_error(exc.value)[0] == "is_active"

    with pytest.raises(ValidationError) as exc:
        update_user(actor=alice, user=alice, roles=[VIEWER])
    assert first_error(exc.value)[0] == "roles"

    assert fresh(alice).is_active
    assert fresh(alice).has_perm("accounts.change_user")


def test_set_user_language_keeps_a_known_language_and_refuses_others(bob):
    set_user_language(actor=bob, language="fi")
    assert fresh(bob).language == "fi"

    with pytest.raises(ValidationError) as exc:
        set_user_language(actor=bob, language="xx")
    assert first_error(exc.value)[0] == "language"
    assert fresh(bob).language == "fi"


def test_bootstrap_admin_creates_the_admin_and_later_resets_password_and_roles(db):
    user, created = bootstrap_admin(username="admin", password=STRONG, email="a@example.com")
    assert created
    assert user.is_superuser and user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [ADMIN]

    User.objects.filter(pk=user.pk).update(is_active=False)
    user.groups.clear()

    again, created = bootstrap_admin(username="admin", password=STRONG + "!")
    assert not created
    again = fresh(again)
    assert again.pk == user.pk
    assert again.is_active and again.is_superuser
    assert again.check_password(STRONG + "!")
    assert again.email == "a@example.com"
    assert list(again.groups.values_list("name", flat=True)) == [ADMIN]


# --- API tokens --------------------------------------------------------------------------


def test_api_token_is_stored_only_as_a_hash(bob):
    token, raw = create_api_token(actor=bob, user=bob, name="Laptop script")

    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("rpt_")
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.digest, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    assert authenticate_token(raw) == bob


def test_each_token_is_different(bob):
    _first, raw_1 = create_api_token(actor=bob, user=bob, name="one")
    _second, raw_2 = create_api_token(actor=bob, user=bob, name="two")
    assert raw_1 != raw_2


def test_token_without_a_name_is_refused_on_the_name_field(bob):
    with pytest.raises(ValidationError) as exc:
        create_api_token(actor=bob, user=bob, name="  ")
    assert first_error(exc.value)[0] == "name"
    assert not ApiToken.objects.exists()


def test_revoked_token_no_longer_authenticates(bob):
    token, raw = create_api_token(actor=bob, user=bob, name="ci")

    revoked = revoke_api_token(actor=bob, token=token)

    assert revoked.revoked_at is not None
    assert authenticate_token(raw) is None


def test_token_of_an_inactive_user_does_not_authenticate(alice, bob):
    _token, raw = create_api_token(actor=bob, user=bob, name="ci")
    update_user(actor=alice, user=bob, is_active=False)
    assert authenticate_token(raw) is None


def test_unknown_or_malformed_token_does_not_authenticate(bob):
    create_api_token(actor=bob, user=bob, name="ci")
    assert authenticate_token("rpt_not-a-real-token") is None
    assert authenticate_token("something-else") is None
    assert authenticate_token("") is None


def test_a_user_cannot_create_or_revoke_another_users_token_but_an_admin_can(alice, bob, carol):
    token, _raw = create_api_token(actor=carol, user=carol, name="carol's")

    with pytest.raises(PermissionDenied):
        create_api_token(actor=bob, user=carol, name="sneaky")
    with pytest.raises(PermissionDenied):
        revoke_api_token(actor=bob, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    revoke_api_token(actor=fresh(alice), token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
