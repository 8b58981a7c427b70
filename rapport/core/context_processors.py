"""Template context: the navigation areas and the languages for the switcher."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission needed to see it). Areas whose app is not built yet are greyed.
NAV_AREAS: list[tuple[str, Any, str]] = [
    ("contacts:contact_list", _("Contacts"), "contacts.view_contact"),
    ("segments:segment_list", _("Segments"), "segments.view_segment"),
    (
        "interactions:entry_list",
        _("Interaction Log Entries"),
        "interactions.view_interactionlogentry",
    ),
    (
        "interactions:postponed_list",
        _("Postponed Interactions"),
        "interactions.view_interactionlogentry",
    ),
    ("interactions:opportunity_list", _("Opportunities"), "interactions.view_opportunity"),
    ("segments:logged_segment_list", _("Logged Segments"), "segments.view_loggedsegment"),
    (
        "interactions:template_list",
        _("Interaction Templates"),
        "interactions.view_interactiontemplate",
    ),
    ("campaigns:campaign_list", _("Campaigns"), "campaigns.view_campaign"),
    ("documents:event_list", _("Document Events"), "documents.view_documentevent"),
    ("core:job_list", _("Jobs"), "core.view_job"),
    ("mailbox:setup", _("Email Logging"), "mailbox.view_mailboxsetup"),
    ("webhooks:subscriber_list", _("Webhooks"), "webhooks.view_subscriber"),
    ("core:audit_list", _("Audit Trail"), "core.read_audit_trail"),
    ("contacts:setup", _("Setup"), "contacts.view_marketingsetup"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        current = request.path
        for name, label, perm in NAV_AREAS:
            try:
                url = reverse(name)
            except NoReverseMatch:
                # An area still to be built is shown, greyed out, so the layout is final.
                items.append({"url": None, "label": label, "active": False})
                continue
            if user.has_perm(perm):
                items.append({"url": url, "label": label, "active": False})
        # The area whose address is the longest prefix of this page's is the active one
        # (/segments/logged/ is Logged Segments, not Segments).
        matches = [item for item in items if item["url"] and current.startswith(item["url"])]
        if matches:
            max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items, "LANGUAGES_UI": settings.LANGUAGES}
