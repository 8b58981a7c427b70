"""List and card pages for small code tables (number series, languages, salespeople, ...).

Each table declares its form, columns and the service functions that write it; the pages
themselves are the same for all, so they are written once here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from rapport.core.htmx import add_service_error, confirm_first, flash_error, render_page
from rapport.core.listing import ListSpec
from rapport.core.validation import caption, in_use_error


@dataclass
class CodeTable:
    key: str
    model: type[models.Model]
    form_class: type[forms.ModelForm]  # type: ignore[type-arg]
    title: Any
    columns: list[str]
    create: Callable[..., models.Model]
    update: Callable[..., models.Model]
    delete: Callable[..., Any]
    list_spec: ListSpec
    app: str
    lookup: str = "code"
    description: Any = ""
    # Later apps add links to a row's card (e.g. "Create Interaction" on a salesperson):
    # each provider returns [(url, label), ...] for the row shown.
    card_actions: list[Callable[[HttpRequest, models.Model], list[tuple[str, Any]]]] = field(
        default_factory=list
    )
    extra_context: Callable[[HttpRequest, models.Model | None], dict[str, Any]] = field(
        default=lambda request, obj: {}
    )

    @property
    def label(self) -> str:
        return self.model._meta.model_name or ""

    def perm(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{action}_{self.label}"

    def url(self, name: str) -> str:
        return f"{self.app}:{self.key}_{name}"

    def headers(self) -> list[tuple[str, str]]:
        return [(c, caption(self.model, c)) for c in self.columns]

    def urls(self) -> list[URLPattern]:
        return [
            path(f"{self.key}/", self.list_view, name=f"{self.key}_list"),
            path(f"{self.key}/new/", self.card_view, name=f"{self.key}_new"),
            path(f"{self.key}/<str:code>/", self.card_view, name=f"{self.key}_card"),
            path(f"{self.key}/<str:code>/delete/", self.delete_view, name=f"{self.key}_delete"),
        ]

    def _require(self, request: HttpRequest, action: str) -> None:
        if not request.user.has_perm(self.perm(action)):
            raise PermissionDenied

    def list_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request, "view")
        try:
            page = self.list_spec.page(self.model._default_manager.all(), request.GET)
        except ValidationError as exc:
            flash_error(request, exc)
            page = self.list_spec.page(self.model._default_manager.all(), {})
        rows = [
            {
                "obj": obj,
                "key": getattr(obj, self.lookup),
                "cells": [_display(obj, c) for c in self.columns],
            }
            for obj in page.items
        ]
        return render_page(
            request,
            "core/code_list.html",
            {
                "table": self,
                "page": page,
                "rows": rows,
                "can_add": request.user.has_perm(self.perm("add")),
            },
            partial="results",
        )

    def card_view(self, request: HttpRequest, code: str | None = None) -> HttpResponse:
        obj = None
        if code is not None:
            self._require(request, "view")
            obj = get_object_or_404(self.model, **{self.lookup: code})
        else:
            self._require(request, "add")
        can_change = request.user.has_perm(self.perm("change" if obj else "add"))
        form = self.form_class(request.POST or None, instance=obj)
        if obj is not None and self.lookup in form.fields:
            # The code of an existing row is its key: shown, never posted back or changed.
            form.fields[self.lookup].disabled = True
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            if form.is_valid():
                data = dict(form.cleaned_data)
                try:
                    if obj is None:
                        saved = self.create(actor=request.user, **data)
                        messages.success(request, _("%(obj)s was created.") % {"obj": saved})
                    else:
                        data.pop(self.lookup, None)
                        saved = self.update(request.user, obj, data)
                        messages.success(request, _("%(obj)s was saved.") % {"obj": saved})
                    return redirect(self.url("card"), code=getattr(saved, self.lookup))
                except ValidationError as exc:
                    add_service_error(form, exc)
        if not can_change:
            for f in form.fields.values():
                f.disabled = True
        context: dict[str, Any] = {
            "table": self,
            "obj": obj,
            "form": form,
            "can_change": can_change,
            "can_delete": obj is not None and request.user.has_perm(self.perm("delete")),
        }
        context.update(self.extra_context(request, obj))
        if obj is not None:
            context["card_actions"] = [
                action for provider in self.card_actions for action in provider(request, obj)
            ]
        return render_page(
            request, "core/code_card.html", context, status=422 if form.errors else 200
        )

    def delete_view(self, request: HttpRequest, code: str) -> HttpResponse:
        return _delete(self, request, code)


def _delete(table: CodeTable, request: HttpRequest, code: str) -> HttpResponse:
    # A POST only (require_POST cannot wrap a method: it would take the table for the request).
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    table._require(request, "delete")
    obj = table.model._default_manager.filter(**{table.lookup: code}).first()
    if obj is None:
        raise Http404
    asked = confirm_first(
        request,
        _("Delete %(obj)s?") % {"obj": obj},
        back=reverse(table.url("card"), kwargs={"code": code}),
    )
    if asked is not None:
        return asked
    try:
        table.delete(request.user, obj)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect(table.url("card"), code=code)
    except (models.ProtectedError, models.RestrictedError) as exc:
        flash_error(request, in_use_error(exc, obj))
        return redirect(table.url("card"), code=code)
    messages.success(request, _("%(obj)s was deleted.") % {"obj": obj})
    return redirect(table.url("list"))


def _display(obj: models.Model, name: str) -> Any:
    f = obj._meta.get_field(name)
    if getattr(f, "choices", None):
        return getattr(obj, f"get_{name}_display")()
    value = getattr(obj, name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "" if value is None else value
