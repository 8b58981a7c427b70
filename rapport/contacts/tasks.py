"""Background jobs of the contacts app (registered with rapport.core.jobs at startup)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.contacts import services
from rapport.core.jobs import Progress, job_handler, job_sweeper
from rapport.core.models import Job
from rapport.core.validation import ValidationError

IMPORT_FOLDER = "imports/"
# An import file no queued or running job refers to is removed after this many seconds
# (a dry run's kept file for its confirm step, a file whose job never started or crashed).
ORPHAN_AGE_SECONDS = 24 * 3600


def _job_file(job: Job) -> str:
    name = str((job.params or {}).get("file") or "")
    if not name.startswith(IMPORT_FOLDER) or ".." in name or "\\" in name:
        return ""
    return name


def remove_import_file(job: Job) -> None:
    """Delete the import file of a job that ended without running (dead worker, canceled)."""
    name = _job_file(job)
    if name:
        default_storage.delete(name)


@job_sweeper
def remove_orphaned_import_files() -> None:
    """Delete import files older than a day that no queued or running job still needs."""
    import datetime

    from django.utils import timezone

    from rapport.core.models import JobStatus

    try:
        _dirs, files = default_storage.listdir(IMPORT_FOLDER)
    except FileNotFoundError:
        return
    wanted = {
        _job_file(job)
        for job in Job.objects.filter(
            kind="contacts.import", status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        )
    }
    cutoff = timezone.now() - datetime.timedelta(seconds=ORPHAN_AGE_SECONDS)
    for file in files:
        name = IMPORT_FOLDER + file
        if name in wanted:
            continue
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
        except FileNotFoundError:
            continue


@job_handler("contacts.import", cleanup=remove_import_file)
def run_contact_import(job: Job, progress: Progress) -> dict[str, Any]:
    """Import the file the import page stored for this job, then delete the file."""
    params = job.params or {}
    name = str(params.get("file") or "")
    if not name.startswith(IMPORT_FOLDER) or ".." in name or "\\" in name:
        raise ValidationError(_("The import file of this job is missing."), code="file_missing")
    try:
        with translation.override(params.get("language") or None):
            if not default_storage.exists(name):
                raise ValidationError(
                    _("The import file of this job is missing."), code="file_missing"
                )
            with default_storage.open(name, "rb") as handle:
                content = handle.read()
            return services.import_contacts(
                actor=job.created_by,
                content=content,
                filename=str(params.get("filename") or ""),
                dry_run=bool(params.get("dry_run", False)),
                progress=progress,
            )
    finally:
        default_storage.delete(name)
