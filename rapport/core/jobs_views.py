"""The Jobs pages: a user's background jobs and one job with its progress bar."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from rapport.core import services
from rapport.core.htmx import flash_error, render_page
from rapport.core.jobs import cancel_requested, message, progress, recover_stale_jobs
from rapport.core.models import Job

# What a job of each kind is called, in the reader's language (the stored description is in
# the language of whoever started it).
JOB_TITLES = {
    "contacts.import": _l("Import contacts"),
    "interactions.delete_canceled": _l("Delete Canceled Interaction Log Entries"),
    "interactions.relocate_attachments": _l("Relocate Attachments"),
}
# Captions of the numbers in a job's result.
RESULT_CAPTIONS = {
    "rows": _l("Rows in the file"),
    "created": _l("Contacts created"),
    "deleted": _l("Entries deleted"),
    "attachments": _l("Attachments"),
    "moved": _l("Attachments moved"),
    "sent": _l("Sent"),
    "error": _l("Error"),
}
HIDDEN_RESULTS = {"errors", "dry_run", "kept_file", "filename", "bundle"}


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    qs = Job.objects.select_related("created_by")
    if user.is_superuser or user.has_perm("core.change_job"):
        return qs
    return qs.filter(created_by=user)


def job_title(job: Job) -> str:
    return str(JOB_TITLES.get(job.kind) or job.description or job.kind)


def result_rows(job: Job) -> list[tuple[str, Any]]:
    """(caption, value) of a job's result, captions translated, in a stable order."""
    result = job.result or {}
    return [
        (str(RESULT_CAPTIONS.get(key, key)), value)
        for key, value in result.items()
        if key not in HIDDEN_RESULTS
    ]


def can_cancel(user: Any, job: Job) -> bool:
    return not job.finished and (job.created_by_id == user.pk or user.has_perm("core.change_job"))


def job_list(request: HttpRequest) -> HttpResponse:
    recover_stale_jobs(sweep=False)
    jobs = list(jobs_visible_to(request.user)[:100])
    rows = [{"job": job, "title": job_title(job), "progress": progress(job)} for job in jobs]
    return render_page(request, "core/job_list.html", {"rows": rows})


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recover_stale_jobs(sweep=False)
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    if job.created_by_id != request.user.pk and not request.user.has_perm("core.view_job"):
        raise PermissionDenied
    done, total = progress(job)
    percent = int(done * 100 / total) if total else (100 if job.finished else 0)
    return render_page(
        request,
        "core/job_detail.html",
        {
            "job": job,
            "title": job_title(job),
            "subtitle": job.description if job.description != job_title(job) else "",
            "error": message(job.error),
            "results": result_rows(job),
            "done": done,
            "total": total,
            "percent": percent,
            "can_cancel": can_cancel(request.user, job),
            "cancel_requested": not job.finished and cancel_requested(job),
        },
        partial="status",
    )


@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    try:
        job = services.cancel_job(actor=request.user, job=job)
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        if job.finished:
            messages.success(request, _("The job was canceled."))
        else:
            messages.info(request, _("The job stops at its next step; nothing it did is kept."))
    return redirect("core:job_detail", pk=job.pk)
