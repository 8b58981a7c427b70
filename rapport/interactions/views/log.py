"""The interaction log pages: postponed interactions, the log with its multi-select actions, one
entry with comments, opportunities from entries, delete canceled entries (a batch job).

Views parse input with a form, fetch rows through permission-aware queries, call the service,
flash and redirect. Nothing here writes a model.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from rapport.accounts.models import Salesperson
from rapport.core.forms import date_input_hint
from rapport.core.htmx import add_service_error, confirm_first, flash_error, render_page
from rapport.core.jobs_views import jobs_visible_to
from rapport.core.models import Job, JobStatus
from rapport.interactions import merge, queries, services
from rapport.interactions.forms_log import (
    CommentForm,
    PurgeForm,
)
from rapport.interactions.models import (
    Delivery,
    DeliveryBundle,
    DeliveryStatus,
    Evaluation,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
)
from rapport.interactions.services.delivery import bundle_bytes, error_text
from rapport.interactions.views.common import (
    ADD,
    CANCEL,
    CHANGE,
    DELETE,
    PURGE,
    VIEW,
    attachment_of,
    caption,
    document_response,
    download_response,
    entry_page,
    next_url,
    require,
    selected_ids,
    shown_entries,
    visible_entry,
)


def _delete_postponed_question(count: int) -> str:
    return ngettext(
        "Delete %(count)s selected postponed interaction?",
        "Delete %(count)s selected postponed interactions?",
        count,
    )


def postponed_list(request: HttpRequest) -> HttpResponse:
    require(request, VIEW)
    qs = queries.entries_visible_to(request.user).postponed()  # type: ignore[attr-defined]
    context = {
        "page": entry_page(request, qs),
        "caption": caption(request),
        "can_resume": request.user.has_perm(ADD),
        "can_delete": request.user.has_perm(DELETE),
        "confirm_delete": (_delete_postponed_question(1), _delete_postponed_question(2)),
        "next": request.get_full_path(),
    }
    return render_page(request, "interactions/log/postponed_list.html", context, partial="results")


@require_POST
def postponed_bulk_action(request: HttpRequest) -> HttpResponse:
    require(request, DELETE)
    back = next_url(request, reverse("interactions:postponed_list"))
    if request.POST.get("action") != "delete":
        messages.error(request, _("Choose an action."))
        return redirect(back)
    ids = selected_ids(request)
    if not ids:
        messages.error(request, _("Select one or more lines first."))
        return redirect(back)
    try:
        visible = shown_entries(request, queries.entries_visible_to(request.user).postponed())  # type: ignore[attr-defined]
        entries = InteractionLogEntry.objects.filter(
            pk__in=list(visible.values_list("pk", flat=True))
        )
        question = _delete_postponed_question(entries.count()) % {"count": entries.count()}
        asked = confirm_first(request, question, back=back, items=_entry_lines(entries))
        if asked is not None:
            return asked
        count = services.delete_postponed_interactions(actor=request.user, entries=entries)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(count)s postponed interaction was deleted.",
            "%(count)s postponed interactions were deleted.",
            count,
        )
        % {"count": count},
    )
    return redirect(back)


def entry_list(request: HttpRequest) -> HttpResponse:
    """BC's Interaction Log Entries (page 5076): never the postponed entries."""
    require(request, VIEW)
    user = request.user
    qs = queries.entries_visible_to(user).logged()  # type: ignore[attr-defined]
    page = entry_page(request, qs)
    create_params = {
        key: request.GET[key]
        for key in ("contact", "salesperson")
        if (request.GET.get(key) or "").strip()
    }
    if "contact" not in create_params and (request.GET.get("company") or "").strip():
        create_params["contact"] = request.GET["company"]
    context = {
        "page": page,
        "caption": caption(request),
        "templates": InteractionTemplate.objects.order_by("code").only("code", "description"),
        "groups": InteractionGroup.objects.order_by("code"),
        "salespeople": Salesperson.objects.order_by("code").only("code", "name"),
        "evaluations": [c for c in Evaluation.choices if c[0]],
        "can_add": user.has_perm(ADD),
        "can_cancel": user.has_perm(CANCEL),
        "can_evaluate": user.has_perm(CHANGE),
        "can_resend": user.has_perm(ADD),
        "delivery_statuses": [c for c in DeliveryStatus.choices if c[0]],
        "can_purge": user.has_perm(PURGE),
        "date_hint": date_input_hint(),
        "filters_active": sum(
            1 for key in ("q", *queries.ENTRY_LIST.filters) if (request.GET.get(key) or "").strip()
        ),
        "confirm_cancel": (_cancel_question(1), _cancel_question(2)),
        "confirm_restore": (_restore_question(1), _restore_question(2)),
        "confirm_resend": (_resend_question(1), _resend_question(2)),
        "create_query": urlencode(create_params),
        "next": request.get_full_path(),
    }
    return render_page(request, "interactions/log/entry_list.html", context, partial="results")


BULK_ACTIONS = {"cancel": CANCEL, "restore": CANCEL, "evaluate": CHANGE, "resend": ADD}


def _cancel_question(count: int) -> str:
    return ngettext("Cancel %(count)s selected entry?", "Cancel %(count)s selected entries?", count)


def _restore_question(count: int) -> str:
    return ngettext(
        "Restore %(count)s selected entry?", "Restore %(count)s selected entries?", count
    )


def _resend_question(count: int) -> str:
    return ngettext(
        "Send the document of %(count)s selected entry again?",
        "Send the documents of %(count)s selected entries again?",
        count,
    )


# The actions that ask first, and their question (with %(count)s; rapport.js asks the same).
CONFIRM_QUESTIONS = {
    "cancel": _cancel_question,
    "restore": _restore_question,
    "resend": _resend_question,
}


def _entry_lines(entries: Any) -> list[str]:
    """What a confirm page lists: the first entries the action will touch."""
    rows = entries.select_related("contact").order_by("pk")[:20]
    return [
        " · ".join(
            part
            for part in (
                str(e.pk),
                date_format(e.date, "SHORT_DATE_FORMAT"),
                e.description,
                e.contact.name if e.contact else "",
            )
            if part
        )
        for e in rows
    ]


@require_POST
def entry_bulk_action(request: HttpRequest) -> HttpResponse:
    """Cancel, restore or evaluate the selected entries (BC: Switch Checkmark in Canceled,
    Evaluate Interaction)."""
    action = request.POST.get("action") or ""
    if action not in BULK_ACTIONS:
        require(request, VIEW)
        messages.error(request, _("Choose an action."))
        return redirect(next_url(request, reverse("interactions:entry_list")))
    require(request, BULK_ACTIONS[action])
    back = next_url(request, reverse("interactions:entry_list"))
    ids = selected_ids(request)
    if not ids:
        messages.error(request, _("Select one or more entries first."))
        return redirect(back)
    try:
        visible = shown_entries(request, queries.entries_visible_to(request.user).logged())  # type: ignore[attr-defined]
        entries = InteractionLogEntry.objects.filter(
            pk__in=list(visible.values_list("pk", flat=True))
        )
        if action in CONFIRM_QUESTIONS:
            shown = entries.count()
            question = CONFIRM_QUESTIONS[action](shown) % {"count": shown}
            asked = confirm_first(request, question, back=back, items=_entry_lines(entries))
            if asked is not None:
                return asked
        if action == "resend":
            job = services.resend_entries(actor=request.user, entries=entries)
            messages.success(request, _sending_message(job))
            return redirect(back)
        if action == "cancel":
            count = services.cancel_entries(actor=request.user, entries=entries)
            text = ngettext(
                "%(count)s entry was canceled.", "%(count)s entries were canceled.", count
            )
        elif action == "restore":
            count = services.restore_entries(actor=request.user, entries=entries)
            text = ngettext(
                "%(count)s entry was restored.", "%(count)s entries were restored.", count
            )
        else:
            evaluation = request.POST.get("evaluation") or ""
            if not evaluation:
                messages.error(request, _("Choose an evaluation first."))
                return redirect(back)
            count = services.evaluate_entries(
                actor=request.user, entries=entries, evaluation=evaluation
            )
            label = dict(Evaluation.choices).get(evaluation, evaluation)
            text = ngettext(
                "The evaluation of %(count)s entry was set to %(evaluation)s.",
                "The evaluation of %(count)s entries was set to %(evaluation)s.",
                count,
            )
            text = text % {"count": count, "evaluation": label}
            messages.success(request, text)
            return redirect(back)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect(back)
    messages.success(request, text % {"count": count})
    return redirect(back)


def _sending_message(job: Job | None) -> str:
    if job is None:
        return _("There is nothing to send.")
    return format_html(
        '{} <a href="{}">{}</a>',
        ngettext(
            "%(count)s document is being sent.", "%(count)s documents are being sent.", job.total
        )
        % {"count": job.total},
        reverse("core:job_detail", args=[job.pk]),
        _("Show the job"),
    )


def _delivery_job(entry: InteractionLogEntry, delivery: Delivery | None) -> Job | None:
    """The job sending this entry now: the one holding its claim, else a queued or running
    delivery job that names it (or its logged segment)."""
    if entry.delivery_status != DeliveryStatus.IN_PROGRESS:
        return None
    if delivery is not None and delivery.job_id is not None:
        return delivery.job
    for job in Job.objects.filter(
        kind=services.DELIVER, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).order_by("-pk")[:50]:
        params = job.params or {}
        if entry.pk in params.get("entries", ()) or (
            entry.logged_segment_entry_no is not None
            and params.get("logged_segment") == entry.logged_segment_entry_no
        ):
            return job
    return None


def _entry_detail_page(
    request: HttpRequest,
    entry: InteractionLogEntry,
    *,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    delivery = Delivery.objects.select_related("job").filter(entry=entry).first()
    context = {
        "entry": entry,
        "title": queries.entry_title(entry),
        "delivery": delivery,
        "delivery_error": error_text(delivery.error) if delivery is not None else "",
        "delivery_job": _delivery_job(entry, delivery),
        "can_resend": (
            user.has_perm(ADD)
            and not entry.postponed
            and bool(entry.correspondence_type)
            and entry.attachment_id is not None
            and entry.delivery_status != DeliveryStatus.IN_PROGRESS
        ),
        "confirm_resend": _resend_question(1) % {"count": 1},
        "comments": list(entry.comments.all()),
        "comment_form": comment_form or CommentForm(initial={"date": timezone.localdate()}),
        "attachment": attachment_of(entry),
        "can_comment": user.has_perm(CHANGE),
        "can_cancel": user.has_perm(CANCEL) and not entry.postponed,
        "can_delete": user.has_perm(PURGE) and entry.canceled and not entry.postponed,
        "can_create_opportunity": (
            user.has_perm("interactions.add_opportunity")
            and not entry.canceled
            and not entry.postponed
            and entry.opportunity_id is None
        ),
        "can_add": user.has_perm(ADD),
    }
    return render_page(
        request, "interactions/log/entry_detail.html", context, partial="entry", status=status
    )


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW)
    return _entry_detail_page(request, visible_entry(request, pk))


@require_safe
def entry_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The entry's document as a download: its merge template rendered with the values
    frozen when it was logged (the same bytes on every download), or its stored file."""
    require(request, VIEW)
    entry = visible_entry(request, pk)
    try:
        doc = services.render_entry_document(entry)
    except merge.MergeTemplateError as exc:
        messages.error(request, exc.message)
        return redirect("interactions:entry_detail", pk=entry.pk)
    if doc is None:
        raise Http404
    return document_response(doc)


@require_POST
def entry_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """BC's Resend for one entry: its document is sent again; nothing is logged again."""
    require(request, ADD)
    entry = visible_entry(request, pk)
    back = reverse("interactions:entry_detail", args=[entry.pk])
    asked = confirm_first(
        request,
        _resend_question(1) % {"count": 1},
        back=back,
        items=_entry_lines(InteractionLogEntry.objects.filter(pk=entry.pk)),
    )
    if asked is not None:
        return asked
    try:
        job = services.resend_entries(
            actor=request.user, entries=InteractionLogEntry.objects.filter(pk=entry.pk)
        )
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _sending_message(job))
    return redirect(back)


@require_safe
def print_bundle_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """A delivery job's print bundle (a zip of the hard-copy documents), for those who may see
    the log and the job."""
    require(request, VIEW)
    job = get_object_or_404(jobs_visible_to(request.user), pk=job_id)
    if job.created_by_id != request.user.pk and not request.user.has_perm("core.view_job"):
        raise Http404
    bundle = DeliveryBundle.objects.select_related("attachment").filter(job=job).first()
    if bundle is None:
        raise Http404
    return download_response(bundle_bytes(bundle), bundle.attachment.file_name, "application/zip")


@require_POST
def entry_comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CHANGE)
    entry = visible_entry(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_entry_comment(
                actor=request.user,
                entry=entry,
                comment=form.cleaned_data["comment"],
                code=form.cleaned_data["code"],
                date=form.cleaned_data["date"] if "date" in request.POST else services.TODAY,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The comment was added."))
            return redirect("interactions:entry_detail", pk=entry.pk)
    return _entry_detail_page(request, entry, comment_form=form, status=422)


def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one canceled entry (the rules of Delete Canceled Entries for a single entry): a
    page that says what goes, then the delete (a plain form, with or without JavaScript)."""
    require(request, PURGE)
    entry = visible_entry(request, pk)
    if request.method == "POST":
        try:
            services.delete_canceled_entry(actor=request.user, entry=entry)
        except ValidationError as exc:
            flash_error(request, exc)
            return redirect("interactions:entry_detail", pk=entry.pk)
        messages.success(
            request, _("Interaction log entry %(no)s has been deleted.") % {"no": entry.pk}
        )
        return redirect("interactions:entry_list")
    context = {
        "entry": entry,
        "title": queries.entry_title(entry),
        "comment_count": entry.comments.count(),
        "attachment": attachment_of(entry),
        "attachment_shared": entry.attachment_id is not None
        and InteractionLogEntry.objects.filter(attachment_id=entry.attachment_id)
        .exclude(pk=entry.pk)
        .exists(),
    }
    return render_page(
        request, "interactions/log/entry_confirm_delete.html", context, partial="confirm"
    )


@require_POST
def entry_create_opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    """BC 2.8: an opportunity from a non-canceled entry that has none yet."""
    require(request, "interactions.add_opportunity")
    entry = visible_entry(request, pk)
    try:
        opportunity = services.create_opportunity_from_entry(actor=request.user, entry=entry)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("interactions:entry_detail", pk=entry.pk)
    messages.success(
        request,
        _("Opportunity %(no)s was created based on selected interaction log entry.")
        % {"no": opportunity.no},
    )
    return redirect("interactions:opportunity_detail", no=opportunity.no)


# Delete Canceled Entries: up to this many run while the user waits; more run as a job.
DIRECT_DELETE_LIMIT = 200


def delete_canceled(request: HttpRequest) -> HttpResponse:
    """BC report 5190: filters, a preview of how many canceled entries go, then delete them
    (a background job with a progress bar when there are many)."""
    require(request, PURGE)
    preview: int | None = None
    status = 200
    if request.method == "POST":
        form = PurgeForm(request.POST)
        if form.is_valid():
            filters = form.purge_filter()
            count = filters.queryset().count()
            if request.POST.get("confirm") == "1" and count:
                if count <= DIRECT_DELETE_LIMIT:
                    deleted = services.delete_canceled_entries(actor=request.user, filters=filters)
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s interaction log entry has been deleted.",
                            "%(count)s interaction log entries have been deleted.",
                            deleted,
                        )
                        % {"count": deleted},
                    )
                    return redirect("interactions:entry_list")
                job = services.start_delete_canceled_entries(actor=request.user, filters=filters)
                messages.success(
                    request,
                    _("Deleting %(count)s canceled entries runs as a background job.")
                    % {"count": count},
                )
                return redirect("core:job_detail", pk=job.pk)
            preview = count
        else:
            status = 422
    else:
        form = PurgeForm(
            initial={k: v for k, v in request.GET.items() if k in PurgeForm.base_fields}
        )
    context = {"form": form, "preview": preview, "limit": DIRECT_DELETE_LIMIT}
    return render_page(
        request, "interactions/log/delete_canceled.html", context, partial="purge", status=status
    )
