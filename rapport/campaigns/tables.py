"""Campaign pages (list + card) as a code table keyed by No."""

from django.utils.translation import gettext_lazy as _

from rapport.campaigns import services
from rapport.campaigns.forms import CampaignForm, CampaignStatusForm
from rapport.campaigns.models import Campaign, CampaignStatus
from rapport.core.crud import CodeTable
from rapport.core.listing import Filter, ListSpec, parse_bool

CAMPAIGNS = CodeTable(
    key="campaigns",
    app="campaigns",
    model=Campaign,
    form_class=CampaignForm,
    title=_("Campaigns"),
    columns=[
        "no",
        "description",
        "starting_date",
        "ending_date",
        "salesperson",
        "status",
        "activated",
    ],
    create=services.create_campaign,
    update=lambda actor, obj, data: services.update_campaign(actor=actor, campaign=obj, **data),
    delete=lambda actor, obj: services.delete_campaign(actor=actor, campaign=obj),
    list_spec=ListSpec(
        search_fields=["no__icontains", "description__icontains"],
        filters={"activated": Filter("activated", parse_bool, _("Activated"))},
        sorts={
            "no": ["no"],
            "description": ["description"],
            "starting_date": ["starting_date"],
            "ending_date": ["ending_date"],
        },
        default_sort="no",
    ),
    lookup="no",
)

CAMPAIGN_STATUSES = CodeTable(
    key="campaign-statuses",
    app="campaigns",
    model=CampaignStatus,
    form_class=CampaignStatusForm,
    title=_("Campaign Statuses"),
    columns=["code", "description"],
    create=services.create_campaign_status,
    update=lambda actor, obj, data: services.update_campaign_status(
        actor=actor, status=obj, **data
    ),
    delete=lambda actor, obj: services.delete_campaign_status(actor=actor, status=obj),
    list_spec=ListSpec(
        search_fields=["code__icontains", "description__icontains"],
        filters={},
        sorts={"code": ["code"], "description": ["description"]},
        default_sort="code",
    ),
)
