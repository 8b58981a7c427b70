"""Accounts pages: users (administrators), the profile with personal API tokens.

Salesperson pages are the shared code-table pages (see tables.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts import queries, services
from rapport.accounts.forms import ApiTokenForm, LanguageForm, UserForm
from rapport.accounts.models import ApiToken, User
from rapport.accounts.roles import ROLE_LABELS
from rapport.core.htmx import add_service_error, flash_error, render_page


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware keeps anonymous users out
    return user


# --- users -------------------------------------------------------------------------------


def user_list(request: HttpRequest) -> HttpResponse:
    _require(request, "accounts.view_user")
    qs = queries.users()
    try:
        page = queries.USER_LIST.page(qs, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        page = queries.USER_LIST.page(qs, {})
    rows = [{"user": user, "roles": queries.role_labels(user)} for user in page.items]
    context = {
        "page": page,
        "rows": rows,
        "role_choices": list(ROLE_LABELS.items()),
        "can_add": request.user.has_perm("accounts.add_user"),
    }
    return render_page(request, "accounts/user_list.html", context, partial="results")


def user_card(request: HttpRequest, username: str | None = None) -> HttpResponse:
    """A user's card (`username`), or a new user (no `username`)."""
    user: User | None = None
    if username is None:
        _require(request, "accounts.add_user")
        can_change = True
    else:
        _require(request, "accounts.view_user")
        user = get_object_or_404(queries.users(), username=username)
        can_change = request.user.has_perm("accounts.change_user")
    form = UserForm(request.POST or None, user=user)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                if user is None:
                    saved = services.create_user(actor=request.user, **form.service_kwargs())
                    messages.success(
                        request, _("User %(username)s was created.") % {"username": saved}
                    )
                else:
                    saved = services.update_user(
                        actor=request.user, user=user, **form.service_kwargs()
                    )
                    messages.success(
                        request, _("User %(username)s was saved.") % {"username": saved}
                    )
                return redirect("accounts:user_card", username=saved.username)
            except ValidationError as exc:
                add_service_error(form, exc)
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    me = _me(request)
    tokens: Any = []
    show_tokens = user is not None and (user.pk == me.pk or me.has_perm("accounts.delete_apitoken"))
    if show_tokens:
        tokens = queries.tokens_visible_to(me).filter(user=user)
    context = {
        "shown_user": user,
        "form": form,
        "can_change": can_change,
        "show_tokens": show_tokens,
        "tokens": tokens,
    }
    return render_page(
        request, "accounts/user_card.html", context, status=422 if form.errors else 200
    )


# --- profile and personal API tokens ------------------------------------------------------


def _render_profile(
    request: HttpRequest,
    *,
    language_form: LanguageForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: tuple[ApiToken, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    me = _me(request)
    user = queries.users().get(pk=me.pk)
    context = {
        "profile_user": user,
        "roles": queries.role_labels(user),
        "language_form": language_form or LanguageForm(initial={"language": user.language}),
        "token_form": token_form or ApiTokenForm(),
        "tokens": ApiToken.objects.filter(user=user),
        "new_token": new_token[0] if new_token else None,
        "new_token_value": new_token[1] if new_token else "",
    }
    response = render_page(request, "accounts/profile.html", context, status=status)
    if new_token:
        # The plain token is in this response only; keep it out of caches and history.
        add_never_cache_headers(response)
    return response


def profile(request: HttpRequest) -> HttpResponse:
    return _render_profile(request)


@require_POST
def profile_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, language_form=form, status=422)
    language = form.cleaned_data["language"]
    try:
        services.set_user_language(actor=_me(request), language=language)
    except ValidationError as exc:
        add_service_error(form, exc)
        return _render_profile(request, language_form=form, status=422)
    if language:
        translation.activate(language)
    messages.success(request, _("Your language was saved."))
    response = redirect("accounts:profile")
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a personal token and show it on this response, once (never stored in plain)."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        me = _me(request)
        try:
            token, raw = services.create_api_token(
                actor=me,
                user=me,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"] or "write",
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The API token %(name)s was created.") % {"name": token.name}
            )
            return _render_profile(request, new_token=(token, raw))
    return _render_profile(request, token_form=form, status=422)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    token = get_object_or_404(queries.tokens_visible_to(me), pk=pk)
    services.revoke_api_token(actor=me, token=token)
    messages.success(
        request,
        _("The API token %(name)s (%(prefix)s…) was revoked.")
        % {"name": token.name, "prefix": token.prefix},
    )
    if token.user_id == me.pk:
        return redirect("accounts:profile")
    return redirect("accounts:user_card", username=token.user.username)
