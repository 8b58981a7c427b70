"""Privacy pages: download a contact's personal data; erase it after a confirm page."""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rapport.contacts import queries as contact_queries
from rapport.contacts.models import Contact
from rapport.core.htmx import confirm_first, flash_error
from rapport.core.models import Job, JobStatus
from rapport.privacy import services, tasks


def _contact(request: HttpRequest, no: str) -> Contact:
    return get_object_or_404(contact_queries.contacts_visible_to(request.user), no=no.upper())


def export_file_name(contact: Contact) -> str:
    return f"personal-data-{contact.no}.zip"


def zip_response(path: str | os.PathLike[str], file_name: str) -> FileResponse:
    """The export as a download. The temporary file is unlinked once open: the response streams
    from the open handle and nothing is left behind on disk."""
    handle = open(path, "rb")  # noqa: SIM115  (closed by the response)
    os.unlink(path)
    response = FileResponse(handle, content_type="application/zip")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=file_name) or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def personal_data_export(request: HttpRequest, no: str) -> HttpResponseBase:
    if not request.user.has_perm(services.EXPORT_PERM):
        raise PermissionDenied
    contact = _contact(request, no)
    if services.contact_entries(contact).count() > tasks.export_job_threshold():
        # A long history is written by the task worker; its job page offers the download.
        job = tasks.start_contact_export(actor=request.user, contact=contact)
        return redirect("core:job_detail", pk=job.pk)
    path = services.export_contact_data(actor=request.user, contact=contact)
    return zip_response(path, export_file_name(contact))


def personal_data_export_download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The file of an export job, for the user who started it; deleted once it is sent."""
    if not request.user.has_perm(services.EXPORT_PERM):
        raise PermissionDenied
    job = get_object_or_404(
        Job, pk=job_id, kind=tasks.EXPORT, created_by=request.user, status=JobStatus.SUCCEEDED
    )
    name = tasks.export_file(job)
    if not name or not default_storage.exists(name):
        raise Http404
    path = default_storage.path(name)
    return zip_response(path, f"personal-data-{job.params.get('contact_no', '')}.zip")


@require_http_methods(["GET", "POST"])
def personal_data_erase(request: HttpRequest, no: str) -> HttpResponse:
    if not request.user.has_perm(services.ERASE_PERM):
        raise PermissionDenied
    contact = _contact(request, no)
    try:
        plan = services.plan_erasure(actor=request.user, contact=contact)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("contacts:contact_detail", no=contact.no)
    if request.method == "GET" or request.POST.get("confirmed") != "1":
        return confirm_first(
            request,
            _("Erase the personal data of contact %(no)s?") % {"no": contact.no},
            back=contact.get_absolute_url(),
            items=plan.items(),
        )  # type: ignore[return-value]
    try:
        services.erase_contact(actor=request.user, contact=contact)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("contacts:contact_detail", no=contact.no)
    messages.success(
        request, _("The personal data of contact %(no)s was erased.") % {"no": contact.no}
    )
    return redirect("contacts:contact_detail", no=contact.no)
