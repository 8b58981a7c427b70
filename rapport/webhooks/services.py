"""Webhooks: subscribers, the outbox receiver, signed delivery with retries, redelivery.

`rapport.core.events.emit` calls `record_event` inside the changing transaction: the event and
one delivery per interested active subscriber are written there (a rollback leaves nothing),
and the delivery job is queued after commit. Sending happens in the task worker, never in the
request that made the change.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.audit import record_audit, snapshot
from rapport.core.events import EVENT_TYPES, event_receiver
from rapport.core.validation import field_error, require_perm, validate_instance
from rapport.webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    Subscriber,
)

SIGNATURE_HEADER = "X-Rapport-Signature"
MAX_BACKOFF = datetime.timedelta(hours=6)
SUBSCRIBER_FIELDS = ("description", "url", "event_types", "active")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _check_subscriber(subscriber: Subscriber) -> None:
    parts = urlsplit(subscriber.url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise field_error("url", _("Enter an http or https URL."), "invalid_url")
    if not isinstance(subscriber.event_types, list):
        raise field_error("event_types", _("Choose the event types."), "invalid_choice")
    unknown = [t for t in subscriber.event_types if t not in EVENT_TYPES]
    if unknown:
        raise field_error(
            "event_types",
            _("event_types: choose among %(types)s.") % {"types": ", ".join(EVENT_TYPES)},
            "invalid_choice",
        )
    subscriber.event_types = sorted(set(subscriber.event_types))
    validate_instance(subscriber, exclude=["created_by"])


@transaction.atomic
def create_subscriber(
    *,
    actor: Any,
    url: str,
    description: str = "",
    event_types: list[str] | None = None,
    active: bool = True,
    secret: str = "",
) -> Subscriber:
    """A new subscriber; without a secret one is generated. The caller shows it once."""
    require_perm(actor, "webhooks.add_subscriber")
    subscriber = Subscriber(
        url=(url or "").strip(),
        description=description or "",
        event_types=list(event_types or []),
        active=active,
        secret=(secret or "").strip() or new_secret(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if len(subscriber.secret) < 16:
        raise field_error(
            "secret", _("The secret must be at least 16 characters long."), "too_short"
        )
    _check_subscriber(subscriber)
    subscriber.save()
    record_audit(actor=actor, action="create", obj=subscriber, after=snapshot(subscriber))
    return subscriber


@transaction.atomic
def update_subscriber(*, actor: Any, subscriber: Subscriber, **fields: Any) -> Subscriber:
    require_perm(actor, "webhooks.change_subscriber")
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    before = snapshot(subscriber)
    for name, value in fields.items():
        if name in SUBSCRIBER_FIELDS:
            setattr(subscriber, name, value)
    subscriber.url = (subscriber.url or "").strip()
    _check_subscriber(subscriber)
    subscriber.save()
    record_audit(
        actor=actor, action="change", obj=subscriber, before=before, after=snapshot(subscriber)
    )
    return subscriber


@transaction.atomic
def delete_subscriber(*, actor: Any, subscriber: Subscriber) -> None:
    """Delete a subscriber with its delivery log."""
    require_perm(actor, "webhooks.delete_subscriber")
    before = snapshot(subscriber)
    Subscriber.objects.filter(pk=subscriber.pk).delete()
    record_audit(actor=actor, action="delete", obj=subscriber, before=before)


# --- the outbox --------------------------------------------------------------------------------


def _queue_delivery() -> None:
    from rapport.webhooks.tasks import deliver_webhooks

    transaction.on_commit(lambda: deliver_webhooks.enqueue())


@event_receiver
def receive_event(event_type: str, payload: dict[str, Any]) -> None:
    record_event(event_type, payload)


def record_event(event_type: str, payload: dict[str, Any]) -> Event | None:
    """Write the event and its deliveries in the caller's transaction; queue the delivery
    job after commit. Nothing is written when no active subscriber wants the event."""
    wanted = [s for s in Subscriber.objects.filter(active=True) if s.wants(event_type)]
    if not wanted:
        return None
    event = Event.objects.create(event_type=event_type, payload=payload)
    now = timezone.now()
    attempts = max(1, settings.RAPPORT_WEBHOOK_MAX_ATTEMPTS)
    Delivery.objects.bulk_create(
        Delivery(subscriber=s, event=event, attempts_left=attempts, next_attempt_at=now)
        for s in wanted
    )
    _queue_delivery()
    return event


@transaction.atomic
def redeliver(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send a delivery again (whatever its status), with a fresh set of attempts."""
    require_perm(actor, "webhooks.change_subscriber")
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts_left = max(1, settings.RAPPORT_WEBHOOK_MAX_ATTEMPTS)
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts_left", "next_attempt_at"])
    _queue_delivery()
    return delivery


# --- sending -----------------------------------------------------------------------------------


def event_body(event: Event) -> bytes:
    """The JSON body: the same bytes on every attempt of the event."""
    document = {
        "id": event.pk,
        "type": event.event_type,
        "created_at": event.created_at,
        "data": event.payload,
    }
    text = json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)
    return text.encode()


def _post(subscriber: Subscriber, event: Event, delivery: Delivery) -> tuple[int | None, str]:
    """POST the event; (status code, error text). Never raises."""
    body = event_body(event)
    request = urllib.request.Request(  # noqa: S310  (http/https only: checked on save)
        subscriber.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Rapport-Webhooks/1",
            "X-Rapport-Event": event.event_type,
            "X-Rapport-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(subscriber.secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(  # noqa: S310  (http/https only: checked on save)
            request, timeout=settings.RAPPORT_WEBHOOK_TIMEOUT_SECONDS
        ) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), _("The subscriber answered %(code)s.") % {"code": exc.code}
    except Exception as exc:  # network errors of every kind end up in the log, not a crash
        return None, f"{type(exc).__name__}: {exc}"[:1000]


def _backoff(attempts: int) -> datetime.timedelta:
    delay = datetime.timedelta(seconds=settings.RAPPORT_WEBHOOK_RETRY_SECONDS * 2 ** (attempts - 1))
    return min(delay, MAX_BACKOFF)


@transaction.atomic
def _record_attempt(
    delivery: Delivery, status_code: int | None, error: str, duration_ms: int, now: Any
) -> Delivery:
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.attempts += 1
    DeliveryAttempt.objects.create(
        delivery=delivery,
        attempt_no=delivery.attempts,
        at=now,
        status_code=status_code,
        error=error,
        duration_ms=duration_ms,
    )
    delivery.last_status_code = status_code
    delivery.last_error = error
    delivery.attempts_left = max(0, delivery.attempts_left - 1)
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts_left == 0:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + _backoff(delivery.attempts)
    delivery.save()
    return delivery


def deliver_due(*, now: datetime.datetime | None = None, limit: int = 100) -> int:
    """Send the deliveries that are due (the task worker calls this). Each one is claimed
    first, so two workers never send the same attempt. Returns how many were attempted."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.RAPPORT_WEBHOOK_TIMEOUT_SECONDS + 60)
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    sent = 0
    for pk, at in due:
        claimed = Delivery.objects.filter(
            pk=pk, status=DeliveryStatus.PENDING, next_attempt_at=at
        ).update(next_attempt_at=now + lease)
        if not claimed:
            continue
        delivery = Delivery.objects.select_related("subscriber", "event").get(pk=pk)
        started = time.monotonic()
        status_code, error = _post(delivery.subscriber, delivery.event, delivery)
        duration_ms = int((time.monotonic() - started) * 1000)
        _record_attempt(delivery, status_code, error, duration_ms, now)
        sent += 1
    return sent


def has_due_deliveries(now: datetime.datetime | None = None) -> bool:
    return Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now or timezone.now()
    ).exists()
