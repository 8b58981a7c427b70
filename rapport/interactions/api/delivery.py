"""Delivery: previews, an entry's document, resending, e-mail layouts, print bundles."""

from __future__ import annotations

import base64
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from ninja import Status

from rapport.core.api_helpers import require_api_perm
from rapport.core.jobs_views import jobs_visible_to
from rapport.core.validation import ValidationError, field_error, first_error
from rapport.interactions import merge, queries, services
from rapport.interactions.api.common import (
    PAYLOAD_FIELDS,
    decode_file,
    get_entry,
    payload_names,
    router,
    selected_entries,
    visible_entries,
)
from rapport.interactions.api.create import _interaction_input
from rapport.interactions.api.setup import _language_row, _languages, _template
from rapport.interactions.models import DeliveryBundle, InteractionLogEntry
from rapport.interactions.schemas import (
    DeliveryJobOut,
    DocumentOut,
    EmailLayoutIn,
    InteractionIn,
    ResendIn,
    TemplateLanguageOut,
)
from rapport.interactions.services.delivery import Document, bundle_bytes
from rapport.interactions.views.common import document_response, download_response, preview_html

ADD = "interactions.add_interactionlogentry"


def _document_out(doc: Document) -> dict[str, Any]:
    return {
        "subject": doc.subject,
        "file_name": doc.file_name,
        "content_type": doc.content_type,
        "html": preview_html(doc),
        "text": doc.text or str(getattr(doc.rendered, "text", "") or ""),
        "content_base64": base64.b64encode(doc.content).decode("ascii"),
    }


def _resend(
    request: HttpRequest, entries: Any, failed_only: bool = False
) -> Status[dict[str, Any]]:
    """Start the resend job; the service's `entries` is the payload's `entry_nos`."""
    try:
        job = services.resend_entries(
            actor=request.user,
            entries=InteractionLogEntry.objects.filter(pk__in=entries.values("pk")),
            failed_only=failed_only,
        )
    except ValidationError as exc:
        field, message, code = first_error(exc)
        raise field_error(
            "entry_nos" if field in (None, "entries") else str(field), message, code
        ) from None
    if job is None:
        raise field_error("entry_nos", _("There is nothing to send."), "nothing_to_send")
    return Status(202, {"job_id": job.pk, "status": job.status, "total": job.total})


@router.post("/interactions/preview", response=DocumentOut, summary="Preview interaction document")
def interaction_preview(request: HttpRequest, payload: InteractionIn) -> dict[str, Any]:
    """The document the interaction would have, merged for its contact (the same body as
    `POST /interactions`); nothing is logged or sent. A template that cannot be merged is a
    422 on `file`."""
    require_api_perm(request, ADD)
    data = _interaction_input(request, payload)
    if payload.attachment is not None:
        data.upload = decode_file(payload.attachment, "attachment")
    with payload_names():
        doc = services.preview_interaction(actor=request.user, data=data)
    return _document_out(doc)


@router.get(
    "/interaction-log-entries/{int:entry_no}/document",
    summary="Download interaction log entry document",
)
def entry_document(request: HttpRequest, entry_no: int) -> HttpResponse:
    """The entry's document: its merge template rendered with the values frozen when it was
    logged (the same bytes on every call), or its stored file. 404 without an attachment."""
    entry = get_entry(request, entry_no, postponed=None)
    try:
        doc = services.render_entry_document(entry)
    except merge.MergeTemplateError as exc:
        raise field_error("attachment", exc.message, "merge_template_invalid") from None
    if doc is None:
        raise Http404
    return document_response(doc)


@router.post(
    "/interaction-log-entries/resend",
    response={202: DeliveryJobOut},
    summary="Run resend of interaction log entry documents",
)
def entries_resend(request: HttpRequest, payload: ResendIn) -> Status[dict[str, Any]]:
    """BC's Resend: the documents of the entries named (`entry_nos`) or matching `filter` are
    sent again by a background job; nothing is logged again. Postponed entries, entries
    without a correspondence type or attachment and entries being sent are left out;
    `failed_only` keeps those in error or unknown. 422 on `entry_nos` when nothing is left."""
    require_api_perm(request, ADD)
    if payload.entry_nos and payload.filter is not None:
        raise field_error(
            "filter", _("Send either entry_nos or filter, not both."), "ambiguous_selection"
        )
    if payload.entry_nos:
        entries = selected_entries(request, payload.entry_nos, postponed=False)
    elif payload.filter is not None:
        params = QueryDict(mutable=True)
        for key, value in payload.filter.items():
            if key not in queries.ENTRY_LIST.filters and key != "q":
                raise field_error(
                    f"filter.{key}",
                    _("%(field)s is not a filter of the log.") % {"field": f"filter.{key}"},
                    "unknown_parameter",
                )
            params[key] = value
        entries = queries.ENTRY_LIST.filter(visible_entries(request).logged(), params)  # type: ignore[attr-defined]
    else:
        raise field_error("entry_nos", _("Send entry_nos or filter."), "required")
    return _resend(request, entries, payload.failed_only)


@router.post(
    "/interaction-log-entries/{int:entry_no}/resend",
    response={202: DeliveryJobOut},
    summary="Run resend of an interaction log entry document",
)
def entry_resend(request: HttpRequest, entry_no: int) -> Status[dict[str, Any]]:
    """Send the entry's document again (a background job, 202 with `job_id`)."""
    require_api_perm(request, ADD)
    entry = get_entry(request, entry_no, postponed=False)
    return _resend(request, InteractionLogEntry.objects.filter(pk=entry.pk))


@router.post(
    "/interaction-templates/{template_code}/languages/{language_code}/email-layout",
    response=TemplateLanguageOut,
    tags=["Interaction setup"],
    summary="Save interaction template e-mail layout",
)
def template_email_layout(
    request: HttpRequest, template_code: str, language_code: str, payload: EmailLayoutIn
) -> Any:
    """Write the language row's e-mail merge layout (`-` names the row without a language):
    the subject and HTML body, with merge fields, become its HTML attachment. A layout with a
    syntax error, an unknown field or anything unsafe is a 422 on `body` naming the line."""
    require_api_perm(request, "interactions.change_interactiontemplate")
    row = _language_row(_template(request, template_code), language_code)
    try:
        services.save_email_layout(
            actor=request.user,
            template=row.template,
            language=row.language,
            subject=payload.subject,
            body=payload.body,
            replace=payload.replace,
        )
    except ValidationError as exc:
        field, message, code = first_error(exc)
        if field == "attachment":
            # The layout is the attachment: a merge error is the body's, a refusal to replace
            # another kind of file is `replace`'s.
            field = "replace" if code == "replace_not_confirmed" else "body"
        name = field or "body"
        raise field_error(PAYLOAD_FIELDS.get(name, name), message, code) from None
    return _languages(row.template).get(pk=row.pk)


@router.get(
    "/interaction-templates/{template_code}/languages/{language_code}/preview",
    response=DocumentOut,
    tags=["Interaction setup"],
    summary="Preview interaction template language",
)
def template_language_preview(
    request: HttpRequest, template_code: str, language_code: str
) -> dict[str, Any]:
    """The row's merge template rendered with sample values (an e-mail's `html` and `text`,
    or a Word document's bytes in `content_base64`)."""
    row = _language_row(_template(request, template_code), language_code)
    with payload_names():
        doc = services.preview_template_language(row)
    return _document_out(doc)


@router.get("/print-bundles/{int:job_id}", tags=["Interactions"], summary="Download print bundle")
def print_bundle_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """The zip of a delivery job's hard-copy documents (one per contact and one combined Word
    document), for those who may see the log and the job."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    job = jobs_visible_to(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    bundle = DeliveryBundle.objects.select_related("attachment").filter(job=job).first()
    if bundle is None:
        raise Http404
    return download_response(bundle_bytes(bundle), bundle.attachment.file_name, "application/zip")
