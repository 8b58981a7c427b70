"""Demo interaction groups, templates and a few months of interactions on the demo contacts."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.interactions import services
from rapport.interactions.models import InteractionGroup, InteractionLogEntry, InteractionTemplate

# The demo company is Finnish (EUR, Finnish codes): groups and templates read in Finnish.
GROUPS = [("PUHELU", "Puhelut"), ("KIRJE", "Kirjeet"), ("TAPAAMINEN", "Tapaamiset")]

# code, group, description, cost, duration, flow, initiated by
TEMPLATES = [
    ("SOITTO", "PUHELU", "Lähtevä puhelu", "1.50", 10, "outbound", "us"),
    ("SAAPUVA", "PUHELU", "Saapuva puhelu", "0", 10, "inbound", "them"),
    ("ESITE", "KIRJE", "Esite lähetetty", "4.20", 5, "outbound", "us"),
    ("TAPAAMINEN", "TAPAAMINEN", "Asiakastapaaminen", "25", 60, "outbound", "us"),
]


@transaction.atomic
def load_demo(*, actor: Any) -> dict[str, int]:
    created = {"interaction_templates": 0, "interaction_log_entries": 0}
    for code, description in GROUPS:
        if not InteractionGroup.objects.filter(code=code).exists():
            services.create_interaction_group(actor=actor, code=code, description=description)
    for code, group, description, cost, duration, flow, initiated in TEMPLATES:
        if not InteractionTemplate.objects.filter(code=code).exists():
            services.create_interaction_template(
                actor=actor,
                code=code,
                group=InteractionGroup.objects.get(code=group),
                description=description,
                unit_cost=Decimal(cost),
                unit_duration=Decimal(duration),
                information_flow=flow,
                initiated_by=initiated,
                # Calls and meetings send nothing: no correspondence, whatever the contact prefers.
                correspondence_type="",
                ignore_contact_corres_type=True,
            )
            created["interaction_templates"] += 1
    calls = InteractionTemplate.objects.get(code="SOITTO")
    services.update_template_setup(actor=actor, outgoing_calls=calls)
    if InteractionLogEntry.objects.exists():
        return created
    rng = random.Random(2026)
    templates = list(InteractionTemplate.objects.all())
    today = timezone.localdate()
    for contact in Contact.objects.select_related("salesperson", "company").order_by("no"):
        salesperson = contact.salesperson or (
            contact.company.salesperson if contact.company else None
        )
        if salesperson is None:
            continue
        for _ in range(rng.randrange(1, 4)):
            day = today - datetime.timedelta(days=rng.randrange(0, 330))
            services.create_interaction(
                actor=actor,
                data=services.InteractionInput(
                    contact=contact,
                    template=rng.choice(templates),
                    salesperson=salesperson,
                    date=day,
                    time=datetime.time(rng.randrange(8, 17), rng.choice((0, 15, 30, 45))),
                    evaluation=rng.choice(["", "positive", "neutral", "very_positive"]),
                ),
            )
            created["interaction_log_entries"] += 1
    return created
