"""Render helpers: a full page normally, the named partial of the same template for htmx."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from rapport.core.validation import first_error


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or `template#partial` when htmx asks for a fragment."""
    name = f"{template}#{partial}" if partial and getattr(request, "htmx", False) else template
    response = render(request, name, context, status=status)
    if partial:
        # The same URL answers with a page or a fragment: caches must keep them apart.
        patch_vary_headers(response, ["HX-Request"])
    return response


def add_service_error(form: BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, next to the field it names."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for err in errors:
                form.add_error(target, err)
    else:
        form.add_error(None, exc)


def flash_error(request: HttpRequest, exc: ValidationError) -> None:
    _field, message, _code = first_error(exc)
    messages.error(request, message)


def confirm_first(
    request: HttpRequest, question: str, *, back: str, items: list[str] | None = None
) -> HttpResponse | None:
    """A destructive POST asks first: None when the user confirmed (`confirmed=1`, posted by
    the confirm page or added by rapport.js after its dialog), else the confirm page, which
    names what will happen and posts the same fields again. Works without JavaScript."""
    if request.POST.get("confirmed") == "1":
        return None
    fields = [
        (key, value)
        for key, values in request.POST.lists()
        if key not in {"csrfmiddlewaretoken", "confirmed"}
        for value in values
    ]
    context = {"question": question, "fields": fields, "back": back, "items": items or []}
    return render(request, "confirm.html", context)
