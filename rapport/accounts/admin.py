"""Django admin: a read-only window on accounts data.

Every change goes through rapport.accounts.services, so the admin does not write: users and
salespeople are changed on Rapport's own pages, tokens are revoked with the action below.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from rapport.accounts import services
from rapport.accounts.models import ApiToken, Salesperson, User


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Salesperson)
class SalespersonAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "job_title", "email", "blocked", "privacy_blocked"]
    search_fields = ["code", "name", "email"]
    list_filter = ["blocked", "privacy_blocked"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, DjangoUserAdmin):  # type: ignore[misc]
    list_display = ["username", "first_name", "last_name", "email", "salesperson", "is_active"]
    list_select_related = ["salesperson"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_l("Rapport"), {"fields": ("salesperson", "language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    exclude = ["digest"]
    actions = ["revoke"]

    @admin.action(description=_l("Revoke selected API tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_token(actor=request.user, token=token)
            count += 1
        messages.success(
            request,
            ngettext(
                "%(count)d API token was revoked.", "%(count)d API tokens were revoked.", count
            )
            % {"count": count},
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.delete_apitoken")
