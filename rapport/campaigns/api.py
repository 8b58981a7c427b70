from typing import Any

from ninja import Router

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import CampaignStatus
from rapport.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    CampaignStatusIn,
    CampaignStatusOut,
    CampaignStatusPatch,
)
from rapport.campaigns.tables import CAMPAIGN_STATUSES, CAMPAIGNS
from rapport.core.api_helpers import code_table_routes, resolve_code

router = Router(tags=["Campaigns"])


def _prepare(data: dict[str, Any]) -> dict[str, Any]:
    if "salesperson_code" in data:
        data["salesperson"] = resolve_code(
            Salesperson, "salesperson_code", data.pop("salesperson_code")
        )
    if "status_code" in data:
        data["status"] = resolve_code(CampaignStatus, "status_code", data.pop("status_code"))
    return data


code_table_routes(
    router, CAMPAIGNS, CampaignIn, CampaignOut, CampaignPatch, "Campaigns", prepare=_prepare
)
code_table_routes(
    router,
    CAMPAIGN_STATUSES,
    CampaignStatusIn,
    CampaignStatusOut,
    CampaignStatusPatch,
    "Campaigns",
)
