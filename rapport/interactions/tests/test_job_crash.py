"""Issue 14 point 4: relocating attachments is all or nothing when its worker is killed
(SIGKILL) mid-job (the files it wrote are swept once old), the job shows failed, and running it
again moves every file, as one uninterrupted run would. Runs the real task worker in a subprocess on this test's database."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import pytest
from django.core.cache import cache

from rapport.contacts.services import update_marketing_setup
from rapport.core.jobs import execute_job, recover_stale_jobs
from rapport.core.models import Job, JobStatus
from rapport.core.tests.kill_harness import (  # noqa: F401  (fixtures)
    fail_dead_jobs,
    kill_mid_job,
    shared,
    start_worker,
)
from rapport.interactions import services
from rapport.interactions.attachments import attachment_storage, read_content
from rapport.interactions.models import StoredFile
from rapport.interactions.tests.conftest import upload

FILES = 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_relocation_moves_nothing_and_a_rerun_moves_every_file(
    alice,
    bob,
    company,
    call_template,
    salesperson,
    shared,  # noqa: F811
    start_worker,  # noqa: F811
) -> None:
    contents = {}
    for n in range(FILES):
        entry = services.create_interaction(
            actor=bob,
            data=services.InteractionInput(
                contact=company,
                template=call_template,
                salesperson=salesperson,
                upload=upload(f"note{n}.txt", f"note {n}".encode()),
            ),
        )
        contents[entry.attachment.file_id] = f"note {n}".encode()
    folder = f"moved-{uuid.uuid4().hex[:8]}"
    update_marketing_setup(
        actor=alice, attachment_storage_type="disk_file", attachment_storage_location=folder
    )
    before = sorted(StoredFile.objects.values_list("pk", "storage_type", "storage_key"))
    job = services.start_relocate_attachments(actor=alice)
    kill_mid_job(start_worker, "the relocation moved its first batch")
    fail_dead_jobs(start_worker, job.pk)

    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED
    after = sorted(StoredFile.objects.values_list("pk", "storage_type", "storage_key"))
    assert after == before, "all or nothing: every file still embedded"
    assert all(read_content(s) == contents[s.pk] for s in StoredFile.objects.all())
    written = attachment_storage().listdir(folder)[1]
    assert written, "the dead run had written files that nothing refers to"
    _age(folder, written, days=2)
    cache.clear()
    recover_stale_jobs()
    assert _on_disk(folder) == set(), "old orphaned files are swept"

    rerun = execute_job(services.start_relocate_attachments(actor=alice).pk)
    assert rerun.status == JobStatus.SUCCEEDED
    assert rerun.result == {"attachments": FILES, "moved": FILES}
    stored = list(StoredFile.objects.all())
    assert {s.storage_type for s in stored} == {"disk_file"}
    assert all(s.storage_key.startswith(f"{folder}/") for s in stored)
    assert {s.pk: read_content(s) for s in stored} == contents, "every byte moved"
    referenced = {s.storage_key.split("/", 1)[1] for s in stored}
    assert _on_disk(folder) == referenced
    _age(folder, referenced, days=2)
    cache.clear()
    recover_stale_jobs()
    assert _on_disk(folder) == referenced, "files in use are never swept, however old"


def _on_disk(folder: str) -> set[str]:
    storage = attachment_storage()
    return set(storage.listdir(folder)[1]) if storage.exists(folder) else set()


def _age(folder: str, names: Any, *, days: int) -> None:
    old = time.time() - days * 24 * 3600
    for name in names:
        os.utime(attachment_storage().path(f"{folder}/{name}"), (old, old))
