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


# An e-mail merge newsletter in three languages and a Word letter: the contact's language picks
# the layout (the default is Finnish), merge fields fill in the contact and the salesperson.
SIGNATURE = "{{ salesperson.name }}<br>{{ salesperson.job_title }}"
NEWSLETTER = {
    "FI": (
        "Uutiskirje: {{ contact.company_name or contact.name }}",
        "<p>{{ contact.salutation }},</p><p>Talven uutuudet ovat täällä.</p>"
        "<p>{{ remarks }}</p><p>Ystävällisin terveisin<br>" + SIGNATURE + "</p>",
    ),
    "NB": (
        "Nyhetsbrev: {{ contact.company_name or contact.name }}",
        "<p>{{ contact.salutation }},</p><p>Vinterens nyheter er her.</p>"
        "<p>{{ remarks }}</p><p>Med vennlig hilsen<br>" + SIGNATURE + "</p>",
    ),
    "EN": (
        "Newsletter: {{ contact.company_name or contact.name }}",
        "<p>{{ contact.salutation }},</p><p>Our winter news is here.</p>"
        "<p>{{ remarks }}</p><p>Kind regards<br>" + SIGNATURE + "</p>",
    ),
}
LETTER = (
    "{{ contact.company_name }}",
    "{{ contact.name }}",
    "{{ contact.address }}",
    "{{ contact.post_code }} {{ contact.city }}",
    "",
    "{{ interaction.date }}",
    "",
    "{{ contact.salutation }},",
    "Kiitos tapaamisesta. Lähetämme tarjouksen pyynnöstänne mukaisesti.",
    "{{ remarks }}",
    "Ystävällisin terveisin",
    "{{ salesperson.name }}, {{ salesperson.job_title }}",
)


def _letter_docx() -> bytes:
    import io

    import docx

    document = docx.Document()
    for text in LETTER:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _merge_templates(actor: Any) -> int:
    from rapport.core.models import Language
    from rapport.interactions.attachments import Upload

    made = 0
    letters = InteractionGroup.objects.get(code="KIRJE")
    fi = Language.objects.filter(code="FI").first()
    if not InteractionTemplate.objects.filter(code="UUTISKIRJE").exists():
        template = services.create_interaction_template(
            actor=actor,
            code="UUTISKIRJE",
            group=letters,
            description="Uutiskirje",
            unit_cost=Decimal("0.10"),
            unit_duration=Decimal(1),
            information_flow="outbound",
            initiated_by="us",
            correspondence_type="email",
            ignore_contact_corres_type=True,
            language=fi,
        )
        for code, (subject, body) in NEWSLETTER.items():
            language = Language.objects.filter(code=code).first()
            if language is not None:
                services.save_email_layout(
                    actor=actor, template=template, language=language, subject=subject, body=body
                )
        made += 1
    if not InteractionTemplate.objects.filter(code="TARJOUS").exists():
        template = services.create_interaction_template(
            actor=actor,
            code="TARJOUS",
            group=letters,
            description="Tarjouskirje",
            unit_cost=Decimal("1.20"),
            unit_duration=Decimal(15),
            information_flow="outbound",
            initiated_by="us",
            correspondence_type="hard_copy",
            ignore_contact_corres_type=True,
            language=fi,
        )
        services.save_template_language(
            actor=actor,
            template=template,
            language=fi,
            upload=Upload(_letter_docx(), "tarjous.docx", "application/octet-stream"),
        )
        made += 1
    return made


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
    created["interaction_templates"] += _merge_templates(actor)
    calls = InteractionTemplate.objects.get(code="SOITTO")
    services.update_template_setup(actor=actor, outgoing_calls=calls)
    if InteractionLogEntry.objects.exists():
        return created
    rng = random.Random(2026)
    templates = list(InteractionTemplate.objects.filter(code__in=[t[0] for t in TEMPLATES]))
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
