"""Job handlers of the segments app (run by the task worker through rapport.core.jobs)."""

from __future__ import annotations

from typing import Any

from rapport.core.jobs import Progress, job_handler
from rapport.core.models import Job
from rapport.segments import services
from rapport.segments.models import Segment


@job_handler("segments.log_segment")
def run_log_segment(job: Job, progress: Progress) -> dict[str, Any]:
    segment = Segment.objects.get(pk=job.params["segment"])
    result = services.log_segment(
        actor=job.created_by,
        segment=segment,
        deliver=bool(job.params.get("deliver")),
        follow_up=bool(job.params.get("follow_up")),
        progress=progress,
    )
    return {
        "logged_segment": result.logged_segment.pk,
        "interactions": result.interactions,
        "campaign_entries": result.campaign_entries,
        "follow_up_segment": result.follow_up.no if result.follow_up else "",
        "delivery_job": result.delivery_job.pk if result.delivery_job else None,
    }
