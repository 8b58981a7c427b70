"""Campaigns with their entries, statuses and target groups (issue 11 point 1, BC 3.8)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from rapport.campaigns import services as campaigns
from rapport.campaigns.models import Campaign, CampaignEntry, CampaignTargetGroup
from rapport.interactions import services as interactions
from rapport.interactions.models import InteractionLogEntry
from rapport.segments import services
from rapport.segments.models import SegmentLine
from rapport.segments.tests.test_api import bearer, post


@pytest.fixture
def logged(alice, segment, world, campaign):
    services.update_segment(actor=alice, segment=segment, campaign=campaign)
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    return services.log_segment(actor=alice, segment=segment).logged_segment


def test_canceling_a_campaign_entry_cancels_its_log_entries(alice, bob, logged) -> None:
    entry = CampaignEntry.objects.get()
    interactions.cancel_campaign_entries(actor=alice, entries=CampaignEntry.objects.all())
    assert set(InteractionLogEntry.objects.values_list("canceled", flat=True)) == {True}
    one = InteractionLogEntry.objects.filter(campaign_entry=entry)
    with pytest.raises(ValidationError, match="Campaign Entry"):
        # Rules 2: not while the campaign entry is canceled (the logged segment is not).
        interactions.restore_entries(actor=bob, entries=one)
    interactions.restore_campaign_entries(actor=alice, entries=CampaignEntry.objects.all())
    assert not InteractionLogEntry.objects.filter(canceled=True).exists()


def test_deleting_canceled_campaign_entries_deletes_their_log_entries(alice, logged) -> None:
    assert (
        interactions.delete_canceled_campaign_entries(
            actor=alice, entries=CampaignEntry.objects.all()
        )
        == 0
    ), "only canceled ones"
    interactions.cancel_campaign_entries(actor=alice, entries=CampaignEntry.objects.all())
    assert (
        interactions.delete_canceled_campaign_entries(
            actor=alice, entries=CampaignEntry.objects.all()
        )
        == 1
    )
    assert not InteractionLogEntry.objects.exists()


def test_activate_fills_target_groups_from_target_lines(alice, segment, world, campaign) -> None:
    with pytest.raises(ValidationError, match="place a check mark in the Campaign Target"):
        campaigns.activate_campaign(actor=alice, campaign=campaign)
    services.update_segment(actor=alice, segment=segment, campaign=campaign, campaign_target=True)
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["matti"].no}}
    )
    assert SegmentLine.objects.get().campaign_target
    assert campaigns.activate_campaign(actor=alice, campaign=campaign) == 1
    group = CampaignTargetGroup.objects.get()
    assert (group.type, group.no) == ("contact", world["kesko"].no), "the person's company"
    assert Campaign.objects.get(pk=campaign.pk).activated
    campaigns.deactivate_campaign(actor=alice, campaign=campaign)
    assert not CampaignTargetGroup.objects.exists()


def test_campaign_statuses_and_a_status_in_use(alice, campaign) -> None:
    status = campaigns.create_campaign_status(actor=alice, code="plan", description="Planned")
    campaigns.update_campaign(actor=alice, campaign=campaign, status=status)
    with pytest.raises(ValidationError, match="campaigns use it"):
        campaigns.delete_campaign_status(actor=alice, status=status)


def test_campaign_entries_over_the_api_and_pages(alice, client_for, logged, campaign) -> None:
    api = Client(headers=bearer(alice))
    listed = api.get(f"/api/v1/campaigns/{campaign.no}/entries").json()
    assert listed["count"] == 1 and listed["items"][0]["no_of_interactions"] == 4
    entry_no = listed["items"][0]["entry_no"]
    assert post(api, "/api/v1/campaign-entries/cancel", {"entry_nos": [entry_no]}).json() == {
        "changed": 1
    }
    assert InteractionLogEntry.objects.filter(canceled=True).count() == 4
    page = client_for(alice).get(f"/interactions/campaigns/{campaign.no}/entries/")
    assert page.status_code == 200 and b"Autumn newsletter" in page.content
    card = client_for(alice).get(f"/campaigns/campaigns/{campaign.no}/")
    assert b"Campaign Entries" in card.content and b"Activate" in card.content


def test_an_interaction_in_a_campaign_is_a_campaign_entry_of_its_own(
    alice, bob, letter, world, campaign
) -> None:
    from rapport.interactions.services import InteractionInput

    later = interactions.create_interaction(
        actor=bob,
        data=InteractionInput(contact=world["kari"], template=letter, campaign=campaign),
        postpone=True,
    )
    assert not CampaignEntry.objects.exists(), "a postponed interaction has none"
    done = interactions.create_interaction(
        actor=bob,
        data=interactions.resume_input(later),
        resume=later,
    )
    entry = CampaignEntry.objects.get()
    assert done.campaign_entry == entry and entry.register_no is None
    assert entry.campaign == campaign and entry.description == done.description


def test_target_groups_follow_the_lines_while_the_campaign_is_activated(
    alice, segment, world, campaign
) -> None:
    services.update_segment(actor=alice, segment=segment, campaign=campaign, campaign_target=True)
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["matti"].no}}
    )
    campaigns.activate_campaign(actor=alice, campaign=campaign)
    services.add_segment_line(actor=alice, segment=segment, contact=world["kari"])
    groups = set(CampaignTargetGroup.objects.values_list("no", flat=True))
    assert groups == {world["kesko"].no, world["equinor"].no}, "a new target line's company joins"
    services.remove_segment_lines(
        actor=alice,
        segment=segment,
        lines=SegmentLine.objects.filter(segment=segment, contact=world["kari"]),
    )
    groups = set(CampaignTargetGroup.objects.values_list("no", flat=True))
    assert groups == {world["kesko"].no}, "a company leaves with its last target line"
    services.log_segment(actor=alice, segment=segment)
    assert set(CampaignTargetGroup.objects.values_list("no", flat=True)) == {world["kesko"].no}, (
        "the logged entries keep the company in"
    )


def test_a_target_interaction_in_an_activated_campaign_joins_its_company(
    alice, bob, letter, segment, world, campaign
) -> None:
    from rapport.interactions.services import InteractionInput

    services.update_segment(actor=alice, segment=segment, campaign=campaign, campaign_target=True)
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["matti"].no}}
    )
    campaigns.activate_campaign(actor=alice, campaign=campaign)
    interactions.create_interaction(
        actor=bob,
        data=InteractionInput(
            contact=world["kari"], template=letter, campaign=campaign, campaign_target=True
        ),
    )
    groups = set(CampaignTargetGroup.objects.values_list("no", flat=True))
    assert groups == {world["kesko"].no, world["equinor"].no}
