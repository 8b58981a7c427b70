"""Logging a segment and the logged segments (rules 2, 6, 7; BC 3.6-3.7)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.campaigns.models import CampaignEntry
from rapport.interactions import services as interactions
from rapport.interactions.models import InteractionLogEntry
from rapport.segments import services
from rapport.segments.models import LoggedSegment, Segment, SegmentLine
from rapport.segments.tests.conftest import contacts_of


@pytest.fixture
def filled(alice, segment, world, campaign):
    services.update_segment(actor=alice, segment=segment, campaign=campaign)
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    return Segment.objects.get(pk=segment.pk)


def test_logging_writes_one_entry_per_line_a_logged_segment_and_one_campaign_entry(
    alice, filled, campaign, settings
) -> None:
    settings.RAPPORT_LOG_BATCH_SIZE = 2  # several batches
    lines = list(SegmentLine.objects.filter(segment=filled).order_by("line_no"))
    result = services.log_segment(actor=alice, segment=filled)
    logged = result.logged_segment
    assert result.interactions == len(lines) == 4
    assert result.campaign_entries == 1
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk).order_by("pk")
    assert [e.contact_id for e in entries] == [line.contact_id for line in lines]
    entry = entries.first()
    assert entry.template.code == "NEWSL" and entry.description == "Autumn newsletter"
    assert entry.segment_no == filled.no and entry.user == alice
    assert entry.campaign == campaign
    campaign_entry = CampaignEntry.objects.get()
    assert campaign_entry.register_no == logged.pk
    assert campaign_entry.description == "Autumn newsletter"
    assert {e.campaign_entry_id for e in entries} == {campaign_entry.pk}
    assert not Segment.objects.filter(pk=filled.pk).exists(), "the segment is removed"
    counted = services.logged_segment_counts(LoggedSegment.objects.all()).get()
    assert (counted.no_of_interactions, counted.no_of_campaign_entries) == (4, 1)  # type: ignore[attr-defined]


def test_logging_needs_a_description_and_lines(alice, letter, world) -> None:
    empty = services.create_segment(actor=alice, template=letter, description="")
    with pytest.raises(ValidationError, match="Description must have a value in Segment Header"):
        services.log_segment(actor=alice, segment=empty)
    services.update_segment(actor=alice, segment=empty, description="Now described")
    with pytest.raises(ValidationError, match=f"Segment {empty.no} is empty."):
        services.log_segment(actor=alice, segment=empty)


def test_a_segment_is_logged_once(alice, filled) -> None:
    services.log_segment(actor=alice, segment=filled)
    with pytest.raises(ValidationError, match=f"Logged Segment for Segment No. {filled.no}"):
        services.log_segment(actor=alice, segment=filled)
    assert LoggedSegment.objects.count() == 1


def test_a_line_without_template_stops_the_whole_log(alice, filled) -> None:
    line = SegmentLine.objects.filter(segment=filled).order_by("line_no").last()
    SegmentLine.objects.filter(pk=line.pk).update(template=None)
    with pytest.raises(ValidationError, match="Interaction Template Code must have a value"):
        services.log_segment(actor=alice, segment=filled)
    assert not InteractionLogEntry.objects.exists(), "all or nothing"
    assert not LoggedSegment.objects.exists()
    assert SegmentLine.objects.filter(segment=filled).count() == 4


def test_email_lines_without_address_fail_with_delivery_and_go_blank_without(
    alice, filled, world
) -> None:
    lines = SegmentLine.objects.filter(segment=filled)
    lines.filter(contact=world["solo"]).update(correspondence_type="email")
    with pytest.raises(ValidationError, match=f"contact no. {world['solo'].no}"):
        services.log_segment(actor=alice, segment=filled, deliver=True)
    lines.filter(contact=world["matti"]).update(correspondence_type="email")
    with pytest.raises(ValidationError, match="Attachment No. must have a value"):
        services.log_segment(actor=alice, segment=filled, deliver=True)
    assert not InteractionLogEntry.objects.exists()
    services.log_segment(actor=alice, segment=filled)
    types = dict(InteractionLogEntry.objects.values_list("contact__name", "correspondence_type"))
    assert types["Sami Solo"] == "" and types["Matti Virtanen"] == "email"


def test_follow_up_segment_holds_the_logged_contacts(alice, filled, campaign) -> None:
    before = sorted(contacts_of(filled))
    result = services.log_segment(actor=alice, segment=filled, follow_up=True)
    follow = result.follow_up
    assert follow.description == f"Follow-up on segment {filled.no}"
    assert follow.campaign == campaign
    assert sorted(contacts_of(follow)) == before
    assert result.logged_segment.follow_up_segment_no == follow.no


def test_canceling_a_logged_segment_cancels_its_entries_and_campaign_entries(
    alice, bob, filled
) -> None:
    logged = services.log_segment(actor=alice, segment=filled).logged_segment
    services.cancel_logged_segments(actor=alice, logged=LoggedSegment.objects.filter(pk=logged.pk))
    assert set(InteractionLogEntry.objects.values_list("canceled", flat=True)) == {True}
    assert CampaignEntry.objects.get().canceled
    entry = InteractionLogEntry.objects.first()
    with pytest.raises(ValidationError, match="Logged Segment"):
        interactions.restore_entries(
            actor=bob, entries=InteractionLogEntry.objects.filter(pk=entry.pk)
        )
    services.restore_logged_segments(actor=alice, logged=LoggedSegment.objects.all())
    assert set(InteractionLogEntry.objects.values_list("canceled", flat=True)) == {False}
    assert not CampaignEntry.objects.get().canceled


def test_deleting_canceled_logged_segments_keeps_the_entries(alice, filled) -> None:
    logged = services.log_segment(actor=alice, segment=filled).logged_segment
    assert (
        services.delete_canceled_logged_segments(actor=alice, logged=LoggedSegment.objects.all())
        == 0
    )
    services.cancel_logged_segments(actor=alice, logged=LoggedSegment.objects.all())
    assert (
        services.delete_canceled_logged_segments(actor=alice, logged=LoggedSegment.objects.all())
        == 1
    )
    assert InteractionLogEntry.objects.count() == 4
    assert not InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk).exists()


def test_follow_up_from_a_logged_segment_by_outcome(alice, bob, filled, world) -> None:
    logged = services.log_segment(actor=alice, segment=filled).logged_segment
    positive = InteractionLogEntry.objects.filter(contact=world["matti"])
    interactions.evaluate_entries(actor=bob, entries=positive, evaluation="positive")
    follow = services.create_follow_up_segment(
        actor=alice, logged_segment=logged, evaluation=["positive"]
    )
    assert contacts_of(follow) == ["Matti Virtanen"]


def test_reuse_logged_segment_adds_one_line_per_entry(alice, letter, filled) -> None:
    logged = services.log_segment(actor=alice, segment=filled).logged_segment
    again = services.create_segment(actor=alice, description="Again", template=letter)
    result = services.reuse_logged_segment(actor=alice, segment=again, logged_segment=logged)
    assert result.added == 4
    services.go_back(actor=alice, segment=again)
    assert contacts_of(again) == []
