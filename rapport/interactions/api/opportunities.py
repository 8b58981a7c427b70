"""Opportunities."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from rapport.core.api_helpers import (
    require_api_perm,
)
from rapport.interactions.api.common import (
    router,
    visible_opportunities,
)
from rapport.interactions.models import (
    Opportunity,
)
from rapport.interactions.schemas import (
    OpportunityOut,
)

# --- opportunities -----------------------------------------------------------------------------


@router.get("/opportunities/{no}", response=OpportunityOut, tags=["Opportunities"])
def opportunity_get(request: HttpRequest, no: str) -> Opportunity:
    require_api_perm(request, "interactions.view_opportunity")
    opportunity = visible_opportunities().filter(no=no.upper()).first()
    if opportunity is None:
        raise Http404
    return opportunity
