"""Background jobs of the contacts app (registered with rapport.core.jobs at startup)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.contacts import services
from rapport.core.jobs import Progress, job_handler
from rapport.core.models import Job
from rapport.core.validation import ValidationError

IMPORT_FOLDER = "imports/"


@job_handler("contacts.import")
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
