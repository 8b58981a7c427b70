"""Two requests logging one segment at once give exactly one logged segment (row lock plus the
unique segment no. of logged segments), on SQLite and PostgreSQL. Sixteen threads cancelling
and restoring one logged segment and its entries leave them consistent (issue 14 point 4)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from rapport.interactions import services as interactions
from rapport.interactions.models import InteractionLogEntry
from rapport.interactions.queries import template_statistics
from rapport.interactions.services import log as log_services
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


# --- issue 14 point 4: concurrent cancel/restore stays consistent ----------------------------


def _logged(alice: Any, segment: Any) -> LoggedSegment:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    services.log_segment(actor=alice, segment=segment)
    return LoggedSegment.objects.get()


def _assert_consistent(logged: LoggedSegment, template: Any) -> None:
    """A canceled logged segment has every entry canceled; its counts and the statistics are
    what a recount of the entries gives."""
    logged.refresh_from_db()
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk)
    if logged.canceled:
        assert not entries.filter(canceled=False).exists(), (
            "an entry restored under a canceled logged segment"
        )
    counted: Any = services.logged_segment_counts(LoggedSegment.objects.filter(pk=logged.pk)).get()
    assert counted.no_of_interactions == entries.filter(canceled=logged.canceled).count()
    live = [e for e in InteractionLogEntry.objects.filter(template=template) if not e.canceled]
    stats = template_statistics(template)
    assert stats.count == len(live)
    assert stats.cost == sum((e.cost for e in live), Decimal(0))
    assert stats.duration == sum((e.duration for e in live), Decimal(0))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_threads_cancelling_and_restoring_one_logged_segment_and_its_entries_agree(
    alice, segment, world, letter
) -> None:
    logged = _logged(alice, segment)
    entry_ids = list(
        InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk).values_list(
            "pk", flat=True
        )
    )
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            barrier.wait()
            for round_ in range(4):
                whole = LoggedSegment.objects.filter(pk=logged.pk)
                some = InteractionLogEntry.objects.filter(pk__in=entry_ids[n % 2 :: 2])
                try:
                    match (n + round_) % 4:
                        case 0:
                            services.cancel_logged_segments(actor=alice, logged=whole)
                        case 1:
                            services.restore_logged_segments(actor=alice, logged=whole)
                        case 2:
                            interactions.cancel_entries(actor=alice, entries=some)
                        case _:
                            interactions.restore_entries(actor=alice, entries=some)
                except ValidationError as exc:  # BC's refusal: the parent is canceled
                    with lock:
                        refusals.append(exc.error_dict["canceled"][0].code)
        except BaseException as exc:  # anything else fails the test
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert set(refusals) <= {"parent_canceled"}
    _assert_consistent(logged, letter)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restoring_entries_while_their_logged_segment_is_canceled_never_restores_them(
    alice, segment, world, letter, monkeypatch
) -> None:
    """The restore checks the logged segment only after it locked the entries: a cancel of the
    logged segment that commits meanwhile is either seen (a refusal) or waits for the restore
    and cancels the entries after it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers with BEGIN IMMEDIATE; the race needs PostgreSQL")
    logged = _logged(alice, segment)
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk)
    interactions.cancel_entries(actor=alice, entries=entries)
    checked, release = threading.Event(), threading.Event()
    real_checks = list(log_services.restore_checks)

    def slow_check(qs: Any) -> None:
        for check in real_checks:
            check(qs)
        checked.set()  # the logged segment was found not canceled
        release.wait(timeout=30)

    monkeypatch.setattr(log_services, "restore_checks", [slow_check])
    outcomes: dict[str, Any] = {}

    def run(name: str, call: Any) -> None:
        try:
            outcomes[name] = call()
        except BaseException as exc:  # asserted below
            outcomes[name] = exc
        finally:
            connections.close_all()

    restoring = threading.Thread(
        target=run,
        args=("restore", lambda: interactions.restore_entries(actor=alice, entries=entries)),
    )
    restoring.start()
    assert checked.wait(timeout=30)
    whole = LoggedSegment.objects.filter(pk=logged.pk)
    canceling = threading.Thread(
        target=run,
        args=("cancel", lambda: services.cancel_logged_segments(actor=alice, logged=whole)),
    )
    canceling.start()
    deadline = time.monotonic() + 30
    while "cancel" not in outcomes and not _someone_waits_on_a_lock():
        assert time.monotonic() < deadline, "the cancel neither finished nor waited"
        time.sleep(0.05)
    release.set()
    restoring.join()
    canceling.join()
    assert outcomes["cancel"] == 1, outcomes
    _assert_consistent(logged, letter)
    assert not entries.filter(canceled=False).exists()


def _someone_waits_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(cursor.fetchone()[0])
