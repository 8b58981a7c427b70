"""Request glue: security headers, request size limits before the body is read, and the
signed-in user's own language over the browser's."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from rapport.core.audit import audit_source

API_PREFIX = "/api/v1/"


BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: Permissions-Policy (the browser
    features no page uses are switched off) on every response, pages, API and downloads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = getattr(settings, "RAPPORT_PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a body larger than the limit from its Content-Length, before anything reads it.

    Django reads (and spools to disk) a multipart body when a view or the CSRF check first
    touches request.POST; this runs earlier, so a too large body is never read. The limit is
    RAPPORT_MAX_REQUEST_BYTES for a signed-in user or an API token, and the much smaller
    RAPPORT_MAX_ANONYMOUS_REQUEST_BYTES for anyone else (the login page takes two fields). A
    body without Content-Length (chunked) is not read by Django at all, so needs no limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in BODY_METHODS:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = self.limit(request)
            if length > limit:
                return self.refuse(request, limit)
        return self.get_response(request)

    @staticmethod
    def limit(request: HttpRequest) -> int:
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
            return int(settings.RAPPORT_MAX_REQUEST_BYTES)
        return int(settings.RAPPORT_MAX_ANONYMOUS_REQUEST_BYTES)

    @staticmethod
    def refuse(request: HttpRequest, limit: int) -> HttpResponseBase:
        text = _("The request is too large. The limit is %(limit)s MB.") % {
            "limit": number_format(limit / 1_048_576, 1)
        }
        if request.path_info.startswith(API_PREFIX):
            body = {"code": "request_too_large", "message": text, "field": None}
            response: HttpResponseBase = JsonResponse(body, status=413)
        else:
            html = render_to_string(
                "core/request_too_large.html", {"message": text}, request=request
            )
            response = HttpResponse(html, status=413)
        # The unread body stays on the connection: do not reuse it.
        response["Connection"] = "close"
        return response


_FILE_PART_HEADER = re.compile(rb"(?im)^content-disposition:[^\r\n]*filename=[^\r\n]*\r\n")


class _FileNameSniffer:
    """Passes a multipart body through and notes a file part whose name is not UTF-8 (Django
    skips such a part without a word, so the file would silently be missing)."""

    def __init__(self, stream: Any, request: HttpRequest) -> None:
        self.stream = stream
        self.request = request
        self.tail = b""

    def _scan(self, chunk: bytes) -> bytes:
        data = self.tail + chunk
        for match in _FILE_PART_HEADER.finditer(data):
            try:
                match.group(0).decode("utf-8")
            except UnicodeDecodeError:
                self.request.upload_name_invalid = True  # type: ignore[attr-defined]
        self.tail = data[-2048:]
        return chunk

    def read(self, *args: Any) -> bytes:
        return self._scan(self.stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._scan(self.stream.readline(*args))


def upload_name_invalid(request: HttpRequest) -> bool:
    """True when the request carried a file whose name is not UTF-8 (and so was dropped)."""
    return bool(getattr(request, "upload_name_invalid", False))


def invalid_upload_name_message() -> str:
    return _("The file name is not valid UTF-8 text. Rename the file and choose it again.")


class UploadNameMiddleware:
    """Notice uploads whose file name is not UTF-8; the API answers them with a 422 on `file`
    (pages check `upload_name_invalid` themselves)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        stream = getattr(request, "_stream", None)
        if stream is not None and request.content_type == "multipart/form-data":
            request._stream = _FileNameSniffer(stream, request)  # type: ignore[attr-defined,assignment]
        response = self.get_response(request)
        if (
            upload_name_invalid(request)
            and request.path_info.startswith(API_PREFIX)
            and response.status_code == 422
        ):
            body = {"code": "invalid_file_name", "message": invalid_upload_name_message()}
            return JsonResponse({**body, "field": "file"}, status=422)
        return response


class AuditSourceMiddleware:
    """Audit events written while serving a request say where the change came from: "api" for
    the API, "page" for the HTML pages (jobs say "job")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path_info.startswith(API_PREFIX) else "page"
        with audit_source(source):
            return self.get_response(request)


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Pages need a signed-in user; the API authenticates itself (token or session -> 401)."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith(API_PREFIX) and not request.path_info.startswith(
            API_PREFIX + "docs"
        ):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
