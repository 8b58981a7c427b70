"""Every change to campaigns, campaign statuses and target groups goes through here. (Campaign
entries cancel and delete with their interaction log entries: rapport.interactions.services.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTargetGroup,
    TargetGroupType,
)
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.audit import audited, record_audit
from rapport.core.validation import ValidationError, field_error, require_perm, validate_instance

CAMPAIGN_FIELDS = ("description", "starting_date", "ending_date", "salesperson", "status")

# Later apps tell Activate which contacts target the campaign: each source returns the ids of
# company contacts (interactions: entries with Campaign Target; segments: segment lines).
target_sources: list[Callable[[Campaign], Iterable[int]]] = []


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
@audited("create")
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
@audited("change", "campaign")
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
@audited("delete", "campaign")
def delete_campaign(*, actor: Any, campaign: Campaign) -> None:
    require_perm(actor, "campaigns.delete_campaign")
    campaign.delete()


@transaction.atomic
@audited("create")
def create_campaign_status(*, actor: Any, code: str, description: str = "") -> CampaignStatus:
    require_perm(actor, "campaigns.add_campaignstatus")
    status = CampaignStatus(code=(code or "").strip().upper(), description=description)
    if not status.code:
        raise field_error(
            "code", _("You must fill in the %(field)s field.") % {"field": _("Code")}, "required"
        )
    validate_instance(status)
    status.save()
    return status


@transaction.atomic
@audited("change", "status")
def update_campaign_status(*, actor: Any, status: CampaignStatus, **fields: Any) -> CampaignStatus:
    require_perm(actor, "campaigns.change_campaignstatus")
    status = CampaignStatus.objects.select_for_update().get(pk=status.pk)
    if "description" in fields:
        status.description = fields["description"]
    validate_instance(status)
    status.save()
    return status


@transaction.atomic
@audited("delete", "status")
def delete_campaign_status(*, actor: Any, status: CampaignStatus) -> None:
    require_perm(actor, "campaigns.delete_campaignstatus")
    if Campaign.objects.filter(status=status).exists():
        raise field_error(
            "code",
            _("You cannot delete %(code)s because one or more campaigns use it.")
            % {"code": status.code},
            "in_use",
        )
    status.delete()


def _target_companies(campaign: Campaign) -> set[int]:
    companies: set[int] = set()
    for source in target_sources:
        companies.update(source(campaign))
    return companies


def _fill_target_groups(campaign: Campaign, companies: set[int]) -> int:
    """The campaign's target groups: each company as its customer no. when it has a customer
    business relation, else as the contact. Replaces what was there; returns the count."""
    from rapport.contacts.models import Contact, ContactBusinessRelation, LinkToTable

    customers = dict(
        ContactBusinessRelation.objects.filter(
            contact_id__in=companies, link_to_table=LinkToTable.CUSTOMER
        )
        .exclude(no="")
        .values_list("contact_id", "no")
    )
    numbers = dict(Contact.objects.filter(pk__in=companies).values_list("pk", "no"))
    CampaignTargetGroup.objects.filter(campaign=campaign).delete()
    CampaignTargetGroup.objects.bulk_create(
        CampaignTargetGroup(
            campaign=campaign,
            type=TargetGroupType.CUSTOMER if customers.get(pk) else TargetGroupType.CONTACT,
            no=customers.get(pk) or numbers[pk],
        )
        for pk in sorted(companies)
        if pk in numbers
    )
    return CampaignTargetGroup.objects.filter(campaign=campaign).count()


@transaction.atomic
def activate_campaign(*, actor: Any, campaign: Campaign) -> int:
    """BC's Activate: every company with a campaign-target segment line or log entry of the
    campaign joins its target group. Returns the size of the target group."""
    require_perm(actor, "campaigns.change_campaign")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    companies = _target_companies(campaign)
    if not companies:
        raise ValidationError(
            _(
                "To activate the sales prices and/or line discounts, you must apply the relevant "
                "Segment Line(s) to the Campaign and place a check mark in the Campaign Target "
                "field on the Segment Line."
            ),
            code="no_targets",
        )
    count = _fill_target_groups(campaign, companies)
    Campaign.objects.filter(pk=campaign.pk).update(activated=True)
    record_audit(
        actor=actor,
        action="change",
        obj=campaign,
        before={"activated": campaign.activated},
        after={"activated": True},
        details={"target_group": count},
    )
    return count


def sync_target_groups() -> None:
    """While a campaign is activated its target groups follow its target lines and entries
    (BC: a line's contact, campaign or Campaign Target changes, or the line goes). Called by
    the services that change those; a company leaves with its last target line or entry."""
    for campaign in Campaign.objects.filter(activated=True):
        _fill_target_groups(campaign, _target_companies(campaign))


@transaction.atomic
def deactivate_campaign(*, actor: Any, campaign: Campaign) -> None:
    require_perm(actor, "campaigns.change_campaign")
    CampaignTargetGroup.objects.filter(campaign=campaign).delete()
    Campaign.objects.filter(pk=campaign.pk).update(activated=False)
    record_audit(
        actor=actor,
        action="change",
        obj=campaign,
        before={"activated": campaign.activated},
        after={"activated": False},
    )
