"""Background jobs: start one (a service), run it in the task worker, follow its progress.

A job kind names a handler `handler(job, progress) -> dict` registered with `@job_handler`.
The handler calls the app's bulk service (all-or-nothing in one transaction) and reports
progress through the `progress(done, total)` callback, which writes to the cache so the job
page can show it while the transaction is still open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rapport.core.models import Job, JobStatus
from rapport.core.validation import first_error

Progress = Callable[[int, int], None]
Handler = Callable[[Job, Progress], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return register


def _key(job_id: int) -> str:
    return f"rapport:job:{job_id}:progress"


def progress(job: Job) -> tuple[int, int]:
    """(done, total) of a job: live from the cache while it runs, else from the row."""
    if job.status == JobStatus.RUNNING:
        live = cache.get(_key(job.pk))
        if live:
            return int(live[0]), int(live[1])
    return job.done, job.total


@task()
def run_job(job_id: int) -> None:
    execute_job(job_id)


def execute_job(job_id: int) -> Job:
    """Run a queued job now (the worker calls this; so can a test)."""
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return job
    handler = _HANDLERS[job.kind]
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job.status = JobStatus.RUNNING

    def report(done: int, total: int) -> None:
        cache.set(_key(job.pk), (done, total), timeout=24 * 3600)

    try:
        result = handler(job, report)
    except ValidationError as exc:
        _field, message, _code = first_error(exc)
        _finish(job, JobStatus.FAILED, error=message)
    except Exception as exc:  # a failed job must say so, whatever broke
        _finish(job, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        done, total = cache.get(_key(job.pk)) or (job.total, job.total)
        _finish(job, JobStatus.SUCCEEDED, result=result, done=done, total=total)
    cache.delete(_key(job.pk))
    job.refresh_from_db()
    return job


def _finish(
    job: Job,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str = "",
    done: int | None = None,
    total: int | None = None,
) -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error}
    if result is not None:
        fields["result"] = result
    if done is not None:
        fields["done"] = done
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)


def enqueue(job: Job) -> None:
    """Hand the job to the worker once the creating transaction has committed."""
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
