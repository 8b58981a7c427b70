"""Issue 14 point 4: a worker killed (SIGKILL) while it posts a webhook loses nothing: the
delivery stays pending (its claim runs out after the timeout plus a minute) and is sent again,
once, by the next delivery run; the subscriber sees the same event id twice at most (at-least-
once delivery, as documented). Runs the real task worker in a subprocess on this test's
database against a receiver on loopback that hangs on the first request."""

from __future__ import annotations

import datetime
import http.server
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from rapport.accounts.services import create_salesperson
from rapport.contacts.services import create_contact
from rapport.core.tests.kill_harness import (  # noqa: F401  (fixtures)
    kill,
    poll,
    shared,
    start_worker,
)
from rapport.interactions import services as interactions
from rapport.webhooks import services
from rapport.webhooks.models import Delivery, DeliveryStatus


class HangingReceiver:
    """Records every POST; the first one hangs until `release` is set (the worker is killed
    meanwhile), later ones answer 200 at once."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.hanging = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                if len(receiver.bodies) == 1:
                    receiver.hanging.set()
                    receiver.release.wait(timeout=120)
                    return  # no answer: the sender was killed meanwhile
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[HangingReceiver]:
    server = HangingReceiver()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_webhook_post_keeps_the_delivery_pending_and_a_rerun_sends_it(
    alice,
    receiver,
    settings,
    shared,  # noqa: F811
    start_worker,  # noqa: F811
) -> None:
    shared["RAPPORT_WEBHOOK_TIMEOUT_SECONDS"] = "3600"
    services.create_subscriber(actor=alice, url=receiver.url)
    group = interactions.create_interaction_group(actor=alice, code="CALLS")
    template = interactions.create_interaction_template(
        actor=alice,
        code="CALL",
        group=group,
        description="Phone call",
        unit_cost=Decimal(0),
        correspondence_type="",
    )
    anna = create_salesperson(actor=alice, code="ANNA", name="Anna Ahonen")
    kesko = create_contact(actor=alice, name="Kesko Oyj", salesperson=anna)
    entry = interactions.create_interaction(
        actor=alice,
        data=interactions.InteractionInput(contact=kesko, template=template, salesperson=anna),
    )
    worker, _marker = start_worker(pausing=False)
    poll(receiver.hanging.is_set, worker, "the worker posted the webhook")
    kill(worker)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING, "not lost, not marked sent"
    assert delivery.attempts == 0 and not delivery.attempt_log.exists()
    assert services.deliver_due() == 0, "the dead worker's claim holds until it runs out"

    lease = datetime.timedelta(seconds=settings.RAPPORT_WEBHOOK_TIMEOUT_SECONDS + 60)
    later = timezone.now() + datetime.timedelta(seconds=3600 + 61) + lease
    assert services.deliver_due(now=later) == 1, "the rerun sends it"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.attempt_no, a.status_code) for a in delivery.attempt_log.all()] == [(1, 200)]
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]
    assert receiver.bodies[1]["data"]["entry_nos"] == [entry.pk]
    assert services.deliver_due(now=later) == 0, "and only once"
