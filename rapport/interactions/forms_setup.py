"""Forms of the setup pages: interaction groups, templates, template languages, statistics
filters and the Interaction Template Setup.

They parse input only; the services decide and write (rapport.interactions.services). Model
validation is left to the services (`_post_clean` does nothing), so errors carry BC's words and
the field they belong to.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.campaigns.models import Campaign
from rapport.core.currency import lcy_caption
from rapport.core.forms import LocalDateField, LocalDecimalField
from rapport.core.models import Language
from rapport.interactions.attachments import Upload
from rapport.interactions.forms_log import upload_of
from rapport.interactions.models import (
    SETUP_GROUPS,
    SETUP_TEMPLATE_FIELDS,
    InteractionGroup,
    InteractionTemplate,
    InteractionTemplateLanguage,
    setup_caption,
)
from rapport.interactions.services import TEMPLATE_FIELDS

# The template card's sections (BC's Interaction Template card: General, Segment/Campaign).
TEMPLATE_SECTIONS = [
    (
        _l("General"),
        [
            "code",
            "group",
            "description",
            "unit_cost",
            "unit_duration",
            "information_flow",
            "initiated_by",
        ],
    ),
    (
        _l("Correspondence"),
        ["correspondence_type", "ignore_contact_corres_type", "language", "wizard_action"],
    ),
    (_l("Campaign"), ["campaign", "campaign_target", "campaign_response"]),
]


class GroupForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = InteractionGroup
        fields = ["code", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False  # the service names the missing field in BC's words
        if self.instance.pk:
            self.fields["code"].disabled = True

    def _post_clean(self) -> None:
        pass

    def service_kwargs(self) -> dict[str, Any]:
        data = {"description": self.cleaned_data.get("description") or ""}
        if not self.instance.pk:
            data["code"] = self.cleaned_data.get("code") or ""
        return data


class TemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = InteractionTemplate
        fields = ["code", *TEMPLATE_FIELDS]
        localized_fields = ("unit_cost", "unit_duration")  # fi/nb users type 1,50
        # ... and a decimal comma works in English too
        field_classes = {"unit_cost": LocalDecimalField, "unit_duration": LocalDecimalField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Both are required (BC's words, the service's message), checked here so that every
        # field error shows at once instead of one per submit.
        for name, caption in (("code", _("Code")), ("group", _("Interaction Group Code"))):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = _(
                "You must fill in the %(field)s field."
            ) % {"field": caption}
        if self.instance.pk:
            self.fields["code"].disabled = True
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.empty_label = _("(choose a group)")
        language = self.fields["language"]
        assert isinstance(language, forms.ModelChoiceField)
        language.queryset = Language.objects.order_by("code")
        language.empty_label = _("(blank)")
        language.help_text = _("A language the template has no row for yet gets one.")
        campaign = self.fields["campaign"]
        assert isinstance(campaign, forms.ModelChoiceField)
        campaign.queryset = Campaign.objects.order_by("no")
        campaign.empty_label = _("(none)")
        self.fields["unit_cost"].label = lcy_caption("Unit Cost (LCY)")
        for name in ("unit_cost", "unit_duration"):
            self.fields[name].required = False  # blank is 0, as in BC
            self.fields[name].widget.attrs.update({"inputmode": "decimal"})

    def _post_clean(self) -> None:
        pass

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in TEMPLATE_SECTIONS
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in TEMPLATE_FIELDS}
        for name in ("unit_cost", "unit_duration"):
            if data[name] is None:
                data[name] = Decimal(0)
        for name in ("information_flow", "initiated_by", "correspondence_type", "wizard_action"):
            data[name] = data[name] or ""
        if not self.instance.pk:
            data["code"] = self.cleaned_data.get("code") or ""
        return data


class TemplateLanguageForm(forms.Form):
    """Add or change a template language; a file becomes (or replaces) its attachment."""

    language = forms.ModelChoiceField(
        Language.objects.order_by("code"),
        required=False,
        to_field_name="code",
        label=_l("Language Code"),
        empty_label=_l("(blank)"),
    )
    description = forms.CharField(max_length=100, required=False, label=_l("Description"))
    file = forms.FileField(required=False, label=_l("Attachment"))
    replace = forms.BooleanField(
        required=False,
        label=_l("Replace existing attachment"),
        help_text=_l("Needed when the language already has an attachment."),
    )

    @classmethod
    def for_row(cls, row: InteractionTemplateLanguage | None) -> TemplateLanguageForm:
        """An unbound form filled in from an existing row (its "Upload" action)."""
        if row is None:
            return cls()
        return cls(initial={"language": row.language, "description": row.description})

    def upload(self) -> Upload | None:
        file = self.cleaned_data.get("file")
        return upload_of(file if isinstance(file, UploadedFile) else None)


class EmailLayoutForm(forms.Form):
    """A template language's e-mail merge layout: a subject and an HTML body, both with merge
    fields such as {{ contact.name }}."""

    subject = forms.CharField(max_length=250, required=False, label=_l("Subject"))
    body = forms.CharField(
        required=False,
        label=_l("Body"),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
        help_text=_l("HTML with merge fields, for example <p>Dear {{ contact.name }},</p>."),
    )
    replace = forms.BooleanField(
        required=False,
        label=_l("Replace existing attachment"),
        help_text=_l("Needed when the language has an attachment that is not an e-mail layout."),
    )


def parse_email_layout(html: str) -> dict[str, str]:
    """The subject (<title>) and body of an HTML e-mail layout, to edit it again; empty values
    when the file does not read as one."""
    import html as html_lib
    import re

    title = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
    body = re.search(r"<body[^>]*>(.*)</body>", html, re.S | re.I)
    return {
        "subject": html_lib.unescape(title.group(1).strip()) if title else "",
        "body": body.group(1).strip() if body else "",
    }


class StatisticsFilterForm(forms.Form):
    """BC's Date Filter of the statistics fact box: an optional range, from the query string."""

    date_from = LocalDateField(required=False, label=_l("Date from"))
    date_to = LocalDateField(required=False, label=_l("Date to"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(
                _("Date from must be on or before Date to."), code="invalid_range"
            )
        return data

    def dates(self) -> dict[str, datetime.date | None]:
        """The range for queries.*_statistics (empty when the filter is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            "date_from": self.cleaned_data.get("date_from"),
            "date_to": self.cleaned_data.get("date_to"),
        }


class TemplateSetupForm(forms.Form):
    """Every template field of the setup, in BC's groups, and Rapport's skip flag."""

    skip_unrecorded_documents = forms.BooleanField(
        label=_l("Skip Documents Without Contact or Template"),
        required=False,
        help_text=_l(
            "On: a document event whose contact or template cannot be found is skipped and "
            "listed. Off: it is refused with an error."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        templates = InteractionTemplate.objects.select_related("group").order_by("code")
        for name in SETUP_TEMPLATE_FIELDS:
            self.fields[name] = forms.ModelChoiceField(
                templates,
                required=False,
                to_field_name="code",
                label=setup_caption(name),
                empty_label=_l("(none)"),
                help_text=SETUP_HELP.get(name, ""),
            )

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(caption, [self[name] for name in names]) for caption, names in SETUP_GROUPS]


SETUP_HELP = {
    "outgoing_calls": _l("The interaction template Make Phone Call logs with."),
    "emails": _l("The interaction template e-mail logging uses."),
}


class ExtraDocumentTypeForm(forms.Form):
    code = forms.CharField(label=_l("Code"), max_length=20, required=False)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    template = forms.ModelChoiceField(
        InteractionTemplate.objects.order_by("code"),
        required=False,
        to_field_name="code",
        label=_l("Interaction Template Code"),
        empty_label=_l("(none)"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # A row of a table: the column heading is the visible label.
            field.widget.attrs.setdefault("aria-label", str(field.label))


ExtraDocumentTypeFormSet = forms.formset_factory(ExtraDocumentTypeForm, extra=2, can_delete=True)
