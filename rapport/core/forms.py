import datetime
from typing import Any

from django import forms
from django.utils import formats
from django.utils.formats import get_format
from django.utils.translation import pgettext

from rapport.core.models import Language, NumberSeries


class NumberSeriesForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = NumberSeries
        fields = [
            "code",
            "description",
            "starting_no",
            "ending_no",
            "warning_no",
            "increment_by",
            "last_no_used",
            "default_nos",
            "manual_nos",
        ]


class LanguageForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Language
        fields = ["code", "name"]


def date_input_hint() -> str:
    """The date order the UI language types, as a placeholder: "pp.kk.vvvv", "yyyy-mm-dd"."""
    first = get_format("DATE_INPUT_FORMATS")[0]
    parts = {
        "%d": pgettext("date input placeholder", "dd"),
        "%m": pgettext("date input placeholder", "mm"),
        "%Y": pgettext("date input placeholder", "yyyy"),
        "%y": pgettext("date input placeholder", "yy"),
    }
    for code, text in parts.items():
        first = first.replace(code, text)
    return first


def parse_local_date(value: str) -> datetime.date | None:
    """A date typed in any of the UI language's input formats (ISO always works), or None."""
    for fmt in get_format("DATE_INPUT_FORMATS"):
        try:
            return datetime.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


class LocalDateInput(forms.DateInput):
    """A date typed in the UI language's order (23.11.2026 in fi/nb, 2026-11-23 in en).

    A native `type=date` input shows the browser's order instead (mm/dd/yyyy in an en-US
    browser on a Finnish page), so this is a text input with the order as its placeholder."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"inputmode": "numeric", "autocomplete": "off", "size": 10, **(attrs or {})}
        )

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", date_input_hint())
        return context

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime.date):
            return formats.localize_input(value, get_format("DATE_INPUT_FORMATS")[0])
        return super().format_value(value)
