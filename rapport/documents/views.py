"""Document pages: the list of recorded and skipped document events, recording one event
(with an optional PDF) and importing a file of them. Thin adapters over the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from rapport.core.htmx import add_service_error, flash_error, render_page
from rapport.core.middleware import invalid_upload_name_message, upload_name_invalid
from rapport.documents import importing, queries, services
from rapport.documents.forms import DocumentEventForm, DocumentImportForm
from rapport.documents.models import DocumentEvent, DocumentEventKind, DocumentEventStatus
from rapport.interactions.forms_log import upload_of

VIEW = "documents.view_documentevent"
ADD = "documents.add_documentevent"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    """Recorded and skipped document events, newest first, with filters."""
    _require(request, VIEW)
    qs = queries.document_events()
    try:
        page = queries.EVENT_LIST.page(qs, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        page = queries.EVENT_LIST.page(qs, {})
    labels = dict(queries.document_type_choices())
    for item in page.items:
        item.type_label = labels.get(item.document_type, item.document_type)  # type: ignore[attr-defined]
    counts = dict(DocumentEvent.objects.order_by().values_list("status").annotate(n=Count("id")))
    context = {
        "page": page,
        "counts": {
            "recorded": counts.get(DocumentEventStatus.RECORDED, 0),
            "skipped": counts.get(DocumentEventStatus.SKIPPED, 0),
        },
        "statuses": DocumentEventStatus.choices,
        "events": DocumentEventKind.choices,
        "document_types": queries.document_type_choices(),
        "can_add": request.user.has_perm(ADD),
        "filters_active": sum(
            1 for key in ("q", *queries.EVENT_LIST.filters) if (request.GET.get(key) or "").strip()
        ),
    }
    return render_page(request, "documents/event_list.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def event_record(request: HttpRequest) -> HttpResponse:
    """Record one document event, with the document as a PDF if there is one."""
    _require(request, ADD)
    form = DocumentEventForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_name_invalid(request):
        form.is_valid()
        form.errors.pop("pdf", None)
        form.add_error("pdf", invalid_upload_name_message())
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        pdf = upload_of(data.pop("pdf"))
        data["version_no"] = data.get("version_no") or 0
        try:
            result = services.record_document_event(
                actor=request.user, data=services.DocumentEventInput(**data, pdf=pdf)
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if result.status == "recorded":
                messages.success(
                    request,
                    _("The document event was recorded as interaction log entry %(no)s.")
                    % {"no": result.entry_no},
                )
            elif result.status == "duplicate":
                messages.info(
                    request,
                    _(
                        "This document event was recorded before, as interaction log entry "
                        "%(no)s. Nothing new was written."
                    )
                    % {"no": result.entry_no},
                )
            else:
                messages.warning(
                    request,
                    _("The document event was skipped: %(reason)s") % {"reason": result.message},
                )
            return redirect("documents:event_list")
    return render_page(
        request,
        "documents/event_record.html",
        {"form": form},
        partial="form",
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def event_import(request: HttpRequest) -> HttpResponse:
    """GET: the import form. POST: a dry run or an import now (a job for a large file), with
    a result per row."""
    _require(request, ADD)
    form = DocumentImportForm(request.POST or None, request.FILES or None)
    result: dict[str, Any] | None = None
    if request.method == "POST" and upload_name_invalid(request):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", invalid_upload_name_message())
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            from rapport.contacts.importing import check_size

            check_size(upload.size or 0)
            result = services.submit_document_import(
                actor=request.user,
                content=upload.read(),
                filename=upload.name or "",
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if result.get("job_id"):
                messages.info(request, _("The import runs as a background job."))
                return redirect("core:job_detail", pk=result["job_id"])
    return render_page(
        request,
        "documents/event_import.html",
        {"form": form, "result": result, "columns": importing.COLUMNS},
        partial="panel",
        status=422 if form.errors else 200,
    )
