"""The shared harness of the crash tests: the real `manage.py db_worker` in a subprocess on this
test's database (SQLite or PostgreSQL), optionally paused inside a job's transaction after its
first batch, then killed with SIGKILL. Everything polls with deadlines; nothing waits a fixed
time.

Use it from a test module by importing the fixtures (pytest finds them by name):

    from rapport.core.tests.kill_harness import kill, poll, shared, start_worker  # noqa: F401

`start_worker(pausing=True)` returns (process, marker): the marker file appears once the job
reported progress past zero (it is then asleep inside its transaction); `kill(process)` sends
SIGKILL; `start_worker(pausing=False)` starts a plain worker, whose recovery fails the dead
worker's job; `rerun(job)` runs a job of the same kind and parameters in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

DEADLINE = 90  # seconds; a generous bound for a slow, shared machine, never a wait in itself

PAUSING_WORKER = textwrap.dedent(
    """
    import os, pathlib, sys, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    django.setup()
    from rapport.core import jobs
    marker = pathlib.Path(sys.argv[1])
    real = jobs.report_progress
    def pause_after_first_batch(job, done, total):
        real(job, done, total)
        if done > 0:
            marker.write_text(str(done))
            time.sleep(3600)  # killed here, inside the job's transaction
    jobs.report_progress = pause_after_first_batch
    from django.core.management import call_command
    call_command("db_worker", "--interval", "0.1", "--no-startup-delay")
    """
)


def database_url(db: dict[str, Any] | None = None) -> str:
    """The DATABASE_URL of a DATABASES entry (default: this test's database)."""
    db = db or connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def shared(settings: Any, tmp_path: Path) -> dict[str, str]:
    """Settings shared with a worker subprocess: this database, a file cache, the DB backend."""
    cache_dir = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(cache_dir),
        }
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return {
        "DATABASE_URL": database_url(),
        "RAPPORT_CACHE_BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "RAPPORT_CACHE_LOCATION": str(cache_dir),
        "RAPPORT_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "RAPPORT_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "RAPPORT_BATCH_SIZE": "2",
        "RAPPORT_LOG_LEVEL": "ERROR",
    }


@pytest.fixture
def start_worker(shared: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Any]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*, pausing: bool) -> tuple[subprocess.Popen[bytes], Path]:
        marker = tmp_path / f"paused-{len(started)}"
        if pausing:
            command = [sys.executable, "-c", PAUSING_WORKER, str(marker)]
        else:
            command = [sys.executable, "manage.py", "db_worker", "--interval", "0.1"]
            command.append("--no-startup-delay")
        process = subprocess.Popen(
            command,
            cwd=django_settings.BASE_DIR,
            env={**os.environ, **shared},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process, marker

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=DEADLINE)
        if process.stderr:
            process.stderr.close()


def poll(check: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    """Wait until `check()` holds, failing if the worker exits first or the deadline passes."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"the worker exited before {what}: {err[-2000:]}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=DEADLINE)


def kill_mid_job(start_worker: Callable[..., Any], what: str) -> None:
    """Start a pausing worker, wait until the queued job has done its first batch inside its
    transaction, and SIGKILL the worker there."""
    worker, paused = start_worker(pausing=True)
    poll(paused.exists, worker, what)
    kill(worker)


def fail_dead_jobs(start_worker: Callable[..., Any], job_id: int) -> None:
    """Start a fresh worker and wait until its recovery failed the dead worker's job."""
    from rapport.core.models import Job, JobStatus

    fresh, _marker = start_worker(pausing=False)
    poll(
        lambda: Job.objects.get(pk=job_id).status == JobStatus.FAILED,
        fresh,
        "the new worker failed the dead worker's job",
    )
    kill(fresh)
