"""Documents API: log one business document event (with an optional PDF), a batch of them, and
list what was recorded or skipped. Every write goes through `rapport.documents.services`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from rapport.core.api_helpers import PageOut, check_query_params, paginate, require_api_perm
from rapport.documents import queries, services
from rapport.documents.schemas import (
    BatchOut,
    DocumentEventBase,
    DocumentEventBatchIn,
    DocumentEventIn,
    DocumentEventOut,
    EventResultOut,
)
from rapport.interactions.api.common import decode_file

router = Router(tags=["Documents"])

VIEW = "documents.view_documentevent"
ADD = "documents.add_documentevent"


def event_input(payload: DocumentEventBase) -> services.DocumentEventInput:
    data = payload.dict()
    data.pop("pdf", None)
    upload = None
    pdf = getattr(payload, "pdf", None)
    if pdf is not None:
        upload = decode_file(pdf, "pdf")
    return services.DocumentEventInput(**data, pdf=upload)


@router.post(
    "/document-events",
    response={200: EventResultOut, 201: EventResultOut},
    summary="Log a document event",
)
def document_event_create(request: HttpRequest, payload: DocumentEventIn) -> Any:
    """Records a business document event (an ERP's invoice posted, a web shop's order
    created...) as an interaction log entry with the template the Interaction Template Setup
    names for its document type, and the PDF as its attachment. 201 `recorded`; 200
    `duplicate` (the same document type, no., event, version and idempotency key was recorded
    before: `entry_no` is that entry) or `skipped` (no contact or no template, with the setup's
    skip flag on). Otherwise a 422 names what is missing and nothing is written."""
    require_api_perm(request, ADD)
    result = services.record_document_event(actor=request.user, data=event_input(payload))
    return Status(201 if result.status == "recorded" else 200, result)


@router.post("/document-events/batch", response=BatchOut, summary="Log document events in a batch")
def document_event_batch(request: HttpRequest, payload: DocumentEventBatchIn) -> Any:
    """Records up to 10,000 events at once, set-based in one transaction (no PDFs). Every event
    gets a result in `results`, in the order sent: `recorded`, `duplicate`, `skipped` or
    `error` with the field, code and message; an event with an error writes nothing."""
    require_api_perm(request, ADD)
    results = services.record_document_events(
        actor=request.user, events=[event_input(item) for item in payload.events]
    )
    counts = Counter(result.status for result in results)
    return {
        "recorded": counts["recorded"],
        "duplicate": counts["duplicate"],
        "skipped": counts["skipped"],
        "error": counts["error"],
        "results": results,
    }


@router.get("/document-events", response=PageOut[DocumentEventOut], summary="List document events")
def document_event_list(request: HttpRequest) -> dict[str, Any]:
    """Recorded and skipped document events, newest first. Filters: `q` (document or account
    no.), `status` (recorded, skipped), `document_type`, `event`, `document_no`, `account_no`,
    `contact`, `date_from`, `date_to`; `sort` id, document_date or document_no."""
    require_api_perm(request, VIEW)
    check_query_params(request, queries.EVENT_LIST)
    return paginate(request, queries.EVENT_LIST, queries.document_events())
