"""Webhook pages: subscribers, their delivery log, redelivery."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.htmx import add_service_error, confirm_first, flash_error, render_page
from rapport.webhooks import queries, services
from rapport.webhooks.forms import NewSubscriberForm, SubscriberForm

VIEW = "webhooks.view_subscriber"
SECRET_KEY = "rapport:webhook-secret"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def subscriber_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    page = queries.SUBSCRIBER_LIST.page(queries.subscribers(), request.GET)
    return render_page(request, "webhooks/subscriber_list.html", {"page": page}, partial="results")


def subscriber_new(request: HttpRequest) -> HttpResponse:
    _require(request, "webhooks.add_subscriber")
    form = NewSubscriberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            subscriber = services.create_subscriber(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            # Shown once, on the next page, then forgotten.
            request.session[SECRET_KEY] = [subscriber.pk, subscriber.secret]
            messages.success(request, _("The webhook subscriber was created."))
            return redirect("webhooks:subscriber_detail", pk=subscriber.pk)
    return render(request, "webhooks/subscriber_form.html", {"form": form, "subscriber": None})


def subscriber_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW)
    subscriber = get_object_or_404(queries.subscribers(), pk=pk)
    can_change = request.user.has_perm("webhooks.change_subscriber")
    initial = {
        "url": subscriber.url,
        "description": subscriber.description,
        "event_types": subscriber.event_types,
        "active": subscriber.active,
    }
    form = SubscriberForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.update_subscriber(
                    actor=request.user, subscriber=subscriber, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The webhook subscriber was saved."))
                return redirect("webhooks:subscriber_detail", pk=subscriber.pk)
    secret = None
    shown = request.session.pop(SECRET_KEY, None)
    if shown and shown[0] == subscriber.pk:
        secret = shown[1]
    page = queries.DELIVERY_LIST.page(queries.deliveries(subscriber), request.GET)
    context = {
        "subscriber": subscriber,
        "form": form,
        "can_change": can_change,
        "secret": secret,
        "page": page,
    }
    return render_page(request, "webhooks/subscriber_detail.html", context, partial="results")


@require_POST
def subscriber_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "webhooks.delete_subscriber")
    subscriber = get_object_or_404(queries.subscribers(), pk=pk)
    back = reverse("webhooks:subscriber_detail", args=[pk])
    asked = confirm_first(
        request,
        _("Delete the webhook subscriber %(name)s and its delivery log?") % {"name": subscriber},
        back=back,
    )
    if asked is not None:
        return asked
    services.delete_subscriber(actor=request.user, subscriber=subscriber)
    messages.success(request, _("The webhook subscriber was deleted."))
    return redirect("webhooks:subscriber_list")


@require_POST
def delivery_redeliver(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    _require(request, "webhooks.change_subscriber")
    subscriber = get_object_or_404(queries.subscribers(), pk=pk)
    delivery = get_object_or_404(queries.deliveries(subscriber), pk=delivery_id)
    try:
        services.redeliver(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Delivery %(no)s will be sent again.") % {"no": delivery.pk})
    return redirect("webhooks:subscriber_detail", pk=pk)
