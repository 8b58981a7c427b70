"""Demo segments: an open Finnish newsletter segment built by criteria, and a logged Norwegian
one with its campaign entry (idempotent: nothing is added when segments were made before)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.campaigns.services import create_campaign
from rapport.interactions.models import InteractionTemplate
from rapport.segments import services
from rapport.segments.models import LoggedSegment, Segment


@transaction.atomic
def load_demo(*, actor: Any) -> dict[str, int]:
    created = {"segments": 0, "logged_segments": 0}
    template = InteractionTemplate.objects.filter(code="ESITE").first()
    newsletter = InteractionTemplate.objects.filter(code="UUTISKIRJE").first() or template
    salesperson = Salesperson.objects.order_by("code").first()
    if template is None or Segment.objects.exists() or LoggedSegment.objects.exists():
        return created
    campaign = Campaign.objects.order_by("no").first() or create_campaign(
        actor=actor, description="Syysmessut 2026"
    )
    open_segment = services.create_segment(
        actor=actor,
        description="Syksyn uutiskirje",
        template=newsletter,
        salesperson=salesperson,
        campaign=campaign,
    )
    services.add_contacts(
        actor=actor,
        segment=open_segment,
        filters={"contact": {"country_code": "FI", "type": "company"}},
        expand_companies=True,
    )
    created["segments"] += 1
    logged = services.create_segment(
        actor=actor, description="Vårens kundekveld", template=template, salesperson=salesperson
    )
    services.add_contacts(
        actor=actor, segment=logged, filters={"contact": {"country_code": "NO", "type": "person"}}
    )
    services.log_segment(actor=actor, segment=logged)
    created["logged_segments"] += 1
    return created
