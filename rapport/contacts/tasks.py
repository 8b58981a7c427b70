"""Background jobs of the contacts app (registered with rapport.core.jobs at startup)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rapport.contacts import importing, services
from rapport.core import services as core_services
from rapport.core.jobs import Progress, job_handler, job_sweeper
from rapport.core.models import Job
from rapport.core.validation import ValidationError, field_error, require_perm

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


# A file kept for a later step: the real run after a dry run, or a workbook's job. The name is
# the token the page sends back; it names the user it belongs to.
KEPT_FILE = re.compile(r"^imports/keep-(\d+)-[0-9a-f]{32}\.(csv|xlsx)$")


def keep_import_file(*, actor: Any, content: bytes) -> str:
    """Store an uploaded import file for a later step; returns its name (the page's token).
    Files nobody comes back for are swept after a day."""
    extension = importing.file_kind(content)
    name = f"{IMPORT_FOLDER}keep-{actor.pk}-{uuid.uuid4().hex}.{extension}"
    return default_storage.save(name, ContentFile(content))


def kept_import_file(*, actor: Any, name: str) -> bytes:
    """The content of a file `actor` kept earlier; a name not theirs or gone is an error."""
    match = KEPT_FILE.match(name or "")
    if match is None or int(match.group(1)) != actor.pk or not default_storage.exists(name):
        raise field_error(
            "file",
            _("The file of the dry run is no longer available. Choose the file again."),
            "file_missing",
        )
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def discard_kept_import_file(*, actor: Any, name: str) -> None:
    match = KEPT_FILE.match(name or "")
    if match is not None and int(match.group(1)) == actor.pk:
        default_storage.delete(name)


def start_contact_import_job(
    *, actor: Any, content: bytes, filename: str, dry_run: bool, kept: str = ""
) -> Job:
    """Check or import a file as a background job (always so for a workbook: parsing one is
    work for the task worker, not the web process). Only the cheap checks run here: size,
    and a workbook's unpacked size. `kept` reuses a file kept by `keep_import_file`."""
    require_perm(actor, "contacts.import_contacts")
    importing.check_size(len(content))
    if importing.file_kind(content) == importing.XLSX:
        importing.check_workbook(content)
    stored = kept or keep_import_file(actor=actor, content=content)
    display_name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:100]
    try:
        return core_services.start_job(
            actor=actor,
            kind="contacts.import",
            description=_("Import contacts from %(file)s") % {"file": display_name},
            params={
                "file": stored,
                "filename": display_name,
                "dry_run": dry_run,
                "language": get_language() or settings.LANGUAGE_CODE,
            },
        )
    except Exception:
        default_storage.delete(stored)
        raise


@job_handler("contacts.import", cleanup=remove_import_file)
def run_contact_import(job: Job, progress: Progress) -> dict[str, Any]:
    """Import (or check) the file the import page stored for this job, then delete the file;
    a dry run without errors keeps it for the real run (`kept_file` in the result)."""
    params = job.params or {}
    name = str(params.get("file") or "")
    if not name.startswith(IMPORT_FOLDER) or ".." in name or "\\" in name:
        raise ValidationError(_("The import file of this job is missing."), code="file_missing")
    keep = False
    try:
        with translation.override(params.get("language") or None):
            if not default_storage.exists(name):
                raise ValidationError(
                    _("The import file of this job is missing."), code="file_missing"
                )
            with default_storage.open(name, "rb") as handle:
                content = handle.read()
            result = services.import_contacts(
                actor=job.created_by,
                content=content,
                filename=str(params.get("filename") or ""),
                dry_run=bool(params.get("dry_run", False)),
                progress=progress,
            )
            if result.get("dry_run") and not result.get("errors") and KEPT_FILE.match(name):
                keep = True
                result["kept_file"] = name
            return result
    finally:
        if not keep:
            default_storage.delete(name)
