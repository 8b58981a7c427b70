from django.http import HttpRequest, HttpResponse

from rapport.core.htmx import render_page


def profile(request: HttpRequest) -> HttpResponse:
    return render_page(request, "accounts/profile.html", {})
