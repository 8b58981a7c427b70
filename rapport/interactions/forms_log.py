"""Forms of the log pages: create/resume interaction, phone call, comments, purge filters.

They parse input only; the services decide and write (rapport.interactions.services).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.contacts.queries import contacts_visible_to
from rapport.core.choices import CorrespondenceType
from rapport.core.forms import LocalDateField, LocalDecimalField
from rapport.core.models import Language
from rapport.interactions import services
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    Opportunity,
    OpportunityStatus,
)

COMMENT_LENGTH = 80

# Fields a template sets (rules 1); choosing another template resets them to its defaults.
TEMPLATE_FIELDS = (
    "description",
    "cost",
    "duration",
    "information_flow",
    "initiated_by",
    "campaign_target",
    "campaign_response",
    "correspondence_type",
    "language",
)

# What the form shows for the template's fields while no template is chosen.
BLANK_TEMPLATE_VALUES: dict[str, Any] = {
    "description": "",
    "cost": None,
    "duration": None,
    "information_flow": "",
    "initiated_by": "",
    "campaign_target": False,
    "campaign_response": False,
    "correspondence_type": "",
    "language": None,
}

# BC's "Show more" fields of step 1: kept folded unless one of them has an error.
MORE_FIELDS = (
    "salesperson",
    "language",
    "date",
    "time",
    "correspondence_type",
    "information_flow",
    "initiated_by",
)


def amount_field(label: Any, *, decimal_places: int) -> forms.DecimalField:
    """An optional, non-negative amount typed in the user's locale (fi/nb type 1,50)."""
    return LocalDecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        decimal_places=decimal_places,
        widget=forms.TextInput(attrs={"inputmode": "decimal" if decimal_places else "numeric"}),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


def find_contact(user: Any, text: str) -> Contact | None:
    """BC's contact field: the contact with that No., else the first whose name contains the
    text (case-insensitive), else none (the service then asks for a contact)."""
    text = (text or "").strip()
    if not text:
        return None
    visible = contacts_visible_to(user)
    return (
        visible.filter(no=text.upper()).first()
        or visible.filter(name__icontains=text).order_by("no").first()
    )


def split_comments(text: str) -> list[str]:
    """One comment per line; blank lines are dropped; each line at most 80 characters."""
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    for number, line in enumerate(lines, start=1):
        if len(line) > COMMENT_LENGTH:
            raise forms.ValidationError(
                _(
                    "Line %(line)s has %(length)s characters; a comment can have at most "
                    "%(max)s characters per line."
                )
                % {"line": number, "length": len(line), "max": COMMENT_LENGTH},
                code="comment_too_long",
            )
    return lines


def upload_of(file: UploadedFile | None) -> Upload | None:
    """The file as the service wants it; one byte over the limit lets the service refuse it."""
    if not file:
        return None
    return Upload(
        content=file.read(settings.RAPPORT_MAX_UPLOAD_BYTES + 1),
        name=file.name or "",
        content_type=file.content_type or "",
    )


def open_opportunities(contact: Contact | None, salesperson: Salesperson | None) -> QuerySet[Any]:
    """Rules 12: the open opportunities of the contact's company, filtered by salesperson."""
    if contact is None:
        return Opportunity.objects.none()
    company_id = contact.company_id or contact.pk
    qs = Opportunity.objects.filter(
        Q(contact_company_id=company_id) | Q(contact_id=contact.pk),
        status__in=[OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS],
    )
    if salesperson is not None:
        qs = qs.filter(salesperson=salesperson)
    return qs.order_by("no")


def initial_from_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """services.interaction_defaults() -> the form's initial values."""
    initial = {k: v for k, v in values.items() if k not in {"attempt_failed", "attachment"}}
    contact = values.get("contact")
    initial["contact"] = contact.no if contact is not None else ""
    initial["successful"] = not values.get("attempt_failed", False)
    template = values.get("template")
    initial["applied_template"] = template.code if template is not None else ""
    return initial


class InteractionForm(forms.Form):
    """BC's "Create Interaction" wizard on one page (also used to resume a postponed one)."""

    contact = forms.CharField(
        label=_l("Contact No."),
        max_length=100,
        required=False,
        help_text=_l("The contact's No. or a part of its name."),
    )
    template = forms.ModelChoiceField(
        queryset=InteractionTemplate.objects.all(),
        to_field_name="code",
        required=False,
        label=_l("Interaction Template Code"),
    )
    # The template whose defaults the shown values are (see interaction_input()).
    applied_template = forms.CharField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    salesperson = forms.ModelChoiceField(
        queryset=Salesperson.objects.filter(blocked=False),
        to_field_name="code",
        required=False,
        label=_l("Salesperson Code"),
    )
    language = forms.ModelChoiceField(
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
        label=_l("Language Code"),
    )
    date = LocalDateField(label=_l("Date of Interaction"), required=False)
    time = forms.TimeField(label=_l("Time of Interaction"), required=False, widget=TimeInput)
    correspondence_type = forms.ChoiceField(
        label=_l("Correspondence Type"), choices=CorrespondenceType.choices, required=False
    )
    information_flow = forms.ChoiceField(
        label=_l("Information Flow"), choices=InformationFlow.choices, required=False
    )
    initiated_by = forms.ChoiceField(
        label=_l("Initiated By"), choices=InitiatedBy.choices, required=False
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(),
        to_field_name="no",
        required=False,
        label=_l("Campaign No."),
    )
    campaign_target = forms.BooleanField(
        label=_l("This contact is being targeted as part of campaign"), required=False
    )
    campaign_response = forms.BooleanField(
        label=_l("This interaction is a response to a campaign"), required=False
    )
    opportunity = forms.ModelChoiceField(
        queryset=Opportunity.objects.none(),
        to_field_name="no",
        required=False,
        label=_l("Opportunity No."),
        help_text=_l("Open opportunities of the contact's company."),
    )
    evaluation = forms.ChoiceField(
        label=_l("Evaluation"), choices=Evaluation.choices, required=False
    )
    successful = forms.BooleanField(label=_l("Interaction Successful"), required=False)
    cost = amount_field(_l("Cost (LCY)"), decimal_places=2)
    duration = amount_field(_l("Duration (Min.)"), decimal_places=0)
    comments = forms.CharField(
        label=_l("Comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_l("One comment per line, at most 80 characters each."),
    )
    attachment = forms.FileField(label=_l("Attachment"), required=False)
    subject = forms.CharField(
        label=_l("Subject"),
        max_length=100,
        required=False,
        help_text=_l("The e-mail's subject; empty: the description."),
    )
    remarks = forms.CharField(
        label=_l("Remarks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_l("Free text for this contact's document (the merge field remarks)."),
    )
    deliver = forms.BooleanField(
        label=_l("Send"),
        required=False,
        initial=True,
        help_text=_l("Send the document to the contact when the correspondence type is set."),
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        locked: Any = (),
        refresh_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Fields fixed by the starting point (BC's page filters): shown read-only, and a
        # posted value is ignored (the service refuses a different one anyway).
        self.locked = set(locked)
        for name in self.locked:
            self.fields[name].disabled = True
        if refresh_url:
            # With htmx, choosing a template (or another contact) redraws the form with the
            # template's defaults; without JavaScript the "Apply template defaults" button does.
            for name, mode in (("template", "template"), ("contact", "contact")):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": refresh_url,
                        "hx-trigger": "change",
                        "hx-include": "closest form",
                        "hx-params": "not csrfmiddlewaretoken,attachment",
                        "hx-vals": f'{{"refresh": "{mode}"}}',
                        "hx-target": "#interaction-form",
                        "hx-swap": "outerHTML",
                    }
                )
        self.fields["template"].queryset = InteractionTemplate.objects.order_by("code")  # type: ignore[attr-defined]
        for name, label in (
            ("template", _("(choose a template)")),
            ("salesperson", ""),
            ("language", ""),
            ("campaign", _("(none)")),
            ("opportunity", _("(none)")),
        ):
            self.fields[name].empty_label = label  # type: ignore[attr-defined]
        self.contact_obj = find_contact(user, str(self._raw("contact") or ""))
        salesperson = self._raw("salesperson")
        if isinstance(salesperson, Salesperson):
            sp: Salesperson | None = salesperson
        else:
            sp = Salesperson.objects.filter(code=str(salesperson or "").upper()).first()
        opportunities = open_opportunities(self.contact_obj, sp)
        fixed = self.initial.get("opportunity") if "opportunity" in self.locked else None
        if isinstance(fixed, Opportunity):
            opportunities = Opportunity.objects.filter(pk=fixed.pk)
        self.fields["opportunity"].queryset = opportunities  # type: ignore[attr-defined]

    def _raw(self, name: str) -> Any:
        if self.is_bound and not self.fields[name].disabled:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    @property
    def more_open(self) -> bool:
        """Unfold the "Show more" fields when one of them has an error."""
        return self.is_bound and any(self.errors.get(name) for name in MORE_FIELDS)

    def section(self, *names: str) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def clean_contact(self) -> Contact | None:
        return find_contact(self.user, self.cleaned_data.get("contact") or "")

    def clean_applied_template(self) -> InteractionTemplate | None:
        code = (self.cleaned_data.get("applied_template") or "").strip().upper()
        return InteractionTemplate.objects.filter(code=code).first() if code else None

    def clean_comments(self) -> list[str]:
        return split_comments(self.cleaned_data.get("comments") or "")

    def interaction_input(self, *, keep_comments: bool = False) -> services.InteractionInput:
        """The user's input for services.create_interaction().

        A value the user left as the form showed it (the defaults of the template that was
        applied when the form was drawn) is passed as None, so the chosen template's defaults
        apply (rules 1: choosing a template resets them; what the user entered wins). A
        description, salesperson or date the user cleared is named in `explicit`, so the
        service reports the missing field in BC's words.
        """
        data = self.cleaned_data
        contact: Contact | None = data["contact"]
        salesperson: Salesperson | None = data["salesperson"]
        shown = services.interaction_defaults(
            actor=self.user,
            contact=contact,
            template=data["applied_template"],
            salesperson=salesperson,
            campaign=None,
        )
        for name, blank in BLANK_TEMPLATE_VALUES.items():
            shown.setdefault(name, blank)
        explicit: set[str] = set()

        def changed(name: str) -> Any:
            value = data.get(name)
            return None if value == shown.get(name) else value

        description = data.get("description") or ""
        if not description.strip():
            description_value: str | None = None
            if (shown.get("description") or "").strip():
                explicit.add("description")
                description_value = ""
        else:
            description_value = changed("description")
        if salesperson is None:
            explicit.add("salesperson")
        date: datetime.date | None = data.get("date")
        if date is None:
            explicit.add("date")
        cost, duration = data.get("cost"), data.get("duration")
        campaign = data.get("campaign")
        comments = data.get("comments") or []
        return services.InteractionInput(
            contact=contact,
            template=data.get("template"),
            description=description_value,
            salesperson=salesperson,
            date=date if date is None else changed("date"),
            time=data.get("time"),
            correspondence_type=changed("correspondence_type"),
            information_flow=changed("information_flow"),
            initiated_by=changed("initiated_by"),
            cost=None if cost is None else changed("cost"),
            duration=None if duration is None else changed("duration"),
            language=changed("language"),
            evaluation=data.get("evaluation") or "",
            attempt_failed=not data.get("successful"),
            campaign=None if campaign == shown.get("campaign") else campaign,
            campaign_target=changed("campaign_target"),
            campaign_response=changed("campaign_response"),
            opportunity=data.get("opportunity"),
            comments=comments if (comments or keep_comments) else None,
            upload=upload_of(data.get("attachment")),
            subject=data.get("subject") or "",
            remarks=data.get("remarks") or "",
            explicit=explicit,
        )


def refreshed_initial(
    raw: Mapping[str, Any], *, user: Any, template: InteractionTemplate | None, reset: bool
) -> dict[str, Any]:
    """The form's values after "Apply template defaults" (or a template change with htmx):
    the user's values, with the template's fields reset to the template's defaults (BC resets
    them when a template is chosen). Without `reset` only the contact's name and the
    opportunity list are looked up again."""
    values: dict[str, Any] = {
        name: raw.get(name) for name in InteractionForm.base_fields if name != "attachment"
    }
    values["successful"] = bool(raw.get("successful"))
    values["campaign_target"] = bool(raw.get("campaign_target"))
    values["campaign_response"] = bool(raw.get("campaign_response"))
    values["deliver"] = bool(raw.get("deliver"))
    if not reset:
        return values
    contact = find_contact(user, str(raw.get("contact") or ""))
    salesperson = Salesperson.objects.filter(code=str(raw.get("salesperson") or "").upper()).first()
    defaults = services.interaction_defaults(
        actor=user, contact=contact, template=template, salesperson=salesperson
    )
    for name in TEMPLATE_FIELDS:
        values[name] = defaults.get(name, BLANK_TEMPLATE_VALUES[name])
    if template is not None and template.campaign_id and not raw.get("campaign"):
        values["campaign"] = defaults.get("campaign")
    values["template"] = template.code if template is not None else ""
    values["applied_template"] = values["template"]
    return values


def initial_from_entry(entry: InteractionLogEntry) -> dict[str, Any]:
    """A postponed entry as the form's values; BC resets date, time and successful on resume."""
    moment = services.now_rounded_up()
    data = services.resume_input(entry)
    initial = {name: getattr(data, name) for name in services.RESUMED_FIELDS}
    initial.update(
        contact=entry.contact.no if entry.contact else "",
        applied_template=entry.template.code if entry.template else "",
        date=moment.date(),
        time=moment.time(),
        successful=True,
        # The subject defaults to the description; shown only when it was typed.
        subject=entry.subject if entry.subject != entry.description else "",
        deliver=True,
        comments="\n".join(
            line.comment if isinstance(line, services.CommentLine) else line
            for line in data.comments or []
        ),
    )
    initial.pop("contact_via", None)
    return initial


class PhoneCallForm(forms.Form):
    """BC's phone call: the number, what was said, how it went, what it was about."""

    phone_no = forms.CharField(label=_l("Phone No."), max_length=80, required=False)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    duration = amount_field(_l("Duration (Min.)"), decimal_places=0)
    successful = forms.BooleanField(label=_l("Call Successful"), required=False, initial=True)
    evaluation = forms.ChoiceField(
        label=_l("Evaluation"), choices=Evaluation.choices, required=False
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("no"),
        to_field_name="no",
        required=False,
        label=_l("Campaign No."),
    )
    opportunity = forms.ModelChoiceField(
        queryset=Opportunity.objects.none(),
        to_field_name="no",
        required=False,
        label=_l("Opportunity No."),
        help_text=_l("Open opportunities of the contact's company."),
    )
    comments = forms.CharField(
        label=_l("Comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_l("One comment per line, at most 80 characters each."),
    )
    comment_date = LocalDateField(label=_l("Comment date"), required=False)

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].empty_label = _("(none)")  # type: ignore[attr-defined]
        self.fields["opportunity"].empty_label = _("(none)")  # type: ignore[attr-defined]
        self.fields["opportunity"].queryset = open_opportunities(contact, None)  # type: ignore[attr-defined]

    def clean_comments(self) -> list[str]:
        return split_comments(self.cleaned_data.get("comments") or "")

    def comment_lines(self) -> list[str | services.CommentLine] | None:
        """The typed comments, each dated with the comment date (blank: no date)."""
        data = self.cleaned_data
        lines = data.get("comments") or []
        if not lines:
            return None
        return [services.CommentLine(comment=text, date=data.get("comment_date")) for text in lines]


class CommentForm(forms.Form):
    date = LocalDateField(label=_l("Date"), required=False)
    comment = forms.CharField(label=_l("Comment"), max_length=COMMENT_LENGTH, required=False)
    code = forms.CharField(label=_l("Code"), max_length=10, required=False)


class PurgeForm(forms.Form):
    """Filters of "Delete Canceled Interaction Log Entries" (BC report 5190)."""

    date_from = LocalDateField(label=_l("Date from"), required=False)
    date_to = LocalDateField(label=_l("Date to"), required=False)
    entry_from = forms.IntegerField(label=_l("Entry No. from"), required=False, min_value=1)
    entry_to = forms.IntegerField(label=_l("Entry No. to"), required=False, min_value=1)
    contact = forms.CharField(label=_l("Contact No."), max_length=20, required=False)
    template = forms.ModelChoiceField(
        queryset=InteractionTemplate.objects.order_by("code"),
        to_field_name="code",
        required=False,
        label=_l("Interaction Template Code"),
    )
    group = forms.ModelChoiceField(
        queryset=InteractionGroup.objects.order_by("code"),
        to_field_name="code",
        required=False,
        label=_l("Interaction Group Code"),
    )
    salesperson = forms.ModelChoiceField(
        queryset=Salesperson.objects.order_by("code"),
        to_field_name="code",
        required=False,
        label=_l("Salesperson Code"),
    )
    campaign = forms.CharField(label=_l("Campaign No."), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("template", "group", "salesperson"):
            self.fields[name].empty_label = _("(all)")  # type: ignore[attr-defined]

    def clean_contact(self) -> Contact | None:
        no = (self.cleaned_data.get("contact") or "").strip().upper()
        if not no:
            return None
        contact = Contact.objects.filter(no=no).first()
        if contact is None:
            raise forms.ValidationError(
                _("There is no contact with No. %(no)s.") % {"no": no}, code="not_found"
            )
        return contact

    def clean_campaign(self) -> Campaign | None:
        no = (self.cleaned_data.get("campaign") or "").strip().upper()
        if not no:
            return None
        campaign = Campaign.objects.filter(no=no).first()
        if campaign is None:
            raise forms.ValidationError(
                _("There is no campaign with No. %(no)s.") % {"no": no}, code="not_found"
            )
        return campaign

    def purge_filter(self) -> services.PurgeFilter:
        return services.PurgeFilter(**self.cleaned_data)
