"""Scale-out: N task workers on one PostgreSQL never claim the same job.

The worker (`manage.py db_worker`, django_tasks_db) claims a task with
`SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1` and marks it running in the same transaction. Two
workers that claim at the same moment each lock a different task (neither waits for the
other) and every task is claimed exactly once.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from rapport.core.jobs import run_job


def _claim(worker_id: str, barrier: threading.Barrier | None) -> str | None:
    """The worker's claim step: lock one ready task, skipping locked ones, and mark it."""
    tasks = DBTaskResult.objects.ready().filter(backend_name="default")
    with exclusive_transaction(tasks.db):
        task = tasks.get_locked()
        if task is not None:
            task.claim(worker_id)
        if barrier is not None:
            barrier.wait(timeout=10)  # both workers hold their lock at the same time
    return str(task.pk) if task is not None else None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_claiming_at_once_never_claim_the_same_job(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; SKIP LOCKED is PostgreSQL's")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queued = {run_job.enqueue(job_id=i).id for i in range(20)}
    claimed: dict[str, list[str]] = {"w1": [], "w2": []}
    errors: list[BaseException] = []

    def worker(name: str, barrier: threading.Barrier) -> None:
        try:
            first = _claim(name, barrier)  # claims overlapping in time
            if first:
                claimed[name].append(first)
            while (task := _claim(name, None)) is not None:
                claimed[name].append(task)
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=worker, args=(n, barrier)) for n in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    both = claimed["w1"] + claimed["w2"]
    assert len(both) == len(set(both)) == 20
    assert set(both) == {str(pk) for pk in queued}
    assert claimed["w1"] and claimed["w2"]
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 20
