"""REST endpoints of the accounts app: salespeople, users, the signed-in user and API tokens."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router

from rapport.accounts import queries, services
from rapport.accounts.models import ApiToken, Salesperson, User
from rapport.accounts.schemas import (
    ApiTokenCreatedOut,
    ApiTokenIn,
    ApiTokenOut,
    MeOut,
    SalespersonIn,
    SalespersonOut,
    SalespersonPatch,
    UserIn,
    UserOut,
    UserPatch,
)
from rapport.accounts.tables import SALESPEOPLE
from rapport.core.api_helpers import PageOut, code_table_routes, paginate, require_api_perm
from rapport.core.validation import field_error

router = Router()

code_table_routes(
    router, SALESPEOPLE, SalespersonIn, SalespersonOut, SalespersonPatch, "Salespeople"
)


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _session_only(request: HttpRequest) -> None:
    """Tokens are made and revoked by a signed-in person, never by another token."""
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied(
            _("API tokens can only be created and revoked when signed in, not with a token.")
        )


def _salesperson(code: str | None) -> Salesperson | None:
    """The salesperson named by `code` in a payload; blank or null means none."""
    code = (code or "").strip().upper()
    if not code:
        return None
    salesperson = Salesperson.objects.filter(code=code).first()
    if salesperson is None:
        raise field_error(
            "salesperson",
            _("There is no Salesperson/Purchaser with the code %(code)s.") % {"code": code},
            "does_not_exist",
        )
    return salesperson


# --- users -------------------------------------------------------------------------------


@router.get("/users", response=PageOut[UserOut], tags=["Users"])
def user_list(request: HttpRequest) -> dict[str, Any]:
    """Users; filters `q`, `role`, `active`; sort by username, name, email, active."""
    require_api_perm(request, "accounts.view_user")
    return paginate(request, queries.USER_LIST, queries.users())


@router.get("/users/{username}", response=UserOut, tags=["Users"])
def user_get(request: HttpRequest, username: str) -> Any:
    require_api_perm(request, "accounts.view_user")
    return get_object_or_404(queries.users(), username=username)


@router.post("/users", response={201: UserOut}, tags=["Users"])
def user_create(request: HttpRequest, payload: UserIn) -> Any:
    data = payload.dict()
    salesperson = _salesperson(data.pop("salesperson"))
    user = services.create_user(actor=request.user, salesperson=salesperson, **data)
    return 201, queries.users().get(pk=user.pk)


@router.patch("/users/{username}", response=UserOut, tags=["Users"])
def user_update(request: HttpRequest, username: str, payload: UserPatch) -> Any:
    require_api_perm(request, "accounts.view_user")
    user = get_object_or_404(User, username=username)
    data = payload.dict(exclude_unset=True)
    kwargs: dict[str, Any] = {k: v for k, v in data.items() if v is not None}
    if "salesperson" in data:
        kwargs["salesperson"] = _salesperson(data["salesperson"])
    services.update_user(actor=request.user, user=user, **kwargs)
    return queries.users().get(pk=user.pk)


# --- the signed-in user and personal API tokens -----------------------------------------


@router.get("/me", response=MeOut, tags=["Profile"])
def me(request: HttpRequest) -> Any:
    """The signed-in user (or the owner of the token)."""
    return queries.users().get(pk=_me(request).pk)


@router.get("/tokens", response=list[ApiTokenOut], tags=["Profile"])
def token_list(request: HttpRequest) -> Any:
    """Your own API tokens, newest first (the plain tokens are never shown again)."""
    return ApiToken.objects.filter(user=_me(request))


@router.post("/tokens", response={201: ApiTokenCreatedOut}, tags=["Profile"])
def token_create(request: HttpRequest, payload: ApiTokenIn) -> Any:
    """Create a personal API token. The plain token is in this response only; keep it safe."""
    _session_only(request)
    me = _me(request)
    token, raw = services.create_api_token(
        actor=me, user=me, name=payload.name, scope=payload.scope, expires_at=payload.expires_at
    )
    token.token = raw  # type: ignore[attr-defined]
    return 201, token


@router.delete("/tokens/{token_id}", response=ApiTokenOut, tags=["Profile"])
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    """Revoke a token: your own, or (for administrators) anyone's."""
    _session_only(request)
    me = _me(request)
    token = get_object_or_404(queries.tokens_visible_to(me), pk=token_id)
    return services.revoke_api_token(actor=me, token=token)
