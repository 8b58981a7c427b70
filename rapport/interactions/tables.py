"""Code tables and list definitions of the interactions app, shared by the API (and any page
that wants them): interaction groups as a code table, the interaction template list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.crud import CodeTable
from rapport.core.listing import Filter, ListSpec, parse_code
from rapport.interactions import services
from rapport.interactions.models import InteractionGroup


class InteractionGroupForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = InteractionGroup
        fields = ["code", "description"]


INTERACTION_GROUPS = CodeTable(
    key="interaction-groups",
    app="interactions",
    model=InteractionGroup,
    form_class=InteractionGroupForm,
    title=_("Interaction Groups"),
    columns=["code", "description"],
    create=services.create_interaction_group,
    # A PATCH without a description keeps the one the group has.
    update=lambda actor, obj, data: services.update_interaction_group(
        actor=actor, group=obj, **{"description": obj.description, **data}
    ),
    delete=lambda actor, obj: services.delete_interaction_group(actor=actor, group=obj),
    list_spec=ListSpec(
        search_fields=["code__icontains", "description__icontains"],
        filters={},
        sorts={"code": ["code"], "description": ["description"]},
        default_sort="code",
    ),
)

TEMPLATE_LIST = ListSpec(
    search_fields=["code__icontains", "description__icontains"],
    filters={"group": Filter("group__code", parse_code, _("Interaction Group Code"))},
    sorts={
        "code": ["code"],
        "description": ["description"],
        "group": ["group__code", "code"],
    },
    default_sort="code",
)
