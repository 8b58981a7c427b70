"""Postponed interactions: list, read, resume, delete."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Status
from ninja.files import UploadedFile

from rapport.core.api_helpers import (
    PageOut,
    paginate,
    require_api_perm,
)
from rapport.interactions import queries, services
from rapport.interactions.api.common import (
    get_entry,
    read_upload,
    router,
    selected_entries,
    visible_entries,
)
from rapport.interactions.api.create import parse_interaction, save_interaction
from rapport.interactions.models import (
    InteractionLogEntry,
)
from rapport.interactions.schemas import (
    DeletedOut,
    EntryNosIn,
    InteractionIn,
    InteractionLogEntryDetailOut,
    InteractionLogEntryOut,
)

# --- postponed interactions --------------------------------------------------------------------


@router.get(
    "/postponed-interactions",
    response=PageOut[InteractionLogEntryOut],
    summary="List postponed interactions",
)
def postponed_list(request: HttpRequest) -> dict[str, Any]:
    """Interactions saved with "finish later". Same filters and sorts as the log (`contact`,
    `salesperson`, `template`, `date_from`, ...)."""
    return paginate(request, queries.ENTRY_LIST, visible_entries(request).postponed())  # type: ignore[attr-defined]


@router.get("/postponed-interactions/{int:entry_no}", response=InteractionLogEntryDetailOut)
def postponed_get(request: HttpRequest, entry_no: int) -> InteractionLogEntry:
    return get_entry(request, entry_no, postponed=True)


@router.post("/postponed-interactions/{int:entry_no}/resume", response=InteractionLogEntryDetailOut)
def postponed_resume(
    request: HttpRequest, entry_no: int, payload: InteractionIn
) -> InteractionLogEntry:
    """Finish a postponed interaction: the same entry (same Entry No.) becomes a logged one.
    Body as `POST /interactions`; fields left out keep the postponed values (BC resets date
    and time to now and `attempt_failed` to false),
    unless another `template_code` is sent, which brings that template's defaults. Its
    attachment is kept; sent `comments` replace the old ones. `postpone: true` saves it again
    as postponed."""
    entry = get_entry(request, entry_no, postponed=True)
    return save_interaction(request, payload, resume=entry)


@router.post(
    "/postponed-interactions/{int:entry_no}/resume/with-attachment",
    response=InteractionLogEntryDetailOut,
)
def postponed_resume_with_attachment(
    request: HttpRequest,
    entry_no: int,
    data: str = Form(..., description="The JSON body of the resume endpoint, as text."),
    file: UploadedFile = File(...),  # noqa: B008
) -> InteractionLogEntry:
    """Multipart form like `POST /interactions/with-attachment`; the file replaces the
    postponed interaction's attachment."""
    require_api_perm(request, "interactions.add_interactionlogentry")
    entry = get_entry(request, entry_no, postponed=True)
    payload = parse_interaction(data)
    return save_interaction(request, payload, upload=read_upload(file), resume=entry)


@router.delete("/postponed-interactions/{int:entry_no}", response={204: None})
def postponed_delete(request: HttpRequest, entry_no: int) -> Any:
    """Delete a postponed interaction with its comments and its unshared attachment."""
    entry = get_entry(request, entry_no, postponed=True)
    services.delete_postponed_interactions(
        actor=request.user, entries=InteractionLogEntry.objects.filter(pk=entry.pk)
    )
    return Status(204, None)


@router.post("/postponed-interactions/delete", response=DeletedOut)
def postponed_delete_many(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    entries = selected_entries(request, payload.entry_nos, postponed=True)
    return {"deleted": services.delete_postponed_interactions(actor=request.user, entries=entries)}
