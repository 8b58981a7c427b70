"""The segment header and its lines: defaults, propagation header -> lines (rules 8, BC 3.1-3.2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.segments import services
from rapport.segments.models import Segment, SegmentLine


def test_a_new_segment_takes_a_number_and_the_templates_defaults(alice, letter, anna) -> None:
    segment = services.create_segment(actor=alice, template=letter, salesperson=anna)
    assert segment.no == "SM00001"
    assert segment.description == "Newsletter"
    assert (segment.unit_cost, segment.unit_duration) == (Decimal("1.20"), Decimal(5))
    assert segment.group == letter.group
    assert segment.date is not None


def test_a_viewer_cannot_create_segments(carol, letter) -> None:
    with pytest.raises(PermissionDenied):
        services.create_segment(actor=carol, template=letter)


def test_header_changes_go_to_lines_with_the_headers_template(
    alice, segment, meeting, world, ola
) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    own = SegmentLine.objects.get(segment=segment, contact=world["equinor"])
    services.update_segment_line(actor=alice, line=own, template=meeting)
    services.update_segment(actor=alice, segment=segment, salesperson=ola, unit_cost=Decimal(3))
    kesko = SegmentLine.objects.get(segment=segment, contact=world["kesko"])
    own.refresh_from_db()
    assert (kesko.salesperson, kesko.cost) == (ola, Decimal(3))
    assert own.cost == Decimal(50), "a line with its own template is not touched"
    assert own.salesperson != ola


def test_answering_no_changes_the_header_only(alice, segment, world, ola) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    services.update_segment(actor=alice, segment=segment, salesperson=ola, update_lines=False)
    assert Segment.objects.get(pk=segment.pk).salesperson == ola
    assert not SegmentLine.objects.filter(segment=segment, salesperson=ola).exists()


def test_a_typed_line_description_survives_header_and_template_changes(
    alice, segment, meeting, world
) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    typed = SegmentLine.objects.get(segment=segment, contact=world["kesko"])
    services.update_segment_line(actor=alice, line=typed, description="Dear Kesko")
    services.update_segment(actor=alice, segment=segment, description="Winter newsletter")
    other = SegmentLine.objects.get(segment=segment, contact=world["equinor"])
    typed.refresh_from_db()
    assert other.description == "Winter newsletter"
    assert typed.description == "Dear Kesko"
    services.update_segment(actor=alice, segment=segment, template=meeting)
    typed.refresh_from_db()
    other.refresh_from_db()
    assert typed.template == meeting and other.template == meeting, "a template goes to all lines"
    assert typed.description == "Dear Kesko"


def test_a_template_cannot_be_cleared(alice, segment) -> None:
    with pytest.raises(ValidationError, match="Interaction Template Code"):
        services.update_segment(actor=alice, segment=segment, template=None)


def test_changing_a_lines_template_resets_its_defaults(alice, segment, meeting, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    line = SegmentLine.objects.get(segment=segment, contact=world["kesko"])
    line = services.update_segment_line(actor=alice, line=line, template=meeting)
    assert (line.cost, line.duration) == (Decimal(50), Decimal(60))
    assert line.description == "Meeting", "an untyped description follows the template"


def test_changing_a_lines_contact_reinitialises_it_from_the_header(alice, segment, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    line = SegmentLine.objects.get(segment=segment, contact=world["kesko"])
    services.update_segment_line(actor=alice, line=line, cost=Decimal(9))
    moved = services.update_segment_line(actor=alice, line=line, contact=world["solo"])
    assert moved.contact == world["solo"]
    assert moved.cost == segment.unit_cost
    assert moved.line_no == line.line_no, "the line keeps its place"
    services.go_back(actor=alice, segment=segment)
    services.go_back(actor=alice, segment=segment)
    restored = SegmentLine.objects.get(segment=segment, contact=world["kesko"])
    assert restored.cost == Decimal(9), "go back restores the line with its edit"


def test_deleting_a_segment_deletes_its_lines_and_steps(alice, segment, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    services.delete_segment(actor=alice, segment=segment)
    assert not Segment.objects.exists()
    assert not SegmentLine.objects.exists()
