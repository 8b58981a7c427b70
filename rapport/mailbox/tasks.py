"""The mailbox job (run by the task worker) and its periodic start."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _l

from rapport.core.jobs import Progress, job_handler, periodic
from rapport.core.jobs_views import JOB_TITLES, RESULT_CAPTIONS
from rapport.core.models import Job
from rapport.mailbox import services

JOB_TITLES[services.JOB_KIND] = _l("Log email messages from the mailbox")
RESULT_CAPTIONS.update(
    {
        "logged": _l("Messages logged"),
        "entries": _l("Interaction Log Entries"),
        "moved_already_logged": _l("Logged before, moved now"),
        "unmatched": _l("Unmatched emails"),
        "too_large": _l("Messages too large"),
        "failed": _l("Messages with errors"),
        "gone": _l("Messages gone from the queue"),
        "message_errors": _l("Errors"),
    }
)


@job_handler(services.JOB_KIND, resumable=True)
def run_log_mailbox(job: Job, progress: Progress) -> dict[str, Any]:
    return services.log_mailbox(actor=job.created_by, progress=progress)


@periodic
def start_due_mailbox_run() -> None:
    services.schedule_mailbox_run()
