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

from rapport.contacts import exporting, importing, services, tasks
from rapport.core.htmx import add_service_error, flash_error, render_page
from rapport.core.middleware import invalid_upload_name_message, upload_name_invalid


class ContactImportForm(forms.Form):
    file = forms.FileField(
        label=_l("File"),
        help_text=_l(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8). The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
        required=False,
    )
    dry_run = forms.BooleanField(
        label=_l("Dry run: check the file without importing"), required=False, initial=True
    )
    # After a dry run: the file kept on the server for the real run, and its name.
    kept_file = forms.CharField(required=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, widget=forms.HiddenInput, max_length=255)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not data.get("kept_file") and "file" not in self.errors:
            self.add_error("file", self.fields["file"].error_messages["required"])
        return data


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
    """GET: the import form. POST: a dry run or an import now, or a job for a large file or a
    workbook. A dry run without errors keeps the file on the server, so "Import now" does not
    ask for it again."""
    _require(request, "contacts.import_contacts")
    form = ContactImportForm(request.POST or None, request.FILES or None)
    result: dict[str, Any] | None = None
    if request.method == "POST" and upload_name_invalid(request):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", invalid_upload_name_message())
    elif request.method == "POST" and form.is_valid():
        try:
            result = _submit(request, form)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if result.get("job_id"):
                messages.info(request, _("The import runs as a background job."))
                return redirect("core:job_detail", pk=result["job_id"])
            if not result["dry_run"] and not result["errors"]:
                created = result["created"]
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
    failed = bool(form.errors or (result and result["errors"]))
    return render_page(
        request,
        "contacts/contact_import.html",
        {"form": form, "result": result, "columns": importing.accepted_columns()},
        partial="panel",
        status=422 if failed else 200,
    )


def _submit(request: HttpRequest, form: ContactImportForm) -> dict[str, Any]:
    """Run the import of the uploaded (or kept) file; a workbook always as a job."""
    actor = request.user
    upload = form.cleaned_data["file"]
    kept = "" if upload else form.cleaned_data["kept_file"]
    dry_run = form.cleaned_data["dry_run"]
    if upload:
        importing.check_size(upload.size or 0)
        content, filename = upload.read(), upload.name or ""
    else:
        content = tasks.kept_import_file(actor=actor, name=kept)
        filename = form.cleaned_data["filename"]
    if importing.file_kind(content) == importing.XLSX:
        job = tasks.start_contact_import_job(
            actor=actor, content=content, filename=filename, dry_run=dry_run, kept=kept
        )
        return {"job_id": job.pk}
    try:
        outcome = services.submit_contact_import(
            actor=actor, content=content, filename=filename, dry_run=dry_run
        )
    finally:
        if kept:
            tasks.discard_kept_import_file(actor=actor, name=kept)
    if outcome["dry_run"] and not outcome["errors"]:
        outcome["kept_file"] = tasks.keep_import_file(actor=actor, content=content)
        outcome["filename"] = filename
    return outcome
