"""Background jobs of the documents app: importing a large file of document events."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.contacts.tasks import IMPORT_FOLDER, remove_import_file
from rapport.core.jobs import Progress, job_handler
from rapport.core.models import Job
from rapport.core.validation import ValidationError
from rapport.documents import services


@job_handler("documents.import", cleanup=remove_import_file)
def run_document_import(job: Job, progress: Progress) -> dict[str, Any]:
    """Record the events of the file the import page stored for this job, then delete it.
    The job's result keeps the counts and the rows that were not recorded."""
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
            result = services.import_document_events(
                actor=job.created_by,
                content=content,
                filename=str(params.get("filename") or ""),
                progress=progress,
            )
            # Keep the job's stored result small: the counts and what needs attention.
            result["results"] = [r for r in result["results"] if r["status"] != "recorded"][:1000]
            return result
    finally:
        default_storage.delete(name)
