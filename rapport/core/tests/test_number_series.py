from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from rapport.core import numbering
from rapport.core.models import NumberSeries
from rapport.core.services import (
    allocate_numbers,
    check_manual_number,
    create_number_series,
    next_number,
    update_number_series,
    warning_reached,
)


def test_increment_keeps_prefix_suffix_and_zero_padding() -> None:
    assert numbering.increment("CT000009") == "CT000010"
    assert numbering.increment("K-99-X") == "K-100-X"
    assert numbering.increment("A1B009", 5) == "A1B014"
    with pytest.raises(ValueError):
        numbering.increment("ABC")


def test_a_number_past_the_ending_number_or_of_another_shape_exceeds_it() -> None:
    assert numbering.exceeds("CT0011", "CT0010")
    assert not numbering.exceeds("CT0010", "CT0010")
    assert numbering.exceeds("CT00100", "CT0999")


def test_first_number_is_the_starting_number_then_increments(alice) -> None:
    series = create_number_series(actor=alice, code="t", starting_no="T0001", increment_by=10)
    assert series.code == "T"
    assert next_number(series=series) == "T0001"
    assert next_number(series=series) == "T0011"
    series.refresh_from_db()
    assert series.last_no_used == "T0011"
    assert series.last_date_used is not None


def test_an_exhausted_series_refuses_with_bc_message(alice) -> None:
    series = create_number_series(actor=alice, code="S", starting_no="S1", ending_no="S2")
    assert allocate_numbers(series=series, count=2) == ["S1", "S2"]
    with pytest.raises(ValidationError) as exc:
        next_number(series=series)
    assert exc.value.messages == [
        "You cannot assign numbers greater than S2 from the number series S. No. assigned: S3"
    ]
    assert exc.value.error_list[0].code == "series_exhausted"


def test_a_number_cannot_grow_past_twenty_characters(alice) -> None:
    series = create_number_series(actor=alice, code="L", starting_no="X" * 18 + "99")
    next_number(series=series)
    with pytest.raises(ValidationError, match="cannot be extended to more than 20 characters"):
        next_number(series=series)


def test_a_starting_number_without_digits_is_refused_naming_the_field(alice) -> None:
    with pytest.raises(ValidationError) as exc:
        create_number_series(actor=alice, code="N", starting_no="ABC")
    assert "starting_no" in exc.value.error_dict
    assert "Starting No." in exc.value.messages[0]


def test_series_without_default_nos_cannot_number_automatically(alice) -> None:
    series = create_number_series(
        actor=alice, code="M", starting_no="M1", default_nos=False, manual_nos=True
    )
    with pytest.raises(ValidationError, match="activate Default Nos. in No. Series M"):
        next_number(series=series)


def test_turning_off_both_default_and_manual_turns_manual_on(alice) -> None:
    series = create_number_series(actor=alice, code="B", starting_no="B1")
    series = update_number_series(actor=alice, series=series, default_nos=False, manual_nos=False)
    assert series.manual_nos is True


def test_typed_numbers_need_manual_nos(alice) -> None:
    series = create_number_series(actor=alice, code="C", starting_no="C1", manual_nos=False)
    with pytest.raises(ValidationError, match="activate Manual Nos. in No. Series C"):
        check_manual_number(series=series)


def test_warning_number_is_reported_once_reached(alice) -> None:
    series = create_number_series(
        actor=alice, code="W", starting_no="W01", ending_no="W09", warning_no="W02"
    )
    next_number(series=series)
    assert not warning_reached(series)
    next_number(series=series)
    assert warning_reached(series)


def test_a_viewer_cannot_create_number_series(carol) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        create_number_series(actor=carol, code="V", starting_no="V1")


def test_a_rolled_back_allocation_returns_the_number(alice) -> None:
    from django.db import transaction

    series = create_number_series(actor=alice, code="R", starting_no="R1")
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(series=series)
        raise RuntimeError
    assert next_number(series=series) == "R1"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_allocations_never_get_the_same_number(alice) -> None:
    """Many threads, each with its own database connection, draw from one series at once."""
    create_number_series(actor=alice, code="PAR", starting_no="P00001")
    threads_count, per_thread = 8, 10
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads_count)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                number = next_number(series="PAR")
                with lock:
                    results.append(number)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == threads_count * per_thread
    assert len(set(results)) == len(results), "a number was handed out twice"
    last = NumberSeries.objects.get(code="PAR").last_no_used
    assert last == f"P{threads_count * per_thread:05d}"
    assert connection.vendor in {"postgresql", "sqlite"}
