"""Attachment storage: embedded in the database or on disk through Django's storage API.

Names on disk are generated (`<folder>/<uuid>.<ext>`); the client's file name is kept only as
data for downloads. Sizes are capped by settings.RAPPORT_MAX_UPLOAD_BYTES.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.translation import gettext as _

from rapport.contacts.models import AttachmentStorageType
from rapport.core.validation import field_error
from rapport.interactions.models import Attachment

_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class Upload:
    """A file as the user sent it: raw bytes and the name their computer gave it."""

    content: bytes
    name: str
    content_type: str = ""


def attachment_storage() -> Storage:
    """Where disk-file attachments live: a private folder, never served as static/media."""
    root = getattr(settings, "RAPPORT_ATTACHMENT_ROOT", settings.MEDIA_ROOT / "attachments")
    return FileSystemStorage(location=root, base_url=None)


def safe_file_name(name: str) -> str:
    """The last path part of `name`, without control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "attachment"


def extension_of(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext if _EXTENSION.match(ext) else ""


def check_upload(upload: Upload, field: str = "attachment") -> None:
    limit = settings.RAPPORT_MAX_UPLOAD_BYTES
    if len(upload.content) > limit:
        raise field_error(
            field,
            _("The file is too large (%(size)s bytes). The limit is %(limit)s bytes.")
            % {"size": len(upload.content), "limit": limit},
            "file_too_large",
        )


def new_attachment(
    *,
    upload: Upload,
    storage_type: str,
    folder: str,
    read_only: bool = False,
    created_by: Any = None,
) -> Attachment:
    """Store `upload` as a new attachment row (content embedded or written to disk)."""
    check_upload(upload)
    name = safe_file_name(upload.name)
    ext = extension_of(name)
    content_type = (
        upload.content_type
        if re.match(r"^[\w.+-]+/[\w.+-]+$", upload.content_type or "")
        else (mimetypes.guess_type(name)[0] or "application/octet-stream")
    )
    attachment = Attachment(
        storage_type=storage_type,
        file_name=name,
        file_extension=ext,
        content_type=content_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        read_only=read_only,
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    _write(attachment, upload.content, folder)
    attachment.save()
    return attachment


def _write(attachment: Attachment, content: bytes, folder: str) -> None:
    if attachment.storage_type == AttachmentStorageType.DISK_FILE:
        key = f"{folder.strip('/') or 'files'}/{uuid.uuid4().hex}"
        if attachment.file_extension:
            key += f".{attachment.file_extension}"
        attachment.storage_key = attachment_storage().save(key, ContentFile(content))
        attachment.content = None
    else:
        attachment.content = content
        attachment.storage_key = ""


def read_content(attachment: Attachment) -> bytes:
    if attachment.storage_type == AttachmentStorageType.DISK_FILE:
        with attachment_storage().open(attachment.storage_key, "rb") as handle:
            return bytes(handle.read())
    return bytes(attachment.content or b"")


def move_content(attachment: Attachment, storage_type: str, folder: str) -> str | None:
    """Move one attachment's content to `storage_type` (and disk folder).

    Returns None when it was already there, else the old disk key to delete after commit
    ("" when the content was embedded)."""
    if attachment.storage_type == storage_type and (
        storage_type != AttachmentStorageType.DISK_FILE
        or attachment.storage_key.startswith(f"{folder.strip('/') or 'files'}/")
    ):
        return None
    content = read_content(attachment)
    old_key = attachment.storage_key if attachment.storage_type == "disk_file" else ""
    attachment.storage_type = storage_type
    _write(attachment, content, folder)
    attachment.save(update_fields=["storage_type", "storage_key", "content", "modified_at"])
    return old_key


def copy_attachment(
    attachment: Attachment,
    *,
    storage_type: str,
    folder: str,
    read_only: bool,
    created_by: Any = None,
) -> Attachment:
    return new_attachment(
        upload=Upload(read_content(attachment), attachment.file_name, attachment.content_type),
        storage_type=storage_type,
        folder=folder,
        read_only=read_only,
        created_by=created_by,
    )


def delete_files(keys: list[str]) -> None:
    storage = attachment_storage()
    for key in keys:
        if key:
            storage.delete(key)
