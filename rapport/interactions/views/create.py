"""Create Interaction and Resume (one form, finish or finish later) and Make Phone Call.

Views parse input with a form, fetch rows through permission-aware queries, call the service,
flash and redirect. Nothing here writes a model.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.contacts.queries import contacts_visible_to
from rapport.core.htmx import add_service_error, render_page
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
)
from rapport.interactions.views.common import (
    ADD,
    attachment_of,
    contact_tab,
    require,
)


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
                return redirect(contact_tab(contact))
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
        "current_attachment": attachment_of(resume),
        "back_url": contact_tab(contact) if contact else reverse("interactions:entry_list"),
    }
    return render_page(
        request, "interactions/log/interaction_form.html", context, partial="form", status=status
    )


def interaction_create(request: HttpRequest) -> HttpResponse:
    """BC's "Create Interaction" (page 5077) as one short form."""
    require(request, ADD)
    return _interaction_page(request, initial=_create_initial(request), resume=None)


def postponed_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume a postponed interaction: the same form, dated today; finishing keeps the No."""
    require(request, ADD)
    entry = get_object_or_404(queries.entries_visible_to(request.user).postponed(), pk=pk)  # type: ignore[attr-defined]
    return _interaction_page(request, initial=initial_from_entry(entry), resume=entry)


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
