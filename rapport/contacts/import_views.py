"""Import and export pages (being written)."""

from django.http import HttpRequest, HttpResponse


def contact_export(request: HttpRequest) -> HttpResponse:
    return HttpResponse("todo")


def contact_import(request: HttpRequest) -> HttpResponse:
    return HttpResponse("todo")
