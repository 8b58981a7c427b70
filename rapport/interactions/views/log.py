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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rapport.accounts.models import Salesperson
from rapport.core.forms import date_input_hint
from rapport.core.htmx import add_service_error, confirm_first, flash_error, render_page
from rapport.interactions import queries, services
from rapport.interactions.forms_log import (
    CommentForm,
    PurgeForm,
)
from rapport.interactions.models import (
    Evaluation,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
)
from rapport.interactions.views.common import (
    ADD,
    CANCEL,
    CHANGE,
    DELETE,
    PURGE,
    VIEW,
    attachment_of,
    caption,
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
        "can_purge": user.has_perm(PURGE),
        "date_hint": date_input_hint(),
        "filters_active": sum(
            1 for key in ("q", *queries.ENTRY_LIST.filters) if (request.GET.get(key) or "").strip()
        ),
        "confirm_cancel": (_cancel_question(1), _cancel_question(2)),
        "confirm_restore": (_restore_question(1), _restore_question(2)),
        "create_query": urlencode(create_params),
        "next": request.get_full_path(),
    }
    return render_page(request, "interactions/log/entry_list.html", context, partial="results")


BULK_ACTIONS = {"cancel": CANCEL, "restore": CANCEL, "evaluate": CHANGE}


def _cancel_question(count: int) -> str:
    return ngettext("Cancel %(count)s selected entry?", "Cancel %(count)s selected entries?", count)


def _restore_question(count: int) -> str:
    return ngettext(
        "Restore %(count)s selected entry?", "Restore %(count)s selected entries?", count
    )


# The actions that ask first, and their question (with %(count)s; rapport.js asks the same).
CONFIRM_QUESTIONS = {"cancel": _cancel_question, "restore": _restore_question}


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


def _entry_detail_page(
    request: HttpRequest,
    entry: InteractionLogEntry,
    *,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "entry": entry,
        "title": queries.entry_title(entry),
        "comments": list(entry.comments.all()),
        "comment_form": comment_form or CommentForm(),
        "attachment": attachment_of(entry),
        "can_comment": user.has_perm(CHANGE),
        "can_cancel": user.has_perm(CANCEL) and not entry.postponed,
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
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The comment was added."))
            return redirect("interactions:entry_detail", pk=entry.pk)
    return _entry_detail_page(request, entry, comment_form=form, status=422)


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
