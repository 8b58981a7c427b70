"""Logging documents (BC's SegManagement.LogDocument, 5.3 and 5.5), set-based.

The caller (the documents app) has resolved each document's contact and template; this writes
the entries and their campaign entries in bounded batches. Unlike creating an interaction there
is no salesperson requirement and no attachment check, and an Email correspondence type falls
back to blank when the contact has no e-mail address (rules 6): nothing is sent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.campaigns.models import Campaign, CampaignEntry
from rapport.campaigns.services import sync_target_groups
from rapport.contacts.models import Contact
from rapport.core.choices import CorrespondenceType
from rapport.core.validation import require_perm
from rapport.interactions.models import (
    DOCUMENT_SETUP_FIELDS,
    InteractionLogEntry,
    InteractionTemplate,
    setup_caption,
)
from rapport.interactions.services.create import correspondence_type_for

BATCH = 2_000


@dataclass
class DocumentLine:
    """One document to log, already resolved to a contact and a template."""

    contact: Contact
    template: InteractionTemplate
    document_type: str
    document_no: str
    date: datetime.date
    time: datetime.time | None = None
    version_no: int = 0
    description: str = ""
    salesperson_id: int | None = None
    campaign: Campaign | None = None
    attachment_id: int | None = None


def campaign_entry_description(document_type: str) -> str:
    """BC 5.5: the setup field's caption for the type, else "Interactions"."""
    name = DOCUMENT_SETUP_FIELDS.get(document_type)
    if name is None:
        return _("Interactions")
    return str(setup_caption(name))


def _campaign_entries(actor: Any, lines: list[DocumentLine]) -> dict[tuple[int, str], int]:
    """BC 5.5 general rule: one campaign entry per campaign and document type (blank segment),
    reused when it exists, else created with the first document's date and salesperson."""
    wanted: dict[tuple[int, str], DocumentLine] = {}
    for line in lines:
        if line.campaign is not None:
            wanted.setdefault((line.campaign.pk, line.document_type), line)
    if not wanted:
        return {}
    found: dict[tuple[int, str], int] = {}
    campaign_ids = {key[0] for key in wanted}
    existing = (
        CampaignEntry.objects.select_for_update()
        .filter(
            campaign_id__in=campaign_ids,
            document_type__in={key[1] for key in wanted},
            segment_no="",
            register_no=None,
        )
        .order_by("pk")
        .values_list("campaign_id", "document_type", "pk")
    )
    for campaign_id, document_type, pk in existing:
        found.setdefault((campaign_id, document_type), pk)
    for key, line in wanted.items():
        if key in found:
            continue
        found[key] = CampaignEntry.objects.create(
            campaign_id=key[0],
            description=campaign_entry_description(key[1]),
            date=line.date,
            user=actor if getattr(actor, "pk", None) else None,
            salesperson_id=line.salesperson_id,
            document_type=key[1],
        ).pk
    return found


@transaction.atomic
def log_documents(*, actor: Any, lines: list[DocumentLine]) -> list[InteractionLogEntry]:
    """Write one interaction log entry per line (BC 5.3 step 8), in batches; returns them with
    their Entry Nos., in the order of `lines`."""
    require_perm(actor, "interactions.add_interactionlogentry")
    for line in lines:
        # BC 5.3 steps 6-7: the template's campaign unless the document names one.
        if line.campaign is None and line.template.campaign_id:
            line.campaign = line.template.campaign
    campaign_entries = _campaign_entries(actor, lines)
    user = actor if getattr(actor, "pk", None) else None
    entries: list[InteractionLogEntry] = []
    for line in lines:
        template = line.template
        contact = line.contact
        correspondence = correspondence_type_for(template, contact)
        if correspondence == CorrespondenceType.EMAIL and not contact.email:
            correspondence = CorrespondenceType.BLANK
        campaign = line.campaign
        entries.append(
            InteractionLogEntry(
                contact_id=contact.pk,
                contact_company_id=contact.company_id,
                date=line.date,
                time=line.time,
                description=(line.description or template.description)[:100],
                information_flow=template.information_flow,
                initiated_by=template.initiated_by,
                attachment_id=line.attachment_id,
                cost=template.unit_cost or Decimal(0),
                duration=template.unit_duration or Decimal(0),
                user=user,
                group_id=template.group_id,
                template_id=template.pk,
                language_id=template.language_id,
                campaign_id=campaign.pk if campaign is not None else None,
                campaign_target=template.campaign_target,
                campaign_response=template.campaign_response,
                campaign_entry_id=(
                    campaign_entries.get((campaign.pk, line.document_type))
                    if campaign is not None
                    else None
                ),
                salesperson_id=line.salesperson_id,
                correspondence_type=correspondence,
                document_type=line.document_type,
                document_no=line.document_no,
                version_no=line.version_no,
            )
        )
    for start in range(0, len(entries), BATCH):
        InteractionLogEntry.objects.bulk_create(entries[start : start + BATCH])
    if any(
        entry.campaign_target and entry.campaign_id for entry in entries
    ) and Campaign.objects.filter(
        pk__in={e.campaign_id for e in entries if e.campaign_target}, activated=True
    ):
        sync_target_groups()
    return entries


@transaction.atomic
def discard_document_entries(*, actor: Any, entry_ids: list[int]) -> int:
    """Take back entries `log_documents` just wrote in this transaction (a concurrent request
    recorded the same document event first). Campaign entries left with no log entry go too."""
    require_perm(actor, "interactions.add_interactionlogentry")
    from rapport.interactions.services.log import _delete_entries

    entries = InteractionLogEntry.objects.filter(pk__in=entry_ids)
    campaign_entry_ids = set(
        entries.exclude(campaign_entry=None).values_list("campaign_entry_id", flat=True)
    )
    count = _delete_entries(entries)
    CampaignEntry.objects.filter(pk__in=campaign_entry_ids, interaction_entries=None).delete()
    return count
