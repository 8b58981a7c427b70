"""The export of a contact with a long history runs as a background job: the zip is written
to a private file (under the storage's `privacy-exports/`), offered on the job's page to the
user who started it, and deleted once downloaded, when the contact is erased, or when the job
ends without finishing."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact
from rapport.core import services as core_services
from rapport.core.jobs import Progress, job_handler
from rapport.core.models import Job
from rapport.core.validation import require_perm

EXPORT = "privacy.export"
EXPORT_FOLDER = "privacy-exports/"
# A contact with more entries than this is exported by a background job from the pages.
DEFAULT_JOB_ENTRIES = 2000


def export_job_threshold() -> int:
    return int(getattr(settings, "RAPPORT_PRIVACY_EXPORT_JOB_ENTRIES", DEFAULT_JOB_ENTRIES))


def start_contact_export(*, actor: Any, contact: Contact) -> Job:
    """Queue the export of `contact` (see `services.export_contact_data`)."""
    from rapport.privacy.services import EXPORT_PERM

    require_perm(actor, EXPORT_PERM)
    return core_services.start_job(
        actor=actor,
        kind=EXPORT,
        description=_("Export personal data of contact %(no)s") % {"no": contact.no},
        params={"contact": contact.pk, "contact_no": contact.no},
    )


def export_file(job: Job) -> str:
    """The stored file of a finished export job ("" when there is none)."""
    name = str((job.result or {}).get("file") or "")
    return name if name.startswith(EXPORT_FOLDER) else ""


def remove_export_files(jobs: Any) -> int:
    """Delete the files of these export jobs (after a download, or when the contact is erased)."""
    removed = 0
    for job in jobs:
        name = export_file(job)
        if name and default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
    return removed


@job_handler(EXPORT)
def run_contact_export(job: Job, progress: Progress) -> dict[str, Any]:
    from rapport.privacy import services

    contact = Contact.objects.get(pk=job.params["contact"])
    path = services.export_contact_data(actor=job.created_by, contact=contact)
    try:
        with path.open("rb") as handle:
            name = default_storage.save(
                f"{EXPORT_FOLDER}{job.pk}-{uuid.uuid4().hex}.zip", File(handle)
            )
    finally:
        path.unlink(missing_ok=True)
    entries = services.contact_entries(contact).count()
    progress(1, 1)
    url = reverse("privacy:personal_data_export_download", args=[job.pk])
    return {"entries": entries, "file": name, "download_url": url}
