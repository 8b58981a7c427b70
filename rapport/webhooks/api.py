"""Webhook subscribers and their deliveries (admin only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from rapport.core.api_errors import RecordNotFound
from rapport.core.api_helpers import PageOut, paginate, require_api_perm
from rapport.webhooks import queries, services
from rapport.webhooks.models import Subscriber
from rapport.webhooks.schemas import (
    DeliveryOut,
    SubscriberCreatedOut,
    SubscriberIn,
    SubscriberOut,
    SubscriberPatch,
)

router = Router(tags=["Webhooks"])
VIEW = "webhooks.view_subscriber"


def _subscriber(request: HttpRequest, subscriber_id: int) -> Subscriber:
    require_api_perm(request, VIEW)
    row = queries.subscribers().filter(pk=subscriber_id).first()
    if row is None:
        raise RecordNotFound(
            _("There is no %(record)s with the number %(value)s.")
            % {"record": _("Webhook subscriber"), "value": subscriber_id}
        )
    return row


@router.get("/webhook-subscribers", response=PageOut[SubscriberOut], summary="List subscribers")
def subscriber_list(request: HttpRequest) -> dict[str, Any]:
    require_api_perm(request, VIEW)
    return paginate(request, queries.SUBSCRIBER_LIST, queries.subscribers())


@router.post(
    "/webhook-subscribers",
    response={201: SubscriberCreatedOut},
    summary="Create webhook subscriber",
)
def subscriber_create(request: HttpRequest, payload: SubscriberIn) -> Any:
    subscriber = services.create_subscriber(actor=request.user, **payload.dict())
    return Status(201, subscriber)


@router.get(
    "/webhook-subscribers/{subscriber_id}",
    response=SubscriberOut,
    summary="Get webhook subscriber",
)
def subscriber_get(request: HttpRequest, subscriber_id: int) -> Any:
    return _subscriber(request, subscriber_id)


@router.patch(
    "/webhook-subscribers/{subscriber_id}",
    response=SubscriberOut,
    summary="Update webhook subscriber",
)
def subscriber_update(request: HttpRequest, subscriber_id: int, payload: SubscriberPatch) -> Any:
    subscriber = _subscriber(request, subscriber_id)
    return services.update_subscriber(
        actor=request.user, subscriber=subscriber, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "/webhook-subscribers/{subscriber_id}",
    response={204: None},
    summary="Delete webhook subscriber",
)
def subscriber_delete(request: HttpRequest, subscriber_id: int) -> Any:
    services.delete_subscriber(actor=request.user, subscriber=_subscriber(request, subscriber_id))
    return Status(204, None)


@router.get(
    "/webhook-subscribers/{subscriber_id}/deliveries",
    response=PageOut[DeliveryOut],
    summary="List webhook deliveries",
)
def delivery_list(request: HttpRequest, subscriber_id: int) -> dict[str, Any]:
    subscriber = _subscriber(request, subscriber_id)
    return paginate(request, queries.DELIVERY_LIST, queries.deliveries(subscriber))


@router.post(
    "/webhook-subscribers/{subscriber_id}/deliveries/{delivery_id}/redeliver",
    response=DeliveryOut,
    summary="Run a webhook delivery again (redeliver)",
)
def delivery_redeliver(request: HttpRequest, subscriber_id: int, delivery_id: int) -> Any:
    subscriber = _subscriber(request, subscriber_id)
    delivery = queries.deliveries(subscriber).filter(pk=delivery_id).first()
    if delivery is None:
        raise RecordNotFound(
            _("There is no %(record)s with the number %(value)s.")
            % {"record": _("Webhook delivery"), "value": delivery_id}
        )
    services.redeliver(actor=request.user, delivery=delivery)
    return queries.deliveries(subscriber).get(pk=delivery.pk)
