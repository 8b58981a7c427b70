"""Contact import (CSV/XLSX, with a dry run; large files as a background job) and export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from rapport.contacts import exporting, importing, services
from rapport.core.htmx import add_service_error, flash_error, render_page


class ContactImportForm(forms.Form):
    file = forms.FileField(
        label=_l("File"),
        help_text=_l(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8). The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_l("Dry run: check the file without importing"), required=False, initial=True
    )


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@require_GET
def contact_export(request: HttpRequest) -> HttpResponseBase:
    """The contacts of the list's filters and sort as CSV or XLSX (?format=csv|xlsx)."""
    _require(request, "contacts.view_contact")
    export_format = request.GET.get("format", "csv")
    if export_format not in exporting.FORMATS:
        messages.error(request, _("Choose CSV or XLSX as the export format."))
        return redirect("contacts:contact_list")
    params = request.GET.copy()
    params.pop("format", None)
    try:
        qs = exporting.contacts_to_export(request.user, params)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("contacts:contact_list")
    return exporting.export_response(qs, export_format)


@require_http_methods(["GET", "POST"])
def contact_import(request: HttpRequest) -> HttpResponse:
    """GET: the import form. POST: a dry run or an import now, or a job for a large file."""
    _require(request, "contacts.import_contacts")
    form = ContactImportForm(request.POST or None, request.FILES or None)
    result: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            importing.check_size(upload.size or 0)
            outcome = services.submit_contact_import(
                actor=request.user,
                content=upload.read(),
                filename=upload.name or "",
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if outcome["job_id"]:
                messages.info(
                    request,
                    _("The import of %(count)s rows runs as a background job.")
                    % {"count": outcome["rows"]},
                )
                return redirect("core:job_detail", pk=outcome["job_id"])
            if not outcome["dry_run"] and not outcome["errors"]:
                created = outcome["created"]
                messages.success(
                    request,
                    ngettext(
                        "%(count)s contact was imported.",
                        "%(count)s contacts were imported.",
                        created,
                    )
                    % {"count": created},
                )
                return redirect("contacts:contact_list")
            result = outcome
    failed = bool(form.errors or (result and result["errors"]))
    return render_page(
        request,
        "contacts/contact_import.html",
        {"form": form, "result": result, "columns": importing.accepted_columns()},
        partial="panel",
        status=422 if failed else 200,
    )
