"""Background jobs: start one (a service), run it in the task worker, follow its progress.

A job kind names a handler `handler(job, progress) -> dict` registered with `@job_handler`.
The handler calls the app's bulk service (all-or-nothing in one transaction) and reports
progress through the `progress(done, total)` callback between batches. The callback writes to
the cache (the job's own writes are invisible to other connections until they commit, and on
SQLite the job holds the write lock) and checks for a cancel request there: a canceled job
raises `JobCanceled` out of the service's transaction, so nothing it did is kept.

A job claimed by a worker records the worker (host:pid). `recover_stale_jobs` marks a running
job failed when its worker is gone: at once on the same host (the process no longer exists),
after RAPPORT_JOB_LEASE_SECONDS without a progress report from a worker on another host. The
worker runs it on start and periodically; the job pages run it when viewed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from rapport.core.audit import audit_source
from rapport.core.models import Job, JobStatus
from rapport.core.validation import first_error

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Handler = Callable[[Job, Progress], dict[str, Any]]
Cleanup = Callable[[Job], None]

_HANDLERS: dict[str, Handler] = {}
_CLEANUPS: dict[str, Cleanup] = {}
_RESUMABLE: set[str] = set()
_SWEEPERS: list[Callable[[], None]] = []

# Stored untranslated (the job row outlives the language of whoever reads it); the pages
# translate them when shown.
WORKER_GONE = gettext_noop("The worker running this job stopped; nothing was changed.")
# Jobs that commit as they go (each message logged, each batch sent) keep what they finished.
WORKER_GONE_RESUMABLE = gettext_noop(
    "The worker running this job stopped; what it finished is kept. Run it again to finish "
    "the rest."
)
CANCELED = gettext_noop("The job was canceled; nothing was changed.")
HAS_ERRORS = gettext_noop("The job found errors; nothing was changed.")
STORED_MESSAGES = {WORKER_GONE, WORKER_GONE_RESUMABLE, CANCELED, HAS_ERRORS}


class JobCanceled(Exception):
    """Raised by the progress callback when someone asked to cancel the job."""


def job_handler(
    kind: str, *, cleanup: Cleanup | None = None, resumable: bool = False
) -> Callable[[Handler], Handler]:
    """Register the handler of a job kind; `cleanup(job)` runs when such a job ends without
    its handler finishing (its worker died, or it was canceled before it started).
    `resumable`: the handler commits as it goes, so a job whose worker died keeps what it
    finished and running it again finishes the rest (the failed job says so)."""

    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        if cleanup is not None:
            _CLEANUPS[kind] = cleanup
        if resumable:
            _RESUMABLE.add(kind)
        return func

    return register


def job_sweeper(func: Callable[[], None]) -> Callable[[], None]:
    """Register a function that removes leftovers of jobs (e.g. orphaned upload files)."""
    _SWEEPERS.append(func)
    return func


def _key(job_id: int) -> str:
    return f"rapport:job:{job_id}:progress"


def _cancel_key(job_id: int) -> str:
    return f"rapport:job:{job_id}:cancel"


def _lease() -> int:
    return max(1, int(getattr(settings, "RAPPORT_JOB_LEASE_SECONDS", 900)))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def progress(job: Job) -> tuple[int, int]:
    """(done, total) of a job: live from the cache while it runs, else what was committed."""
    if job.status == JobStatus.RUNNING:
        live = cache.get(_key(job.pk))
        if live:
            return int(live[0]), int(live[1])
    return job.done, job.total


def cancel_requested(job: Job) -> bool:
    return bool(cache.get(_cancel_key(job.pk)))


def request_cancel(job: Job) -> None:
    """Ask the running job to stop at its next batch (see `rapport.core.services.cancel_job`)."""
    cache.set(_cancel_key(job.pk), True, timeout=24 * 3600)


def message(text: str) -> str:
    """A stored job error in the reader's language (our own messages are stored untranslated)."""
    return _(text) if text in STORED_MESSAGES else text


def report_progress(job: Job, done: int, total: int) -> None:
    """Publish a running job's progress (and that its worker is alive); stop if canceled."""
    cache.set(_key(job.pk), (done, total, time.time()), timeout=24 * 3600)
    if cancel_requested(job):
        raise JobCanceled


@task()
def run_job(job_id: int) -> None:
    execute_job(job_id)


def execute_job(job_id: int) -> Job:
    """Run a queued job now (the worker calls this; so can a test)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker_name()
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    handler = _HANDLERS[job.kind]

    def report(done: int, total: int) -> None:
        report_progress(job, done, total)

    try:
        report(0, job.total)
        with audit_source("job"):  # the audit events it writes say they came from a job
            result = handler(job, report)
    except JobCanceled:
        _finish(job, JobStatus.CANCELED, error=CANCELED, done=0)
    except ValidationError as exc:
        _field, text, _code = first_error(exc)
        _finish(job, JobStatus.FAILED, error=text, done=0)
    except Exception as exc:  # a failed job must say so, whatever broke
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}", done=0)
    else:
        if result.get("errors"):
            _finish(job, JobStatus.FAILED, result=result, error=HAS_ERRORS, done=0)
        else:
            live = cache.get(_key(job.pk))
            done, total = (live[0], live[1]) if live else (job.total, job.total)
            _finish(job, JobStatus.SUCCEEDED, result=result, done=done, total=total)
    finally:
        cache.delete_many([_key(job.pk), _cancel_key(job.pk)])
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
    # Only a job still running ends here: recovery may have failed it meanwhile.
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)


def enqueue(job: Job) -> None:
    """Hand the job to the worker once the creating transaction has committed."""
    transaction.on_commit(lambda: run_job.enqueue(job.pk))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(job: Job, now: float) -> bool:
    host, _sep, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _process_alive(int(pid))
    beats = [job.heartbeat_at.timestamp()] if job.heartbeat_at else []
    live = cache.get(_key(job.pk))
    if live and len(live) > 2:
        beats.append(float(live[2]))
    return not beats or now - max(beats) > _lease()


def end_job(job: Job, status: str, error: str) -> bool:
    """End a job that did not run to its end (dead worker, canceled while queued): mark it,
    forget its live progress and run its kind's cleanup. False if it had ended already."""
    ended = Job.objects.filter(pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=status, finished_at=timezone.now(), error=error, done=0
    )
    cache.delete_many([_key(job.pk), _cancel_key(job.pk)])
    if ended and job.kind in _CLEANUPS:
        try:
            _CLEANUPS[job.kind](job)
        except Exception:  # cleanup is best effort; the job's state is what matters
            logger.exception("Cleanup of job %s failed", job.pk)
    return bool(ended)


def recover_stale_jobs(*, sweep: bool = True) -> int:
    """Mark running jobs whose worker is gone as failed (their work was rolled back with the
    dead process) and, with `sweep`, remove leftovers. Returns how many jobs were failed."""
    now = time.time()
    failed = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING):
        gone = WORKER_GONE_RESUMABLE if job.kind in _RESUMABLE else WORKER_GONE
        if _is_stale(job, now) and end_job(job, JobStatus.FAILED, gone):
            logger.warning("Job %s (%s): its worker %s is gone", job.pk, job.kind, job.worker)
            failed += 1
    for sweeper in _SWEEPERS if sweep else []:
        try:
            sweeper()
        except Exception:
            logger.exception("Job sweeper %s failed", sweeper.__name__)
    return failed


def start_recovery_thread(interval: float) -> threading.Thread:
    """Run `recover_stale_jobs` every `interval` seconds in a daemon thread (the worker's)."""

    def loop() -> None:
        while True:
            time.sleep(interval)
            try:
                close_old_connections()
                with translation.override(None):
                    recover_stale_jobs()
            except Exception:  # e.g. SQLite busy while a job holds the write lock: next time
                logger.warning("Recovering stale jobs failed; will retry", exc_info=True)
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="rapport-job-recovery", daemon=True)
    thread.start()
    return thread


# --- periodic work ---------------------------------------------------------------------------

_PERIODIC: list[Callable[[], None]] = []


def periodic(func: Callable[[], None]) -> Callable[[], None]:
    """Register a function the worker's scheduler calls every tick (it decides itself whether
    something is due, and should only enqueue work: the tick must stay short)."""
    _PERIODIC.append(func)
    return func


def run_periodic() -> None:
    """One scheduler tick: every registered periodic function, each failure logged alone."""
    for func in _PERIODIC:
        try:
            with translation.override(None):
                func()
        except Exception:  # e.g. SQLite busy while a job holds the write lock: next tick
            logger.warning("Periodic %s failed; will retry", func.__name__, exc_info=True)


def start_scheduler_thread(interval: float) -> threading.Thread:
    """Call `run_periodic` every `interval` seconds in a daemon thread (the worker's)."""

    def loop() -> None:
        while True:
            time.sleep(interval)
            try:
                close_old_connections()
                run_periodic()
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="rapport-scheduler", daemon=True)
    thread.start()
    return thread
