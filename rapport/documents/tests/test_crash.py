"""Issue 14 point 4: a worker killed (SIGKILL) in the middle of a document-event import leaves
nothing recorded and the job failed; importing the same file again records every event once,
as one uninterrupted run would. Runs the real task worker in a subprocess on this test's
database (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from rapport.core.jobs import execute_job
from rapport.core.models import Job, JobStatus
from rapport.core.tests.kill_harness import (  # noqa: F401  (fixtures)
    fail_dead_jobs,
    kill_mid_job,
    shared,
    start_worker,
)
from rapport.documents.models import DocumentEvent
from rapport.documents.services import submit_document_import
from rapport.interactions.models import InteractionLogEntry

ROWS = 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_document_import_records_nothing_and_a_rerun_records_all(
    bob,
    templates,
    customer,
    settings,
    shared,  # noqa: F811
    start_worker,  # noqa: F811
) -> None:
    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 1
    lines = ["document_type,document_no,event,customer_no"]
    lines += [f"sales_quote,Q-{i},created,10000" for i in range(ROWS)]
    content = "\n".join(lines).encode()
    outcome = submit_document_import(actor=bob, content=content, filename="e.csv", dry_run=False)
    job = Job.objects.get(pk=outcome["job_id"])
    kill_mid_job(start_worker, "the import reported its progress")
    fail_dead_jobs(start_worker, job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "nothing was changed" in job.error
    assert not InteractionLogEntry.objects.exists(), "all or nothing, as the job says"
    assert not DocumentEvent.objects.exists()
    assert not default_storage.exists(job.params["file"]), "the orphaned upload is removed"

    again = submit_document_import(actor=bob, content=content, filename="e.csv", dry_run=False)
    rerun = execute_job(again["job_id"])
    assert rerun.status == JobStatus.SUCCEEDED
    assert (rerun.result["recorded"], rerun.result["duplicate"]) == (ROWS, 0)
    recorded = sorted(DocumentEvent.objects.values_list("document_no", flat=True))
    assert recorded == [f"Q-{i}" for i in range(ROWS)]
    assert InteractionLogEntry.objects.count() == ROWS, "every event once"
