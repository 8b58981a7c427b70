"""Two requests logging one segment at once give exactly one logged segment (row lock plus the
unique segment no. of logged segments), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from rapport.interactions.models import InteractionLogEntry
from rapport.segments import services
from rapport.segments.models import LoggedSegment


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_logs_of_one_segment_log_it_once(alice, segment, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    lines = segment.lines.count()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            services.log_segment(actor=alice, segment=segment)
            result = "logged"
        except ValidationError as exc:
            result = exc.messages[0]
        except BaseException as exc:  # reported below
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(
        ["logged", f"Logged Segment for Segment No. {segment.no} already exists."]
    ), outcomes
    assert LoggedSegment.objects.count() == 1
    assert InteractionLogEntry.objects.count() == lines, "no duplicate entry"
