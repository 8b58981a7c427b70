"""What the privacy app adds to the contact card: "Export personal data" and "Erase personal
data" in the action bar, for those allowed (admins)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.contacts import views as contact_views
from rapport.contacts.models import Contact
from rapport.core import jobs_views
from rapport.privacy import services, tasks


def privacy_actions(request: HttpRequest, contact: Contact) -> list[tuple[str, Any, str]]:
    actions: list[tuple[str, Any, str]] = []
    if request.user.has_perm(services.EXPORT_PERM):
        actions.append(
            (
                reverse("privacy:personal_data_export", args=[contact.no]),
                _("Export personal data"),
                "get",
            )
        )
    if request.user.has_perm(services.ERASE_PERM) and contact.erased_at is None:
        actions.append(
            (
                reverse("privacy:personal_data_erase", args=[contact.no]),
                _("Erase personal data"),
                "get",
            )
        )
    return actions


if privacy_actions not in contact_views.CARD_ACTIONS:
    contact_views.CARD_ACTIONS.append(privacy_actions)


# The export job on the job pages: its title, the caption of its count, its file kept hidden.
jobs_views.JOB_TITLES[tasks.EXPORT] = _l("Export personal data")
jobs_views.RESULT_CAPTIONS.setdefault("entries", _l("Entries"))
jobs_views.HIDDEN_RESULTS.update({"file", "download_url"})
