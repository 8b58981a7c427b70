from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from rapport.core.events import EVENT_TYPES


class SubscriberForm(forms.Form):
    url = forms.CharField(label=_l("URL"), max_length=500)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    event_types = forms.MultipleChoiceField(
        label=_l("Event types"),
        choices=[(t, t) for t in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_l("None chosen: every event."),
    )
    active = forms.BooleanField(label=_l("Active"), required=False, initial=True)


class NewSubscriberForm(SubscriberForm):
    secret = forms.CharField(
        label=_l("Secret"),
        max_length=100,
        required=False,
        help_text=_l("Blank: Rapport generates one. It is shown once, after saving."),
    )
