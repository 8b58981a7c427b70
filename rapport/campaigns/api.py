from typing import Any

from ninja import Router

from rapport.accounts.models import Salesperson
from rapport.campaigns.schemas import CampaignIn, CampaignOut, CampaignPatch
from rapport.campaigns.tables import CAMPAIGNS
from rapport.core.api_helpers import code_table_routes, resolve_code

router = Router(tags=["Campaigns"])


def _prepare(data: dict[str, Any]) -> dict[str, Any]:
    if "salesperson_code" in data:
        data["salesperson"] = resolve_code(
            Salesperson, "salesperson_code", data.pop("salesperson_code")
        )
    return data


code_table_routes(
    router, CAMPAIGNS, CampaignIn, CampaignOut, CampaignPatch, "Campaigns", prepare=_prepare
)
