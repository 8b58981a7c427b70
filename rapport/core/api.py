from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from rapport.core import services
from rapport.core.api_helpers import PageOut, code_table_routes, paginate
from rapport.core.audit_views import AUDIT_LIST, audit_events_visible_to
from rapport.core.jobs import progress
from rapport.core.jobs_views import jobs_visible_to
from rapport.core.schemas import (
    AuditEventOut,
    JobOut,
    LanguageIn,
    LanguageOut,
    LanguagePatch,
    NumberSeriesIn,
    NumberSeriesOut,
    NumberSeriesPatch,
)
from rapport.core.tables import LANGUAGES, NUMBER_SERIES

router = Router()

code_table_routes(
    router, NUMBER_SERIES, NumberSeriesIn, NumberSeriesOut, NumberSeriesPatch, "Setup"
)
code_table_routes(router, LANGUAGES, LanguageIn, LanguageOut, LanguagePatch, "Setup")


@router.get("/jobs/{job_id}", response=JobOut, tags=["Jobs"])
def job_get(request: HttpRequest, job_id: int) -> Any:
    """A background job with its live progress."""
    job = get_object_or_404(jobs_visible_to(request.user), pk=job_id)
    job.done, job.total = progress(job)
    return job


@router.post("/jobs/{job_id}/cancel", response=JobOut, tags=["Jobs"])
def job_cancel(request: HttpRequest, job_id: int) -> Any:
    """Cancel a queued job, or ask a running one to stop at its next batch (nothing is kept)."""
    job = get_object_or_404(jobs_visible_to(request.user), pk=job_id)
    job = services.cancel_job(actor=request.user, job=job)
    job.done, job.total = progress(job)
    return job


@router.get("/audit-events", response=PageOut[AuditEventOut], tags=["Audit Trail"])
def audit_event_list(request: HttpRequest) -> Any:
    """List audit events: who changed what and when, with before/after values.

    Admins see every event; anyone else the history of a record type they may view
    (`object_type`, e.g. `interactions.interactiontemplate`, with `object_key`).
    Filters: `actor` (user name), `action`, `object_type`, `object_key`, `date_from`,
    `date_to`; `q` searches the record.
    """
    return paginate(request, AUDIT_LIST, audit_events_visible_to(request.user, request.GET))
