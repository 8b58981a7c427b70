"""Two requests recording the same document event at once give exactly one entry: the unique
constraint decides, the loser answers "duplicate" with the winner's entry (SQLite and
PostgreSQL; run it with /work/tr/pt-pg for real concurrency)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from rapport.documents import services
from rapport.documents.models import DocumentEvent
from rapport.documents.tests.conftest import event
from rapport.interactions.models import InteractionLogEntry


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_records_of_one_event_write_one_entry(bob, templates, customer) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[tuple[str, int | None]] = []
    lock = threading.Lock()

    def work() -> None:
        result: tuple[str, int | None]
        try:
            barrier.wait()
            outcome = services.record_document_event(actor=bob, data=event())
            result = (outcome.status, outcome.entry_no)
        except BaseException as exc:  # reported below
            result = (f"{type(exc).__name__}: {exc}", None)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(status for status, _entry in outcomes)
    assert statuses == ["duplicate", "recorded"], outcomes
    assert outcomes[0][1] == outcomes[1][1], "both name the one entry"
    assert InteractionLogEntry.objects.count() == 1
    assert DocumentEvent.objects.count() == 1
