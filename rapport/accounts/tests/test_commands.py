from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rapport.accounts.models import ApiToken, User
from rapport.accounts.roles import ADMIN
from rapport.accounts.services import authenticate_token, create_api_token

pytestmark = pytest.mark.django_db

STRONG = "correct-horse-battery-staple-42"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ensure_admin_creates_the_administrator(db):
    output = run("ensure_admin", "--username", "admin", "--password", STRONG, "--email", "a@x.io")

    admin = User.objects.get(username="admin")
    assert "Created" in output
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.check_password(STRONG)
    assert admin.email == "a@x.io"
    assert list(admin.groups.values_list("name", flat=True)) == [ADMIN]
    assert admin.has_perm("accounts.add_user")


def test_ensure_admin_run_twice_resets_password_and_roles_of_the_same_user(db):
    run("ensure_admin", "--username", "admin", "--password", STRONG)
    admin = User.objects.get(username="admin")
    admin.groups.clear()

    output = run("ensure_admin", "--username", "admin", "--password", STRONG + "-new")

    assert "Reset" in output
    assert User.objects.filter(username="admin").count() == 1
    admin = User.objects.get(username="admin")
    assert admin.check_password(STRONG + "-new")
    assert list(admin.groups.values_list("name", flat=True)) == [ADMIN]


def test_ensure_admin_refuses_a_weak_password(db):
    with pytest.raises(CommandError):
        run("ensure_admin", "--username", "admin", "--password", "admin")
    assert not User.objects.filter(username="admin").exists()


def test_create_api_token_prints_only_the_token(bob):
    output = run("create_api_token", "--user", "bob", "--name", "Nightly export")

    raw = output.strip()
    assert output == raw + "\n"
    assert raw.startswith("rpt_")
    assert authenticate_token(raw) == bob
    assert ApiToken.objects.get(user=bob).name == "Nightly export"


def test_create_api_token_for_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match="nobody"):
        run("create_api_token", "--user", "nobody", "--name", "x")


def test_revoke_api_token_by_prefix(bob):
    token, raw = create_api_token(actor=bob, user=bob, name="old")

    output = run("revoke_api_token", "--user", "bob", "--prefix", token.prefix + "…")

    assert "Revoked" in output
    assert authenticate_token(raw) is None


def test_revoke_api_token_by_id_only_touches_that_token(bob):
    token, raw = create_api_token(actor=bob, user=bob, name="old")
    _other, other_raw = create_api_token(actor=bob, user=bob, name="keep")

    run("revoke_api_token", "--user", "bob", "--id", str(token.pk))

    assert authenticate_token(raw) is None
    assert authenticate_token(other_raw) == bob


def test_revoke_api_token_of_another_user_is_not_found(bob, carol):
    token, raw = create_api_token(actor=carol, user=carol, name="carol's")

    with pytest.raises(CommandError):
        run("revoke_api_token", "--user", "bob", "--id", str(token.pk))
    assert authenticate_token(raw) == carol
