"""Job handlers of the interactions app (run by the task worker through rapport.core.jobs)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.cache import cache

from rapport.core.jobs import Progress, job_handler, job_sweeper
from rapport.core.models import Job
from rapport.interactions import services

# A disk file no stored file points at is removed once it is this old: a job killed after it
# wrote a file (logging, relocating) leaves one behind, as does a crash between a commit and
# the removal of the files it replaced. Younger files may belong to a transaction still open.
ORPHAN_FILE_AGE_SECONDS = 24 * 3600
ORPHAN_SWEEP_EVERY_SECONDS = 6 * 3600


@job_handler("interactions.delete_canceled")
def run_delete_canceled(job: Job, progress: Progress) -> dict[str, Any]:
    filters = services.PurgeFilter.from_params(job.params)
    deleted = services.delete_canceled_entries(
        actor=job.created_by, filters=filters, progress=progress, total=job.total or None
    )
    return {"deleted": deleted}


@job_handler("interactions.relocate_attachments")
def run_relocate(job: Job, progress: Progress) -> dict[str, Any]:
    return services.relocate_attachments(actor=job.created_by, progress=progress)


@job_sweeper
def remove_orphaned_attachment_files() -> None:
    """Delete attachment files older than a day that no stored file refers to (at most every
    few hours: it walks the whole attachment folder)."""
    from rapport.interactions.attachments import attachment_storage
    from rapport.interactions.models import StoredFile

    if not cache.add("rapport:attachments:orphan-sweep", True, ORPHAN_SWEEP_EVERY_SECONDS):
        return
    storage = attachment_storage()
    root = Path(storage.path(""))
    if not root.is_dir():
        return
    cutoff = time.time() - ORPHAN_FILE_AGE_SECONDS
    old: list[str] = []

    def sweep(keys: list[str]) -> None:
        used = set(
            StoredFile.objects.filter(storage_key__in=keys).values_list("storage_key", flat=True)
        )
        for key in keys:
            if key not in used:
                storage.delete(key)

    for path in root.rglob("*"):
        try:
            if not path.is_file() or path.stat().st_mtime >= cutoff:
                continue
        except FileNotFoundError:
            continue
        old.append(path.relative_to(root).as_posix())
        if len(old) >= 1000:
            sweep(old)
            old = []
    if old:
        sweep(old)
