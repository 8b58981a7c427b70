"""The REST API's cross-cutting behaviour: error words, the user's language, the OpenAPI document.

- `schema_error` turns pydantic's errors into our own `(code, message, field)`: a client never
  sees "Input should be ..." or "literal_error".
- `in_user_language` / `user_language`: messages are written in the signed-in user's language
  (also for a token, which is authenticated after the middleware ran), else Accept-Language.
- `RapportAPI.get_openapi_schema` lists the error responses of every operation, gives times a
  format that matches what is sent and turns default summaries ("Entry Get") into words.
- `signed_in_only`: the OpenAPI document needs the same sign-in as the docs page.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from pydantic import BaseModel

from rapport.core.validation import check_date_range, field_error

# --- the user's language -----------------------------------------------------------------------


def _user_language(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    language = getattr(user, "language", "") if user is not None else ""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return language if language in dict(settings.LANGUAGES) else ""


@contextlib.contextmanager
def user_language(request: HttpRequest) -> Iterator[None]:
    """Within the block, messages are in the user's own language (if they chose one)."""
    language = _user_language(request)
    if not language:
        yield
        return
    with translation.override(language):
        yield


def api_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for every API view (added once in rapport/api.py), run after authentication
    and validation: messages are in the user's language, and a query parameter the operation
    does not declare is a 422 (lists also accept their filters: see `paginate`)."""
    from rapport.core.api_helpers import check_query_params

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        language = _user_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        request.api_params = set(kwargs)  # type: ignore[attr-defined]
        _check_ranges(kwargs)
        if request.method != "GET":
            check_query_params(request)
        result = view(request, *args, **kwargs)
        if not getattr(request, "api_query_checked", False):
            check_query_params(request)  # a GET that is not a list: reading has no effects
        return result

    return wrapper


def _check_ranges(values: dict[str, Any]) -> None:
    """Whole numbers fit in 64 bits and dates stay within the range every query and date
    calculation can handle: parameters and (top-level) payload fields, lists included."""
    for name, value in values.items():
        if isinstance(value, BaseModel):
            for field in type(value).model_fields:
                _check_range(field, getattr(value, field, None))
        else:
            _check_range(name, value)


def _check_range(name: str, value: Any) -> None:
    if isinstance(value, list | tuple | set):
        for item in value:
            _check_range(name, item)
    elif isinstance(value, datetime.date):
        check_date_range(name, value)
    elif isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise field_error(
            name,
            _("%(field)s: the number is too large.") % {"field": name},
            "out_of_range",
        )


# --- pydantic errors in our words --------------------------------------------------------------

_SOURCES = {"body", "payload", "query", "path", "form", "file", "header", "cookie"}


def _kind_messages() -> dict[str, tuple[str, str]]:
    """pydantic error type -> (our code, message with %(field)s)."""
    integer = ("invalid_integer", _("%(field)s: enter a whole number."))
    number = ("invalid_number", _("%(field)s: enter a number."))
    boolean = ("invalid_boolean", _("%(field)s: enter true or false."))
    date = ("invalid_date", _("%(field)s: enter a date as YYYY-MM-DD."))
    dt = ("invalid_datetime", _("%(field)s: enter a date and time as YYYY-MM-DDTHH:MM:SS."))
    time = ("invalid_time", _("%(field)s: enter a time as HH:MM or HH:MM:SS."))
    text = ("invalid_text", _("%(field)s: enter text."))
    listing = ("invalid_list", _("%(field)s: enter a list."))
    obj = ("invalid_object", _("%(field)s: enter an object with fields."))
    return {
        "int_type": integer,
        "int_parsing": integer,
        "int_parsing_size": integer,
        "int_from_float": integer,
        "float_type": number,
        "float_parsing": number,
        "decimal_type": number,
        "decimal_parsing": number,
        "finite_number": number,
        "bool_type": boolean,
        "bool_parsing": boolean,
        "date_type": date,
        "date_parsing": date,
        "date_from_datetime_parsing": date,
        "date_from_datetime_inexact": date,
        "datetime_type": dt,
        "datetime_parsing": dt,
        "datetime_from_date_parsing": dt,
        "datetime_object_invalid": dt,
        "time_type": time,
        "time_parsing": time,
        "string_type": text,
        "string_unicode": text,
        "string_sub_type": text,
        "list_type": listing,
        "tuple_type": listing,
        "set_type": listing,
        "dict_type": obj,
        "model_type": obj,
        "model_attributes_type": obj,
        "dataclass_type": obj,
        "uuid_type": ("invalid", _("%(field)s: the value is not valid.")),
        "uuid_parsing": ("invalid", _("%(field)s: the value is not valid.")),
    }


def _choices(expected: Any) -> str:
    """pydantic's "'csv' or 'xlsx'" as "csv, xlsx"."""
    parts = re.split(r",\s*|\s+or\s+", str(expected))
    return ", ".join(p.strip().strip("'\"") for p in parts if p.strip()) or '""'


def _field_of(loc: Any) -> str | None:
    names = [str(part) for part in loc or () if isinstance(part, str)]
    # ("body", "payload", "subject"): where the value came from, then the view's parameter;
    # a field that is itself called like a source ("body" of an e-mail layout) is kept.
    if names and names[0] in _SOURCES:
        names.pop(0)
    if names and names[0] in _SOURCES and (len(names) > 1 or names[0] == "payload"):
        names.pop(0)
    return names[-1] if names else None


def schema_error(errors: list[dict[str, Any]]) -> tuple[str, str, str | None]:
    """(code, message, field) of the first pydantic error, in our own words."""
    first = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    ctx = first.get("ctx") or {}
    field = _field_of(first.get("loc"))
    label = field or _("The request")
    if kind == "json_invalid":
        return "invalid_json", _("The request body is not valid JSON."), None
    if kind == "missing":
        return "required", _("You must fill in the %(field)s field.") % {"field": label}, field
    if kind in ("literal_error", "enum"):
        return (
            "invalid_choice",
            _("%(field)s: choose one of %(choices)s.")
            % {"field": label, "choices": _choices(ctx.get("expected", ""))},
            field,
        )
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length", "")
        message = (
            _("%(field)s: the value can have at most %(limit)s characters.")
            if kind == "string_too_long"
            else _("%(field)s: enter at most %(limit)s items.")
        )
        return "too_long", message % {"field": label, "limit": limit}, field
    if kind in ("string_too_short", "too_short"):
        limit = ctx.get("min_length", "")
        message = (
            _("%(field)s: the value must have at least %(limit)s characters.")
            if kind == "string_too_short"
            else _("%(field)s: enter at least %(limit)s items.")
        )
        return "too_short", message % {"field": label, "limit": limit}, field
    if kind in ("greater_than", "greater_than_equal"):
        limit = ctx.get("gt", ctx.get("ge", ""))
        message = (
            _("%(field)s: the value must be greater than %(limit)s.")
            if kind == "greater_than"
            else _("%(field)s: the value must be at least %(limit)s.")
        )
        return "too_small", message % {"field": label, "limit": limit}, field
    if kind in ("less_than", "less_than_equal"):
        limit = ctx.get("lt", ctx.get("le", ""))
        message = (
            _("%(field)s: the value must be less than %(limit)s.")
            if kind == "less_than"
            else _("%(field)s: the value must be at most %(limit)s.")
        )
        return "too_large", message % {"field": label, "limit": limit}, field
    if kind.startswith("decimal_max") or kind == "decimal_whole_digits":
        return (
            "too_many_digits",
            _("%(field)s: the number has too many digits.") % {"field": label},
            field,
        )
    if kind == "extra_forbidden":
        return "unknown_field", _("%(field)s: there is no such field.") % {"field": label}, field
    if kind == "null_not_allowed":
        return (
            "null_not_allowed",
            _("%(field)s cannot be null. Leave the field out to keep its value.")
            % {"field": label},
            field,
        )
    mapped = _kind_messages().get(kind)
    if mapped is not None:
        code, message = mapped
        return code, message % {"field": label}, field
    return "invalid", _("%(field)s: the value is not valid.") % {"field": label}, field


def http_error(status: int, message: str) -> tuple[int, str, str]:
    """(status, code, message) for an HttpError raised by the framework."""
    if status == 400:  # the only 400 the framework raises: a body it cannot parse
        return 422, "invalid_json", _("The request body is not valid JSON.")
    if status == 403:
        return 403, "permission_denied", _("You do not have permission to do this.")
    if status == 429:
        return 429, "too_many_requests", _("Too many requests. Try again later.")
    return status, "error", message


# --- records that are not there ----------------------------------------------------------------


class RecordNotFound(Http404):
    """A 404 whose message (already in the user's words) says which record is missing."""


def not_found_message(exc: Exception) -> str:
    if isinstance(exc, RecordNotFound) and exc.args:
        return str(exc.args[0])
    django_default = re.fullmatch(r"No (\w+) matches the given query\.", str(exc))
    if django_default:  # get_object_or_404: name the kind of record in the user's words
        for model in apps.get_models():
            if model._meta.object_name == django_default.group(1):
                return _("There is no such %(record)s, or you cannot see it.") % {
                    "record": model._meta.verbose_name
                }
    if isinstance(exc, ObjectDoesNotExist):
        for model in apps.get_models():
            if type(exc) is getattr(model, "DoesNotExist", None):
                return _("The %(record)s no longer exists; it may have just been deleted.") % {
                    "record": model._meta.verbose_name
                }
    return _("The record does not exist, or you cannot see it.")


# --- the OpenAPI document ----------------------------------------------------------------------

_ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "A stable code, e.g. required, not_found."},
        "message": {"type": "string", "description": "In the user's language."},
        "field": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "The payload field or parameter the error is about.",
        },
    },
    "required": ["code", "message", "field"],
}

# What is sent for a time of day: 14:30:00 (no offset; times are the user's local time).
_TIME = {"type": "string", "format": "partial-time", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"}

_VERBS = {
    "list": "List",
    "get": "Get",
    "create": "Create",
    "update": "Update",
    "delete": "Delete",
    "add": "Add",
    "remove": "Remove",
    "save": "Save",
    "download": "Download",
    "cancel": "Cancel",
    "restore": "Restore",
    "evaluate": "Evaluate",
    "resume": "Resume",
    "revoke": "Revoke",
    "import": "Import",
    "export": "Export",
}
_METHOD_VERBS = {"get": "Get", "post": "Create", "put": "Replace", "patch": "Update"}
_NOUNS = {
    "entry": "interaction log entry",
    "entries": "interaction log entries",
    "postponed": "postponed interaction",
    "template": "interaction template",
    "group": "interaction group",
    "relation": "business relation",
    "relations": "business relations",
    "token": "API token",
    "me": "signed-in user",
}
_ADJECTIVES = {"canceled"}


def summary_from_name(name: str, method: str) -> str:
    """ "template_language_save" -> "Save template language"; "contact_statistics" (GET) ->
    "Get contact statistics"."""
    words = [_NOUNS.get(w, w) for w in name.split("_") if w]
    if "many" in words:  # "postponed_delete_many": several of them
        words.remove("many")
        words[0] += "s"
    adjectives = [w for w in words if w in _ADJECTIVES]
    words = adjectives + [w for w in words if w not in _ADJECTIVES]
    for i, word in enumerate(words):
        if word in _VERBS:
            rest = words[:i] + words[i + 1 :]
            return " ".join([_VERBS[word], *rest]).strip()
    return " ".join([_METHOD_VERBS.get(method, "Delete"), *words])


def _fix_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            node.update(_TIME)
        for value in node.values():
            _fix_times(value)
    elif isinstance(node, list):
        for value in node:
            _fix_times(value)


def finish_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    errors = {
        "401": "Not signed in: no session and no valid API token.",
        "403": "You do not have permission to do this.",
        "404": "The record in the path does not exist, or you cannot see it.",
        "422": "The input is not valid, or a business rule refuses it.",
    }
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in errors.items():
                if status == "404" and "{" not in path:
                    continue
                responses.setdefault(status, {"description": description, "content": ref})
            if method in ("post", "put", "patch", "delete"):  # RequestSizeLimitMiddleware
                responses.setdefault(
                    "413",
                    {"description": "The request body is larger than the limit.", "content": ref},
                )
            summary = operation.get("summary", "")
            default_name = summary.lower().replace(" ", "_")
            if default_name and str(operation.get("operationId", "")).endswith(default_name):
                operation["summary"] = summary_from_name(default_name, method)
    _fix_times(schema)
    return schema


class RapportAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return finish_openapi(super().get_openapi_schema(**kwargs))

    def _get_urls(self) -> list[Any]:
        """The operations' URLs, then one for any other address under the API: an error body
        (401, else 404) instead of the HTML page, also when a path parameter does not fit its
        route (`/entries/-1`: a whole number path parameter matches digits only)."""
        urls = super()._get_urls()
        urls.append(re_path(r"^[\s\S]*\Z", login_not_required(csrf_exempt(self._no_such_address))))
        return urls

    def _no_such_address(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _signed_in(self, request):
            return _not_authenticated()
        with user_language(request):
            message = _("There is no such address or record in the API.")
        return JsonResponse({"code": "not_found", "message": message, "field": None}, status=404)


def _signed_in(api: NinjaAPI, request: HttpRequest) -> bool:
    """True for a signed-in session or a valid API token (also one refused for this request,
    such as a read-only token sending a POST)."""
    from ninja.errors import HttpError

    auths = api.auth if isinstance(api.auth, list | tuple) else [api.auth]
    for auth in auths:
        try:
            if callable(auth) and auth(request):
                return True
        except (PermissionDenied, HttpError):
            return True
    return False


def _not_authenticated() -> JsonResponse:
    return JsonResponse(
        {
            "code": "not_authenticated",
            "message": _("Sign in or send a personal API token (Authorization: Bearer ...)."),
            "field": None,
        },
        status=401,
    )


def signed_in_only(api: NinjaAPI) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The docs page and openapi.json answer only a signed-in user or a valid API token: a page
    visitor is sent to the login page, a client gets a 401 error body."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if _signed_in(api, request):
                return view(request, *args, **kwargs)  # type: ignore[no-any-return]
            if request.path.endswith(".json"):
                return _not_authenticated()
            return redirect_to_login(request.get_full_path())

        return wrapper

    return decorator
