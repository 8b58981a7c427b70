"""Job handlers of the interactions app (run by the task worker through rapport.core.jobs)."""

from __future__ import annotations

from typing import Any

from rapport.core.jobs import Progress, job_handler
from rapport.core.models import Job
from rapport.interactions import services


@job_handler("interactions.delete_canceled")
def run_delete_canceled(job: Job, progress: Progress) -> dict[str, Any]:
    filters = services.PurgeFilter.from_params(job.params)
    deleted = services.delete_canceled_entries(
        actor=job.created_by, filters=filters, progress=progress
    )
    return {"deleted": deleted}


@job_handler("interactions.relocate_attachments")
def run_relocate(job: Job, progress: Progress) -> dict[str, Any]:
    return services.relocate_attachments(actor=job.created_by, progress=progress)
