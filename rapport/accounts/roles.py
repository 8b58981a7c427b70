"""Roles are Django groups with a fixed set of permissions, kept in sync after every migrate.

A role lists permissions as "app_label.codename"; "app_label.view_*" means every view
permission of that app, "*" every permission of Rapport's apps. Later apps add their
permissions here, so this file is the one place that says who may do what.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

RAPPORT_APPS = (
    "core",
    "accounts",
    "contacts",
    "interactions",
    "segments",
    "campaigns",
    "mailbox",
    "webhooks",
    "documents",
    "privacy",
)

ADMIN, MARKETING, SALES, VIEWER = "admin", "marketing", "sales", "viewer"

ROLE_LABELS = {
    ADMIN: _("Administrator"),
    MARKETING: _("Marketing"),
    SALES: _("Sales"),
    VIEWER: _("Viewer"),
}

# Everyone reads the business data; users, tokens, the mailbox and webhooks (addresses,
# secrets) are visible to admins only.
# Privacy (exporting and erasing a contact's personal data) is for admins only: an export holds
# every entry and attachment of the contact, and an erasure cannot be undone.
_ADMIN_ONLY = ("accounts", "mailbox", "webhooks", "privacy")
_READ = [f"{app}.view_*" for app in RAPPORT_APPS if app not in _ADMIN_ONLY] + [
    "accounts.view_salesperson"
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Setup, number series, users, purges: everything.
    ADMIN: ["*", "auth.view_group"],
    # Segments, templates, logging.
    MARKETING: [
        *_READ,
        "interactions.add_interactiontemplate",
        "interactions.change_interactiontemplate",
        "interactions.delete_interactiontemplate",
        "interactions.add_interactiongroup",
        "interactions.change_interactiongroup",
        "interactions.delete_interactiongroup",
        "interactions.add_interactionlogentry",
        "interactions.change_interactionlogentry",
        "interactions.cancel_interactionlogentry",
        "interactions.delete_interactionlogentry",
        "interactions.add_opportunity",
        "interactions.change_opportunity",
        "segments.*",
        "campaigns.*",
        "documents.add_documentevent",
    ],
    # Contacts and interactions.
    SALES: [
        *_READ,
        "contacts.add_contact",
        "contacts.change_contact",
        "contacts.delete_contact",
        "contacts.add_contactbusinessrelation",
        "contacts.delete_contactbusinessrelation",
        "contacts.import_contacts",
        "interactions.add_interactionlogentry",
        "interactions.change_interactionlogentry",
        "interactions.cancel_interactionlogentry",
        "interactions.delete_interactionlogentry",
        "interactions.add_opportunity",
        "interactions.change_opportunity",
        "documents.add_documentevent",
    ],
    VIEWER: list(_READ),
}


def resolve(patterns: list[str]) -> list[Any]:
    from django.contrib.auth.models import Permission

    perms = Permission.objects.select_related("content_type")
    chosen: dict[int, Any] = {}
    for perm in perms:
        app = perm.content_type.app_label
        for pattern in patterns:
            if pattern == "*":
                hit = app in RAPPORT_APPS
            else:
                p_app, _sep, p_code = pattern.partition(".")
                hit = p_app == app and (
                    p_code == perm.codename
                    or (p_code.endswith("*") and perm.codename.startswith(p_code[:-1]))
                )
            if hit:
                chosen[perm.pk] = perm
                break
    return list(chosen.values())


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate runs per app; permissions of later apps appear on their turn, so re-sync."""
    if getattr(sender, "label", None) in RAPPORT_APPS:
        from rapport.accounts.services import sync_roles

        sync_roles()
