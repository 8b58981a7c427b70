"""Code-table pages of the core app: number series and languages."""

from django.utils.translation import gettext_lazy as _

from rapport.core import services
from rapport.core.crud import CodeTable
from rapport.core.forms import LanguageForm, NumberSeriesForm
from rapport.core.listing import ListSpec
from rapport.core.models import Language, NumberSeries

NUMBER_SERIES = CodeTable(
    key="number-series",
    app="core",
    model=NumberSeries,
    form_class=NumberSeriesForm,
    title=_("Number Series"),
    columns=[
        "code",
        "description",
        "starting_no",
        "ending_no",
        "last_no_used",
        "increment_by",
        "default_nos",
        "manual_nos",
    ],
    create=services.create_number_series,
    update=lambda actor, obj, data: services.update_number_series(actor=actor, series=obj, **data),
    delete=lambda actor, obj: services.delete_number_series(actor=actor, series=obj),
    list_spec=ListSpec(
        search_fields=["code__icontains", "description__icontains"],
        filters={},
        sorts={"code": ["code"], "description": ["description"]},
        default_sort="code",
    ),
)

LANGUAGES = CodeTable(
    key="languages",
    app="core",
    model=Language,
    form_class=LanguageForm,
    title=_("Languages"),
    columns=["code", "name"],
    create=services.create_language,
    update=lambda actor, obj, data: services.update_language(actor=actor, language=obj, **data),
    delete=lambda actor, obj: services.delete_language(actor=actor, language=obj),
    list_spec=ListSpec(
        search_fields=["code__icontains", "name__icontains"],
        filters={},
        sorts={"code": ["code"], "name": ["name"]},
        default_sort="code",
    ),
)
