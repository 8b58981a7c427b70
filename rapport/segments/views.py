"""Segment pages: list, the segment worksheet (header + lines), criteria (add/reduce/refine with a
preview), go back, saved criteria, reuse, log (a job when large), logged segments, export.

Views parse input with a form, fetch rows through queries, call the service, flash and redirect.
Nothing here writes a model.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from rapport.contacts.exporting import FORMATS, export_response
from rapport.contacts.models import Contact
from rapport.core.htmx import add_service_error, confirm_first, flash_error, render_page
from rapport.core.jobs import progress
from rapport.core.models import Job
from rapport.core.validation import first_error
from rapport.interactions.models import DeliveryBundle, DeliveryStatus, InteractionLogEntry
from rapport.interactions.services.delivery import (
    DELIVER,
    bundle_bytes,
    delivery_counts,
    error_text,
    resend_entries,
)
from rapport.interactions.views.common import download_response
from rapport.segments import queries, services
from rapport.segments.criteria import describe
from rapport.segments.forms import (
    CriteriaForm,
    FollowUpForm,
    LogSegmentForm,
    ReuseCriteriaForm,
    ReuseLoggedSegmentForm,
    SaveCriteriaForm,
    SegmentForm,
    SegmentLanguageForm,
    SegmentLineForm,
    line_changes,
)
from rapport.segments.models import (
    CriteriaAction,
    LoggedSegment,
    Segment,
    SegmentInteractionLanguage,
    SegmentLine,
)

VIEW = "segments.view_segment"
CHANGE = "segments.change_segment"
SEND = "interactions.add_interactionlogentry"  # resending documents (as the service checks)
FAILED_SHOWN = 50


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _segment(request: HttpRequest, no: str) -> Segment:
    _require(request, VIEW)
    return get_object_or_404(queries.segments(), no=no.upper())


def _back(segment: Segment) -> HttpResponse:
    return redirect("segments:segment_detail", no=segment.no)


# --- segments --------------------------------------------------------------------------------


def segment_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    qs = queries.segments()
    try:
        page = queries.SEGMENT_LIST.page(qs, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        page = queries.SEGMENT_LIST.page(qs, {})
    return render_page(
        request,
        "segments/segment_list.html",
        {"page": page, "can_add": request.user.has_perm("segments.add_segment")},
        partial="results",
    )


def segment_new(request: HttpRequest) -> HttpResponse:
    _require(request, "segments.add_segment")
    form = SegmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            segment = services.create_segment(actor=request.user, **form.service_kwargs())
            messages.success(request, _("Segment %(no)s was created.") % {"no": segment.no})
            return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "segments/segment_form.html",
        {"form": form, "segment": None},
        status=422 if form.errors else 200,
    )


def _header_initial(segment: Segment) -> dict[str, Any]:
    return {
        "description": segment.description,
        "template": segment.template,
        "salesperson": segment.salesperson,
        "campaign": segment.campaign,
        "campaign_target": segment.campaign_target,
        "campaign_response": segment.campaign_response,
        "date": segment.date,
        "language": segment.language,
        "subject": segment.subject,
        "correspondence_type": segment.correspondence_type,
        "unit_cost": segment.unit_cost,
        "unit_duration": segment.unit_duration,
        "information_flow": segment.information_flow,
        "initiated_by": segment.initiated_by,
        "ignore_contact_corres_type": segment.ignore_contact_corres_type,
        "send_word_docs_as_attachment": segment.send_word_docs_as_attachment,
        "update_lines": True,
    }


def segment_edit(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, CHANGE)
    segment = _segment(request, no)
    initial = _header_initial(segment)
    form = SegmentForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        editing=True,
        template_code=segment.template.code if segment.template else "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_segment(
                actor=request.user,
                segment=segment,
                update_lines=form.cleaned_data.get("update_lines", False),
                **form.service_kwargs(initial),
            )
            messages.success(request, _("Segment %(no)s was saved.") % {"no": segment.no})
            return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "segments/segment_form.html",
        {"form": form, "segment": segment},
        status=422 if form.errors else 200,
    )


def segment_detail(request: HttpRequest, no: str) -> HttpResponse:
    segment = _segment(request, no)
    lines = queries.segment_lines(segment)
    try:
        page = queries.LINE_LIST.page(lines, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        page = queries.LINE_LIST.page(lines, {})
    steps = list(queries.criteria_steps(segment))
    for step in steps:
        step.filter_text = describe(step.filters) if isinstance(step.filters, dict) else []  # type: ignore[attr-defined]
    user = request.user
    return render_page(
        request,
        "segments/segment_detail.html",
        {
            "segment": segment,
            "page": page,
            "steps": steps,
            "can_change": user.has_perm(CHANGE),
            "can_log": user.has_perm("segments.log_segment"),
            "can_delete": user.has_perm("segments.delete_segment"),
            "line_form": SegmentLineForm(user=user),
            "actions": CriteriaAction.choices,
        },
        partial="lines",
    )


@require_POST
def segment_delete(request: HttpRequest, no: str) -> HttpResponse:
    segment = _segment(request, no)
    _require(request, "segments.delete_segment")  # before asking, not after
    question = ngettext(
        "Delete segment %(no)s with its %(count)s line?",
        "Delete segment %(no)s with its %(count)s lines?",
        segment.no_of_lines,  # type: ignore[attr-defined]
    ) % {"no": segment.no, "count": segment.no_of_lines}  # type: ignore[attr-defined]
    asked = confirm_first(
        request, question, back=reverse("segments:segment_detail", args=[segment.no])
    )
    if asked is not None:
        return asked
    try:
        services.delete_segment(actor=request.user, segment=segment)
    except ValidationError as exc:
        flash_error(request, exc)
        return _back(segment)
    messages.success(request, _("Segment %(no)s was deleted.") % {"no": segment.no})
    return redirect("segments:segment_list")


def segment_export(request: HttpRequest, no: str) -> HttpResponseBase:
    """The segment's contacts as CSV or XLSX (formula-looking text neutralised)."""
    segment = _segment(request, no)
    _require(request, "contacts.view_contact")
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        fmt = "csv"
    contacts = (
        Contact.objects.filter(
            pk__in=SegmentLine.objects.filter(segment=segment).values("contact_id")
        )
        .select_related("company", "salesperson", "language")
        .order_by("no")
    )
    return export_response(contacts, fmt)


# --- lines -----------------------------------------------------------------------------------


def line_add(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, CHANGE)
    segment = _segment(request, no)
    form = SegmentLineForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        contact = data.pop("contact")
        try:
            line = services.add_segment_line(
                actor=request.user, segment=segment, contact=contact, **data
            )
            messages.success(
                request,
                _("Contact %(contact)s was added on line %(line)s.")
                % {"contact": contact.no, "line": line.line_no},
            )
            return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "segments/line_form.html",
        {"form": form, "segment": segment, "line": None},
        status=422 if form.errors else 200,
    )


def line_edit(request: HttpRequest, no: str, line_no: int) -> HttpResponse:
    _require(request, CHANGE)
    segment = _segment(request, no)
    line = get_object_or_404(queries.segment_lines(segment), line_no=line_no)
    initial = {
        "contact": line.contact.no,
        "description": line.description,
        "template": line.template,
        "salesperson": line.salesperson,
        "correspondence_type": line.correspondence_type,
        "cost": line.cost,
        "duration": line.duration,
        "evaluation": line.evaluation,
        "remarks": line.remarks,
    }
    form = SegmentLineForm(
        request.POST if request.method == "POST" else None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        changes = line_changes(form, {**initial, "contact": line.contact})
        try:
            services.update_segment_line(actor=request.user, line=line, **changes)
            messages.success(request, _("Line %(line)s was saved.") % {"line": line_no})
            return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "segments/line_form.html",
        {"form": form, "segment": segment, "line": line},
        status=422 if form.errors else 200,
    )


@require_POST
def lines_remove(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, CHANGE)
    segment = _segment(request, no)
    chosen = [int(v) for v in request.POST.getlist("lines") if v.isdigit()]
    if not chosen:
        messages.error(request, _("Select the lines to remove."))
        return _back(segment)
    question = ngettext(
        "Remove %(count)s selected line?", "Remove %(count)s selected lines?", len(chosen)
    ) % {"count": len(chosen)}
    asked = confirm_first(
        request, question, back=reverse("segments:segment_detail", args=[segment.no])
    )
    if asked is not None:
        return asked
    removed = services.remove_segment_lines(
        actor=request.user,
        segment=segment,
        lines=SegmentLine.objects.filter(segment=segment, line_no__in=chosen),
    )
    messages.success(
        request,
        ngettext("%(count)s line was removed.", "%(count)s lines were removed.", removed)
        % {"count": removed},
    )
    return _back(segment)


def _preview(request: HttpRequest, no: str, line_no: int) -> tuple[Segment, SegmentLine, Any]:
    """The segment, the line and its preview Document, or the ValidationError saying why the
    line cannot be previewed (no attachment, a template that cannot render)."""
    segment = _segment(request, no)
    line = get_object_or_404(queries.segment_lines(segment), line_no=line_no)
    try:
        return segment, line, queries.preview_line(line)
    except ValidationError as exc:
        return segment, line, exc


def line_preview(request: HttpRequest, no: str, line_no: int) -> HttpResponse:
    """The document this line's contact would get: an e-mail's subject and body, a Word
    document's text as HTML (both in a sandboxed frame: no scripts run), and the file."""
    segment, line, doc = _preview(request, no, line_no)
    context: dict[str, Any] = {"segment": segment, "line": line, "error": "", "doc": None}
    if isinstance(doc, ValidationError):
        context["error"] = first_error(doc)[1]
    else:
        rendered = getattr(doc, "rendered", None)
        context["doc"] = doc
        context["html"] = doc.html or (getattr(rendered, "html", "") if rendered else "")
        context["is_email"] = doc.kind == "html"
    response = render_page(request, "segments/line_preview.html", context)
    # An e-mail layout styles itself inline, and the sandboxed frame inherits this page's
    # policy (django-csp reads this attribute; scripts stay forbidden).
    response._csp_update = {"style-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
    return response


def line_preview_download(request: HttpRequest, no: str, line_no: int) -> HttpResponseBase:
    """The previewed document as a file (never shown inline)."""
    segment, _line, doc = _preview(request, no, line_no)
    if isinstance(doc, ValidationError):
        flash_error(request, doc)
        return redirect("segments:line_preview", no=segment.no, line_no=line_no)
    return _download(doc.content, doc.file_name, doc.content_type)


def _download(content: bytes, file_name: str, content_type: str) -> HttpResponse:
    return download_response(content, file_name, content_type)


# --- criteria ---------------------------------------------------------------------------------


def criteria_run(request: HttpRequest, no: str, action: str) -> HttpResponse:
    """Add Contacts / Reduce / Refine: the request page; "Preview" counts, "OK" runs."""
    _require(request, CHANGE)
    segment = _segment(request, no)
    if action not in CriteriaAction.values:
        action = CriteriaAction.ADD
    form = CriteriaForm(
        request.POST if request.method == "POST" else None, initial={"action": action}
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            criteria = services.Criteria(**form.criteria_kwargs())
            if "preview" in request.POST:
                preview = services.preview_criteria(
                    actor=request.user, segment=segment, criteria=criteria
                )
            else:
                result = services.run_criteria(
                    actor=request.user, segment=segment, criteria=criteria
                )
                if criteria.action == CriteriaAction.ADD:
                    text = ngettext(
                        "%(count)s contact was added.",
                        "%(count)s contacts were added.",
                        result.added,
                    ) % {"count": result.added}
                    if result.privacy_blocked:
                        text += " " + ngettext(
                            "%(count)s contact marked Privacy Blocked was left out.",
                            "%(count)s contacts marked Privacy Blocked were left out.",
                            result.privacy_blocked,
                        ) % {"count": result.privacy_blocked}
                else:
                    text = ngettext(
                        "%(count)s line was removed.",
                        "%(count)s lines were removed.",
                        result.removed,
                    ) % {"count": result.removed}
                messages.success(request, text)
                return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    titles = dict(CriteriaAction.choices)
    return render_page(
        request,
        "segments/criteria_form.html",
        {
            "form": form,
            "segment": segment,
            "action": action,
            "title": titles[action],
            "preview": preview,
            "is_add": action == CriteriaAction.ADD,
            "contact_fields": [form[name] for name in CriteriaForm.CONTACT_FIELDS],
        },
        status=422 if form.errors else 200,
    )


def go_back(request: HttpRequest, no: str) -> HttpResponse:
    """Undo the last step, or every step after a chosen one; GET shows the confirmation."""
    _require(request, CHANGE)
    segment = _segment(request, no)
    to_step = request.POST.get("to_step") or request.GET.get("to_step")
    target = int(to_step) if to_step and to_step.isdigit() else None
    if request.method == "POST":
        try:
            undone = services.go_back(actor=request.user, segment=segment, to_step=target)
            messages.success(
                request,
                ngettext(
                    "%(count)s criteria step was undone.",
                    "%(count)s criteria steps were undone.",
                    undone,
                )
                % {"count": undone},
            )
        except ValidationError as exc:
            flash_error(request, exc)
        return _back(segment)
    return render_page(request, "segments/go_back.html", {"segment": segment, "to_step": target})


def save_criteria(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, "segments.add_savedsegmentcriteria")
    segment = _segment(request, no)
    form = SaveCriteriaForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_criteria(actor=request.user, segment=segment, **form.cleaned_data)
            messages.success(
                request, _("Segment criteria %(code)s were saved.") % {"code": saved.code}
            )
            return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "segments/simple_form.html",
        {"form": form, "segment": segment, "title": _("Save Criteria")},
        status=422 if form.errors else 200,
    )


def _reuse_page(
    request: HttpRequest, segment: Segment, form: Any, title: str, warning: str
) -> HttpResponse:
    """The reuse dialog; BC's warning when the segment already has criteria actions."""
    actions = segment.no_of_criteria_actions  # type: ignore[attr-defined]
    return render_page(
        request,
        "segments/simple_form.html",
        {
            "form": form,
            "segment": segment,
            "title": title,
            "warning": warning % {"no": segment.no, "count": actions} if actions else "",
        },
        status=422 if form.errors else 200,
    )


def reuse_criteria(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, CHANGE)
    segment = _segment(request, no)
    form = ReuseCriteriaForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            results = services.reuse_criteria(
                actor=request.user, segment=segment, criteria=form.cleaned_data["criteria"]
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s criteria step was replayed.",
                    "%(count)s criteria steps were replayed.",
                    len(results),
                )
                % {"count": len(results)},
            )
            return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    warning = _(
        "Segment %(no)s already contains %(count)s No. of Criteria Actions. Are you sure you "
        "want to reuse a Saved Segment Criteria?"
    )
    return _reuse_page(request, segment, form, _("Reuse Criteria"), warning)


def reuse_logged_segment(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, CHANGE)
    segment = _segment(request, no)
    form = ReuseLoggedSegmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.reuse_logged_segment(
                actor=request.user,
                segment=segment,
                logged_segment=form.cleaned_data["logged_segment"],
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s contact was added.", "%(count)s contacts were added.", result.added
                )
                % {"count": result.added},
            )
            return _back(segment)
        except ValidationError as exc:
            add_service_error(form, exc)
    warning = _(
        "Segment %(no)s already contains %(count)s No. of Criteria Actions. Are you sure you "
        "want to reuse a Logged Segment?"
    )
    return _reuse_page(request, segment, form, _("Reuse Segment"), warning)


# --- logging ----------------------------------------------------------------------------------


def segment_log(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, "segments.log_segment")
    segment = _segment(request, no)
    has_types = SegmentLine.objects.filter(segment=segment).exclude(correspondence_type="").exists()
    form = LogSegmentForm(request.POST if request.method == "POST" else None, can_deliver=has_types)
    if request.method == "POST" and form.is_valid():
        deliver, follow_up = form.cleaned_data["deliver"], form.cleaned_data["follow_up"]
        try:
            if segment.no_of_lines > services.BACKGROUND_THRESHOLD:  # type: ignore[attr-defined]
                job = services.start_log_segment(
                    actor=request.user, segment=segment, deliver=deliver, follow_up=follow_up
                )
                return redirect("core:job_detail", pk=job.pk)
            result = services.log_segment(
                actor=request.user, segment=segment, deliver=deliver, follow_up=follow_up
            )
            messages.success(
                request,
                _(
                    "Segment %(no)s has been logged: %(count)s interactions, %(campaign)s "
                    "campaign entries."
                )
                % {
                    "no": segment.no,
                    "count": result.interactions,
                    "campaign": result.campaign_entries,
                },
            )
            if result.delivery_job is not None:
                messages.info(
                    request,
                    _("The documents are being sent; the logged segment shows the progress."),
                )
                return redirect("segments:logged_segment_detail", pk=result.logged_segment.pk)
            if result.follow_up is not None:
                return _back(result.follow_up)
            return redirect("segments:logged_segment_detail", pk=result.logged_segment.pk)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "segments/log_form.html",
        {"form": form, "segment": segment},
        status=422 if form.errors else 200,
    )


# --- logged segments --------------------------------------------------------------------------


def logged_segment_list(request: HttpRequest) -> HttpResponse:
    _require(request, "segments.view_loggedsegment")
    qs = queries.logged_segments()
    try:
        page = queries.LOGGED_LIST.page(qs, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        page = queries.LOGGED_LIST.page(qs, {})
    user = request.user
    return render_page(
        request,
        "segments/logged_segment_list.html",
        {
            "page": page,
            "can_cancel": user.has_perm("segments.cancel_loggedsegment"),
            "can_delete": user.has_perm("segments.delete_loggedsegment"),
        },
        partial="results",
    )


def _logged_entries(logged: LoggedSegment) -> QuerySet[InteractionLogEntry]:
    return InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk)


def _delivery_jobs(logged: LoggedSegment) -> QuerySet[Job]:
    return Job.objects.filter(kind=DELIVER, params__logged_segment=logged.pk).order_by("-pk")


def _delivery(logged: LoggedSegment) -> dict[str, Any]:
    """What the logged segment's page shows of its delivery: counts per status, the sending
    jobs with their progress and print bundles, and the entries that failed."""
    entries = _logged_entries(logged)
    counts = delivery_counts(entries)
    jobs = list(_delivery_jobs(logged)[:20])
    bundles = {
        b.job_id: b
        for b in DeliveryBundle.objects.filter(job__in=jobs).select_related("attachment")
    }
    for job in jobs:
        done, total = progress(job)
        job.progress_done, job.progress_total = done, total  # type: ignore[attr-defined]
        job.percent = (  # type: ignore[attr-defined]
            int(done * 100 / total) if total else (100 if job.finished else 0)
        )
        job.bundle = bundles.get(job.pk)  # type: ignore[attr-defined]
    failed = [
        {
            "entry": entry,
            "recipient": getattr(getattr(entry, "delivery", None), "recipient", ""),
            "error": error_text(getattr(getattr(entry, "delivery", None), "error", "")),
        }
        for entry in entries.filter(
            delivery_status__in=[DeliveryStatus.ERROR, DeliveryStatus.UNKNOWN]
        )
        .select_related("contact", "delivery")
        .order_by("pk")[:FAILED_SHOWN]
    ]
    statuses = [
        (value, label, counts.get(value, 0))
        for value, label in DeliveryStatus.choices
        if value and value in counts
    ]
    return {
        "counts": counts,
        "statuses": statuses,
        "any": any(counts.values()),
        "failed_count": counts.get(DeliveryStatus.ERROR, 0) + counts.get(DeliveryStatus.UNKNOWN, 0),
        "failed": failed,
        "jobs": jobs,
        "running": any(not job.finished for job in jobs),
    }


def logged_segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "segments.view_loggedsegment")
    logged = get_object_or_404(queries.logged_segments(), pk=pk)
    entries_url = reverse("interactions:entry_list")
    return render_page(
        request,
        "segments/logged_segment_detail.html",
        {
            "logged": logged,
            "entries_url": f"{entries_url}?logged_segment={logged.pk}",
            "follow_up_form": FollowUpForm(),
            "can_cancel": request.user.has_perm("segments.cancel_loggedsegment"),
            "can_follow_up": request.user.has_perm("segments.add_segment"),
            "can_resend": request.user.has_perm(SEND),
            "delivery": _delivery(logged),
        },
        partial="delivery",
    )


@require_POST
def logged_segment_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the failed (Error or Unknown) documents of a logged segment again; nothing is
    logged again."""
    _require(request, "segments.view_loggedsegment")
    _require(request, SEND)
    logged = get_object_or_404(LoggedSegment, pk=pk)
    back = reverse("segments:logged_segment_detail", args=[logged.pk])
    entries = _logged_entries(logged)
    failed = entries.filter(
        delivery_status__in=[DeliveryStatus.ERROR, DeliveryStatus.UNKNOWN]
    ).count()
    question = ngettext(
        "Send the %(counter)s failed document of logged segment %(no)s again?",
        "Send the %(counter)s failed documents of logged segment %(no)s again?",
        failed,
    ) % {"counter": failed, "no": logged.pk}
    asked = confirm_first(request, question, back=back)
    if asked is not None:
        return asked
    try:
        job = resend_entries(actor=request.user, entries=entries, failed_only=True)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect(back)
    if job is not None:
        messages.success(
            request,
            ngettext(
                "%(count)s document is being sent again.",
                "%(count)s documents are being sent again.",
                job.total,
            )
            % {"count": job.total},
        )
    return redirect(back)


@require_safe
def logged_segment_bundle(request: HttpRequest, pk: int, job: int) -> HttpResponseBase:
    """The print bundle (zip of the hard-copy documents) a delivery job of this logged segment
    made."""
    _require(request, "segments.view_loggedsegment")
    logged = get_object_or_404(LoggedSegment, pk=pk)
    bundle = get_object_or_404(
        DeliveryBundle.objects.select_related("attachment"),
        job__in=_delivery_jobs(logged),
        job_id=job,
    )
    return _download(bundle_bytes(bundle), bundle.attachment.file_name, "application/zip")


@require_POST
def logged_segment_action(request: HttpRequest) -> HttpResponse:
    """Cancel, restore or delete (canceled) the selected logged segments."""
    _require(request, "segments.view_loggedsegment")
    chosen = [int(v) for v in request.POST.getlist("logged") if v.isdigit()]
    action = request.POST.get("action", "")
    selected = LoggedSegment.objects.filter(pk__in=chosen)
    if not chosen:
        messages.error(request, _("Select the logged segments first."))
        return redirect("segments:logged_segment_list")
    questions = {
        "cancel": ngettext(
            "Do you wish to mark Logged Segment %(no)s as Canceled?",
            "Do you wish to mark the %(count)s selected Logged Segment lines as Canceled?",
            len(chosen),
        ),
        "restore": ngettext(
            "Logged Segment %(no)s is marked Canceled. Do you wish to remove the checkmark?",
            "Do you wish to remove the checkmark from the %(count)s selected Logged Segment lines?",
            len(chosen),
        ),
        "delete": ngettext(
            "Delete canceled Logged Segment %(no)s? Its interaction log entries are kept.",
            "Delete the %(count)s selected canceled Logged Segments? Their interaction log "
            "entries are kept.",
            len(chosen),
        ),
    }
    if action in questions:
        asked = confirm_first(
            request,
            questions[action] % {"no": chosen[0], "count": len(chosen)},
            back=reverse("segments:logged_segment_list"),
        )
        if asked is not None:
            return asked
    try:
        if action == "cancel":
            count = services.cancel_logged_segments(actor=request.user, logged=selected)
            text = ngettext(
                "%(count)s logged segment was canceled.",
                "%(count)s logged segments were canceled.",
                count,
            )
        elif action == "restore":
            count = services.restore_logged_segments(actor=request.user, logged=selected)
            text = ngettext(
                "%(count)s logged segment was restored.",
                "%(count)s logged segments were restored.",
                count,
            )
        elif action == "delete":
            count = services.delete_canceled_logged_segments(actor=request.user, logged=selected)
            text = ngettext(
                "%(count)s Logged Segment has been deleted.",
                "%(count)s Logged Segments have been deleted.",
                count,
            )
        else:
            messages.error(request, _("Choose an action."))
            return redirect("segments:logged_segment_list")
        messages.success(request, text % {"count": count})
    except ValidationError as exc:
        flash_error(request, exc)
    nxt = request.POST.get("next", "")
    if nxt.startswith("/segments/"):
        return redirect(nxt)
    return redirect("segments:logged_segment_list")


@require_POST
def logged_segment_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "segments.add_segment")
    logged = get_object_or_404(LoggedSegment, pk=pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the follow-up options."))
        return redirect("segments:logged_segment_detail", pk=pk)
    try:
        segment = services.create_follow_up_segment(
            actor=request.user,
            logged_segment=logged,
            evaluation=form.cleaned_data["evaluation"] or None,
            attempt_failed=form.cleaned_data["attempt_failed"],
            description=form.cleaned_data["description"],
        )
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("segments:logged_segment_detail", pk=pk)
    messages.success(request, _("Segment %(no)s was created.") % {"no": segment.no})
    return _back(segment)


# --- languages --------------------------------------------------------------------------------


def segment_languages(request: HttpRequest, no: str) -> HttpResponse:
    """The segment's interaction languages (BC 3.3): subject and attachment per language, for
    the segment (inherited by its lines) or for one line; add, change, remove."""
    segment = _segment(request, no)
    form = SegmentLanguageForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    if request.method == "POST":
        _require(request, CHANGE)
        if "delete" in request.POST:
            record = get_object_or_404(
                SegmentInteractionLanguage, segment=segment, pk=request.POST.get("delete")
            )
            question = _("Remove language %(code)s from segment %(no)s?") % {
                "code": record.language.code,
                "no": segment.no,
            }
            asked = confirm_first(
                request, question, back=reverse("segments:segment_languages", args=[segment.no])
            )
            if asked is not None:
                return asked
            services.delete_segment_language(actor=request.user, record=record)
            messages.success(request, _("The language was removed."))
            return redirect("segments:segment_languages", no=segment.no)
        if form.is_valid():
            data = form.cleaned_data
            line = None
            if data["line_no"]:
                line = SegmentLine.objects.filter(segment=segment, line_no=data["line_no"]).first()
                if line is None:
                    form.add_error(
                        "line_no", _("The segment has no line %(no)s.") % {"no": data["line_no"]}
                    )
            if not form.errors:
                upload = None
                if data["file"] is not None:
                    from rapport.interactions.attachments import Upload

                    upload = Upload(
                        content=data["file"].read(),
                        name=data["file"].name or "",
                        content_type=data["file"].content_type or "",
                    )
                try:
                    services.save_segment_language(
                        actor=request.user,
                        segment=segment,
                        language=data["language"],
                        line=line,
                        subject=data["subject"],
                        upload=upload,
                        remove_attachment=data["remove_attachment"],
                    )
                    messages.success(request, _("The language was saved."))
                    return redirect("segments:segment_languages", no=segment.no)
                except ValidationError as exc:
                    add_service_error(form, exc)
    records = SegmentInteractionLanguage.objects.filter(segment=segment).select_related(
        "language", "line", "attachment"
    )
    return render_page(
        request,
        "segments/languages.html",
        {
            "segment": segment,
            "form": form,
            "records": records,
            "can_change": request.user.has_perm(CHANGE),
        },
        status=422 if form.errors else 200,
    )
