"""Jobs recover: a job whose worker died is failed (and its work rolled back), a job can be
canceled, an import with errors fails, and leftovers are removed.

The crash tests run the real `manage.py db_worker` in a subprocess against this test's
database, pause it inside the job's transaction after the first batch, kill it with SIGKILL
and check the job and the data. They poll with deadlines; nothing waits a fixed time.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from rapport.accounts.services import create_salesperson
from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact, submit_contact_import
from rapport.core import jobs
from rapport.core.jobs import execute_job, progress, recover_stale_jobs
from rapport.core.models import Job, JobStatus
from rapport.core.services import cancel_job
from rapport.core.tests.kill_harness import (  # noqa: F401  (fixtures)
    fail_dead_jobs,
    kill,
    kill_mid_job,
    poll,
    shared,
    start_worker,
)
from rapport.interactions import services as interactions
from rapport.interactions.models import InteractionLogEntry


def _canceled_entries(alice: Any, bob: Any, count: int) -> None:
    salesperson = create_salesperson(actor=alice, code="AH", name="Aino Heikkinen")
    contact = create_contact(actor=alice, name="Kesko Oyj", salesperson=salesperson)
    group = interactions.create_interaction_group(actor=alice, code="CALLS", description="Calls")
    template = interactions.create_interaction_template(
        actor=alice, code="CALL", group=group, description="Call", correspondence_type=""
    )
    for _ in range(count):
        interactions.create_interaction(
            actor=bob, data=interactions.InteractionInput(contact=contact, template=template)
        )
    interactions.cancel_entries(actor=alice, entries=InteractionLogEntry.objects.all())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_purge_leaves_every_entry_and_a_failed_job(
    alice,
    bob,
    client_for,
    start_worker,  # noqa: F811
) -> None:
    _canceled_entries(alice, bob, 6)
    job = interactions.start_delete_canceled_entries(
        actor=alice, filters=interactions.PurgeFilter()
    )
    worker, paused = start_worker(pausing=True)
    poll(paused.exists, worker, "the purge deleted its first batch")
    assert progress(Job.objects.get(pk=job.pk))[0] > 0, "the live progress shows the batch"
    kill(worker)

    page = client_for(alice).get(f"/core/jobs/{job.pk}/")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED, "viewing the job finds its worker gone"
    assert "The worker running this job stopped" in page.content.decode()
    assert progress(job) == (0, 6), "progress is what was committed: nothing"
    assert InteractionLogEntry.objects.filter(canceled=True).count() == 6, "all or nothing"

    rerun = interactions.start_delete_canceled_entries(
        actor=alice, filters=interactions.PurgeFilter()
    )
    rerun = execute_job(rerun.pk)
    assert rerun.status == JobStatus.SUCCEEDED and rerun.result == {"deleted": 6}
    assert not InteractionLogEntry.objects.exists(), "the rerun finishes it, as one run would"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_import_imports_nothing_and_the_next_worker_fails_the_job(
    alice,
    settings,
    start_worker,  # noqa: F811
) -> None:
    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 1
    rows = "\n".join(f"Company {n}" for n in range(6))
    content = f"name\n{rows}\n".encode()
    outcome = submit_contact_import(actor=alice, content=content, filename="c.csv", dry_run=False)
    job = Job.objects.get(pk=outcome["job_id"])
    stored = job.params["file"]
    worker, paused = start_worker(pausing=True)
    poll(paused.exists, worker, "the import wrote its first batch")
    kill(worker)
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING

    fail_dead_jobs(start_worker, job.pk)  # a new worker finds the job's worker gone
    assert Contact.objects.count() == 0, "all or nothing"
    assert not default_storage.exists(stored), "the orphaned upload is removed"

    again = submit_contact_import(actor=alice, content=content, filename="c.csv", dry_run=False)
    assert execute_job(again["job_id"]).status == JobStatus.SUCCEEDED
    imported = list(Contact.objects.order_by("no").values_list("no", "name"))
    # As one uninterrupted run: every row once, numbered from the series' start without a
    # gap (the dead run's numbers were rolled back with it).
    assert [name for _no, name in imported] == [f"Company {n}" for n in range(6)]
    assert [no for no, _name in imported] == [f"CT{n:06d}" for n in range(1, 7)]


def test_a_queued_job_can_be_canceled_and_never_runs(alice, bob, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _canceled_entries(alice, bob, 2)
    job = interactions.start_delete_canceled_entries(
        actor=alice, filters=interactions.PurgeFilter()
    )
    job = cancel_job(actor=alice, job=job)
    assert job.status == JobStatus.CANCELED
    assert execute_job(job.pk).status == JobStatus.CANCELED
    assert InteractionLogEntry.objects.count() == 2


def test_a_running_job_canceled_between_batches_rolls_back(
    alice, bob, settings, monkeypatch
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.RAPPORT_BATCH_SIZE = 1
    _canceled_entries(alice, bob, 3)
    job = interactions.start_delete_canceled_entries(
        actor=alice, filters=interactions.PurgeFilter()
    )
    real = jobs.report_progress

    def cancel_after_first_batch(running: Job, done: int, total: int) -> None:
        if done == 1:
            cancel_job(actor=alice, job=running)  # someone presses Cancel meanwhile
        real(running, done, total)

    monkeypatch.setattr(jobs, "report_progress", cancel_after_first_batch)
    job = execute_job(job.pk)
    assert job.status == JobStatus.CANCELED
    assert job.done == 0
    assert InteractionLogEntry.objects.count() == 3


def test_the_cancel_button_and_api_cancel_a_queued_job(alice, bob, client_for, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _canceled_entries(alice, bob, 1)
    first = interactions.start_delete_canceled_entries(
        actor=alice, filters=interactions.PurgeFilter()
    )
    second = interactions.start_delete_canceled_entries(
        actor=alice, filters=interactions.PurgeFilter()
    )
    client = client_for(alice)
    assert "Cancel job" in client.get(f"/core/jobs/{first.pk}/").content.decode()
    response = client.post(f"/core/jobs/{first.pk}/cancel/")
    assert response.status_code == 302
    api = client.post(f"/api/v1/jobs/{second.pk}/cancel")
    assert api.status_code == 200 and api.json()["status"] == "canceled"
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.CANCELED}
    again = client.post(f"/api/v1/jobs/{second.pk}/cancel")
    assert again.status_code == 422


def test_another_users_job_cannot_be_canceled_by_a_salesperson(alice, bob, settings) -> None:
    from django.core.exceptions import PermissionDenied

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = interactions.start_delete_canceled_entries(
        actor=alice, filters=interactions.PurgeFilter()
    )
    with pytest.raises(PermissionDenied):
        cancel_job(actor=bob, job=job)


def test_an_old_orphaned_import_file_is_swept(alice, settings) -> None:
    import datetime

    from django.utils import timezone

    name = default_storage.save("imports/orphan.csv", ContentFile(b"name\nA\n"))
    recover_stale_jobs()
    assert default_storage.exists(name), "a fresh file may still be in use"
    old = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(name), (old, old))
    recover_stale_jobs()
    assert not default_storage.exists(name)


def test_job_pages_show_translated_titles_and_result_captions(alice, settings) -> None:
    from django.test import Client

    from rapport.accounts.services import set_user_language

    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 1
    content = b"name\nKesko Oyj\nStockmann Oyj\n"
    with translation_override("en"):
        outcome = submit_contact_import(
            actor=alice, content=content, filename="c.csv", dry_run=False
        )
    job = execute_job(outcome["job_id"])
    assert job.status == JobStatus.SUCCEEDED
    set_user_language(actor=alice, language="fi")
    client = Client()
    client.force_login(alice)
    page = client.get(f"/core/jobs/{job.pk}/").content.decode()
    assert "<h1>Tuo kontakteja</h1>" in page, "the title in the reader's language"
    assert "Rivejä tiedostossa" in page, "result captions translated"
    assert "<dt>rows</dt>" not in page and "<dt>created</dt>" not in page, "no raw keys"
    listing = client.get("/core/jobs/").content.decode()
    assert "Tuo kontakteja" in listing


def translation_override(language: str) -> Any:
    from django.utils import translation

    return translation.override(language)
