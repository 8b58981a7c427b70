"""The interactions router and the helpers its modules share."""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.files import UploadedFile

from rapport.contacts.models import Contact
from rapport.contacts.queries import contacts_visible_to
from rapport.core.api_errors import RecordNotFound
from rapport.core.api_helpers import (
    no_such_record,
    require_api_perm,
)
from rapport.core.validation import ValidationError, field_error
from rapport.interactions import queries, services
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    SETUP_TEMPLATE_FIELDS,
    InteractionLogEntry,
    InteractionLogEntryComment,
    Opportunity,
)

router = Router(tags=["Interactions"])

# Above this many matching entries "delete canceled" always runs as a background job.
BACKGROUND_THRESHOLD = 200

# Services name model fields; API clients send (and read) codes under these names.
PAYLOAD_FIELDS = {
    "contact": "contact_no",
    "template": "template_code",
    "salesperson": "salesperson_code",
    "group": "group_code",
    "campaign": "campaign_no",
    "language": "language_code",
    "opportunity": "opportunity_no",
    "attachment": "file",
    "outgoing_calls": "outgoing_calls_code",
    **{name: f"{name}_code" for name in SETUP_TEMPLATE_FIELDS},
}


@contextmanager
def payload_names() -> Iterator[None]:
    """Re-raise a service's ValidationError with the field named as in the payload."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {PAYLOAD_FIELDS.get(name, name): errors for name, errors in exc.error_dict.items()}
        ) from None


def get_contact(request: HttpRequest, no: str) -> Contact:
    # No. is unique: [:1] without the ORDER BY that .first() adds
    contact = next(iter(contacts_visible_to(request.user).filter(no=no.strip().upper())[:1]), None)
    if contact is None:
        raise RecordNotFound(no_such_record(Contact, no.strip().upper(), "no"))
    return contact


def contact_by_no(request: HttpRequest, field: str, value: str | None) -> Contact | None:
    """The visible contact a payload names, None for a blank number, else a 422 on `field`."""
    value = (value or "").strip().upper()
    if not value:
        return None
    contact = next(iter(contacts_visible_to(request.user).filter(no=value)[:1]), None)
    if contact is None:
        raise field_error(
            field, f"{field}: {no_such_record(Contact, value, 'no')}", "does_not_exist"
        )
    return contact


def comment_lines(items: list[Any] | None) -> list[str | services.CommentLine] | None:
    """API comment lines as the services take them: a text is dated today, an object's left-out
    date is today and its `null` date is none."""
    if items is None:
        return None
    lines: list[str | services.CommentLine] = []
    for item in items:
        if isinstance(item, str):
            lines.append(item)
        else:
            lines.append(
                services.CommentLine(
                    comment=item.comment,
                    date=item.date if "date" in item.model_fields_set else services.TODAY,
                    code=item.code,
                )
            )
    return lines


def decode_file(file: Any, field: str = "file") -> Upload:
    """A JSON file (`FileIn`: name, content type, base64 content) as an upload; bad base64 or
    a file over the upload limit is a 422 on the field."""
    try:
        content = base64.b64decode(file.content, validate=True)
    except (binascii.Error, ValueError):
        raise field_error(
            f"{field}.content",
            _("The file content is not valid base64."),
            "invalid_base64",
        ) from None
    limit = settings.RAPPORT_MAX_UPLOAD_BYTES
    if len(content) > limit:
        raise field_error(
            field,
            _("The file is too large (%(size)s bytes). The limit is %(limit)s bytes.")
            % {"size": len(content), "limit": limit},
            "file_too_large",
        )
    return Upload(content=content, name=file.file_name, content_type=file.content_type)


def read_upload(file: UploadedFile, field: str = "file") -> Upload:
    """The uploaded file, refused before it is read when it is over the size limit."""
    limit = settings.RAPPORT_MAX_UPLOAD_BYTES
    size = file.size or 0
    if size > limit:
        raise field_error(
            field,
            _("The file is too large (%(size)s bytes). The limit is %(limit)s bytes.")
            % {"size": size, "limit": limit},
            "file_too_large",
        )
    return Upload(content=file.read(), name=file.name or "", content_type=file.content_type or "")


def statistics_out(
    scope: queries.EntryScope | queries.TotalScope,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> dict[str, Any]:
    stats = scope.statistics(date_from=date_from, date_to=date_to)
    return {
        "no_of_interactions": stats.count,
        "cost": stats.cost,
        "duration": stats.duration,
        "monthly": scope.monthly(date_from, date_to),
    }


def visible_entries(request: HttpRequest) -> QuerySet[InteractionLogEntry]:
    require_api_perm(request, "interactions.view_interactionlogentry")
    return queries.entries_visible_to(request.user).select_related("language")


def get_entry(
    request: HttpRequest, entry_no: int, *, postponed: bool | None
) -> InteractionLogEntry:
    """The visible entry numbered `entry_no`; `postponed` None: logged or postponed alike."""
    qs = visible_entries(request)
    if postponed is not None:
        qs = qs.filter(postponed=postponed)
    entry = (
        qs.filter(pk=entry_no)
        .prefetch_related(
            Prefetch("comments", queryset=InteractionLogEntryComment.objects.order_by("line_no"))
        )
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def selected_entries(request: HttpRequest, entry_nos: list[int], *, postponed: bool) -> Any:
    """The visible entries numbered `entry_nos`; a number that is not there is a 422."""
    qs = visible_entries(request).filter(pk__in=entry_nos, postponed=postponed)
    missing = sorted(set(entry_nos) - set(qs.values_list("pk", flat=True)))
    if missing:
        raise field_error(
            "entry_nos",
            _("%(field)s: %(value)s does not exist.") % {"field": "entry_nos", "value": missing[0]},
            "does_not_exist",
        )
    return qs


def visible_opportunities() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related(
        "contact", "contact_company", "salesperson", "campaign"
    ).prefetch_related("comments")
