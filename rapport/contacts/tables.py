"""Code-table pages of the contacts app: business relations."""

from django.utils.translation import gettext_lazy as _

from rapport.contacts import services
from rapport.contacts.forms import BusinessRelationForm
from rapport.contacts.models import BusinessRelation
from rapport.core.crud import CodeTable
from rapport.core.listing import ListSpec

BUSINESS_RELATIONS = CodeTable(
    key="business-relations",
    app="contacts",
    model=BusinessRelation,
    form_class=BusinessRelationForm,
    title=_("Business Relations"),
    columns=["code", "description"],
    create=services.create_business_relation,
    update=lambda actor, obj, data: services.update_business_relation(
        actor=actor, relation=obj, **data
    ),
    delete=lambda actor, obj: services.delete_business_relation(actor=actor, relation=obj),
    list_spec=ListSpec(
        search_fields=["code__icontains", "description__icontains"],
        filters={},
        sorts={"code": ["code"], "description": ["description"]},
        default_sort="code",
    ),
)
