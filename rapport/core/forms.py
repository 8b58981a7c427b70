import datetime
import re
from typing import Any

from django import forms
from django.utils import formats
from django.utils.formats import get_format
from django.utils.translation import gettext as _
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


_GROUPED_WITH_COMMAS = re.compile(r"[-+]?\d{1,3}(,\d{3})+")


def normalize_decimal(text: str) -> str:
    """An amount as typed in any language -> a dot-decimal string ("1 234,50" -> "1234.50").

    Spaces (also no-break ones) group thousands; with both a comma and a dot the last one is the
    decimal separator; a lone comma is a decimal comma in every language, except a number that
    reads as English thousands ("1,500"), which is ambiguous and raises ValidationError."""
    value = re.sub(r"[\s\u00a0\u202f']", "", text)
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            return value.replace(".", "").replace(",", ".")
        return value.replace(",", "")
    if "," in value:
        if get_format("DECIMAL_SEPARATOR") == "." and _GROUPED_WITH_COMMAS.fullmatch(value):
            raise forms.ValidationError(
                _("Use a dot as the decimal separator, for example 1.50."), code="ambiguous"
            )
        return value.replace(",", ".")
    return value


class LocalDecimalField(forms.DecimalField):
    """A decimal shown in the user's locale that accepts a decimal comma in every language."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # A text input: a number input refuses "1,50" in the browser before the form sees it.
        return {k: v for k, v in super().widget_attrs(widget).items() if k != "step"}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            value = normalize_decimal(value)
        return super().to_python(value)


class LocalDateField(forms.DateField):
    """A date typed in the UI language's order; an error names that order and keeps the text."""

    widget = LocalDateInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("Enter the date as %(format)s, for example %(example)s."),
                code="invalid",
                params={
                    "format": date_input_hint(),
                    "example": formats.localize_input(
                        datetime.date(2026, 11, 23), get_format("DATE_INPUT_FORMATS")[0]
                    ),
                },
            ) from None
