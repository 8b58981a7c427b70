"""Webhooks against a local HTTP receiver on loopback: signing, retries, redelivery, the
outbox's transaction rules and event filtering."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from rapport.accounts.services import create_salesperson
from rapport.contacts.services import create_contact
from rapport.core import events
from rapport.interactions import services as interactions
from rapport.interactions.models import InteractionLogEntry
from rapport.segments import services as segments
from rapport.segments.models import LoggedSegment
from rapport.webhooks import services
from rapport.webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server in a thread that records every request and answers with the next
    status code of `statuses` (200 when they are used up)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def ledger(alice: Any) -> dict[str, Any]:
    group = interactions.create_interaction_group(actor=alice, code="LETTER")
    template = interactions.create_interaction_template(
        actor=alice,
        code="CALL",
        group=group,
        description="Phone call",
        unit_cost=Decimal(0),
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )
    anna = create_salesperson(actor=alice, code="ANNA", name="Anna Ahonen")
    kesko = create_contact(actor=alice, name="Kesko Oyj", salesperson=anna)
    return {"template": template, "anna": anna, "kesko": kesko}


def new_entry(alice: Any, ledger: dict[str, Any]) -> InteractionLogEntry:
    return interactions.create_interaction(
        actor=alice,
        data=interactions.InteractionInput(
            contact=ledger["kesko"], template=ledger["template"], salesperson=ledger["anna"]
        ),
    )


def verify(secret: str, request: dict[str, Any]) -> int:
    """What a subscriber does: check the signature; returns the signed timestamp."""
    header = request["headers"]["X-Rapport-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    return int(parts["t"])


def test_a_created_entry_is_delivered_as_signed_timestamped_json(
    alice: Any, ledger: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscriber = services.create_subscriber(actor=alice, url=receiver.url)
    before = int(time.time())

    with django_capture_on_commit_callbacks(execute=True):
        entry = new_entry(alice, ledger)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    stamp = verify(subscriber.secret, request)
    assert before - 1 <= stamp <= int(time.time()) + 1
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Rapport-Event"] == "entry.created"
    body = receiver.bodies()[0]
    assert body["type"] == "entry.created"
    assert body["data"] == {"entry_nos": [entry.pk], "contact_no": ledger["kesko"].no}
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.attempt_no, a.status_code) for a in delivery.attempt_log.all()] == [(1, 200)]


def test_a_wrong_secret_does_not_verify(
    alice: Any, ledger: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    services.create_subscriber(actor=alice, url=receiver.url, secret="the-real-secret-123")
    with django_capture_on_commit_callbacks(execute=True):
        new_entry(alice, ledger)
    with pytest.raises(AssertionError):
        verify("another-secret-4567", receiver.requests[0])


def test_a_failed_delivery_is_retried_with_growing_delays_until_it_succeeds(
    alice: Any,
    ledger: dict[str, Any],
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.RAPPORT_WEBHOOK_RETRY_SECONDS = 30
    services.create_subscriber(actor=alice, url=receiver.url)
    receiver.statuses = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        new_entry(alice, ledger)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 500
    first_retry = delivery.next_attempt_at
    assert first_retry is not None

    assert services.deliver_due(now=first_retry - datetime.timedelta(seconds=1)) == 0
    assert services.deliver_due(now=first_retry) == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code == 503
    assert delivery.next_attempt_at == first_retry + datetime.timedelta(seconds=60)

    assert services.deliver_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [a.status_code for a in delivery.attempt_log.order_by("attempt_no")] == [500, 503, 200]
    assert len({r["body"] for r in receiver.requests}) == 1  # the same event every time


def test_a_delivery_gives_up_after_its_attempts(
    alice: Any,
    ledger: dict[str, Any],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    receiver: Receiver,
) -> None:
    settings.RAPPORT_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.stop()  # nobody listens: connection refused
    services.create_subscriber(actor=alice, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        new_entry(alice, ledger)
    services.deliver_due(now=timezone.now() + datetime.timedelta(days=1))
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2 and delivery.next_attempt_at is None
    assert "Connection refused" in delivery.last_error


def test_redelivery_sends_the_event_again_from_the_api_and_the_page(
    alice: Any,
    ledger: dict[str, Any],
    receiver: Receiver,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscriber = services.create_subscriber(actor=alice, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        new_entry(alice, ledger)
    delivery = Delivery.objects.get()
    client = client_for(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/webhook-subscribers/{subscriber.pk}/deliveries/{delivery.pk}/redeliver"
        )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"  # sent by the job, after the answer
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/webhooks/{subscriber.pk}/deliveries/{delivery.pk}/redeliver/")
    assert page.status_code == 302

    assert len(receiver.requests) == 3
    assert len({r["body"] for r in receiver.requests}) == 1
    for request in receiver.requests:
        verify(subscriber.secret, request)
    listed = client.get(f"/api/v1/webhook-subscribers/{subscriber.pk}/deliveries").json()
    assert listed["items"][0]["attempt_log"][0]["attempt_no"] == 3


def test_a_rolled_back_change_emits_nothing(
    alice: Any, ledger: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    services.create_subscriber(actor=alice, url=receiver.url)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        new_entry(alice, ledger)
        raise RuntimeError("the caller fails after the entry")

    assert Event.objects.count() == 0 and Delivery.objects.count() == 0
    assert receiver.requests == []


def test_an_inactive_subscriber_receives_nothing(
    alice: Any, ledger: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    services.create_subscriber(actor=alice, url=receiver.url, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        new_entry(alice, ledger)
    assert receiver.requests == [] and Delivery.objects.count() == 0


def test_subscribers_receive_only_the_event_types_they_chose(
    alice: Any, ledger: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    services.create_subscriber(actor=alice, url=receiver.url, event_types=["entry.canceled"])
    with django_capture_on_commit_callbacks(execute=True):
        first = new_entry(alice, ledger)
        second = new_entry(alice, ledger)
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        interactions.cancel_entries(
            actor=alice, entries=InteractionLogEntry.objects.filter(pk__in=[first.pk, second.pk])
        )

    assert [(b["type"], sorted(b["data"]["entry_nos"])) for b in receiver.bodies()] == [
        ("entry.canceled", sorted([first.pk, second.pk]))
    ]


def test_every_ledger_change_emits_one_event(alice: Any, ledger: dict[str, Any]) -> None:
    services.create_subscriber(actor=alice, url="http://127.0.0.1:9/unused")
    entry = new_entry(alice, ledger)
    entries = InteractionLogEntry.objects.filter(pk=entry.pk)
    interactions.cancel_entries(actor=alice, entries=entries)
    interactions.cancel_entries(actor=alice, entries=entries)  # nothing changes: no event
    interactions.restore_entries(actor=alice, entries=entries)
    interactions.cancel_entries(actor=alice, entries=entries)
    interactions.delete_canceled_entry(actor=alice, entry=entry)

    segment = segments.create_segment(
        actor=alice, description="Autumn", template=ledger["template"], salesperson=ledger["anna"]
    )
    segments.add_segment_line(actor=alice, segment=segment, contact=ledger["kesko"])
    segments.log_segment(actor=alice, segment=segment)
    logged = LoggedSegment.objects.all()
    segments.cancel_logged_segments(actor=alice, logged=logged)
    segments.restore_logged_segments(actor=alice, logged=logged)
    events.emit(events.DOCUMENT_RECORDED, {"document_no": "INV-1"})

    assert list(Event.objects.values_list("event_type", flat=True)) == [
        "entry.created",
        "entry.canceled",
        "entry.restored",
        "entry.canceled",
        "entry.deleted",
        "segment.logged",
        "logged_segment.canceled",
        "logged_segment.restored",
        "document.recorded",
    ]
    logged_event = Event.objects.get(event_type="segment.logged")
    assert logged_event.payload["interactions"] == 1
    assert logged_event.payload["segment_no"] == segment.no


def test_the_secret_is_shown_once(alice: Any, client_for: Any, receiver: Receiver) -> None:
    client: Client = client_for(alice)
    created = client.post(
        "/api/v1/webhook-subscribers",
        json.dumps({"url": receiver.url, "event_types": ["entry.created"]}),
        "application/json",
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    got = client.get(f"/api/v1/webhook-subscribers/{created.json()['id']}")
    assert "secret" not in got.json()

    response = client.post("/webhooks/new/", {"url": receiver.url, "active": "on"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    from rapport.webhooks.models import Subscriber

    newest = Subscriber.objects.order_by("-pk").first()
    assert newest is not None and newest.secret in page
    assert newest.secret not in client.get(response["Location"]).content.decode()


def test_a_subscriber_url_must_be_http(alice: Any, client_for: Any) -> None:
    response = client_for(alice).post(
        "/api/v1/webhook-subscribers",
        json.dumps({"url": "file:///etc/passwd"}),
        "application/json",
    )
    assert response.status_code == 422 and response.json()["field"] == "url"


def test_unknown_event_types_and_query_parameters_are_refused(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    response = client.post(
        "/api/v1/webhook-subscribers",
        json.dumps({"url": "http://127.0.0.1/x", "event_types": ["entry.exploded"]}),
        "application/json",
    )
    assert response.status_code == 422
    assert client.get("/api/v1/webhook-subscribers?colour=red").status_code == 422


def test_only_admins_see_webhooks(bob: Any, carol: Any, client_for: Any) -> None:
    for user in (bob, carol):
        client = client_for(user)
        assert client.get("/api/v1/webhook-subscribers").status_code == 403
        assert client.get("/webhooks/").status_code == 403


def test_the_pages_answer_with_and_without_htmx(
    alice: Any, client_for: Any, receiver: Receiver
) -> None:
    subscriber = services.create_subscriber(actor=alice, url=receiver.url, description="ERP")
    client = client_for(alice)
    for url in ("/webhooks/", f"/webhooks/{subscriber.pk}/", "/webhooks/new/"):
        assert client.get(url).status_code == 200
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    response = client.post(f"/webhooks/{subscriber.pk}/delete/")
    assert response.status_code == 200  # asks first
    response = client.post(f"/webhooks/{subscriber.pk}/delete/", {"confirmed": "1"})
    assert response.status_code == 302


def test_the_worker_scheduler_sends_retries_when_they_are_due(
    alice: Any,
    ledger: dict[str, Any],
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from rapport.core.jobs import run_periodic

    settings.RAPPORT_WEBHOOK_RETRY_SECONDS = 0  # due again at once
    services.create_subscriber(actor=alice, url=receiver.url)
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        new_entry(alice, ledger)
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    run_periodic()

    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 2
