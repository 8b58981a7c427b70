"""A worker killed (SIGKILL) while it logs a segment leaves the segment untouched and loggable
again: never a partial log (issue 11 point 8). Runs the real task worker in a subprocess on this
test's database (SQLite or PostgreSQL), pauses it after its first batch of entries, kills it."""

from __future__ import annotations

import pytest

from rapport.core.jobs import execute_job
from rapport.core.models import JobStatus
from rapport.core.tests.kill_harness import (  # noqa: F401  (fixtures)
    fail_dead_jobs,
    kill,
    poll,
    shared,
    start_worker,
)
from rapport.interactions.models import InteractionLogEntry
from rapport.segments import services
from rapport.segments.models import LoggedSegment, Segment, SegmentLine


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_logging_leaves_the_segment_whole(
    alice,
    segment,
    world,
    shared,  # noqa: F811
    start_worker,  # noqa: F811
) -> None:
    shared["RAPPORT_LOG_BATCH_SIZE"] = "2"
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    lines = SegmentLine.objects.filter(segment=segment).count()
    job = services.start_log_segment(actor=alice, segment=segment, deliver=False, follow_up=True)
    worker, paused = start_worker(pausing=True)
    poll(paused.exists, worker, "the log wrote its first batch")
    kill(worker)

    fail_dead_jobs(start_worker, job.pk)  # a new worker finds the job's worker gone
    assert not InteractionLogEntry.objects.exists(), "no entry of a partial log"
    assert not LoggedSegment.objects.exists()
    assert SegmentLine.objects.filter(segment=segment).count() == lines
    rerun = execute_job(
        services.start_log_segment(
            actor=alice, segment=Segment.objects.get(pk=segment.pk), deliver=False, follow_up=True
        ).pk
    )
    assert rerun.status == JobStatus.SUCCEEDED, "and the rerun logs it, as one run would"
    assert InteractionLogEntry.objects.count() == lines
    logged = LoggedSegment.objects.get()
    assert InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk).count() == lines
    assert not Segment.objects.filter(pk=segment.pk).exists(), "logging removes the segment"
    assert Segment.objects.count() == 1, "and makes the follow-up segment"
