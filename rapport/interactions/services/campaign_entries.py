"""Campaign entries and their log entries (BC 3.8, rules 2): canceling a campaign entry cancels
its log entries; deleting canceled campaign entries deletes their log entries too, with their
comments and unshared attachments (BC leaves those behind)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from rapport.campaigns import services as campaign_services
from rapport.campaigns.models import Campaign, CampaignEntry
from rapport.core.audit import record_set_audit
from rapport.core.validation import require_perm
from rapport.interactions.models import InteractionLogEntry
from rapport.interactions.services.log import _delete_entries

CHANGE = "campaigns.change_campaignentry"


def _set_canceled(actor: Any, entries: QuerySet[CampaignEntry], canceled: bool) -> int:
    require_perm(actor, CHANGE)
    ids = list(entries.select_for_update().values_list("pk", flat=True))
    changed = CampaignEntry.objects.filter(pk__in=ids, canceled=not canceled).update(
        canceled=canceled
    )
    InteractionLogEntry.objects.filter(campaign_entry_id__in=ids).update(canceled=canceled)
    record_set_audit(
        actor=actor,
        action="cancel" if canceled else "restore",
        model=CampaignEntry,
        keys=ids,
        details={"changed": changed},
    )
    return changed


@transaction.atomic
def cancel_campaign_entries(*, actor: Any, entries: QuerySet[CampaignEntry]) -> int:
    return _set_canceled(actor, entries, True)


@transaction.atomic
def restore_campaign_entries(*, actor: Any, entries: QuerySet[CampaignEntry]) -> int:
    return _set_canceled(actor, entries, False)


@transaction.atomic
def delete_canceled_campaign_entries(*, actor: Any, entries: QuerySet[CampaignEntry]) -> int:
    """BC report 5189: only canceled campaign entries; their log entries go with them."""
    require_perm(actor, "campaigns.delete_campaignentry")
    doomed = entries.filter(canceled=True)
    ids = list(doomed.values_list("pk", flat=True))
    log_entries = _delete_entries(
        InteractionLogEntry.objects.filter(campaign_entry__in=doomed.values("pk"))
    )
    count, _detail = CampaignEntry.objects.filter(pk__in=doomed.values("pk")).delete()
    record_set_audit(
        actor=actor,
        action="delete",
        model=CampaignEntry,
        keys=ids,
        details={"interaction_log_entries": log_entries},
    )
    return count


def campaign_targets(campaign: Campaign) -> list[int]:
    """Companies with a (not postponed) campaign-target log entry of the campaign."""
    return list(
        InteractionLogEntry.objects.logged()
        .filter(campaign=campaign, campaign_target=True)
        .exclude(contact_company=None)
        .values_list("contact_company_id", flat=True)
        .distinct()
    )


if campaign_targets not in campaign_services.target_sources:
    campaign_services.target_sources.append(campaign_targets)
