"""Code-table pages of the accounts app: salespeople."""

from django.utils.translation import gettext_lazy as _

from rapport.accounts import services
from rapport.accounts.forms import SalespersonForm
from rapport.accounts.models import Salesperson
from rapport.core.crud import CodeTable
from rapport.core.listing import Filter, ListSpec, parse_bool

SALESPEOPLE = CodeTable(
    key="salespeople",
    app="accounts",
    model=Salesperson,
    form_class=SalespersonForm,
    title=_("Salespeople/Purchasers"),
    columns=["code", "name", "job_title", "email", "blocked"],
    create=services.create_salesperson,
    update=lambda actor, obj, data: services.update_salesperson(
        actor=actor, salesperson=obj, **data
    ),
    delete=lambda actor, obj: services.delete_salesperson(actor=actor, salesperson=obj),
    list_spec=ListSpec(
        search_fields=[
            "code__icontains",
            "name__icontains",
            "job_title__icontains",
            "email__icontains",
        ],
        filters={"blocked": Filter("blocked", parse_bool, _("Blocked"))},
        sorts={
            "code": ["code"],
            "name": ["name"],
            "job_title": ["job_title"],
            "email": ["email"],
            "blocked": ["blocked"],
        },
        default_sort="code",
    ),
)
