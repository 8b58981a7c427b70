from django import forms

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
