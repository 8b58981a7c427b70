"""The audit trail of segments: header edits, lines, criteria, go back, logging (one event)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from rapport.core.models import AuditEvent
from rapport.segments import services
from rapport.segments.models import LoggedSegment, Segment, SegmentLine

pytestmark = pytest.mark.django_db

SEGMENT = "segments.segment"


def history(segment: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=SEGMENT, object_key=segment.no).order_by("pk")
    )


def test_a_header_edit_records_who_and_before_after(alice: Any, dave: Any, segment: Any) -> None:
    services.update_segment(actor=dave, segment=segment, description="Winter newsletter")
    created, changed = history(segment)
    assert created.action == "create" and created.actor == alice
    assert changed.action == "change" and changed.actor == dave
    assert changed.changes == {"description": ["Autumn newsletter", "Winter newsletter"]}


def test_criteria_runs_and_go_back_are_in_the_segment_history(
    alice: Any, segment: Any, world: Any
) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    services.reduce_contacts(
        actor=alice, segment=segment, filters={"contact": {"city": "Helsinki"}}
    )
    services.go_back(actor=alice, segment=segment)
    add, reduce, back = history(segment)[1:]
    assert (add.action, add.details["criteria_action"]) == ("run", "add")
    assert add.details["lines_added"] == SegmentLine.objects.filter(segment=segment).count()
    assert add.details["filters"] == {"contact": {"type": "person"}}
    assert reduce.details["criteria_action"] == "reduce"
    assert back.action == "restore"
    assert back.details == {"go_back_to_step": 1, "steps_undone": 1}


def test_lines_added_edited_and_removed_by_hand_are_recorded(
    alice: Any, segment: Any, world: Any
) -> None:
    line = services.add_segment_line(actor=alice, segment=segment, contact=world["matti"])
    services.update_segment_line(actor=alice, line=line, description="Personal invitation")
    services.remove_segment_lines(
        actor=alice, segment=segment, lines=SegmentLine.objects.filter(pk=line.pk)
    )
    added, edited, removed = history(segment)[1:]
    assert added.details == {"line_added": line.line_no, "contact": world["matti"].no}
    assert edited.changes["description"] == ["Autumn newsletter", "Personal invitation"]
    assert edited.details == {"line_no": line.line_no}
    assert removed.details["lines_removed"] == 1


def test_logging_a_segment_writes_one_event_with_counts_and_entry_range(
    alice: Any, segment: Any, world: Any
) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    lines = SegmentLine.objects.filter(segment=segment).count()
    before = AuditEvent.objects.count()
    result = services.log_segment(actor=alice, segment=segment)
    new = list(AuditEvent.objects.order_by("pk")[before:])
    assert [e.action for e in new] == ["log"]  # one event, never one per entry
    (event,) = new
    assert event.object_type == "segments.loggedsegment"
    assert event.object_key == str(result.logged_segment.pk)
    assert event.details["segment"] == segment.no
    assert event.details["interactions"] == lines
    assert event.details["last_entry_no"] - event.details["first_entry_no"] == lines - 1


def test_a_failed_log_records_nothing(alice: Any, segment: Any) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.log_segment(actor=alice, segment=segment)  # empty
    assert AuditEvent.objects.count() == before


def test_cancel_and_restore_of_logged_segments_and_deleting_a_segment(
    alice: Any, segment: Any, world: Any, letter: Any
) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    logged = services.log_segment(actor=alice, segment=segment).logged_segment
    qs = LoggedSegment.objects.filter(pk=logged.pk)
    services.cancel_logged_segments(actor=alice, logged=qs)
    services.restore_logged_segments(actor=alice, logged=qs)
    actions = list(
        AuditEvent.objects.filter(object_type="segments.loggedsegment")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["log", "cancel", "restore"]

    other = services.create_segment(actor=alice, description="Doomed", template=letter)
    services.delete_segment(actor=alice, segment=Segment.objects.get(pk=other.pk))
    deleted = history(other)[-1]
    assert deleted.action == "delete"
    assert deleted.changes["description"] == ["Doomed", None]


def test_the_segment_page_shows_its_history(alice: Any, client_for: Any, segment: Any) -> None:
    services.update_segment(actor=alice, segment=segment, description="Winter newsletter")
    html = client_for(alice).get(f"/segments/{segment.no}/").content.decode()
    assert "History" in html and "Winter newsletter" in html
