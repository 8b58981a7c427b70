"""What the segments app adds to earlier apps: the restore rule for entries of canceled logged
segments and campaign entries (rules 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from rapport.campaigns import services as campaign_services
from rapport.campaigns.models import Campaign, CampaignEntry
from rapport.contacts import views as contact_views
from rapport.contacts.models import Contact
from rapport.core.validation import field_error
from rapport.interactions import services as interaction_services
from rapport.interactions.models import InteractionLogEntry
from rapport.segments.models import (
    LoggedSegment,
    Segment,
    SegmentHistory,
    SegmentInteractionLanguage,
    SegmentLine,
)


def block_restore_of_canceled_parents(entries: QuerySet[InteractionLogEntry]) -> None:
    """One entry cannot be restored while its logged segment or campaign entry is canceled."""
    canceled = entries.filter(canceled=True)
    logged = (
        LoggedSegment.objects.filter(
            canceled=True, pk__in=canceled.values("logged_segment_entry_no")
        )
        .values_list("pk", flat=True)
        .first()
    )
    if logged is not None:
        raise field_error(
            "canceled",
            _("Canceled must be equal to 'No' in Logged Segment: Entry No.=%(no)s.")
            % {"no": logged},
            "parent_canceled",
        )
    campaign_entry = (
        CampaignEntry.objects.filter(canceled=True, pk__in=canceled.values("campaign_entry_id"))
        .values_list("pk", flat=True)
        .first()
    )
    if campaign_entry is not None:
        raise field_error(
            "canceled",
            _("Canceled must be equal to 'No' in Campaign Entry: Entry No.=%(no)s.")
            % {"no": campaign_entry},
            "parent_canceled",
        )


if block_restore_of_canceled_parents not in interaction_services.restore_checks:
    interaction_services.restore_checks.append(block_restore_of_canceled_parents)


def segment_line_targets(campaign: Campaign) -> list[int]:
    """Companies of campaign-target segment lines of the campaign (BC's Activate)."""
    return [
        company or contact
        for company, contact in SegmentLine.objects.filter(
            campaign=campaign, campaign_target=True
        ).values_list("contact_company_id", "contact_id")
    ]


if segment_line_targets not in campaign_services.target_sources:
    campaign_services.target_sources.append(segment_line_targets)


# The history keeps removed lines whole (Go Back restores them), attachments included.
for _reference in (
    (SegmentLine, "attachment"),
    (SegmentInteractionLanguage, "attachment"),
    (SegmentHistory, "attachment"),
):
    if _reference not in interaction_services.extra_attachment_references:
        interaction_services.extra_attachment_references.append(_reference)


def segments_tab(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    """The contact card's "Segments" tab: the open segments it stands in, and the logged
    segments that wrote interactions for it."""
    if not request.user.has_perm("segments.view_segment"):
        return {"tab_template": "interactions/includes/no_access.html"}
    logged_nos = InteractionLogEntry.objects.filter(
        contact=contact, logged_segment_entry_no__isnull=False
    ).values("logged_segment_entry_no")
    return {
        "tab_template": "segments/includes/contact_tab.html",
        "open_segments": list(
            Segment.objects.filter(lines__contact=contact)
            .distinct()
            .select_related("campaign")
            .order_by("no")[:50]
        ),
        "logged_segments": list(
            LoggedSegment.objects.filter(pk__in=logged_nos).order_by("-pk")[:50]
        ),
    }


contact_views.TAB_PROVIDERS["segments"] = segments_tab
