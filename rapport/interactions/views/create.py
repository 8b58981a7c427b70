"""Create Interaction and Resume (one form, finish or finish later) and Make Phone Call.

Views parse input with a form, fetch rows through permission-aware queries, call the service,
flash and redirect. Nothing here writes a model.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.contacts.queries import contacts_visible_to
from rapport.core.htmx import add_service_error, flash_error, render_page
from rapport.interactions import queries, services
from rapport.interactions.forms_log import (
    InteractionForm,
    PhoneCallForm,
    initial_from_defaults,
    initial_from_entry,
    refreshed_initial,
)
from rapport.interactions.models import (
    InteractionLogEntry,
    InteractionTemplate,
    Opportunity,
)
from rapport.interactions.services.delivery import Document
from rapport.interactions.views.common import (
    ADD,
    allow_preview_styles,
    attachment_of,
    contact_tab,
    document_response,
    next_url,
    preview_context,
    require,
)

# The starting point in the form's action URL, under names no form field uses (the form's own
# `contact` and `salesperson` fields travel in the same query string on an htmx redraw).
START_KEYS = ("from_contact", "from_salesperson", "from_entry", "from_opportunity")
# Links into the page may also say ?contact=, ?salesperson= or ?opportunity=.
LINK_KEYS = {
    "contact": "from_contact",
    "salesperson": "from_salesperson",
    "opportunity": "from_opportunity",
}


def _start_params(request: HttpRequest) -> dict[str, str]:
    params = request.GET
    found = {key: params[key].strip() for key in START_KEYS if (params.get(key) or "").strip()}
    if request.method == "GET" and "refresh" not in params:
        for link, key in LINK_KEYS.items():
            value = (params.get(link) or "").strip()
            if value and key not in found:
                found[key] = value
    return found


def _start_from_query(request: HttpRequest) -> services.StartingPoint | None:
    """Where the user started (BC's page filters): a log entry, an opportunity, or a contact
    and/or a salesperson. Raises ValidationError when the starting point refuses (a closed
    opportunity, a privacy-blocked contact)."""
    user = request.user
    params = _start_params(request)
    if params.get("from_entry", "").isdigit():
        entry = get_object_or_404(
            queries.entries_visible_to(user)
            .logged()  # type: ignore[attr-defined]
            .select_related("contact", "salesperson", "campaign", "opportunity"),
            pk=int(params["from_entry"]),
        )
        return services.starting_point(kind="entry", entry=entry)
    no = params.get("from_opportunity", "").upper()
    if no:
        opportunity = get_object_or_404(
            Opportunity.objects.select_related(
                "contact", "contact_company", "salesperson", "campaign"
            ),
            no=no,
        )
        return services.starting_point(kind="opportunity", opportunity=opportunity)
    start = None
    no = params.get("from_contact", "").upper()
    if no:
        contact = get_object_or_404(contacts_visible_to(user), no=no)
        start = services.starting_point(kind="contact", contact=contact)
    code = params.get("from_salesperson", "").upper()
    if code:
        salesperson = get_object_or_404(Salesperson, code=code, blocked=False)
        by_salesperson = services.starting_point(kind="salesperson", salesperson=salesperson)
        if start is None:
            return by_salesperson
        start = dataclasses.replace(
            start,
            label=f"{start.label}, {by_salesperson.label}",
            salesperson=salesperson,
        )
    return start


def _create_initial(
    request: HttpRequest, start: services.StartingPoint | None, template_code: str = ""
) -> dict[str, Any]:
    """Starting values: the starting point's, then the defaults (and a template if given)."""
    fixed = start.fixed() if start is not None else {}
    code = (template_code or request.GET.get("template") or "").strip().upper()
    template = InteractionTemplate.objects.filter(code=code).first() if code else None
    defaults = services.interaction_defaults(
        actor=request.user,
        contact=fixed.get("contact"),
        template=template,
        salesperson=fixed.get("salesperson"),
        campaign=fixed.get("campaign"),
    )
    initial = initial_from_defaults(defaults)
    if "opportunity" in fixed:
        initial["opportunity"] = fixed["opportunity"]
    return initial


def _interaction_page(
    request: HttpRequest,
    *,
    initial: dict[str, Any],
    resume: InteractionLogEntry | None,
    start: services.StartingPoint | None,
) -> HttpResponse:
    user = request.user
    # The starting point travels in the query string, so the form posts back to it.
    params = _start_params(request) if resume is None else {}
    action = f"{request.path}?{urlencode(params)}" if params else request.path
    locked = set(start.fixed()) if start is not None else set()
    for name in locked & {"salesperson", "campaign", "opportunity"}:
        initial[name] = start.fixed()[name] if start is not None else None
    status = 200
    preview: Document | None = None
    source = request.POST if request.method == "POST" else request.GET
    refresh = source.get("refresh")
    if request.method == "POST" and "cancel" in request.POST:
        if resume is None:
            # "Anything typed" is measured against the defaults of the template shown.
            initial = _create_initial(request, start, request.POST.get("applied_template", ""))
            for name in locked:
                initial[name] = start.fixed()[name] if start is not None else None
            if start is not None and "contact" in locked:
                initial["contact"] = start.fixed()["contact"].no
        return _cancel_step(request, initial=initial, locked=locked, resume=resume, action=action)
    if request.method == "POST" and not refresh:
        form = InteractionForm(
            request.POST,
            request.FILES,
            user=user,
            initial=initial,
            locked=locked,
            refresh_url=action,
        )
        if "preview" in request.POST:
            if form.is_valid():
                try:
                    preview = services.preview_interaction(
                        actor=user, data=form.interaction_input(keep_comments=resume is not None)
                    )
                except ValidationError as exc:
                    add_service_error(form, exc)
                else:
                    if request.POST.get("preview") == "download":
                        return document_response(preview)
            status = 200 if preview is not None else 422
        elif form.is_valid():
            postpone = "postpone" in request.POST
            try:
                entry = services.create_interaction(
                    actor=user,
                    data=form.interaction_input(keep_comments=resume is not None),
                    postpone=postpone,
                    resume=resume,
                    start=start if resume is None else None,
                    deliver=bool(form.cleaned_data.get("deliver")),
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                if postpone:
                    messages.success(
                        request,
                        format_html(
                            '{} <a href="{}">{}</a>',
                            _("Interaction log entry %(no)s was saved as postponed.")
                            % {"no": entry.pk},
                            reverse("interactions:postponed_resume", args=[entry.pk]),
                            _("Resume"),
                        ),
                    )
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
                return redirect(contact_tab(contact))
            status = 422
        else:
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
        for name in locked:
            values[name] = initial[name]
        form = InteractionForm(initial=values, user=user, locked=locked, refresh_url=action)
    else:
        form = InteractionForm(initial=initial, user=user, locked=locked, refresh_url=action)
    contact = form.contact_obj
    context = {
        "form": form,
        # Typed into already (a redraw or a refused post): Cancel asks before leaving.
        "dirty": request.method == "POST" or bool(refresh),
        "resume": resume,
        "start": start,
        "contact": contact,
        "action": action,
        "current_attachment": attachment_of(resume),
        "back_url": contact_tab(contact) if contact else reverse("interactions:entry_list"),
        "preview": preview_context(preview),
    }
    response = render_page(
        request, "interactions/log/interaction_form.html", context, partial="form", status=status
    )
    return allow_preview_styles(response) if preview is not None else response


# Not "typed by the user": the time is "now" again on every draw; the rest are buttons.
_NOT_TYPED = {"time", "applied_template"}
_NOT_CARRIED = {"csrfmiddlewaretoken", "cancel", "finish", "postpone", "refresh"}


def _cancel_step(
    request: HttpRequest,
    *,
    initial: dict[str, Any],
    locked: set[str],
    resume: InteractionLogEntry | None,
    action: str,
) -> HttpResponse:
    """Cancel without JavaScript (BC: "choose Cancel, then choose to finish the interaction
    later"): nothing typed goes straight back; else a small page asks finish later, discard or
    go back, carrying what was typed in hidden fields."""
    form = InteractionForm(request.POST, user=request.user, initial=initial, locked=locked)
    contact = form.contact_obj
    back_url = contact_tab(contact) if contact else reverse("interactions:entry_list")
    typed = [name for name in form.changed_data if name not in _NOT_TYPED] or request.FILES
    if not typed:
        return redirect(back_url)
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_CARRIED
        for value in values
    ]
    context = {
        "carried": carried,
        "action": action,
        "back_url": back_url,
        "resume": resume,
        "had_file": bool(request.FILES),
    }
    return render_page(request, "interactions/log/interaction_cancel.html", context)


def interaction_create(request: HttpRequest) -> HttpResponse:
    """BC's "Create Interaction" (page 5077) as one short form. Started from a contact, a
    salesperson, a log entry or an opportunity, the fields that starting point fixes are
    read-only."""
    require(request, ADD)
    try:
        start = _start_from_query(request)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect(next_url(request, reverse("interactions:entry_list")))
    return _interaction_page(
        request, initial=_create_initial(request, start), resume=None, start=start
    )


def postponed_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume a postponed interaction: the same form, dated today; finishing keeps the No.
    Its contact, salesperson, campaign and opportunity stay fixed (BC locks them)."""
    require(request, ADD)
    entry = get_object_or_404(
        queries.entries_visible_to(request.user)
        .postponed()  # type: ignore[attr-defined]
        .select_related("contact", "salesperson", "campaign", "opportunity"),
        pk=pk,
    )
    start = services.starting_point(kind="postponed", entry=entry)
    return _interaction_page(request, initial=initial_from_entry(entry), resume=entry, start=start)


def phone_call(request: HttpRequest, no: str) -> HttpResponse:
    """BC's Make Phone Call: a tel: link, then the call is logged with the Outg. Calls template.

    The form starts with the contact's number and the template's description and duration;
    a field the user clears is a blank the service reports, as in the API."""
    require(request, ADD)
    contact = get_object_or_404(contacts_visible_to(request.user), no=no.upper())
    template = queries.template_setup().outgoing_calls
    initial: dict[str, Any] = {
        "phone_no": contact.phone_no or contact.mobile_phone_no,
        "successful": True,
        "comment_date": timezone.localdate(),
    }
    if template is not None:
        initial.update(
            description=template.description,
            duration=template.unit_duration,
            campaign=template.campaign.no if template.campaign is not None else None,
        )
    form = PhoneCallForm(
        request.POST if request.method == "POST" else None, initial=initial, contact=contact
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            blank = {
                name
                for name in ("phone_no", "description", "campaign")
                if name in request.POST and not data.get(name)
            }
            try:
                entry = services.make_phone_call(
                    actor=request.user,
                    contact=contact,
                    phone_no=data["phone_no"] or None,
                    duration=data["duration"],
                    attempt_failed=not data["successful"],
                    description=data["description"] or None,
                    evaluation=data["evaluation"] or "",
                    campaign=data["campaign"],
                    opportunity=data["opportunity"],
                    comments=form.comment_lines(),
                    blank=blank,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The phone call was logged as interaction log entry %(no)s.")
                    % {"no": entry.pk},
                )
                return redirect(contact_tab(contact))
        status = 422
    context = {"form": form, "contact": contact, "setup_missing": template is None}
    return render_page(
        request, "interactions/log/phone_call.html", context, partial="form", status=status
    )
