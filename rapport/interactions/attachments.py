"""Attachment storage: embedded in the database or on disk through Django's storage API.

The bytes of one content are stored once (`StoredFile`, keyed by SHA-256); attachments are
immutable rows that point at them, so copying an attachment copies no bytes. Names on disk are
generated (`<folder>/<uuid>.<ext>`); the client's file name is kept only as data for downloads.
Sizes are capped by settings.RAPPORT_MAX_UPLOAD_BYTES.
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
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rapport.contacts.models import AttachmentStorageType
from rapport.core.validation import field_error
from rapport.interactions.models import Attachment, StoredFile

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
    """The last path part of `name`, without control or format characters (NUL, CR/LF, RTL
    overrides), without leading dots, at most 200 characters (keeping the extension)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 200:
        # A very long name is cut in its stem: the extension still says what the file is.
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and stem and len(ext) <= 10 else ""
        name = (stem if ext else name)[: 200 - len(ext) - (1 if ext else 0)].rstrip(" .")
        name = f"{name}.{ext}" if ext else name
    return name or "attachment"


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
    merge_kind: str = "",
    check_size: bool = True,
) -> Attachment:
    """A new attachment row for `upload`. Its bytes are stored once: an existing stored file
    with the same content is reused, else a new one is stored (embedded or on disk). Files
    Rapport makes itself (print bundles) skip the upload size limit (`check_size=False`)."""
    if check_size:
        check_upload(upload)
    name = safe_file_name(upload.name)
    ext = extension_of(name)
    content_type = (
        upload.content_type
        if re.match(r"^[\w.+-]+/[\w.+-]+$", upload.content_type or "")
        else (mimetypes.guess_type(name)[0] or "application/octet-stream")
    )
    attachment = Attachment(
        file=store_file(upload.content, storage_type=storage_type, folder=folder, extension=ext),
        file_name=name,
        file_extension=ext,
        content_type=content_type,
        read_only=read_only,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        merge_kind=merge_kind,
    )
    attachment.save()
    return attachment


def store_file(
    content: bytes, *, storage_type: str, folder: str, extension: str = ""
) -> StoredFile:
    """The stored file holding `content`: the existing one (locked, so it cannot be deleted
    before the caller's attachment refers to it) or a new one. Two concurrent stores of the
    same bytes end with one row: the unique SHA-256 makes the loser retry in a savepoint."""
    sha = hashlib.sha256(content).hexdigest()
    existing = StoredFile.objects.select_for_update().filter(sha256=sha).first()
    if existing is not None:
        return existing
    stored = StoredFile(sha256=sha, size=len(content), storage_type=storage_type)
    _write(stored, content, folder, extension)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        # Someone else stored the same content meanwhile: use theirs, drop what we wrote.
        delete_files([stored.storage_key])
        return StoredFile.objects.select_for_update().get(sha256=sha)
    return stored


def _write(stored: StoredFile, content: bytes, folder: str, extension: str = "") -> None:
    if stored.storage_type == AttachmentStorageType.DISK_FILE:
        key = f"{folder.strip('/') or 'files'}/{uuid.uuid4().hex}"
        if extension:
            key += f".{extension}"
        stored.storage_key = attachment_storage().save(key, ContentFile(content))
        stored.content = None
    else:
        stored.content = content
        stored.storage_key = ""


def read_content(attachment: Attachment | StoredFile) -> bytes:
    stored = attachment.file if isinstance(attachment, Attachment) else attachment
    if stored.storage_type == AttachmentStorageType.DISK_FILE:
        with attachment_storage().open(stored.storage_key, "rb") as handle:
            return bytes(handle.read())
    return bytes(stored.content or b"")


def move_content(stored: StoredFile, storage_type: str, folder: str) -> str | None:
    """Move one stored file's bytes to `storage_type` (and disk folder).

    Returns None when it was already there, else the old disk key to delete after commit
    ("" when the content was embedded)."""
    if stored.storage_type == storage_type and (
        storage_type != AttachmentStorageType.DISK_FILE
        or stored.storage_key.startswith(f"{folder.strip('/') or 'files'}/")
    ):
        return None
    content = read_content(stored)
    old_key = stored.storage_key if stored.storage_type == AttachmentStorageType.DISK_FILE else ""
    extension = extension_of(old_key) if old_key else ""
    if not extension:
        first = stored.attachments.order_by("pk").values_list("file_extension", flat=True).first()
        extension = first or ""
    stored.storage_type = storage_type
    _write(stored, content, folder, extension)
    stored.save(update_fields=["storage_type", "storage_key", "content"])
    return old_key


def copy_attachment(
    attachment: Attachment,
    *,
    storage_type: str = "",
    folder: str = "",
    read_only: bool,
    created_by: Any = None,
) -> Attachment:
    """A new attachment row sharing `attachment`'s stored bytes (nothing is copied or written;
    `storage_type` and `folder` are kept for callers and unused)."""
    stored = StoredFile.objects.select_for_update().get(pk=attachment.file_id)
    copy = Attachment(
        file=stored,
        file_name=attachment.file_name,
        file_extension=attachment.file_extension,
        content_type=attachment.content_type,
        merge_kind=attachment.merge_kind,
        read_only=read_only,
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    copy.save()
    return copy


def delete_files(keys: list[str]) -> None:
    storage = attachment_storage()
    for key in keys:
        if key:
            storage.delete(key)
