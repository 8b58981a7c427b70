"""Campaign entries (cancel, restore, delete canceled with their log entries) and campaign
activation (target groups)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Schema
from pydantic import Field

from rapport.campaigns import services as campaign_services
from rapport.campaigns.models import Campaign, CampaignEntry, CampaignTargetGroup
from rapport.campaigns.schemas import ActivatedOut
from rapport.core.api_helpers import PageOut, paginate, require_api_perm
from rapport.interactions import services
from rapport.interactions.api.common import router
from rapport.interactions.views.campaign_entries import ENTRY_LIST, campaign_entries


class CampaignEntryOut(Schema):
    entry_no: int
    campaign_no: str
    description: str
    date: datetime.date
    segment_no: str
    register_no: int | None
    salesperson_code: str
    user: str
    canceled: bool
    no_of_interactions: int = 0

    @staticmethod
    def resolve_campaign_no(obj: Any) -> str:
        return obj.campaign.no

    @staticmethod
    def resolve_salesperson_code(obj: Any) -> str:
        return obj.salesperson.code if obj.salesperson_id else ""

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return obj.user.username if obj.user_id else ""


class CampaignEntryNosIn(Schema):
    entry_nos: list[int] = Field(min_length=1, max_length=10000)


class ChangedCountOut(Schema):
    changed: int


def _campaign(request: HttpRequest, campaign_no: str) -> Campaign:
    require_api_perm(request, "campaigns.view_campaign")
    campaign = Campaign.objects.filter(no=campaign_no.strip().upper()).first()
    if campaign is None:
        raise Http404
    return campaign


@router.get(
    "/campaigns/{campaign_no}/entries",
    response=PageOut[CampaignEntryOut],
    tags=["Campaigns"],
    summary="List a campaign's entries",
)
def campaign_entry_list(request: HttpRequest, campaign_no: str) -> dict[str, Any]:
    campaign = _campaign(request, campaign_no)
    return paginate(request, ENTRY_LIST, campaign_entries(campaign).select_related("campaign"))


def _selected(payload: CampaignEntryNosIn) -> Any:
    return CampaignEntry.objects.filter(pk__in=payload.entry_nos)


@router.post(
    "/campaign-entries/cancel",
    response=ChangedCountOut,
    tags=["Campaigns"],
    summary="Cancel campaign entries and their interaction log entries",
)
def campaign_entries_cancel(request: HttpRequest, payload: CampaignEntryNosIn) -> Any:
    require_api_perm(request, "campaigns.view_campaign")
    return {
        "changed": services.cancel_campaign_entries(actor=request.user, entries=_selected(payload))
    }


@router.post(
    "/campaign-entries/restore",
    response=ChangedCountOut,
    tags=["Campaigns"],
    summary="Restore campaign entries and their interaction log entries",
)
def campaign_entries_restore(request: HttpRequest, payload: CampaignEntryNosIn) -> Any:
    require_api_perm(request, "campaigns.view_campaign")
    return {
        "changed": services.restore_campaign_entries(actor=request.user, entries=_selected(payload))
    }


@router.post(
    "/campaign-entries/delete-canceled",
    response=ChangedCountOut,
    tags=["Campaigns"],
    summary="Delete canceled campaign entries with their interaction log entries",
)
def campaign_entries_delete(request: HttpRequest, payload: CampaignEntryNosIn) -> Any:
    require_api_perm(request, "campaigns.view_campaign")
    return {
        "changed": services.delete_canceled_campaign_entries(
            actor=request.user, entries=_selected(payload)
        )
    }


def _activation(campaign: Campaign) -> dict[str, Any]:
    campaign.refresh_from_db()
    return {
        "activated": campaign.activated,
        "target_groups": list(
            CampaignTargetGroup.objects.filter(campaign=campaign).values("type", "no")
        ),
    }


@router.post(
    "/campaigns/{campaign_no}/activate",
    response=ActivatedOut,
    tags=["Campaigns"],
    summary="Activate a campaign (fill its target groups)",
)
def campaign_activate(request: HttpRequest, campaign_no: str) -> Any:
    campaign = _campaign(request, campaign_no)
    campaign_services.activate_campaign(actor=request.user, campaign=campaign)
    return _activation(campaign)


@router.post(
    "/campaigns/{campaign_no}/deactivate",
    response=ActivatedOut,
    tags=["Campaigns"],
    summary="Deactivate a campaign (empty its target groups)",
)
def campaign_deactivate(request: HttpRequest, campaign_no: str) -> Any:
    campaign = _campaign(request, campaign_no)
    campaign_services.deactivate_campaign(actor=request.user, campaign=campaign)
    return _activation(campaign)
