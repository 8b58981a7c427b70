"""Campaign entries of a campaign (a ledger list): cancel, restore, delete canceled; and the
campaign card's actions (entries, segments, log entries, Activate, Deactivate)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rapport.campaigns import services as campaign_services
from rapport.campaigns.models import Campaign, CampaignEntry
from rapport.core.htmx import confirm_first, flash_error, render_page
from rapport.core.listing import Filter, ListSpec, parse_bool
from rapport.interactions import services

ENTRY_LIST = ListSpec(
    search_fields=["description__icontains", "segment_no__icontains"],
    filters={"canceled": Filter("canceled", parse_bool, _l("Canceled"))},
    sorts={"entry_no": ["id"], "date": ["date", "id"]},
    default_sort="-entry_no",
)


def _campaign(request: HttpRequest, no: str) -> Campaign:
    if not request.user.has_perm("campaigns.view_campaign"):
        raise PermissionDenied
    return get_object_or_404(Campaign, no=no.upper())


def campaign_entries(campaign: Campaign) -> Any:
    return (
        CampaignEntry.objects.filter(campaign=campaign)
        .select_related("salesperson", "user")
        .annotate(
            no_of_interactions=Count(
                "interaction_entries",
                filter=Q(interaction_entries__canceled=F("canceled")),
            )
        )
    )


def campaign_entry_list(request: HttpRequest, no: str) -> HttpResponse:
    campaign = _campaign(request, no)
    qs = campaign_entries(campaign)
    try:
        page = ENTRY_LIST.page(qs, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        page = ENTRY_LIST.page(qs, {})
    user = request.user
    return render_page(
        request,
        "interactions/campaigns/campaign_entries.html",
        {
            "campaign": campaign,
            "page": page,
            "can_cancel": user.has_perm("campaigns.change_campaignentry"),
            "can_delete": user.has_perm("campaigns.delete_campaignentry"),
        },
        partial="results",
    )


@require_POST
def campaign_entry_action(request: HttpRequest, no: str) -> HttpResponse:
    campaign = _campaign(request, no)
    chosen = [int(v) for v in request.POST.getlist("entries") if v.isdigit()]
    selected = CampaignEntry.objects.filter(campaign=campaign, pk__in=chosen)
    back = redirect("interactions:campaign_entry_list", no=campaign.no)
    if not chosen:
        messages.error(request, _("Select the campaign entries first."))
        return back
    action = request.POST.get("action")
    questions = {
        "cancel": ngettext(
            "Cancel %(count)s campaign entry and its interaction log entries?",
            "Cancel %(count)s campaign entries and their interaction log entries?",
            len(chosen),
        ),
        "restore": ngettext(
            "Restore %(count)s campaign entry and its interaction log entries?",
            "Restore %(count)s campaign entries and their interaction log entries?",
            len(chosen),
        ),
        "delete": ngettext(
            "Delete %(count)s canceled campaign entry with its interaction log entries?",
            "Delete %(count)s canceled campaign entries with their interaction log entries?",
            len(chosen),
        ),
    }
    if action in questions:
        asked = confirm_first(
            request,
            questions[action] % {"count": len(chosen)},
            back=reverse("interactions:campaign_entry_list", args=[campaign.no]),
        )
        if asked is not None:
            return asked
    try:
        if action == "cancel":
            count = services.cancel_campaign_entries(actor=request.user, entries=selected)
            text = ngettext(
                "%(count)s campaign entry was canceled.",
                "%(count)s campaign entries were canceled.",
                count,
            )
        elif action == "restore":
            count = services.restore_campaign_entries(actor=request.user, entries=selected)
            text = ngettext(
                "%(count)s campaign entry was restored.",
                "%(count)s campaign entries were restored.",
                count,
            )
        elif action == "delete":
            count = services.delete_canceled_campaign_entries(actor=request.user, entries=selected)
            text = ngettext(
                "%(count)s Campaign Entry has been deleted.",
                "%(count)s Campaign Entries have been deleted.",
                count,
            )
        else:
            messages.error(request, _("Choose an action."))
            return back
    except ValidationError as exc:
        flash_error(request, exc)
        return back
    messages.success(request, text % {"count": count})
    return back


def campaign_activation(request: HttpRequest, no: str) -> HttpResponse:
    """Activate / Deactivate: a confirmation page (GET), then the service (POST)."""
    campaign = _campaign(request, no)
    if request.method != "POST":
        if not request.user.has_perm("campaigns.change_campaign"):
            raise PermissionDenied
        return render_page(
            request, "interactions/campaigns/activation.html", {"campaign": campaign}
        )
    try:
        if request.POST.get("action") == "deactivate":
            campaign_services.deactivate_campaign(actor=request.user, campaign=campaign)
            messages.success(
                request, _("Campaign %(no)s is now deactivated.") % {"no": campaign.no}
            )
        else:
            campaign_services.activate_campaign(actor=request.user, campaign=campaign)
            messages.success(request, _("Campaign %(no)s is now activated.") % {"no": campaign.no})
    except ValidationError as exc:
        flash_error(request, exc)
    return redirect("campaigns:campaigns_card", code=campaign.no)


def campaign_actions(request: HttpRequest, campaign: Any) -> list[tuple[str, Any]]:
    """Links on a campaign's card."""
    actions: list[tuple[str, Any]] = [
        (reverse("interactions:campaign_entry_list", args=[campaign.no]), _("Campaign Entries")),
    ]
    if request.user.has_perm("interactions.view_interactionlogentry"):
        actions.append(
            (
                f"{reverse('interactions:entry_list')}?campaign={campaign.no}",
                _("Interaction Log Entries"),
            )
        )
    if request.user.has_perm("segments.view_segment"):
        actions.append(
            (f"{reverse('segments:segment_list')}?campaign_no={campaign.no}", _("Segments"))
        )
    if request.user.has_perm("campaigns.change_campaign"):
        actions.append(
            (
                reverse("interactions:campaign_activation", args=[campaign.no]),
                _("Deactivate") if campaign.activated else _("Activate"),
            )
        )
    return actions
