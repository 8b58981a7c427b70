"""Every change to campaigns goes through here."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.campaigns.models import Campaign
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.validation import field_error, require_perm, validate_instance

CAMPAIGN_FIELDS = ("description", "starting_date", "ending_date", "salesperson", "activated")


def _check_dates(campaign: Campaign) -> None:
    if (
        campaign.starting_date
        and campaign.ending_date
        and campaign.ending_date < campaign.starting_date
    ):
        raise field_error(
            "ending_date",
            _("%(field)s must not be before %(other)s.")
            % {"field": _("Ending Date"), "other": _("Starting Date")},
            "dates_out_of_order",
        )


@transaction.atomic
def create_campaign(*, actor: Any, no: str = "", **fields: Any) -> Campaign:
    require_perm(actor, "campaigns.add_campaign")
    campaign = Campaign(**{k: v for k, v in fields.items() if k in CAMPAIGN_FIELDS})
    _check_dates(campaign)
    validate_instance(campaign, exclude=["no", "no_series"])
    campaign.no, campaign.no_series = core_services.assign_no(
        model=Campaign,
        typed_no=no,
        series=marketing_setup().campaign_nos,
        setup_field=_("Campaign Nos."),
    )
    validate_instance(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def update_campaign(*, actor: Any, campaign: Campaign, **fields: Any) -> Campaign:
    require_perm(actor, "campaigns.change_campaign")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    for key, value in fields.items():
        if key in CAMPAIGN_FIELDS:
            setattr(campaign, key, value)
    _check_dates(campaign)
    validate_instance(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def delete_campaign(*, actor: Any, campaign: Campaign) -> None:
    require_perm(actor, "campaigns.delete_campaign")
    campaign.delete()
