"""Forms of the segment pages. They parse input only; rapport.segments.services decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.core.choices import CorrespondenceType
from rapport.core.currency import lcy_caption_lazy
from rapport.core.forms import LocalDateField, LocalDecimalField
from rapport.core.models import Language
from rapport.interactions.models import (
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionTemplate,
)
from rapport.segments.models import CriteriaAction, LoggedSegment, SavedSegmentCriteria


def _code_choice(model: Any, field: str, label: Any, required: bool = False) -> Any:
    return forms.ModelChoiceField(
        queryset=model.objects.all(), to_field_name=field, required=required, label=label
    )


class SegmentForm(forms.Form):
    """The segment header. On a new segment the template fills what is left blank."""

    no = forms.CharField(label=_l("No."), max_length=20, required=False)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    template = _code_choice(InteractionTemplate, "code", _l("Interaction Template Code"))
    salesperson = _code_choice(Salesperson, "code", _l("Salesperson Code"))
    campaign = _code_choice(Campaign, "no", _l("Campaign No."))
    campaign_target = forms.BooleanField(label=_l("Campaign Target"), required=False)
    campaign_response = forms.BooleanField(label=_l("Campaign Response"), required=False)
    date = LocalDateField(label=_l("Date"), required=False)
    language = _code_choice(Language, "code", _l("Language Code (Default)"))
    subject = forms.CharField(label=_l("Subject (Default)"), max_length=100, required=False)
    correspondence_type = forms.ChoiceField(
        label=_l("Correspondence Type (Default)"),
        choices=CorrespondenceType.choices,
        required=False,
    )
    unit_cost = LocalDecimalField(
        label=lcy_caption_lazy("Unit Cost (LCY)"), min_value=0, required=False
    )
    unit_duration = LocalDecimalField(
        label=_l("Unit Duration (Min.)"), min_value=0, decimal_places=0, required=False
    )
    information_flow = forms.ChoiceField(
        label=_l("Information Flow"), choices=InformationFlow.choices, required=False
    )
    initiated_by = forms.ChoiceField(
        label=_l("Initiated By"), choices=InitiatedBy.choices, required=False
    )
    ignore_contact_corres_type = forms.BooleanField(
        label=_l("Ignore Contact Corres. Type"), required=False
    )
    send_word_docs_as_attachment = forms.BooleanField(
        label=_l("Send Word Docs. as Attmt."), required=False
    )
    update_lines = forms.BooleanField(
        label=_l("Update the segment lines with the same template"),
        required=False,
        initial=True,
    )

    def __init__(
        self, *args: Any, editing: bool = False, template_code: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["no"]
            # BC's question when a header field that goes to the lines changes.
            self.fields["update_lines"].label = _(
                "Do you want to update the segment lines where the Interaction Template Code "
                "is %(code)s?"
            ) % {"code": template_code}
        else:
            del self.fields["update_lines"]
            for name in ("unit_cost", "unit_duration", "language", "subject"):
                del self.fields[name]

    def service_kwargs(self, initial: dict[str, Any] | None = None) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("update_lines", None)
        if initial is not None:
            # Only what the user changed (a header change may ask to update lines).
            return {k: v for k, v in data.items() if initial.get(k) != v}
        return {k: v for k, v in data.items() if v not in (None, "") or k == "description"}


class SegmentLineForm(forms.Form):
    contact = forms.CharField(label=_l("Contact No."), max_length=20)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    template = _code_choice(InteractionTemplate, "code", _l("Interaction Template Code"))
    salesperson = _code_choice(Salesperson, "code", _l("Salesperson Code"))
    correspondence_type = forms.ChoiceField(
        label=_l("Correspondence Type"), choices=CorrespondenceType.choices, required=False
    )
    cost = LocalDecimalField(label=lcy_caption_lazy("Cost (LCY)"), min_value=0, required=False)
    duration = LocalDecimalField(
        label=_l("Duration (Min.)"), min_value=0, decimal_places=0, required=False
    )
    evaluation = forms.ChoiceField(
        label=_l("Evaluation"), choices=Evaluation.choices, required=False
    )
    remarks = forms.CharField(
        label=_l("Remarks"),
        max_length=250,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_l("Personal text for this contact's document (merge field remarks)."),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_contact(self) -> Contact:
        from rapport.contacts.queries import contacts_visible_to

        no = self.cleaned_data["contact"].strip().upper()
        contact = contacts_visible_to(self.user).filter(no=no).first()
        if contact is None:
            raise forms.ValidationError(
                _("%(field)s: %(value)s does not exist.") % {"field": _("Contact No."), "value": no}
            )
        return contact


def line_changes(form: SegmentLineForm, initial: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.cleaned_data.items() if initial.get(k) != v}


class CriteriaForm(forms.Form):
    """Add Contacts / Reduce / Refine: filters and options (BC's request page)."""

    action = forms.ChoiceField(choices=CriteriaAction.choices, widget=forms.HiddenInput)
    no = forms.CharField(label=_l("Contact No."), required=False, max_length=250)
    name = forms.CharField(label=_l("Name"), required=False, max_length=250)
    type = forms.ChoiceField(
        label=_l("Type"),
        required=False,
        choices=[("", _l("All")), ("company", _l("Company")), ("person", _l("Person"))],
    )
    company_no = forms.CharField(label=_l("Company No."), required=False, max_length=250)
    salesperson_code = forms.CharField(label=_l("Salesperson Code"), required=False, max_length=250)
    post_code = forms.CharField(label=_l("Post Code"), required=False, max_length=250)
    city = forms.CharField(label=_l("City"), required=False, max_length=250)
    country_code = forms.CharField(label=_l("Country/Region Code"), required=False, max_length=250)
    language_code = forms.CharField(label=_l("Language Code"), required=False, max_length=250)
    business_relation_code = forms.CharField(
        label=_l("Business Relation Code"), required=False, max_length=250
    )
    campaign_no = forms.CharField(label=_l("Campaign No."), required=False, max_length=250)
    template_code = forms.CharField(
        label=_l("Interaction Template Code"), required=False, max_length=250
    )
    date_from = LocalDateField(label=_l("Date from"), required=False)
    date_to = LocalDateField(label=_l("Date to"), required=False)
    no_interaction_since = LocalDateField(label=_l("No interaction since"), required=False)
    allow_existing_contacts = forms.BooleanField(
        label=_l("Allow Existing Contacts"), required=False
    )
    expand_companies = forms.BooleanField(label=_l("Expand Companies"), required=False)
    allow_related_companies = forms.BooleanField(
        label=_l("Allow Related Companies"), required=False
    )
    ignore_exclusion = forms.BooleanField(label=_l("Ignore Exclusion"), required=False)
    entire_companies = forms.BooleanField(label=_l("Entire Companies"), required=False)

    CONTACT_FIELDS = (
        "no",
        "name",
        "type",
        "company_no",
        "salesperson_code",
        "post_code",
        "city",
        "country_code",
        "language_code",
    )
    ADD_OPTIONS = (
        "allow_existing_contacts",
        "expand_companies",
        "allow_related_companies",
        "ignore_exclusion",
    )

    def criteria_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        contact = {k: data[k] for k in self.CONTACT_FIELDS if data.get(k)}
        interaction: dict[str, Any] = {}
        if data.get("template_code"):
            interaction["template_code"] = data["template_code"]
        for name in ("date_from", "date_to"):
            if data.get(name):
                interaction[name] = data[name].isoformat()
        filters: dict[str, Any] = {}
        if contact:
            filters["contact"] = contact
        if interaction:
            filters["interaction"] = interaction
        for name in ("business_relation_code", "campaign_no"):
            if data.get(name):
                filters[name] = data[name]
        if data.get("no_interaction_since"):
            filters["no_interaction_since"] = data["no_interaction_since"].isoformat()
        options: dict[str, Any]
        if data["action"] == CriteriaAction.ADD:
            options = {k: bool(data.get(k)) for k in self.ADD_OPTIONS}
        else:
            options = {"entire_companies": bool(data.get("entire_companies"))}
        return {"action": data["action"], "filters": filters, **options}


class LogSegmentForm(forms.Form):
    """BC 3.6: Send Attachments is enabled and ticked only when a line has a correspondence
    type (otherwise there is nothing to send)."""

    deliver = forms.BooleanField(label=_l("Send Attachments"), required=False)
    follow_up = forms.BooleanField(label=_l("Create Follow-up Segment"), required=False)

    def __init__(self, *args: Any, can_deliver: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"deliver": can_deliver})
        super().__init__(*args, **kwargs)
        if not can_deliver:
            self.fields["deliver"].disabled = True
            self.fields["deliver"].initial = False
            self.fields["deliver"].help_text = _(
                "No line has a correspondence type: there is nothing to send."
            )


class SaveCriteriaForm(forms.Form):
    code = forms.CharField(label=_l("Code"), max_length=10)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)


class ReuseCriteriaForm(forms.Form):
    criteria = forms.ModelChoiceField(
        queryset=SavedSegmentCriteria.objects.all(),
        to_field_name="code",
        label=_l("Saved Segment Criteria"),
    )


class ReuseLoggedSegmentForm(forms.Form):
    logged_segment = forms.ModelChoiceField(
        queryset=LoggedSegment.objects.all(), label=_l("Logged Segment")
    )


class FollowUpForm(forms.Form):
    evaluation = forms.MultipleChoiceField(
        label=_l("Evaluation"),
        choices=[c for c in Evaluation.choices if c[0]],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attempt_failed = forms.NullBooleanField(
        label=_l("Attempt Failed"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _l("All")), ("true", _l("Yes")), ("false", _l("No"))]
        ),
    )
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)


class SegmentLanguageForm(forms.Form):
    """A segment interaction language: the header's (inherited by lines), or one line's own."""

    language = _code_choice(Language, "code", _l("Language Code"), required=True)
    line_no = forms.IntegerField(
        label=_l("Line No."),
        required=False,
        min_value=1,
        help_text=_l("Leave blank for the segment; a line no. gives that line its own."),
    )
    subject = forms.CharField(label=_l("Subject"), max_length=100, required=False)
    file = forms.FileField(label=_l("Attachment"), required=False)
    remove_attachment = forms.BooleanField(label=_l("Remove attachment"), required=False)
