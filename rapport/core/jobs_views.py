"""The Jobs pages: a user's background jobs and one job with its progress bar."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from rapport.core.htmx import render_page
from rapport.core.jobs import progress
from rapport.core.models import Job


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    qs = Job.objects.select_related("created_by")
    if user.is_superuser or user.has_perm("core.change_job"):
        return qs
    return qs.filter(created_by=user)


def job_list(request: HttpRequest) -> HttpResponse:
    jobs = list(jobs_visible_to(request.user)[:100])
    rows = [{"job": job, "progress": progress(job)} for job in jobs]
    return render_page(request, "core/job_list.html", {"rows": rows})


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    if job.created_by_id != request.user.pk and not request.user.has_perm("core.view_job"):
        raise PermissionDenied
    done, total = progress(job)
    percent = int(done * 100 / total) if total else (100 if job.finished else 0)
    return render_page(
        request,
        "core/job_detail.html",
        {"job": job, "done": done, "total": total, "percent": percent},
        partial="status",
    )
