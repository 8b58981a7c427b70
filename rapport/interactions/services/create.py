"""Creating interactions: defaults, the checks in BC's order, finish later, phone calls."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign, CampaignEntry
from rapport.campaigns.services import sync_target_groups
from rapport.contacts.models import Contact
from rapport.contacts.queries import marketing_setup
from rapport.core.audit import record_audit, snapshot
from rapport.core.choices import CorrespondenceType
from rapport.core.events import emit
from rapport.core.models import Language
from rapport.core.validation import (
    ValidationError,
    field_error,
    require_perm,
    validate_instance,
)
from rapport.interactions import attachments as files
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    Attachment,
    DeliveryStatus,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplate,
    InteractionTemplateLanguage,
    Opportunity,
    OpportunityStatus,
    WizardAction,
)
from rapport.interactions.services.common import CommentLine, fill_in
from rapport.interactions.services.delivery import (
    Document,
    no_attachment_message,
    preview_document,
    start_delivery,
)
from rapport.interactions.services.setup import delete_unreferenced_attachments
from rapport.interactions.snapshots import render_language, snapshot_values

# --- creating interactions ---------------------------------------------------------------------


def now_rounded_up(now: datetime.datetime | None = None) -> datetime.datetime:
    """Rules 11: now rounded up to the next whole minute (12:33:59 -> 12:34:00)."""
    now = timezone.localtime(now or timezone.now())
    bumped = now + datetime.timedelta(seconds=1)
    if bumped.second == 0 and bumped.microsecond == 0:
        return bumped
    return (bumped + datetime.timedelta(minutes=1)).replace(second=0, microsecond=0)


def language_for(template: InteractionTemplate, contact: Contact | None) -> Language | None:
    """The contact's language if the template has a row for it, else the template default."""
    if (
        contact is not None
        and contact.language_id
        and template.languages.filter(language_id=contact.language_id).exists()
    ):
        return contact.language
    return template.language


def template_attachment(
    template: InteractionTemplate, language: Language | None
) -> Attachment | None:
    row = (
        InteractionTemplateLanguage.objects.select_related("attachment")
        .filter(template=template, language=language)
        .first()
    )
    return row.attachment if row else None


def correspondence_type_for(template: InteractionTemplate, contact: Contact | None) -> str:
    """Rules 11: the template's default when it ignores the contact's type, else the contact's."""
    if template.ignore_contact_corres_type:
        return template.correspondence_type
    return contact.correspondence_type if contact is not None else ""


def default_salesperson(actor: Any, contact: Contact | None) -> Salesperson | None:
    """Rules 11: the acting user's own salesperson before the contact's (never a blocked one)."""
    own = getattr(actor, "salesperson", None)
    if own is not None and not own.blocked:
        return own
    if contact is not None and contact.salesperson is not None and not contact.salesperson.blocked:
        return contact.salesperson
    return None


def interaction_defaults(
    *,
    actor: Any,
    contact: Contact | None = None,
    template: InteractionTemplate | None = None,
    salesperson: Salesperson | None = None,
    campaign: Campaign | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The values a new interaction starts with (the form, the API and segment lines share it)."""
    moment = now_rounded_up(now)
    values: dict[str, Any] = {
        "contact": contact,
        "salesperson": salesperson or default_salesperson(actor, contact),
        "date": moment.date(),
        "time": moment.time(),
        "campaign": campaign,
        "template": template,
        "attempt_failed": False,
        "evaluation": "",
    }
    if template is not None:
        language = language_for(template, contact)
        values.update(
            description=template.description,
            cost=template.unit_cost,
            duration=template.unit_duration,
            information_flow=template.information_flow,
            initiated_by=template.initiated_by,
            campaign_target=template.campaign_target,
            campaign_response=template.campaign_response,
            correspondence_type=correspondence_type_for(template, contact),
            language=language,
            attachment=template_attachment(template, language),
        )
        if campaign is None and template.campaign_id:
            values["campaign"] = template.campaign
    return values


@dataclass
class InteractionInput:
    """What a user (form or API) said about an interaction; None means "use the default"."""

    contact: Contact | None = None
    template: InteractionTemplate | None = None
    description: str | None = None
    salesperson: Salesperson | None = None
    date: datetime.date | None = None
    time: datetime.time | None = None
    correspondence_type: str | None = None
    information_flow: str | None = None
    initiated_by: str | None = None
    cost: Decimal | None = None
    duration: Decimal | None = None
    language: Language | None = None
    evaluation: str = ""
    attempt_failed: bool = False
    campaign: Campaign | None = None
    campaign_target: bool | None = None
    campaign_response: bool | None = None
    opportunity: Opportunity | None = None
    contact_via: str = ""
    comments: list[str | CommentLine] | None = None
    upload: Upload | None = None
    subject: str = ""
    # Free text for this contact's document (the merge field `remarks`).
    remarks: str = ""
    explicit: set[str] = field(default_factory=set)


RESUMED_FIELDS = (
    "contact",
    "template",
    "description",
    "salesperson",
    "correspondence_type",
    "information_flow",
    "initiated_by",
    "cost",
    "duration",
    "language",
    "evaluation",
    "campaign",
    "campaign_target",
    "campaign_response",
    "opportunity",
    "contact_via",
)


def resume_input(entry: InteractionLogEntry) -> InteractionInput:
    """A postponed entry as the input that resumes it (rules 14): its own values, while date,
    time and "successful" start again from today, now and yes (BC resets them on resume).
    No campaign or language on the entry stays none rather than the template's default."""
    data = InteractionInput(**{name: getattr(entry, name) for name in RESUMED_FIELDS})
    data.comments = [
        CommentLine(comment=c.comment, date=c.date, code=c.code) for c in entry.comments.all()
    ]
    data.explicit = {name for name in ("campaign", "language") if getattr(entry, name) is None}
    return data


# --- the starting point ------------------------------------------------------------------------

StartKind = Literal["contact", "salesperson", "entry", "opportunity", "postponed"]

# An opportunity that is won or lost is closed (BC: Closed = Yes).
CLOSED_STATUSES = (OpportunityStatus.WON, OpportunityStatus.LOST)

# The fields a starting point can fix, with their captions (BC locks them as page filters).
FIXABLE_FIELDS = ("contact", "salesperson", "campaign", "opportunity")


def _caption(name: str) -> str:
    return {
        "contact": _("Contact No."),
        "salesperson": _("Salesperson Code"),
        "campaign": _("Campaign No."),
        "opportunity": _("Opportunity No."),
    }[name]


@dataclass(frozen=True)
class StartingPoint:
    """Where Create Interaction was started (2.4): a contact, a salesperson, a log entry, an
    opportunity, or a postponed interaction being resumed. What it determines is fixed: BC sets
    those fields as filters on the wizard, so they are read-only."""

    kind: StartKind
    label: str
    contact: Contact | None = None
    salesperson: Salesperson | None = None
    campaign: Campaign | None = None
    opportunity: Opportunity | None = None

    def fixed(self) -> dict[str, Any]:
        """The fields this starting point fixes, with their values."""
        return {
            name: getattr(self, name) for name in FIXABLE_FIELDS if getattr(self, name) is not None
        }


def check_opportunity_open(opportunity: Opportunity, field_name: str = "opportunity") -> None:
    """Interactions link only to open opportunities (BC: the lookup filters Closed = No)."""
    if opportunity.status in CLOSED_STATUSES:
        raise field_error(
            field_name,
            _("Closed must be equal to 'No' in Opportunity: No.=%(no)s. Current value is 'Yes'.")
            % {"no": opportunity.no},
            "opportunity_closed",
        )


def starting_point(
    *,
    kind: StartKind,
    contact: Contact | None = None,
    salesperson: Salesperson | None = None,
    entry: InteractionLogEntry | None = None,
    opportunity: Opportunity | None = None,
) -> StartingPoint:
    """The starting point and what it fixes, as BC's CreateInteractionFrom... procedures set
    them: a contact fixes the contact; a salesperson the salesperson; a log entry its contact,
    campaign and open opportunity (and its salesperson, unless blocked); an opportunity its
    contact, salesperson and campaign (refused when closed); a postponed interaction its
    contact, salesperson, campaign and opportunity."""
    if kind == "contact":
        if contact is None:
            raise fill_in("contact", _("Contact No."))
        privacy_check(contact)
        return StartingPoint(kind, _("contact %(no)s") % {"no": contact.no}, contact=contact)
    if kind == "salesperson":
        if salesperson is None:
            raise fill_in("salesperson", _("Salesperson Code"))
        return StartingPoint(
            kind, _("salesperson %(code)s") % {"code": salesperson.code}, salesperson=salesperson
        )
    if kind == "opportunity":
        if opportunity is None:
            raise fill_in("opportunity", _("Opportunity No."))
        check_opportunity_open(opportunity)
        target = opportunity.contact or opportunity.contact_company
        if target is not None:
            privacy_check(target)
        return StartingPoint(
            kind,
            _("opportunity %(no)s") % {"no": opportunity.no},
            contact=target,
            salesperson=opportunity.salesperson,
            campaign=opportunity.campaign,
            opportunity=opportunity,
        )
    if entry is None:
        raise ValidationError(_("Choose an interaction log entry."), code="entry_required")
    if kind == "entry":
        if entry.contact is not None:
            privacy_check(entry.contact)
        linked = entry.opportunity
        return StartingPoint(
            kind,
            _("interaction log entry %(no)s") % {"no": entry.pk},
            contact=entry.contact,
            salesperson=entry.salesperson
            if entry.salesperson is not None and not entry.salesperson.blocked
            else None,
            campaign=entry.campaign,
            opportunity=linked
            if linked is not None and linked.status not in CLOSED_STATUSES
            else None,
        )
    return StartingPoint(
        kind,
        _("postponed interaction %(no)s") % {"no": entry.pk},
        contact=entry.contact,
        salesperson=entry.salesperson,
        campaign=entry.campaign,
        opportunity=entry.opportunity,
    )


def apply_starting_point(data: InteractionInput, start: StartingPoint) -> None:
    """Put the starting point's values into `data`; a different value, or a blank sent on
    purpose, for a fixed field is refused with an error naming that field."""
    for name, value in start.fixed().items():
        given = getattr(data, name)
        cleared = name in data.explicit and given is None
        if cleared or (given is not None and given.pk != value.pk):
            raise field_error(
                name,
                _(
                    "%(field)s cannot be changed: it is fixed by the starting point of this "
                    "interaction (%(start)s)."
                )
                % {"field": _caption(name), "start": start.label},
                "fixed_by_start",
            )
        setattr(data, name, value)
        data.explicit.discard(name)


def privacy_check(contact: Contact) -> None:
    if contact.privacy_blocked or (contact.company is not None and contact.company.privacy_blocked):
        raise field_error(
            "contact",
            _(
                "You cannot use contact %(no)s %(name)s because they are marked as blocked due "
                "to privacy."
            )
            % {"no": contact.no, "name": contact.name},
            "privacy_blocked",
        )


def _resolve(data: InteractionInput, actor: Any) -> dict[str, Any]:
    """Defaults from the template, then the user's values win (rules 1)."""
    values = interaction_defaults(
        actor=actor,
        contact=data.contact,
        template=data.template,
        salesperson=data.salesperson,
        campaign=data.campaign,
    )
    for name in (
        "description",
        "date",
        "time",
        "correspondence_type",
        "information_flow",
        "initiated_by",
        "cost",
        "duration",
        "language",
        "campaign_target",
        "campaign_response",
    ):
        value = getattr(data, name)
        if value is not None:
            values[name] = value
    for name in ("description", "salesperson", "date", "campaign", "language"):
        if name in data.explicit:
            values[name] = getattr(data, name)
    values.update(
        evaluation=data.evaluation or "",
        attempt_failed=data.attempt_failed,
        opportunity=data.opportunity,
        contact_via=data.contact_via,
    )
    if data.upload is not None:
        values["attachment"] = None
    return values


def _check_interaction(values: dict[str, Any], data: InteractionInput) -> None:
    """Rules 4: the checks in BC's order, for finishing and for "finish later" alike."""
    if values.get("contact") is None:
        raise field_error(
            "contact", _("You must select a contact to interact with."), "contact_required"
        )
    if values.get("template") is None:
        raise fill_in("template", _("Interaction Template Code"))
    if values.get("salesperson") is None:
        raise fill_in("salesperson", _("Salesperson Code"))
    if values.get("date") is None:
        raise fill_in("date", _("Date"))
    if not (values.get("description") or "").strip():
        raise fill_in("description", _("Description"))
    has_attachment = values.get("attachment") is not None or data.upload is not None
    template: InteractionTemplate = values["template"]
    if template.wizard_action == WizardAction.OPEN and not has_attachment:
        raise field_error(
            "template",
            _(
                "No attachment found. You must either add an attachment or choose a template in "
                "the Word Template Code field on the Interaction Template page."
            ),
            "no_attachment",
        )
    if values.get("correspondence_type") == CorrespondenceType.EMAIL and not has_attachment:
        raise field_error(
            "correspondence_type",
            _(
                "The correspondence type for this interaction is Email, which requires an "
                "interaction template with an attachment or Word template. To continue, you can "
                "either change the correspondence type for the contact, select an interaction "
                "template that has a different correspondence type, or select a template that "
                "ignores the contact correspondence type."
            ),
            "email_needs_attachment",
        )
    salesperson = values["salesperson"]
    if salesperson.blocked:
        raise field_error(
            "salesperson", _("Blocked salespeople cannot be chosen."), "salesperson_blocked"
        )


@transaction.atomic
def create_interaction(
    *,
    actor: Any,
    data: InteractionInput,
    postpone: bool = False,
    resume: InteractionLogEntry | None = None,
    start: StartingPoint | None = None,
    skip_attachment_checks: bool = False,
    deliver: bool = False,
) -> InteractionLogEntry:
    """Log an interaction (or save it as postponed with "finish later").

    `start` is where the user started (a contact, salesperson, log entry or opportunity): the
    fields it fixes cannot be changed. Resuming a postponed entry finishes the same entry (same
    Entry No.) and keeps its contact, salesperson, campaign and opportunity; its attachment is
    kept unless a new file is given, and its comments are replaced only when new ones are given.

    With `deliver`, a finished interaction with a correspondence type is sent to the contact
    by a job that starts once this transaction commits (BC 4.7.1).
    """
    require_perm(actor, "interactions.add_interactionlogentry")
    if resume is not None:
        resume = InteractionLogEntry.objects.select_related(
            "contact", "salesperson", "campaign", "opportunity"
        ).get(pk=resume.pk)
        start = starting_point(kind="postponed", entry=resume)
    if start is not None:
        apply_starting_point(data, start)
    if data.opportunity is not None:
        check_opportunity_open(data.opportunity)
    if data.contact is not None:
        # Decide on the stored contact (privacy, e-mail, company), not on a caller's stale copy;
        # locked so a concurrent type change or delete waits for this entry (or wins first).
        stale = data.contact
        data.contact = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("company", "salesperson", "language")
            .filter(pk=stale.pk)
            .first()
        )
        if data.contact is None:
            raise field_error(
                "contact",
                _("%(field)s: %(value)s does not exist.")
                % {"field": _("Contact No."), "value": stale.no},
                "does_not_exist",
            )
    if resume is not None:
        resume = InteractionLogEntry.objects.select_for_update().get(pk=resume.pk)
        if not resume.postponed:
            raise ValidationError(
                _("Only postponed interactions can be resumed."), code="not_postponed"
            )
    values = _resolve(data, actor)
    if resume is not None and data.upload is None and resume.attachment_id:
        values["attachment"] = resume.attachment
    if not skip_attachment_checks:
        _check_interaction(values, data)
    else:
        for name, caption in (
            ("date", _("Date")),
            ("description", _("Description")),
            ("salesperson", _("Salesperson Code")),
        ):
            if not values.get(name):
                raise fill_in(name, caption)
    contact: Contact = values["contact"]
    privacy_check(contact)
    if (
        not postpone
        and values.get("correspondence_type") == CorrespondenceType.EMAIL
        and not (contact.email)
    ):
        if deliver:
            # Rules 6: with delivery, nothing is logged for a contact without an address.
            raise field_error(
                "deliver",
                _(
                    "Make sure that the Email field is specified for either contact no. "
                    "%(no)s or the contact alternative address."
                )
                % {"no": contact.no},
                "email_missing",
            )
        # Rules 6: without delivery an e-mail line to a contact without an address is logged
        # with a blank correspondence type.
        values["correspondence_type"] = CorrespondenceType.BLANK

    attachment = values.get("attachment")
    old_attachment_id = resume.attachment_id if resume is not None else None
    setup = marketing_setup()
    if data.upload is not None:
        attachment = files.new_attachment(
            upload=data.upload,
            storage_type=setup.attachment_storage_type,
            folder=setup.attachment_storage_location,
            read_only=True,
            created_by=actor,
        )
    elif attachment is not None and (resume is None or attachment.pk != old_attachment_id):
        # Each interaction owns a read-only copy of the template's file.
        attachment = files.copy_attachment(
            attachment,
            storage_type=setup.attachment_storage_type,
            folder=setup.attachment_storage_location,
            read_only=True,
            created_by=actor,
        )

    entry = resume or InteractionLogEntry()
    template: InteractionTemplate = values["template"]
    entry.contact = contact
    entry.contact_company = contact.company if contact.company_id else None
    entry.date = values["date"]
    entry.time = values.get("time")
    entry.description = (values.get("description") or "")[:100]
    entry.information_flow = values.get("information_flow") or ""
    entry.initiated_by = values.get("initiated_by") or ""
    entry.attachment = attachment
    entry.cost = values.get("cost") or Decimal(0)
    entry.duration = values.get("duration") or Decimal(0)
    entry.user = actor if getattr(actor, "pk", None) else None
    entry.group_id = template.group_id
    entry.template = template
    entry.language = values.get("language")
    entry.campaign = values.get("campaign")
    entry.campaign_target = bool(values.get("campaign_target"))
    entry.campaign_response = bool(values.get("campaign_response"))
    entry.evaluation = values.get("evaluation") or ""
    entry.attempt_failed = bool(values.get("attempt_failed"))
    entry.opportunity = values.get("opportunity")
    entry.salesperson = values["salesperson"]
    entry.correspondence_type = values.get("correspondence_type") or ""
    entry.contact_via = (values.get("contact_via") or "")[:80]
    entry.postponed = postpone
    entry.subject = (data.subject or entry.description)[:100]
    entry.merge_data = (
        snapshot_values(
            contact=contact,
            salesperson=entry.salesperson,
            description=entry.description,
            subject=entry.subject,
            date=entry.date,
            remarks=data.remarks,
            language=entry.language,
        )
        if attachment is not None and attachment.merge_kind
        else None
    )
    sending = deliver and not postpone and bool(entry.correspondence_type)
    entry.delivery_status = DeliveryStatus.IN_PROGRESS if sending else DeliveryStatus.BLANK
    validate_instance(entry, exclude=["contact", "contact_company"])
    if not postpone and entry.campaign is not None and entry.campaign_entry_id is None:
        # BC: an interaction in a campaign is a campaign entry of its own (Register No. 0);
        # a postponed one gets its campaign entry when it is finished.
        entry.campaign_entry = CampaignEntry.objects.create(
            campaign=entry.campaign,
            description=entry.description,
            date=entry.date,
            user=entry.user,
            salesperson=entry.salesperson,
        )
    entry.save()
    if (
        not postpone
        and entry.campaign_target
        and Campaign.objects.filter(pk=entry.campaign_id or 0, activated=True).exists()
    ):
        # An activated campaign's target groups take the company of a new target interaction.
        sync_target_groups()
    if data.comments is not None:
        if resume is not None:
            entry.comments.all().delete()
        _add_comments(entry, data.comments)
    if old_attachment_id and old_attachment_id != entry.attachment_id:
        delete_unreferenced_attachments([old_attachment_id])
    if sending:
        start_delivery(actor=actor, entries=[entry.pk])
    if not postpone:
        emit("entry.created", {"entry_nos": [entry.pk], "contact_no": contact.no})
    record_audit(
        actor=actor,
        action="create",
        obj=entry,
        after=snapshot(entry),
        details={"resumed": True} if resume is not None else None,
    )
    return entry


def preview_interaction(*, actor: Any, data: InteractionInput) -> Document:
    """The document this interaction would have, merged for its contact before it is logged
    (beyond BC's preview of an HTML body). Nothing is stored."""
    require_perm(actor, "interactions.add_interactionlogentry")
    values = _resolve(data, actor)
    contact: Contact | None = values.get("contact")
    if contact is None:
        raise field_error(
            "contact", _("You must select a contact to interact with."), "contact_required"
        )
    template: InteractionTemplate | None = values.get("template")
    if template is None:
        raise fill_in("template", _("Interaction Template Code"))
    attachment: Attachment | None = values.get("attachment")
    if attachment is None:
        raise field_error("template", no_attachment_message(), "no_attachment")
    description = values.get("description") or ""
    subject = data.subject or description
    snapshot = snapshot_values(
        contact=contact,
        salesperson=values.get("salesperson"),
        description=description,
        subject=subject,
        date=values.get("date"),
        remarks=data.remarks,
        language=values.get("language"),
    )
    return preview_document(
        attachment, snapshot, language=render_language(values.get("language")), subject=subject
    )


def _add_comments(entry: InteractionLogEntry, comments: Iterable[str | CommentLine]) -> None:
    """Append comment lines; a plain string or a line without a chosen date is dated today."""
    last = entry.comments.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    today = timezone.localdate()
    rows = []
    for item in comments:
        line = item if isinstance(item, CommentLine) else CommentLine(comment=item or "")
        text = (line.comment or "").strip()
        if not text:
            continue
        last += 10000
        date = line.date if isinstance(line.date, datetime.date) or line.date is None else today
        rows.append(
            InteractionLogEntryComment(
                entry=entry,
                line_no=last,
                date=date,
                code=(line.code or "").strip().upper(),
                comment=text[:80],
            )
        )
    for row in rows:
        validate_instance(row, exclude=["entry"])
    InteractionLogEntryComment.objects.bulk_create(rows)


@transaction.atomic
def make_phone_call(
    *,
    actor: Any,
    contact: Contact,
    phone_no: str | None = None,
    duration: Decimal | None = None,
    attempt_failed: bool = False,
    description: str | None = None,
    evaluation: str = "",
    campaign: Campaign | None = None,
    opportunity: Opportunity | None = None,
    comments: list[str | CommentLine] | None = None,
    salesperson: Salesperson | None = None,
    blank: Iterable[str] = (),
) -> InteractionLogEntry:
    """Log a call with the Outg. Calls template of the Interaction Template Setup (2.4).

    Everything BC's call records: the number called, description, duration, evaluation,
    attempt failed, campaign, opportunity and dated comments. A value left as None takes the
    default (the contact's number, the template's description, duration and campaign, the
    user's or contact's salesperson); a field named in `blank` was cleared by the user and is
    checked as BC does ("You must fill in the phone number.").
    """
    from rapport.interactions.queries import template_setup

    require_perm(actor, "interactions.add_interactionlogentry")
    blank = set(blank)
    template = template_setup().outgoing_calls
    if template is None:
        raise field_error(
            "outgoing_calls",
            _(
                "%(field)s must have a value in Interaction Template Setup. It cannot be zero or "
                "empty."
            )
            % {"field": _("Outg. Calls")},
            "no_call_template",
        )
    if phone_no is None and "phone_no" not in blank:
        phone_no = contact.phone_no or contact.mobile_phone_no
    number = (phone_no or "").strip()
    if not number:
        raise field_error("phone_no", _("You must fill in the phone number."), "phone_required")
    if "description" in blank:
        description = ""
    now = timezone.localtime()
    explicit = {name for name in ("description", "salesperson", "campaign") if name in blank}
    return create_interaction(
        actor=actor,
        data=InteractionInput(
            contact=contact,
            template=template,
            description=description,
            duration=duration,
            evaluation=evaluation or "",
            attempt_failed=attempt_failed,
            campaign=None if "campaign" in blank else campaign,
            opportunity=opportunity,
            date=now.date(),
            time=now.time().replace(microsecond=0),
            contact_via=number,
            comments=comments,
            salesperson=None if "salesperson" in blank else salesperson,
            correspondence_type=CorrespondenceType.BLANK,
            explicit=explicit,
        ),
        skip_attachment_checks=True,
    )
