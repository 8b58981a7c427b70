"""The interaction log: list, read, cancel, restore, evaluate, comments, delete canceled."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.core.api_helpers import (
    PageOut,
    paginate,
    resolve_code,
)
from rapport.interactions import queries, services
from rapport.interactions.api.common import (
    BACKGROUND_THRESHOLD,
    get_entry,
    payload_names,
    router,
    selected_entries,
    visible_entries,
    visible_opportunities,
)
from rapport.interactions.models import (
    InteractionGroup,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplate,
    Opportunity,
)
from rapport.interactions.schemas import (
    ChangedOut,
    CommentIn,
    CommentOut,
    DeleteCanceledIn,
    DeletedOut,
    EntryNosIn,
    EvaluateIn,
    InteractionLogEntryDetailOut,
    InteractionLogEntryOut,
    JobStartedOut,
    OpportunityOut,
)

# --- the log -----------------------------------------------------------------------------------


@router.get(
    "/interaction-log-entries",
    response=PageOut[InteractionLogEntryOut],
    summary="List interaction log entries",
)
def entry_list(request: HttpRequest) -> dict[str, Any]:
    """The log. Without `postponed` it lists logged entries only, as BC's log page does;
    `postponed=true` lists the postponed interactions (also at /postponed-interactions),
    `postponed=false` the logged ones. Filters: `q` (description), `contact`, `company`,
    `salesperson`, `template`, `group`, `campaign`, `date_from`, `date_to`, `canceled`,
    `attempt_failed`, `evaluation`, `entry_from`, `entry_to`, `postponed`; `sort` entry_no or
    date (`-` for descending; default `-entry_no`), `page`, `page_size`."""
    qs = visible_entries(request)
    if not (request.GET.get("postponed") or "").strip():
        qs = qs.logged()  # type: ignore[attr-defined]
    return paginate(request, queries.ENTRY_LIST, qs)


@router.get("/interaction-log-entries/{int:entry_no}", response=InteractionLogEntryDetailOut)
def entry_get(request: HttpRequest, entry_no: int) -> InteractionLogEntry:
    """One entry with its comments; a postponed interaction too (`postponed: true`)."""
    return get_entry(request, entry_no, postponed=None)


@router.delete("/interaction-log-entries/{int:entry_no}", response={204: None})
def entry_delete(request: HttpRequest, entry_no: int) -> Any:
    """Delete one canceled entry with its comments and the attachment no other entry uses (the
    rules of delete-canceled for one entry). Administrators only (403); an entry that is not
    canceled is a 422 on `canceled`."""
    entry = get_entry(request, entry_no, postponed=False)
    services.delete_canceled_entry(actor=request.user, entry=entry)
    return Status(204, None)


@router.post("/interaction-log-entries/cancel", response=ChangedOut)
def entries_cancel(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    """Mark entries canceled: statistics stop counting them. `changed`: how many were not
    canceled before."""
    entries = selected_entries(request, payload.entry_nos, postponed=False)
    return {"changed": services.cancel_entries(actor=request.user, entries=entries)}


@router.post("/interaction-log-entries/restore", response=ChangedOut)
def entries_restore(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    entries = selected_entries(request, payload.entry_nos, postponed=False)
    with payload_names():
        changed = services.restore_entries(actor=request.user, entries=entries)
    return {"changed": changed}


@router.post("/interaction-log-entries/evaluate", response=ChangedOut)
def entries_evaluate(request: HttpRequest, payload: EvaluateIn) -> dict[str, int]:
    """Set the evaluation (very_positive, positive, neutral, negative, very_negative or "")."""
    entries = selected_entries(request, payload.entry_nos, postponed=False)
    changed = services.evaluate_entries(
        actor=request.user, entries=entries, evaluation=payload.evaluation
    )
    return {"changed": changed}


@router.post("/interaction-log-entries/{int:entry_no}/comments", response={201: CommentOut})
def entry_comment_add(
    request: HttpRequest, entry_no: int, payload: CommentIn
) -> Status[InteractionLogEntryComment]:
    """Add a comment line to an entry or a postponed interaction (date: default today)."""
    entry = get_entry(request, entry_no, postponed=None)
    comment = services.add_entry_comment(
        actor=request.user,
        entry=entry,
        comment=payload.comment,
        code=payload.code,
        date=payload.date if "date" in payload.model_fields_set else services.TODAY,
    )
    return Status(201, comment)


@router.delete(
    "/interaction-log-entries/{int:entry_no}/comments/{int:line_no}", response={204: None}
)
def entry_comment_delete(request: HttpRequest, entry_no: int, line_no: int) -> Any:
    entry = get_entry(request, entry_no, postponed=None)
    comment = entry.comments.filter(line_no=line_no).first()
    if comment is None:
        raise Http404
    services.delete_entry_comment(actor=request.user, comment=comment)
    return Status(204, None)


@router.post("/interaction-log-entries/{int:entry_no}/opportunity", response={201: OpportunityOut})
def entry_create_opportunity(request: HttpRequest, entry_no: int) -> Status[Opportunity]:
    """Create an opportunity from the entry (its description, contact, salesperson, campaign,
    segment and comments). Only once per entry, never from a canceled entry or for a
    privacy-blocked contact (422)."""
    entry = get_entry(request, entry_no, postponed=False)
    with payload_names():
        opportunity = services.create_opportunity_from_entry(actor=request.user, entry=entry)
    return Status(201, visible_opportunities().get(pk=opportunity.pk))


@router.post(
    "/interaction-log-entries/delete-canceled",
    response={200: DeletedOut, 202: JobStartedOut},
)
def entries_delete_canceled(request: HttpRequest, payload: DeleteCanceledIn) -> Any:
    """Delete the canceled entries matching the filters, with their comments and the
    attachments no remaining entry uses; all or nothing. With `background: true`, or when more
    than 200 entries match, it runs as a background job: 202 with `job_id` (follow it at
    `GET /jobs/{job_id}`); else 200 with `deleted`. Administrators only."""
    filters = services.PurgeFilter(
        date_from=payload.date_from,
        date_to=payload.date_to,
        entry_from=payload.entry_from,
        entry_to=payload.entry_to,
        contact=resolve_code(Contact, "contact_no", payload.contact_no, "no"),
        template=resolve_code(InteractionTemplate, "template_code", payload.template_code),
        group=resolve_code(InteractionGroup, "group_code", payload.group_code),
        salesperson=resolve_code(Salesperson, "salesperson_code", payload.salesperson_code),
        campaign=resolve_code(Campaign, "campaign_no", payload.campaign_no, "no"),
    )
    if payload.background or filters.queryset().count() > BACKGROUND_THRESHOLD:
        job = services.start_delete_canceled_entries(actor=request.user, filters=filters)
        return Status(202, {"job_id": job.pk})
    return Status(
        200, {"deleted": services.delete_canceled_entries(actor=request.user, filters=filters)}
    )
