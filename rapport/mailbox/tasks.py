"""The mailbox job (run by the task worker) and its periodic start."""

from __future__ import annotations

from typing import Any

from rapport.core.jobs import Progress, job_handler, periodic
from rapport.core.models import Job
from rapport.mailbox import services


@job_handler(services.JOB_KIND)
def run_log_mailbox(job: Job, progress: Progress) -> dict[str, Any]:
    return services.log_mailbox(actor=job.created_by, progress=progress)


@periodic
def start_due_mailbox_run() -> None:
    services.schedule_mailbox_run()
