"""Reads of users and API tokens that the pages, the API and the commands share."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import ApiToken, User
from rapport.accounts.roles import ROLE_LABELS
from rapport.core.listing import Filter, ListSpec, parse_bool

# One definition of the user list's search, filters and sort: the page and GET /users share it.
USER_LIST = ListSpec(
    search_fields=[
        "username__icontains",
        "first_name__icontains",
        "last_name__icontains",
        "email__icontains",
    ],
    filters={
        "role": Filter("groups__name", str.strip, _("Role")),
        "active": Filter("is_active", parse_bool, _("Active")),
    },
    sorts={
        "username": ["username"],
        "name": ["last_name", "first_name"],
        "email": ["email"],
        "active": ["is_active"],
    },
    default_sort="username",
)


def users() -> QuerySet[User]:
    """Users with what a list needs (roles, salesperson) fetched up front."""
    return User.objects.select_related("salesperson").prefetch_related("groups")


def role_names(user: User) -> list[str]:
    """The user's roles, in the order of ROLE_LABELS (uses prefetched groups when there)."""
    names = {group.name for group in user.groups.all()}
    return [role for role in ROLE_LABELS if role in names]


def role_labels(user: User) -> list[str]:
    return [str(ROLE_LABELS[role]) for role in role_names(user)]


def tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    """API tokens `user` may see and revoke: their own; every user's for token admins.

    Another user's token is simply not there (a 404), unless `user` may revoke any token.
    """
    qs = ApiToken.objects.select_related("user")
    if user.has_perm("accounts.delete_apitoken"):
        return qs
    return qs.filter(user_id=user.pk)
