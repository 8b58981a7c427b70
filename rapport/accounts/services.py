"""Users, roles, salespeople and API tokens: every change goes through here."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import ApiToken, Salesperson, TokenScope, User
from rapport.accounts.roles import ADMIN, ROLE_PERMISSIONS, resolve
from rapport.core.audit import audited, record_audit, snapshot
from rapport.core.validation import (
    PermissionDenied,
    field_error,
    require_perm,
    validate_instance,
)

TOKEN_PREFIX = "rpt_"

SALESPERSON_FIELDS = (
    "name",
    "job_title",
    "phone_no",
    "email",
    "commission_pct",
    "blocked",
    "privacy_blocked",
)


def sync_roles() -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(resolve(patterns))


# --- salespeople -------------------------------------------------------------------------


@transaction.atomic
@audited("create")
def create_salesperson(*, actor: Any, code: str, **fields: Any) -> Salesperson:
    require_perm(actor, "accounts.add_salesperson")
    salesperson = Salesperson(
        code=code.strip().upper(), **{k: v for k, v in fields.items() if k in SALESPERSON_FIELDS}
    )
    if not salesperson.code:
        raise field_error(
            "code", _("You must fill in the %(field)s field.") % {"field": _("Code")}, "required"
        )
    validate_instance(salesperson)
    salesperson.save()
    return salesperson


@transaction.atomic
@audited("change", "salesperson")
def update_salesperson(*, actor: Any, salesperson: Salesperson, **fields: Any) -> Salesperson:
    require_perm(actor, "accounts.change_salesperson")
    salesperson = Salesperson.objects.select_for_update().get(pk=salesperson.pk)
    for key, value in fields.items():
        if key in SALESPERSON_FIELDS:
            setattr(salesperson, key, value)
    validate_instance(salesperson)
    if salesperson.privacy_blocked and User.objects.filter(salesperson=salesperson).exists():
        raise field_error(
            "privacy_blocked",
            _("Privacy Blocked must not be true for Salesperson / Purchaser %(code)s.")
            % {"code": salesperson.code},
            "privacy_blocked",
        )
    salesperson.save()
    return salesperson


@transaction.atomic
@audited("delete", "salesperson")
def delete_salesperson(*, actor: Any, salesperson: Salesperson) -> None:
    require_perm(actor, "accounts.delete_salesperson")
    salesperson.delete()


# --- users and roles ---------------------------------------------------------------------


def _check_salesperson_link(user: User, salesperson: Salesperson | None) -> None:
    if salesperson is None:
        return
    if salesperson.privacy_blocked:
        raise field_error(
            "salesperson",
            _("Privacy Blocked must not be true for Salesperson / Purchaser %(code)s.")
            % {"code": salesperson.code},
            "privacy_blocked",
        )
    other = User.objects.filter(salesperson=salesperson).exclude(pk=user.pk).first()
    if other is not None:
        raise field_error(
            "salesperson",
            _(
                "The %(code)s Salesperson/Purchaser code is already assigned to another "
                "User ID %(user)s."
            )
            % {"code": salesperson.code, "user": other.username},
            "salesperson_taken",
        )


def _set_roles(user: User, roles: Iterable[str]) -> None:
    roles = list(roles)
    unknown = [r for r in roles if r not in ROLE_PERMISSIONS]
    if unknown:
        raise field_error(
            "roles", _("Unknown role: %(role)s.") % {"role": ", ".join(unknown)}, "invalid_role"
        )
    groups = [Group.objects.get_or_create(name=role)[0] for role in roles]
    user.groups.set(groups)
    user.is_staff = "admin" in roles
    user.save(update_fields=["is_staff"])


def _check_password(user: User, password: str) -> None:
    """The configured password validators (length, common, similar to the user), on `password`."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None


def _check_not_locking_out(actor: Any, user: User, fields: dict[str, Any], roles: Any) -> None:
    """An administrator cannot deactivate themselves or drop their own admin role."""
    if actor is None or actor.pk != user.pk:
        return
    if fields.get("is_active") is False:
        raise field_error("is_active", _("You cannot deactivate your own user."), "self_deactivate")
    if roles is not None and ADMIN not in roles and user.groups.filter(name=ADMIN).exists():
        raise field_error(
            "roles", _("You cannot remove the Administrator role from yourself."), "self_demote"
        )


# What a user's audit event shows (never the password hash, only that it changed).
USER_AUDIT_FIELDS = (
    "username",
    "password",
    "email",
    "first_name",
    "last_name",
    "language",
    "is_active",
    "is_superuser",
    "salesperson",
)


@transaction.atomic
def create_user(
    *,
    actor: Any,
    username: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[str] = (),
    salesperson: Salesperson | None = None,
    language: str = "",
    is_active: bool = True,
    is_superuser: bool = False,
) -> User:
    """Create a user. `actor=None` is allowed only for bootstrap commands (first admin)."""
    if actor is not None:
        require_perm(actor, "accounts.add_user")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        is_active=is_active,
        is_superuser=is_superuser,
    )
    _check_salesperson_link(user, salesperson)
    user.salesperson = salesperson
    if password:
        _check_password(user, password)
        user.set_password(password)
    else:
        user.set_unusable_password()
    validate_instance(user, exclude=["password"])
    user.save()
    _set_roles(user, roles)
    record_audit(
        actor=actor,
        action="create",
        obj=user,
        after=snapshot(user, USER_AUDIT_FIELDS),
        details={"roles": sorted(roles)},
    )
    return user


@transaction.atomic
def update_user(
    *,
    actor: Any,
    user: User,
    roles: Iterable[str] | None = None,
    salesperson: Salesperson | bool | None = False,
    revoke_tokens: bool = True,
    **fields: Any,
) -> User:
    """Change a user. A new password revokes the user's API tokens unless `revoke_tokens` is
    False (someone who learned the old password may have made one)."""
    require_perm(actor, "accounts.change_user")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, USER_AUDIT_FIELDS)
    roles = None if roles is None else list(roles)
    _check_not_locking_out(actor, user, fields, roles)
    for key in ("email", "first_name", "last_name", "language", "is_active"):
        if key in fields:
            setattr(user, key, fields[key])
    if fields.get("password"):
        _check_password(user, fields["password"])
        user.set_password(fields["password"])
        if revoke_tokens:
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
    if salesperson is not False:
        assert salesperson is None or isinstance(salesperson, Salesperson)
        _check_salesperson_link(user, salesperson)
        user.salesperson = salesperson
    validate_instance(user, exclude=["password"])
    user.save()
    if roles is not None:
        _set_roles(user, roles)
    record_audit(
        actor=actor,
        action="change",
        obj=user,
        before=before,
        after=snapshot(user, USER_AUDIT_FIELDS),
        details={"roles": sorted(roles)} if roles is not None else None,
    )
    return user


@transaction.atomic
def bootstrap_admin(*, username: str, password: str, email: str = "") -> tuple[User, bool]:
    """Create the administrator, or reset its password and roles; for `ensure_admin`.

    Runs from the shell, so there is no actor. Idempotent: the user ends up active, superuser,
    with exactly the admin role and `password`. Returns (user, created).
    """
    if not password:
        raise field_error(
            "password",
            _("You must fill in the %(field)s field.") % {"field": _("Password")},
            "required",
        )
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        user = create_user(
            actor=None,
            username=username,
            password=password,
            email=email,
            roles=[ADMIN],
            is_superuser=True,
        )
        return user, True
    _check_password(user, password)
    user.set_password(password)
    user.is_active = True
    user.is_superuser = True
    if email:
        user.email = email
    validate_instance(user, exclude=["password"])
    user.save()
    _set_roles(user, [ADMIN])
    record_audit(
        actor=None, action="change", obj=user, details={"password": "***", "roles": [ADMIN]}
    )
    return user, False


@transaction.atomic
def set_user_language(*, actor: User, language: str) -> User:
    """Any user may choose their own language."""
    from django.conf import settings

    if language and language not in dict(settings.LANGUAGES):
        raise field_error("language", _("Unknown language."), "invalid_choice")
    User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language
    return actor


# --- API tokens --------------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *,
    actor: Any,
    user: User,
    name: str,
    scope: str = TokenScope.WRITE,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`. Returns the row and the plain token, which is never stored.

    `scope` read allows only reading; `expires_at` (optional) must lie in the future.
    """
    if actor is None or (actor.pk != user.pk and not actor.has_perm("accounts.add_apitoken")):
        raise PermissionDenied(_("You do not have permission to do this."))
    name = (name or "").strip()
    if not name:
        raise field_error(
            "name", _("You must fill in the %(field)s field.") % {"field": _("Name")}, "required"
        )
    if scope not in TokenScope.values:
        raise field_error("scope", _("Choose read or write as the scope."), "invalid_choice")
    if expires_at is not None and expires_at <= timezone.now():
        raise field_error("expires_at", _("The expiry must be in the future."), "in_the_past")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=raw[:12],
        digest=_digest(raw),
        scope=scope,
        expires_at=expires_at,
    )
    validate_instance(token)
    token.save()
    record_audit(
        actor=actor,
        action="create",
        obj=token,
        after=snapshot(token, ["user", "name", "prefix", "scope", "expires_at"]),
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: Any, token: ApiToken) -> ApiToken:
    if actor is None or (
        actor.pk != token.user_id and not actor.has_perm("accounts.delete_apitoken")
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    if changed:
        record_audit(actor=actor, action="revoke", obj=token)
    return token


def authenticate_api_token(raw: str) -> ApiToken | None:
    """The active, unexpired token (with its active user), or None. Stamps its last use."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    tokens = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .exclude(expires_at__lte=now)
    )
    token = next(iter(tokens.order_by()[:1]), None)  # the digest is unique: no ORDER BY
    if token is None:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def authenticate_token(raw: str) -> User | None:
    """The active user behind a token, or None."""
    token = authenticate_api_token(raw)
    return token.user if token is not None else None


def system_actor() -> User:
    """An unsaved, active superuser standing in for the system in commands (demo data, setup).

    It is never stored; services see an actor that holds every permission.
    """
    return User(username="system", is_active=True, is_superuser=True)
