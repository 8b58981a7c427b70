"""The REST API: mounts every app's router and maps errors to one shape.

Errors are always `{"code": ..., "message": ..., "field": ...}`: 422 for validation, 401 without
credentials, 403 without permission, 404 for a missing (or invisible) row. Messages are in the
user's language (their profile language, else Accept-Language) and never a library's jargon:
pydantic's error types are mapped to our own codes and words (`rapport.core.api_errors`).
The OpenAPI document is post-processed once so that every operation lists these error
responses and says what it does (`rapport.core.api_errors.finish_openapi`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as DjangoSessionAuth

from rapport.core import api_errors
from rapport.core.validation import first_error, in_use_error

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rpt_...` with a personal API token; a read token only reads."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from rapport.accounts.models import TokenScope
        from rapport.accounts.services import authenticate_api_token

        api_token = authenticate_api_token(token)
        if api_token is None:
            return None
        if api_token.scope == TokenScope.READ and request.method not in SAFE_METHODS:
            raise PermissionDenied(_("This API token may only read."))
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SessionAuth(DjangoSessionAuth):
    """The signed-in session, with its CSRF check; without a session it steps aside, so an
    anonymous write is a 401 rather than a failed CSRF check."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


api = api_errors.RapportAPI(
    title="Rapport API",
    version="1",
    description=_(
        "Contacts, interactions and segments. Authenticate with a personal API token "
        "(Authorization: Bearer ...) or a signed-in session."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
)

# The docs page and the OpenAPI document need the same sign-in (a session or an API token).
api.docs_decorator = api_errors.signed_in_only(api)  # type: ignore[assignment]
# Messages raised inside a view are written in the user's language; unknown query parameters
# are refused.
api.add_decorator(api_errors.api_view, mode="operation")


def error(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "field": field}, status=status
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    field, message, code = first_error(exc)
    return error(request, 422, code, message, field)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    with api_errors.user_language(request):
        code, message, field = api_errors.schema_error(exc.errors)
    return error(request, 422, code, message, field)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    with api_errors.user_language(request):
        message = str(exc) or _("You do not have permission to do this.")
    return error(request, 403, "permission_denied", message)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    with api_errors.user_language(request):
        message = api_errors.not_found_message(exc)
    return error(request, 404, "not_found", message)


@api.exception_handler(ObjectDoesNotExist)
def on_row_gone(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    """A row that vanished between reading and locking it (a PATCH racing a DELETE)."""
    with api_errors.user_language(request):
        message = api_errors.not_found_message(exc)
    return error(request, 404, "not_found", message)


@api.exception_handler(ProtectedError)
@api.exception_handler(RestrictedError)
def on_in_use(request: HttpRequest, exc: ProtectedError | RestrictedError) -> HttpResponse:
    with api_errors.user_language(request):
        field, message, code = first_error(in_use_error(exc))
    return error(request, 422, code, message, field)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A number or date too large for the database or for date arithmetic."""
    with api_errors.user_language(request):
        message = _("A number or date in the request is outside the range Rapport can handle.")
    return error(request, 422, "out_of_range", message)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(
        request,
        401,
        "not_authenticated",
        _("Sign in or send a personal API token (Authorization: Bearer ...)."),
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """The framework's own errors, in our codes and words (not "Cannot parse request body")."""
    with api_errors.user_language(request):
        status, code, message = api_errors.http_error(exc.status_code, str(exc))
    return error(request, status, code, message)


def _mount() -> None:
    from rapport.accounts.api import router as accounts_router
    from rapport.campaigns.api import router as campaigns_router
    from rapport.contacts.api import router as contacts_router
    from rapport.core.api import router as core_router
    from rapport.documents.api import router as documents_router
    from rapport.interactions.api import router as interactions_router
    from rapport.mailbox.api import router as mailbox_router
    from rapport.privacy.api import router as privacy_router
    from rapport.segments.api import router as segments_router
    from rapport.webhooks.api import router as webhooks_router

    api.add_router("/", core_router)
    api.add_router("/", accounts_router)
    api.add_router("/", contacts_router)
    api.add_router("/", campaigns_router)
    api.add_router("/", interactions_router)
    api.add_router("/", segments_router)
    api.add_router("/", mailbox_router)
    api.add_router("/", webhooks_router)
    api.add_router("/", documents_router)
    api.add_router("/", privacy_router)


_mount()
