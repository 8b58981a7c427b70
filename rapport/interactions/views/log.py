"""The interaction log pages: create and resume interactions, postponed interactions, the log
with its multi-select actions, one entry with comments, opportunities from entries, delete
canceled entries (a batch job), phone calls.

Views parse input with a form, fetch rows through permission-aware queries, call the service,
flash and redirect. Nothing here writes a model.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rapport.accounts.models import Salesperson
from rapport.contacts.models import Contact
from rapport.contacts.queries import contacts_visible_to
from rapport.core.htmx import add_service_error, flash_error, render_page
from rapport.core.listing import Page
from rapport.interactions import queries, services
from rapport.interactions.forms_log import (
    CommentForm,
    InteractionForm,
    PhoneCallForm,
    PurgeForm,
    initial_from_defaults,
    initial_from_entry,
    refreshed_initial,
)
from rapport.interactions.models import (
    Attachment,
    Evaluation,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    Opportunity,
)

VIEW = "interactions.view_interactionlogentry"
ADD = "interactions.add_interactionlogentry"
CHANGE = "interactions.change_interactionlogentry"
CANCEL = "interactions.cancel_interactionlogentry"
DELETE = "interactions.delete_interactionlogentry"
PURGE = "interactions.purge_interactionlogentry"

# Delete Canceled Entries: up to this many run while the user waits; more run as a job.
DIRECT_DELETE_LIMIT = 200


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _contact_tab(contact: Contact) -> str:
    return f"{contact.get_absolute_url()}?tab=interactions"


def _selected_ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("entries") if v.strip().isdigit()][:1000]


def _entry_page(request: HttpRequest, qs: Any) -> Page[InteractionLogEntry]:
    try:
        return queries.ENTRY_LIST.page(qs, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        return queries.ENTRY_LIST.page(qs, {})


def _caption(request: HttpRequest) -> str:
    """BC's list caption: " - <no> . <name>" of the filtered company and/or contact."""
    parts = []
    for key in ("company", "contact"):
        no = (request.GET.get(key) or "").strip().upper()
        if no:
            contact = contacts_visible_to(request.user).filter(no=no).first()
            parts.append(f"{no} · {contact.name}" if contact else no)
    if not parts:
        code = (request.GET.get("salesperson") or "").strip().upper()
        salesperson = Salesperson.objects.filter(code=code).first() if code else None
        if salesperson is not None:
            parts.append(str(salesperson))
    return " – ".join(parts)


# --- create interaction / resume -----------------------------------------------------------


def _create_initial(request: HttpRequest) -> dict[str, Any]:
    """Starting values from the query string: contact, salesperson, template, from_entry."""
    user = request.user
    params = request.GET
    source = None
    if (params.get("from_entry") or "").isdigit():
        source = queries.entries_visible_to(user).filter(pk=int(params["from_entry"])).first()
    contact_no = (params.get("contact") or "").strip().upper()
    contact = contacts_visible_to(user).filter(no=contact_no).first() if contact_no else None
    if contact is None and source is not None:
        contact = source.contact
    code = (params.get("salesperson") or "").strip().upper()
    salesperson = Salesperson.objects.filter(code=code, blocked=False).first() if code else None
    if salesperson is None and source is not None and source.salesperson is not None:
        salesperson = None if source.salesperson.blocked else source.salesperson
    code = (params.get("template") or "").strip().upper()
    template = InteractionTemplate.objects.filter(code=code).first() if code else None
    defaults = services.interaction_defaults(
        actor=user,
        contact=contact,
        template=template,
        salesperson=salesperson,
        campaign=source.campaign if source is not None else None,
    )
    initial = initial_from_defaults(defaults)
    if source is not None and source.opportunity is not None:
        initial["opportunity"] = source.opportunity
    return initial


def _interaction_page(
    request: HttpRequest, *, initial: dict[str, Any], resume: InteractionLogEntry | None
) -> HttpResponse:
    user = request.user
    action = request.path
    locked = resume is not None
    status = 200
    source = request.POST if request.method == "POST" else request.GET
    refresh = source.get("refresh")
    if request.method == "POST" and not refresh:
        form = InteractionForm(
            request.POST,
            request.FILES,
            user=user,
            initial=initial,
            lock_contact=locked,
            refresh_url=action,
        )
        if form.is_valid():
            postpone = "postpone" in request.POST
            try:
                entry = services.create_interaction(
                    actor=user,
                    data=form.interaction_input(keep_comments=locked),
                    postpone=postpone,
                    resume=resume,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                if postpone:
                    messages.success(request, _("The interaction was saved as postponed."))
                elif resume is not None:
                    messages.success(
                        request,
                        _("Interaction log entry %(no)s was finished.") % {"no": entry.pk},
                    )
                else:
                    messages.success(
                        request, _("Interaction log entry %(no)s was created.") % {"no": entry.pk}
                    )
                contact = entry.contact or form.cleaned_data["contact"]
                return redirect(_contact_tab(contact))
        status = 422
    elif refresh:
        code = (source.get("template") or "").strip().upper()
        template = InteractionTemplate.objects.filter(code=code).first() if code else None
        applied = (source.get("applied_template") or "").strip().upper()
        values = refreshed_initial(
            source,
            user=user,
            template=template,
            reset=refresh == "template" or code != applied,
        )
        if locked:
            values["contact"] = initial["contact"]
        form = InteractionForm(initial=values, user=user, lock_contact=locked, refresh_url=action)
    else:
        form = InteractionForm(initial=initial, user=user, lock_contact=locked, refresh_url=action)
    contact = form.contact_obj
    context = {
        "form": form,
        "resume": resume,
        "contact": contact,
        "action": action,
        "current_attachment": _attachment_of(resume),
        "back_url": _contact_tab(contact) if contact else reverse("interactions:entry_list"),
    }
    return render_page(
        request, "interactions/log/interaction_form.html", context, partial="form", status=status
    )


def _attachment_of(entry: InteractionLogEntry | None) -> Attachment | None:
    if entry is None or not entry.attachment_id:
        return None
    return Attachment.objects.filter(pk=entry.attachment_id).only("pk", "file_name", "size").first()


def interaction_create(request: HttpRequest) -> HttpResponse:
    """BC's "Create Interaction" (page 5077) as one short form."""
    _require(request, ADD)
    return _interaction_page(request, initial=_create_initial(request), resume=None)


def postponed_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume a postponed interaction: the same form, dated today; finishing keeps the No."""
    _require(request, ADD)
    entry = get_object_or_404(queries.entries_visible_to(request.user).postponed(), pk=pk)  # type: ignore[attr-defined]
    return _interaction_page(request, initial=initial_from_entry(entry), resume=entry)


# --- postponed interactions ----------------------------------------------------------------


def postponed_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    qs = queries.entries_visible_to(request.user).postponed()  # type: ignore[attr-defined]
    context = {
        "page": _entry_page(request, qs),
        "caption": _caption(request),
        "can_resume": request.user.has_perm(ADD),
        "can_delete": request.user.has_perm(DELETE),
        "next": request.get_full_path(),
    }
    return render_page(request, "interactions/log/postponed_list.html", context, partial="results")


@require_POST
def postponed_bulk_action(request: HttpRequest) -> HttpResponse:
    _require(request, DELETE)
    back = _next_url(request, reverse("interactions:postponed_list"))
    if request.POST.get("action") != "delete":
        messages.error(request, _("Choose an action."))
        return redirect(back)
    ids = _selected_ids(request)
    if not ids:
        messages.error(request, _("Select one or more lines first."))
        return redirect(back)
    visible = queries.entries_visible_to(request.user).postponed().filter(pk__in=ids)  # type: ignore[attr-defined]
    entries = InteractionLogEntry.objects.filter(pk__in=list(visible.values_list("pk", flat=True)))
    try:
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


# --- the log -------------------------------------------------------------------------------


def entry_list(request: HttpRequest) -> HttpResponse:
    """BC's Interaction Log Entries (page 5076): never the postponed entries."""
    _require(request, VIEW)
    user = request.user
    qs = queries.entries_visible_to(user).logged()  # type: ignore[attr-defined]
    page = _entry_page(request, qs)
    create_params = {
        key: request.GET[key]
        for key in ("contact", "salesperson")
        if (request.GET.get(key) or "").strip()
    }
    if "contact" not in create_params and (request.GET.get("company") or "").strip():
        create_params["contact"] = request.GET["company"]
    context = {
        "page": page,
        "caption": _caption(request),
        "templates": InteractionTemplate.objects.order_by("code").only("code", "description"),
        "groups": InteractionGroup.objects.order_by("code"),
        "salespeople": Salesperson.objects.order_by("code").only("code", "name"),
        "evaluations": [c for c in Evaluation.choices if c[0]],
        "can_add": user.has_perm(ADD),
        "can_cancel": user.has_perm(CANCEL),
        "can_evaluate": user.has_perm(CHANGE),
        "can_purge": user.has_perm(PURGE),
        "create_query": urlencode(create_params),
        "next": request.get_full_path(),
    }
    return render_page(request, "interactions/log/entry_list.html", context, partial="results")


BULK_ACTIONS = {"cancel": CANCEL, "restore": CANCEL, "evaluate": CHANGE}


@require_POST
def entry_bulk_action(request: HttpRequest) -> HttpResponse:
    """Cancel, restore or evaluate the selected entries (BC: Switch Checkmark in Canceled,
    Evaluate Interaction)."""
    action = request.POST.get("action") or ""
    if action not in BULK_ACTIONS:
        _require(request, VIEW)
        messages.error(request, _("Choose an action."))
        return redirect(_next_url(request, reverse("interactions:entry_list")))
    _require(request, BULK_ACTIONS[action])
    back = _next_url(request, reverse("interactions:entry_list"))
    ids = _selected_ids(request)
    if not ids:
        messages.error(request, _("Select one or more entries first."))
        return redirect(back)
    visible = queries.entries_visible_to(request.user).logged().filter(pk__in=ids)  # type: ignore[attr-defined]
    entries = InteractionLogEntry.objects.filter(pk__in=list(visible.values_list("pk", flat=True)))
    try:
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
        "attachment": _attachment_of(entry),
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


def _visible_entry(request: HttpRequest, pk: int) -> InteractionLogEntry:
    qs = queries.entries_visible_to(request.user).select_related("language")
    return get_object_or_404(qs, pk=pk)


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW)
    return _entry_detail_page(request, _visible_entry(request, pk))


@require_POST
def entry_comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, CHANGE)
    entry = _visible_entry(request, pk)
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
    _require(request, "interactions.add_opportunity")
    entry = _visible_entry(request, pk)
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


def opportunity_detail(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, "interactions.view_opportunity")
    opportunity = get_object_or_404(
        Opportunity.objects.select_related("contact", "contact_company", "salesperson", "campaign"),
        no=no.upper(),
    )
    context = {
        "opportunity": opportunity,
        "comments": list(opportunity.comments.all()),
        "entries": list(
            queries.entries_visible_to(request.user).filter(opportunity=opportunity)[:100]
        ),
    }
    return render_page(request, "interactions/log/opportunity_detail.html", context, partial="card")


# --- delete canceled entries (batch job request) ---------------------------------------------


def delete_canceled(request: HttpRequest) -> HttpResponse:
    """BC report 5190: filters, a preview of how many canceled entries go, then delete them
    (a background job with a progress bar when there are many)."""
    _require(request, PURGE)
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


# --- phone call ----------------------------------------------------------------------------


def phone_call(request: HttpRequest, no: str) -> HttpResponse:
    """BC's Make Phone Call: a tel: link, then the call is logged with the Outg. Calls template."""
    _require(request, ADD)
    contact = get_object_or_404(contacts_visible_to(request.user), no=no.upper())
    number = contact.phone_no or contact.mobile_phone_no
    form = PhoneCallForm(
        request.POST if request.method == "POST" else None,
        initial={"phone_no": number, "successful": True},
    )
    setup_missing = queries.template_setup().outgoing_calls_id is None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.make_phone_call(
                    actor=request.user,
                    contact=contact,
                    phone_no=data["phone_no"],
                    duration=data["duration"],
                    attempt_failed=not data["successful"],
                    description=data["description"] or None,
                    comments=data["comments"] or None,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The phone call was logged as interaction log entry %(no)s.")
                    % {"no": entry.pk},
                )
                return redirect(_contact_tab(contact))
        status = 422
    context = {"form": form, "contact": contact, "setup_missing": setup_missing}
    return render_page(
        request, "interactions/log/phone_call.html", context, partial="form", status=status
    )
