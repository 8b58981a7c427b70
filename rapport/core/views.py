"""Home, health check and the language switcher."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.services import set_user_language


def home(request: HttpRequest) -> HttpResponse:
    return redirect("contacts:contact_list")


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers; needs no login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "error"}, status=503)


@login_not_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; a signed-in user keeps the choice on their profile."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            set_user_language(actor=request.user, language=language)  # type: ignore[arg-type]
        activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response
