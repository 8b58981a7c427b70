"""Segments API: segments and their lines, criteria (add/reduce/refine, preview, go back, saved
criteria, reuse), logging, logged segments. Every write goes through
`rapport.segments.services`, like the pages."""

from __future__ import annotations

import base64
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.queries import contacts_visible_to
from rapport.core.api_helpers import PageOut, paginate, require_api_perm, resolve_code
from rapport.core.models import Language
from rapport.core.schemas import JobOut
from rapport.core.validation import field_error
from rapport.interactions.models import DeliveryStatus, InteractionLogEntry, InteractionTemplate
from rapport.interactions.services.delivery import resend_entries
from rapport.segments import queries, services
from rapport.segments.models import (
    LoggedSegment,
    SavedSegmentCriteria,
    Segment,
    SegmentInteractionLanguage,
    SegmentLine,
)
from rapport.segments.schemas import (
    ChangedOut,
    CriteriaIn,
    CriteriaResultOut,
    CriteriaStepOut,
    EntryNosIn,
    FollowUpIn,
    GoBackIn,
    JobStartedOut,
    LineNosIn,
    LinePreviewOut,
    LoggedSegmentOut,
    LogResultOut,
    LogSegmentIn,
    ReuseCriteriaIn,
    ReuseLoggedSegmentIn,
    SaveCriteriaIn,
    SavedCriteriaOut,
    SegmentIn,
    SegmentLanguageIn,
    SegmentLanguageOut,
    SegmentLineIn,
    SegmentLineOut,
    SegmentLinePatch,
    SegmentOut,
    SegmentPatch,
)

router = Router(tags=["Segments"])

VIEW = "segments.view_segment"

# Payload names of related rows -> (service argument, model, lookup field).
_RELATED = {
    "template_code": ("template", InteractionTemplate, "code"),
    "salesperson_code": ("salesperson", Salesperson, "code"),
    "campaign_no": ("campaign", Campaign, "no"),
    "language_code": ("language", Language, "code"),
}


def _resolve(data: dict[str, Any]) -> dict[str, Any]:
    """Codes -> rows (a blank code is None, an unknown one a 422 naming the field)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _RELATED:
            name, model, lookup = _RELATED[key]
            out[name] = resolve_code(model, key, value, lookup)
        else:
            out[key] = value
    return out


def _segment(request: HttpRequest, segment_no: str) -> Segment:
    require_api_perm(request, VIEW)
    segment = queries.segments().filter(no=segment_no.strip().upper()).first()
    if segment is None:
        raise Http404
    return segment


def _contact(request: HttpRequest, contact_no: str) -> Any:
    contact = contacts_visible_to(request.user).filter(no=contact_no.strip().upper()).first()
    if contact is None:
        raise field_error(
            "contact_no",
            _("%(field)s: %(value)s does not exist.")
            % {"field": "contact_no", "value": contact_no},
            "does_not_exist",
        )
    return contact


def _line(segment: Segment, line_no: int) -> SegmentLine:
    line = queries.segment_lines(segment).filter(line_no=line_no).first()
    if line is None:
        raise Http404
    return line


# --- segments --------------------------------------------------------------------------------


@router.get("/segments", response=PageOut[SegmentOut], summary="List segments")
def segment_list(request: HttpRequest) -> dict[str, Any]:
    require_api_perm(request, VIEW)
    return paginate(request, queries.SEGMENT_LIST, queries.segments())


@router.post("/segments", response={201: SegmentOut}, summary="Create segment")
def segment_create(request: HttpRequest, payload: SegmentIn) -> Any:
    data = _resolve({k: v for k, v in payload.dict().items() if v is not None})
    if payload.salesperson_code is not None:
        data["salesperson"] = resolve_code(
            Salesperson, "salesperson_code", payload.salesperson_code
        )
    segment = services.create_segment(actor=request.user, **data)
    return Status(201, _segment(request, segment.no))


@router.get("/segments/{segment_no}", response=SegmentOut, summary="Get segment")
def segment_get(request: HttpRequest, segment_no: str) -> Segment:
    return _segment(request, segment_no)


@router.patch("/segments/{segment_no}", response=SegmentOut, summary="Update segment")
def segment_update(request: HttpRequest, segment_no: str, payload: SegmentPatch) -> Segment:
    segment = _segment(request, segment_no)
    data = payload.dict(exclude_unset=True)
    update_lines = data.pop("update_lines", True)
    services.update_segment(
        actor=request.user, segment=segment, update_lines=update_lines, **_resolve(data)
    )
    return _segment(request, segment_no)


@router.delete("/segments/{segment_no}", response={204: None}, summary="Delete segment")
def segment_delete(request: HttpRequest, segment_no: str) -> Any:
    services.delete_segment(actor=request.user, segment=_segment(request, segment_no))
    return Status(204, None)


# --- lines -----------------------------------------------------------------------------------


@router.get(
    "/segments/{segment_no}/lines",
    response=PageOut[SegmentLineOut],
    summary="List segment lines",
)
def line_list(request: HttpRequest, segment_no: str) -> dict[str, Any]:
    segment = _segment(request, segment_no)
    return paginate(request, queries.LINE_LIST, queries.segment_lines(segment))


@router.post(
    "/segments/{segment_no}/lines", response={201: SegmentLineOut}, summary="Add segment line"
)
def line_add(request: HttpRequest, segment_no: str, payload: SegmentLineIn) -> Any:
    segment = _segment(request, segment_no)
    data = payload.dict(exclude_unset=True)
    contact = _contact(request, data.pop("contact_no"))
    line = services.add_segment_line(
        actor=request.user, segment=segment, contact=contact, **_resolve(data)
    )
    return Status(201, _line(segment, line.line_no))


@router.patch(
    "/segments/{segment_no}/lines/{int:line_no}",
    response=SegmentLineOut,
    summary="Update segment line",
)
def line_update(
    request: HttpRequest, segment_no: str, line_no: int, payload: SegmentLinePatch
) -> SegmentLine:
    segment = _segment(request, segment_no)
    line = _line(segment, line_no)
    data = payload.dict(exclude_unset=True)
    if data.get("contact_no") is not None:
        data["contact"] = _contact(request, data.pop("contact_no"))
    data.pop("contact_no", None)
    line = services.update_segment_line(actor=request.user, line=line, **_resolve(data))
    return _line(segment, line.line_no)


@router.get(
    "/segments/{segment_no}/lines/{int:line_no}/preview",
    response=LinePreviewOut,
    summary="Preview the document of a segment line",
)
def line_preview(request: HttpRequest, segment_no: str, line_no: int) -> dict[str, Any]:
    """The line's attachment merged with the values logging would keep now (nothing is saved
    or sent). A line without attachment, or a template that cannot render, is a 422 naming
    `attachment`."""
    segment = _segment(request, segment_no)
    doc = queries.preview_line(_line(segment, line_no))
    rendered = getattr(doc, "rendered", None)
    return {
        "subject": doc.subject,
        "file_name": doc.file_name,
        "content_type": doc.content_type,
        "html": doc.html or (getattr(rendered, "html", "") if rendered is not None else ""),
        "text": doc.text or (getattr(rendered, "text", "") if rendered is not None else ""),
        "content_base64": base64.b64encode(doc.content).decode("ascii"),
    }


@router.post(
    "/segments/{segment_no}/lines/delete", response=ChangedOut, summary="Remove segment lines"
)
def lines_remove(request: HttpRequest, segment_no: str, payload: LineNosIn) -> dict[str, int]:
    segment = _segment(request, segment_no)
    removed = services.remove_segment_lines(
        actor=request.user,
        segment=segment,
        lines=SegmentLine.objects.filter(segment=segment, line_no__in=payload.line_nos),
    )
    return {"changed": removed}


# --- criteria ---------------------------------------------------------------------------------


def _criteria(payload: CriteriaIn) -> services.Criteria:
    data = payload.dict()
    data["filters"] = payload.filters.dict(exclude_none=True) if payload.filters else {}
    for group in ("contact", "interaction"):
        if data["filters"].get(group) is not None:
            data["filters"][group] = {
                k: (v.isoformat() if hasattr(v, "isoformat") else v)
                for k, v in data["filters"][group].items()
                if v is not None
            }
    if data["filters"].get("no_interaction_since") is not None:
        data["filters"]["no_interaction_since"] = data["filters"][
            "no_interaction_since"
        ].isoformat()
    return services.Criteria(**data)


def _result(result: services.CriteriaResult) -> dict[str, Any]:
    return {
        "added": result.added,
        "removed": result.removed,
        "privacy_blocked": result.privacy_blocked,
        "lines": result.lines,
        "step_no": result.step.step_no if result.step else None,
    }


@router.get(
    "/segments/{segment_no}/criteria",
    response=list[CriteriaStepOut],
    summary="List the segment's criteria steps",
)
def criteria_list(request: HttpRequest, segment_no: str) -> Any:
    return list(queries.criteria_steps(_segment(request, segment_no)))


@router.post(
    "/segments/{segment_no}/criteria/preview",
    response=CriteriaResultOut,
    summary="Preview a criteria run (counts only)",
)
def criteria_preview(request: HttpRequest, segment_no: str, payload: CriteriaIn) -> Any:
    segment = _segment(request, segment_no)
    return _result(
        services.preview_criteria(actor=request.user, segment=segment, criteria=_criteria(payload))
    )


@router.post(
    "/segments/{segment_no}/criteria",
    response={201: CriteriaResultOut},
    summary="Run criteria on a segment: add, reduce or refine contacts",
)
def criteria_run(request: HttpRequest, segment_no: str, payload: CriteriaIn) -> Any:
    segment = _segment(request, segment_no)
    result = services.run_criteria(actor=request.user, segment=segment, criteria=_criteria(payload))
    return Status(201, _result(result))


@router.post("/segments/{segment_no}/go-back", response=ChangedOut, summary="Undo criteria steps")
def criteria_go_back(request: HttpRequest, segment_no: str, payload: GoBackIn) -> dict[str, int]:
    segment = _segment(request, segment_no)
    return {
        "changed": services.go_back(actor=request.user, segment=segment, to_step=payload.to_step)
    }


@router.post(
    "/segments/{segment_no}/save-criteria",
    response={201: SavedCriteriaOut},
    summary="Save the segment's criteria",
)
def criteria_save(request: HttpRequest, segment_no: str, payload: SaveCriteriaIn) -> Any:
    segment = _segment(request, segment_no)
    saved = services.save_criteria(
        actor=request.user, segment=segment, code=payload.code, description=payload.description
    )
    return Status(201, queries.saved_criteria().get(pk=saved.pk))


@router.post(
    "/segments/{segment_no}/reuse-criteria",
    response=list[CriteriaResultOut],
    summary="Replay saved criteria on the segment",
)
def criteria_reuse(request: HttpRequest, segment_no: str, payload: ReuseCriteriaIn) -> Any:
    segment = _segment(request, segment_no)
    saved = resolve_code(SavedSegmentCriteria, "criteria_code", payload.criteria_code)
    results = services.reuse_criteria(actor=request.user, segment=segment, criteria=saved)
    return [_result(r) for r in results]


@router.post(
    "/segments/{segment_no}/reuse-logged-segment",
    response={201: CriteriaResultOut},
    summary="Add the contacts of a logged segment",
)
def criteria_reuse_logged(
    request: HttpRequest, segment_no: str, payload: ReuseLoggedSegmentIn
) -> Any:
    segment = _segment(request, segment_no)
    logged = LoggedSegment.objects.filter(pk=payload.logged_segment_entry_no).first()
    if logged is None:
        raise field_error(
            "logged_segment_entry_no",
            _("%(field)s: %(value)s does not exist.")
            % {"field": "logged_segment_entry_no", "value": payload.logged_segment_entry_no},
            "does_not_exist",
        )
    result = services.reuse_logged_segment(
        actor=request.user, segment=segment, logged_segment=logged
    )
    return Status(201, _result(result))


@router.get(
    "/saved-segment-criteria",
    response=list[SavedCriteriaOut],
    tags=["Segments"],
    summary="List saved segment criteria",
)
def saved_criteria_list(request: HttpRequest) -> Any:
    require_api_perm(request, "segments.view_savedsegmentcriteria")
    return list(queries.saved_criteria())


@router.delete(
    "/saved-segment-criteria/{criteria_code}",
    response={204: None},
    summary="Delete saved segment criteria",
)
def saved_criteria_delete(request: HttpRequest, criteria_code: str) -> Any:
    require_api_perm(request, "segments.view_savedsegmentcriteria")
    saved = SavedSegmentCriteria.objects.filter(code=criteria_code.strip().upper()).first()
    if saved is None:
        raise Http404
    services.delete_saved_criteria(actor=request.user, criteria=saved)
    return Status(204, None)


# --- logging ----------------------------------------------------------------------------------


@router.post(
    "/segments/{segment_no}/log",
    response={201: LogResultOut, 202: JobStartedOut},
    summary="Log segment",
)
def segment_log(request: HttpRequest, segment_no: str, payload: LogSegmentIn) -> Any:
    """Writes one interaction log entry per line, a logged segment and its campaign entries,
    then removes the segment. Large segments are logged by a background job (202 with its id;
    follow it at /jobs/{job_id})."""
    segment = _segment(request, segment_no)
    lines = SegmentLine.objects.filter(segment=segment).count()
    if lines > services.BACKGROUND_THRESHOLD:
        job = services.start_log_segment(
            actor=request.user,
            segment=segment,
            deliver=payload.deliver,
            follow_up=payload.follow_up,
        )
        return Status(202, {"job_id": job.pk})
    result = services.log_segment(
        actor=request.user, segment=segment, deliver=payload.deliver, follow_up=payload.follow_up
    )
    logged = queries.logged_segments().get(pk=result.logged_segment.pk)
    return Status(
        201,
        {
            "logged_segment": logged,
            "interactions": result.interactions,
            "campaign_entries": result.campaign_entries,
            "follow_up_segment_no": result.follow_up.no if result.follow_up else "",
            "delivery_job_id": result.delivery_job.pk if result.delivery_job else None,
        },
    )


@router.get("/logged-segments", response=PageOut[LoggedSegmentOut], summary="List logged segments")
def logged_list(request: HttpRequest) -> dict[str, Any]:
    require_api_perm(request, "segments.view_loggedsegment")
    page = paginate(request, queries.LOGGED_LIST, queries.logged_segments())
    _with_delivery_counts(page["items"])
    return page


def _with_delivery_counts(logged: list[LoggedSegment]) -> None:
    """Delivery counts of a page of logged segments in one query."""
    by_pk: dict[int, dict[str, int]] = {
        row.pk: {s.value: 0 for s in DeliveryStatus if s.value} for row in logged
    }
    rows = (
        InteractionLogEntry.objects.filter(logged_segment_entry_no__in=list(by_pk))
        .exclude(delivery_status="")
        .order_by()
        .values("logged_segment_entry_no", "delivery_status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        by_pk[row["logged_segment_entry_no"]][row["delivery_status"]] = row["n"]
    for item in logged:
        item.delivery_counts = by_pk[item.pk]  # type: ignore[attr-defined]


@router.get(
    "/logged-segments/{int:entry_no}", response=LoggedSegmentOut, summary="Get logged segment"
)
def logged_get(request: HttpRequest, entry_no: int) -> LoggedSegment:
    require_api_perm(request, "segments.view_loggedsegment")
    logged = queries.logged_segments().filter(pk=entry_no).first()
    if logged is None:
        raise Http404
    return logged


def _logged(payload: EntryNosIn) -> Any:
    return LoggedSegment.objects.filter(pk__in=payload.entry_nos)


@router.post("/logged-segments/cancel", response=ChangedOut, summary="Cancel logged segments")
def logged_cancel(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    require_api_perm(request, "segments.view_loggedsegment")
    return {"changed": services.cancel_logged_segments(actor=request.user, logged=_logged(payload))}


@router.post("/logged-segments/restore", response=ChangedOut, summary="Restore logged segments")
def logged_restore(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    require_api_perm(request, "segments.view_loggedsegment")
    return {
        "changed": services.restore_logged_segments(actor=request.user, logged=_logged(payload))
    }


@router.post(
    "/logged-segments/delete-canceled",
    response=ChangedOut,
    summary="Delete canceled logged segments",
)
def logged_delete(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    require_api_perm(request, "segments.view_loggedsegment")
    return {
        "changed": services.delete_canceled_logged_segments(
            actor=request.user, logged=_logged(payload)
        )
    }


@router.post(
    "/logged-segments/{int:entry_no}/follow-up",
    response={201: SegmentOut},
    summary="Create a follow-up segment from a logged segment by outcome",
)
def logged_follow_up(request: HttpRequest, entry_no: int, payload: FollowUpIn) -> Any:
    require_api_perm(request, "segments.view_loggedsegment")
    logged = LoggedSegment.objects.filter(pk=entry_no).first()
    if logged is None:
        raise Http404
    segment = services.create_follow_up_segment(
        actor=request.user,
        logged_segment=logged,
        evaluation=[e for e in payload.evaluation if e] or None,
        attempt_failed=payload.attempt_failed,
        description=payload.description,
    )
    return Status(201, _segment(request, segment.no))


@router.post(
    "/logged-segments/{int:entry_no}/resend-failed",
    response={202: JobOut},
    summary="Run a resend of the failed documents of a logged segment",
)
def logged_resend_failed(request: HttpRequest, entry_no: int) -> Any:
    """Send the Error and Unknown entries' documents again (nothing is logged again); 202 with
    the sending job. Nothing to send is a 422 naming `entries`."""
    require_api_perm(request, "segments.view_loggedsegment")
    logged = LoggedSegment.objects.filter(pk=entry_no).first()
    if logged is None:
        raise Http404
    job = resend_entries(
        actor=request.user,
        entries=InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk),
        failed_only=True,
    )
    return Status(202, job)


# --- languages --------------------------------------------------------------------------------


def _language(code: str) -> Language:
    language = Language.objects.filter(code=code.strip().upper()).first()
    if language is None:
        raise Http404
    return language


@router.get(
    "/segments/{segment_no}/languages",
    response=list[SegmentLanguageOut],
    summary="List the segment's interaction languages",
)
def language_list(request: HttpRequest, segment_no: str) -> Any:
    segment = _segment(request, segment_no)
    return list(
        SegmentInteractionLanguage.objects.filter(segment=segment).select_related(
            "language", "line", "attachment"
        )
    )


@router.put(
    "/segments/{segment_no}/languages/{language_code}",
    response=SegmentLanguageOut,
    summary="Set a segment interaction language (subject, attachment)",
)
def language_save(
    request: HttpRequest, segment_no: str, language_code: str, payload: SegmentLanguageIn
) -> Any:
    import binascii

    from rapport.interactions.attachments import Upload

    segment = _segment(request, segment_no)
    line = _line(segment, payload.line_no) if payload.line_no is not None else None
    upload = None
    if payload.file_base64 is not None:
        try:
            content = base64.b64decode(payload.file_base64, validate=True)
        except (binascii.Error, ValueError):
            raise field_error(
                "file_base64", _("file_base64: the file is not valid base64."), "invalid"
            ) from None
        upload = Upload(content=content, name=payload.file_name or "attachment")
    record = services.save_segment_language(
        actor=request.user,
        segment=segment,
        language=_language(language_code),
        line=line,
        subject=payload.subject,
        description=payload.description,
        upload=upload,
        remove_attachment=payload.remove_attachment,
    )
    return SegmentInteractionLanguage.objects.select_related("language", "line", "attachment").get(
        pk=record.pk
    )


@router.delete(
    "/segments/{segment_no}/languages/{language_code}",
    response={204: None},
    summary="Remove a segment interaction language",
)
def language_delete(
    request: HttpRequest, segment_no: str, language_code: str, line_no: int | None = None
) -> Any:
    segment = _segment(request, segment_no)
    line = _line(segment, line_no) if line_no is not None else None
    record = SegmentInteractionLanguage.objects.filter(
        segment=segment, line=line, language=_language(language_code)
    ).first()
    if record is None:
        raise Http404
    services.delete_segment_language(actor=request.user, record=record)
    return Status(204, None)
