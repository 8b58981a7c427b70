"""E-mail logging pages: the setup card with Test connection and Run now, the unmatched and
logged messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.htmx import add_service_error, flash_error, render_page
from rapport.core.models import Job
from rapport.mailbox import queries, services
from rapport.mailbox.forms import MailboxSetupForm

VIEW = "mailbox.view_mailboxsetup"
CHANGE = "mailbox.change_mailboxsetup"
FIELDS = (
    "host",
    "port",
    "security",
    "username",
    "queue_folder",
    "storage_folder",
    "template",
    "batch_size",
    "interval_minutes",
    "max_message_bytes",
    "enabled",
)


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def setup(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    current = queries.mailbox_setup()
    can_change = request.user.has_perm(CHANGE)
    initial = {name: getattr(current, name) for name in FIELDS}
    form = MailboxSetupForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            data: dict[str, Any] = dict(form.cleaned_data)
            if not data.get("password"):
                data["password"] = None  # blank keeps the stored password
            try:
                services.update_mailbox_setup(actor=request.user, **data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Email Logging Setup was saved."))
                return redirect("mailbox:setup")
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "form": form,
        "can_change": can_change,
        "setup": current,
        "last_job": Job.objects.filter(kind=services.JOB_KIND).first(),
        "unmatched_count": queries.unmatched_messages().count(),
    }
    return render_page(request, "mailbox/setup.html", context)


@require_POST
def setup_test(request: HttpRequest) -> HttpResponse:
    _require(request, CHANGE)
    try:
        text = services.test_mailbox_connection(actor=request.user)
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, text)
    return redirect("mailbox:setup")


@require_POST
def setup_run(request: HttpRequest) -> HttpResponse:
    _require(request, CHANGE)
    try:
        job = services.start_mailbox_run(actor=request.user)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("mailbox:setup")
    return redirect("core:job_detail", job.pk)


def unmatched_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    page = queries.UNMATCHED_LIST.page(queries.unmatched_messages(), request.GET)
    return render_page(request, "mailbox/unmatched_list.html", {"page": page}, partial="results")


def logged_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    page = queries.LOGGED_LIST.page(queries.logged_messages(), request.GET)
    return render_page(request, "mailbox/logged_list.html", {"page": page}, partial="results")
