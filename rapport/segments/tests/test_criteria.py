"""Criteria: Add Contacts, Reduce, Refine, Go Back, saved criteria (rules 9, BC 3.4-3.5)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.segments import services
from rapport.segments.models import CriteriaAction, SegmentCriteriaStep, SegmentLine
from rapport.segments.tests.conftest import contacts_of


def test_add_contacts_by_city_skips_excluded_and_privacy_blocked(alice, segment, world) -> None:
    result = services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"city": "Helsinki"}}
    )
    # Kesko and its persons (who inherit its address) and Sami; Hilda is excluded, Pia privacy
    # blocked (and counted).
    assert sorted(contacts_of(segment)) == [
        "Kesko Oyj",
        "Liisa Laine",
        "Matti Virtanen",
        "Sami Solo",
    ]
    assert result.added == 4
    assert result.privacy_blocked == 1
    assert result.step.lines_after == 4


def test_lines_take_header_and_contact_defaults(alice, anna, segment, world) -> None:
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["kari"].no}}
    )
    line = SegmentLine.objects.get(segment=segment)
    assert line.template == segment.template
    assert line.description == "Autumn newsletter", "the header description (BC 3.2.1)"
    assert line.cost == segment.unit_cost
    assert line.duration == segment.unit_duration
    assert line.information_flow == "outbound"
    # Salesperson: the header's when it has one, else the contact's.
    assert line.salesperson == segment.salesperson
    assert line.contact_company == world["equinor"]
    assert line.line_no == 10000


def test_without_header_salesperson_a_line_takes_the_contacts(alice, anna, letter, world) -> None:
    segment = services.create_segment(
        actor=alice, description="No salesperson", template=letter, salesperson=None
    )
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["kesko"].no}}
    )
    assert SegmentLine.objects.get(segment=segment).salesperson == anna


def test_allow_existing_contacts_adds_a_second_line(alice, segment, world) -> None:
    only_kesko = {"contact": {"no": world["kesko"].no}}
    services.add_contacts(actor=alice, segment=segment, filters=only_kesko)
    again = services.add_contacts(actor=alice, segment=segment, filters=only_kesko)
    assert again.added == 0, "a contact already in the segment is not added twice"
    services.add_contacts(
        actor=alice, segment=segment, filters=only_kesko, allow_existing_contacts=True
    )
    assert contacts_of(segment) == ["Kesko Oyj", "Kesko Oyj"]
    assert SegmentCriteriaStep.objects.filter(segment=segment).count() == 3, "every run recorded"


def test_expand_companies_adds_every_person_of_a_matched_company(alice, segment, world) -> None:
    services.add_contacts(
        actor=alice,
        segment=segment,
        filters={"contact": {"no": world["matti"].no}},
        expand_companies=True,
    )
    assert sorted(contacts_of(segment)) == ["Kesko Oyj", "Liisa Laine", "Matti Virtanen"]


def test_related_companies_adds_the_persons_company_only(alice, segment, world) -> None:
    services.add_contacts(
        actor=alice,
        segment=segment,
        filters={"contact": {"no": f"{world['kari'].no}|{world['solo'].no}"}},
        allow_related_companies=True,
    )
    assert sorted(contacts_of(segment)) == ["Equinor ASA", "Kari Nilsen", "Sami Solo"]


def test_ignore_exclusion_adds_excluded_contacts_but_never_privacy_blocked(
    alice, segment, world
) -> None:
    result = services.add_contacts(
        actor=alice,
        segment=segment,
        filters={"contact": {"city": "Helsinki", "type": "person"}},
        ignore_exclusion=True,
    )
    assert sorted(contacts_of(segment)) == [
        "Hilda Hidden",
        "Liisa Laine",
        "Matti Virtanen",
        "Sami Solo",
    ]
    assert result.privacy_blocked == 1


def test_lines_are_ordered_by_company_then_type_then_name(alice, segment, world) -> None:
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"company_no": world["kesko"].no}}
    )
    assert contacts_of(segment) == ["Kesko Oyj", "Liisa Laine", "Matti Virtanen"]
    assert list(segment.lines.values_list("line_no", flat=True)) == [10000, 20000, 30000]


def test_reduce_removes_matching_and_refine_keeps_matching(alice, segment, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    assert len(contacts_of(segment)) == 4  # Matti, Liisa, Kari, Sami
    services.reduce_contacts(actor=alice, segment=segment, filters={"contact": {"name": "sami*"}})
    assert "Sami Solo" not in contacts_of(segment)
    services.refine_contacts(
        actor=alice, segment=segment, filters={"contact": {"company_no": world["kesko"].no}}
    )
    assert sorted(contacts_of(segment)) == ["Liisa Laine", "Matti Virtanen"]


def test_reduce_with_entire_companies_removes_the_whole_company(alice, segment, world) -> None:
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"company_no": world["kesko"].no}}
    )
    services.reduce_contacts(
        actor=alice,
        segment=segment,
        filters={"contact": {"no": world["matti"].no}},
        entire_companies=True,
    )
    assert contacts_of(segment) == []


def test_go_back_restores_a_reduced_line_with_its_edits(alice, bob, segment, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    matti = SegmentLine.objects.get(segment=segment, contact=world["matti"])
    services.update_segment_line(actor=alice, line=matti, description="Personal invitation")
    before = sorted(
        SegmentLine.objects.filter(segment=segment).values_list("line_no", "description")
    )
    services.reduce_contacts(
        actor=alice, segment=segment, filters={"contact": {"company_no": world["kesko"].no}}
    )
    assert "Matti Virtanen" not in contacts_of(segment)
    assert services.go_back(actor=alice, segment=segment) == 1
    after = sorted(
        SegmentLine.objects.filter(segment=segment).values_list("line_no", "description")
    )
    assert after == before, "the lines come back exactly, line numbers and edits included"


def test_go_back_to_a_chosen_step_undoes_every_later_step(alice, segment, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    services.refine_contacts(
        actor=alice, segment=segment, filters={"contact": {"city": "Stavanger"}}
    )
    assert services.go_back(actor=alice, segment=segment, to_step=1) == 2
    assert sorted(contacts_of(segment)) == ["Equinor ASA", "Kesko Oyj"]
    assert list(segment.criteria_steps.values_list("step_no", flat=True)) == [1]
    services.go_back(actor=alice, segment=segment, to_step=0)
    assert contacts_of(segment) == []
    with pytest.raises(ValidationError, match="no criteria actions"):
        services.go_back(actor=alice, segment=segment)


def test_saved_criteria_replay_every_step_and_option(alice, letter, segment, world) -> None:
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    services.refine_contacts(
        actor=alice,
        segment=segment,
        filters={"contact": {"no": world["matti"].no}},
        entire_companies=True,
    )
    expected = sorted(contacts_of(segment))
    saved = services.save_criteria(actor=alice, segment=segment, code="kesko", description="K")
    assert saved.code == "KESKO"
    other = services.create_segment(actor=alice, description="Again", template=letter)
    results = services.reuse_criteria(actor=alice, segment=other, criteria=saved)
    assert len(results) == 2
    assert sorted(contacts_of(other)) == expected == ["Liisa Laine", "Matti Virtanen"]
    assert other.criteria_steps.last().entire_companies is True, "BC loses this on Refine"


def test_saving_criteria_needs_steps_and_a_new_code(alice, letter, segment, world) -> None:
    with pytest.raises(ValidationError, match="No. of Criteria Actions must have a value"):
        services.save_criteria(actor=alice, segment=segment, code="X")
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    services.save_criteria(actor=alice, segment=segment, code="X")
    with pytest.raises(ValidationError):
        services.save_criteria(actor=alice, segment=segment, code="X")


def test_an_unknown_filter_names_the_field(alice, segment) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_contacts(actor=alice, segment=segment, filters={"contact": {"shoe": "42"}})
    assert "contact.shoe" in exc.value.message_dict


def test_filters_on_business_relation_and_interaction_history(
    alice, bob, letter, segment, world
) -> None:
    from rapport.contacts.services import add_contact_business_relation, create_business_relation
    from rapport.interactions import services as interactions
    from rapport.interactions.services import InteractionInput

    cust = create_business_relation(actor=alice, code="CUST", description="Customer")
    add_contact_business_relation(actor=alice, contact=world["kesko"], business_relation=cust)
    services.add_contacts(actor=alice, segment=segment, filters={"business_relation_code": "CUST"})
    # Persons inherit their company's business relations.
    assert sorted(contacts_of(segment)) == ["Kesko Oyj", "Liisa Laine", "Matti Virtanen"]

    interactions.create_interaction(
        actor=bob,
        data=InteractionInput(contact=world["kari"], template=letter, description="Hello"),
    )
    other = services.create_segment(actor=alice, description="History", template=letter)
    services.add_contacts(
        actor=alice,
        segment=other,
        filters={"interaction": {"template_code": "NEWSL", "date_from": "2026-11-01"}},
    )
    assert contacts_of(other) == ["Kari Nilsen"]
    services.add_contacts(
        actor=alice,
        segment=other,
        filters={"contact": {"type": "company"}, "no_interaction_since": "2026-01-01"},
    )
    assert sorted(contacts_of(other)) == ["Equinor ASA", "Kari Nilsen", "Kesko Oyj"]


def test_preview_counts_without_writing(alice, segment, world) -> None:
    criteria = services.Criteria(
        action=CriteriaAction.ADD, filters={"contact": {"city": "Helsinki"}}
    )
    preview = services.preview_criteria(actor=alice, segment=segment, criteria=criteria)
    assert (preview.added, preview.privacy_blocked) == (4, 1)
    assert not SegmentLine.objects.filter(segment=segment).exists()
    assert not SegmentCriteriaStep.objects.filter(segment=segment).exists()


def test_a_viewer_cannot_run_criteria(carol, segment, world) -> None:
    with pytest.raises(PermissionDenied):
        services.add_contacts(actor=carol, segment=segment, filters={})


def test_manual_lines_are_steps_and_go_back_undoes_them(alice, segment, world) -> None:
    line = services.add_segment_line(actor=alice, segment=segment, contact=world["solo"])
    assert line.line_no == 10000 and line.template == segment.template
    services.remove_segment_lines(
        actor=alice, segment=segment, lines=SegmentLine.objects.filter(pk=line.pk)
    )
    assert contacts_of(segment) == []
    services.go_back(actor=alice, segment=segment)
    assert contacts_of(segment) == ["Sami Solo"]
    with pytest.raises(ValidationError, match="Privacy Blocked"):
        services.add_segment_line(actor=alice, segment=segment, contact=world["private"])
