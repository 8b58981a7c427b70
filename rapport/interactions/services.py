"""Every change to interaction groups, templates, attachments, log entries and opportunities."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.choices import CorrespondenceType
from rapport.core.models import Language
from rapport.core.validation import (
    PermissionDenied,
    ValidationError,
    field_error,
    require_perm,
    validate_instance,
)
from rapport.interactions import attachments as files
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    Attachment,
    InteractionGroup,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplate,
    InteractionTemplateLanguage,
    InteractionTemplateSetup,
    Opportunity,
    OpportunityComment,
    WizardAction,
)

Progress = Callable[[int, int], None]


def _fill_in(field_name: str, caption: str) -> ValidationError:
    return field_error(
        field_name, _("You must fill in the %(field)s field.") % {"field": caption}, "required"
    )


# --- interaction groups ------------------------------------------------------------------------


@transaction.atomic
def create_interaction_group(*, actor: Any, code: str, description: str = "") -> InteractionGroup:
    require_perm(actor, "interactions.add_interactiongroup")
    group = InteractionGroup(code=(code or "").strip().upper(), description=description)
    if not group.code:
        raise _fill_in("code", _("Code"))
    validate_instance(group)
    group.save()
    return group


@transaction.atomic
def update_interaction_group(
    *, actor: Any, group: InteractionGroup, description: str = ""
) -> InteractionGroup:
    require_perm(actor, "interactions.change_interactiongroup")
    group.description = description
    validate_instance(group)
    group.save()
    return group


@transaction.atomic
def delete_interaction_group(*, actor: Any, group: InteractionGroup) -> None:
    """Rapport protects a group while templates or log entries use it (BC does not)."""
    require_perm(actor, "interactions.delete_interactiongroup")
    if group.templates.exists() or group.entries.exists():
        raise field_error(
            "code",
            _(
                "You cannot delete interaction group %(code)s because templates or interaction "
                "log entries use it."
            )
            % {"code": group.code},
            "in_use",
        )
    group.delete()


# --- interaction templates ---------------------------------------------------------------------

TEMPLATE_FIELDS = (
    "group",
    "description",
    "unit_cost",
    "unit_duration",
    "information_flow",
    "initiated_by",
    "campaign",
    "campaign_target",
    "campaign_response",
    "correspondence_type",
    "ignore_contact_corres_type",
    "wizard_action",
    "language",
)


def default_language_row(template: InteractionTemplate) -> InteractionTemplateLanguage | None:
    return (
        InteractionTemplateLanguage.objects.select_related("attachment")
        .filter(template=template, language=template.language)
        .first()
        if template.pk
        else None
    )


def check_wizard_action(template: InteractionTemplate) -> None:
    """Rules 5: wizard action vs. the default language's attachment (when that row exists)."""
    row = default_language_row(template)
    if row is None:
        return
    attachment = row.attachment
    html = attachment is not None and attachment.is_html
    action = template.wizard_action
    bad = (html and action != WizardAction.MERGE) or (not html and action == WizardAction.MERGE)
    if bad:
        raise field_error(
            "wizard_action",
            _("Wizard Action = %(value)s can not be specified for Interaction Template %(code)s.")
            % {"value": WizardAction(action).label if action else "' '", "code": template.code},
            "wizard_action_invalid",
        )


def _sync_merge_with_language(template: InteractionTemplate) -> None:
    """Changing the default language sets or clears Merge by itself (rules 5)."""
    row = default_language_row(template)
    if row is None:
        return
    if row.attachment is not None and row.attachment.is_html:
        template.wizard_action = WizardAction.MERGE
    elif template.wizard_action == WizardAction.MERGE:
        template.wizard_action = WizardAction.BLANK


@transaction.atomic
def create_interaction_template(*, actor: Any, code: str, **fields: Any) -> InteractionTemplate:
    require_perm(actor, "interactions.add_interactiontemplate")
    template = InteractionTemplate(
        code=(code or "").strip().upper(),
        **{k: v for k, v in fields.items() if k in TEMPLATE_FIELDS},
    )
    if not template.code:
        raise _fill_in("code", _("Code"))
    if template.group_id is None:
        raise _fill_in("group", _("Interaction Group Code"))
    validate_instance(template)
    template.save()
    if template.language_id is not None:
        _ensure_language_row(template, template.language)
    check_wizard_action(template)
    return template


def _ensure_language_row(
    template: InteractionTemplate, language: Language | None
) -> InteractionTemplateLanguage:
    row = InteractionTemplateLanguage.objects.filter(template=template, language=language).first()
    if row is None:
        row = InteractionTemplateLanguage.objects.create(
            template=template, language=language, description=template.description
        )
    return row


@transaction.atomic
def update_interaction_template(
    *, actor: Any, template: InteractionTemplate, **fields: Any
) -> InteractionTemplate:
    require_perm(actor, "interactions.change_interactiontemplate")
    template = InteractionTemplate.objects.select_for_update().get(pk=template.pk)
    old_language = template.language_id
    for key, value in fields.items():
        if key in TEMPLATE_FIELDS:
            setattr(template, key, value)
    if template.group_id is None:
        raise _fill_in("group", _("Interaction Group Code"))
    if template.language_id != old_language:
        # BC asks "Do you want to create Interaction Tmpl. Language ...?"; Rapport creates it.
        _ensure_language_row(template, template.language)
        if "wizard_action" not in fields:
            _sync_merge_with_language(template)
    check_wizard_action(template)
    validate_instance(template)
    template.save()
    return template


@transaction.atomic
def delete_interaction_template(*, actor: Any, template: InteractionTemplate) -> None:
    """Deletes the template's language rows and their attachments (rules 3). Rapport protects
    templates that log entries or the template setup still use."""
    require_perm(actor, "interactions.delete_interactiontemplate")
    if (
        template.entries.exists()
        or InteractionTemplateSetup.objects.filter(outgoing_calls=template).exists()
    ):
        raise field_error(
            "code",
            _("You cannot delete interaction template %(code)s because it is in use.")
            % {"code": template.code},
            "in_use",
        )
    attachment_ids = list(
        template.languages.exclude(attachment=None).values_list("attachment_id", flat=True)
    )
    template.languages.all().delete()
    template.delete()
    delete_unreferenced_attachments(attachment_ids)


@transaction.atomic
def save_template_language(
    *,
    actor: Any,
    template: InteractionTemplate,
    language: Language | None,
    description: str = "",
    upload: Upload | None = None,
    replace: bool = False,
) -> InteractionTemplateLanguage:
    """Add or change a template language; an upload becomes (or replaces) its attachment."""
    require_perm(actor, "interactions.change_interactiontemplate")
    row = InteractionTemplateLanguage.objects.filter(template=template, language=language).first()
    if row is None:
        row = InteractionTemplateLanguage(template=template, language=language)
    row.description = description or row.description or template.description
    validate_instance(row)
    old_attachment_id = row.attachment_id
    if upload is not None:
        if row.attachment is not None and row.attachment.read_only:
            raise field_error(
                "attachment", _("Read Only must be equal to 'No' in Attachment."), "read_only"
            )
        if row.attachment is not None and not replace:
            raise field_error(
                "attachment", _("Replace existing attachment?"), "replace_not_confirmed"
            )
        setup = marketing_setup()
        row.attachment = files.new_attachment(
            upload=upload,
            storage_type=setup.attachment_storage_type,
            folder=setup.attachment_storage_location,
            created_by=actor,
        )
    row.save()
    if upload is not None and old_attachment_id:
        delete_unreferenced_attachments([old_attachment_id])
    if template.language_id == row.language_id:
        _sync_merge_with_language(template)
        template.save(update_fields=["wizard_action"])
    return row


@transaction.atomic
def remove_template_attachment(*, actor: Any, row: InteractionTemplateLanguage) -> None:
    require_perm(actor, "interactions.change_interactiontemplate")
    old = row.attachment_id
    row.attachment = None
    row.save(update_fields=["attachment"])
    if old:
        delete_unreferenced_attachments([old])
    template = row.template
    if template.language_id == row.language_id and template.wizard_action == WizardAction.MERGE:
        template.wizard_action = WizardAction.BLANK
        template.save(update_fields=["wizard_action"])


@transaction.atomic
def delete_template_language(*, actor: Any, row: InteractionTemplateLanguage) -> None:
    require_perm(actor, "interactions.change_interactiontemplate")
    old = row.attachment_id
    template = row.template
    row.delete()
    if old:
        delete_unreferenced_attachments([old])
    if template.language_id == row.language_id:
        template.language = None
        template.save(update_fields=["language"])


@transaction.atomic
def update_template_setup(*, actor: Any, **fields: Any) -> InteractionTemplateSetup:
    require_perm(actor, "interactions.change_interactiontemplatesetup")
    setup = InteractionTemplateSetup.objects.select_for_update().filter(
        pk=1
    ).first() or InteractionTemplateSetup(pk=1)
    for key, value in fields.items():
        if key == "outgoing_calls":
            setup.outgoing_calls = value
    validate_instance(setup)
    setup.save()
    return setup


# --- attachments -------------------------------------------------------------------------------


def delete_unreferenced_attachments(ids: Iterable[int | None]) -> int:
    """Delete those of `ids` that no entry and no template language refers to any more
    (rules 3: the last reference deletes). Set-based; disk files go after commit."""
    wanted = [i for i in set(ids) if i]
    if not wanted:
        return 0
    deleted = 0
    keys: list[str] = []
    for start in range(0, len(wanted), 1000):
        batch = wanted[start : start + 1000]
        orphans = (
            Attachment.objects.filter(pk__in=batch)
            .exclude(Exists(InteractionLogEntry.objects.filter(attachment=OuterRef("pk"))))
            .exclude(Exists(InteractionTemplateLanguage.objects.filter(attachment=OuterRef("pk"))))
        )
        keys += [k for k in orphans.values_list("storage_key", flat=True) if k]
        deleted += orphans._raw_delete(orphans.db)  # type: ignore[attr-defined]
    if keys:
        transaction.on_commit(lambda: files.delete_files(keys))
    return deleted


def relocate_attachments(*, actor: Any, progress: Progress | None = None) -> dict[str, int]:
    """Move every attachment to the storage type and folder now in Marketing Setup, without
    loss: all rows move in one transaction; old disk files are removed only after commit."""
    require_perm(actor, "contacts.change_marketingsetup")
    setup = marketing_setup()
    target, folder = setup.attachment_storage_type, setup.attachment_storage_location
    ids = list(Attachment.objects.order_by("pk").values_list("pk", flat=True))
    moved = 0
    old_keys: list[str] = []
    with transaction.atomic():
        for start in range(0, len(ids), 200):
            for attachment in Attachment.objects.filter(pk__in=ids[start : start + 200]):
                old_key = files.move_content(attachment, target, folder)
                if old_key is not None:
                    moved += 1
                    if old_key:
                        old_keys.append(old_key)
            if progress:
                progress(min(start + 200, len(ids)), len(ids))
        if old_keys:
            transaction.on_commit(lambda: files.delete_files(old_keys))
    return {"attachments": len(ids), "moved": moved}


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
    comments: list[str] | None = None
    upload: Upload | None = None
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
    data.comments = [c.comment for c in entry.comments.all()]
    data.explicit = {name for name in ("campaign", "language") if getattr(entry, name) is None}
    return data


def _privacy_check(contact: Contact) -> None:
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
        raise _fill_in("template", _("Interaction Template Code"))
    if values.get("salesperson") is None:
        raise _fill_in("salesperson", _("Salesperson Code"))
    if values.get("date") is None:
        raise _fill_in("date", _("Date"))
    if not (values.get("description") or "").strip():
        raise _fill_in("description", _("Description"))
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
    skip_attachment_checks: bool = False,
) -> InteractionLogEntry:
    """Log an interaction (or save it as postponed with "finish later").

    Resuming a postponed entry finishes the same entry (same Entry No.); its attachment is kept
    unless a new file is given, and its comments are replaced only when new ones are given.
    """
    require_perm(actor, "interactions.add_interactionlogentry")
    if data.contact is not None:
        # Decide on the stored contact (privacy, e-mail, company), not on a caller's stale copy.
        data.contact = Contact.objects.select_related("company", "salesperson", "language").get(
            pk=data.contact.pk
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
                raise _fill_in(name, caption)
    contact: Contact = values["contact"]
    _privacy_check(contact)
    if (
        not postpone
        and values.get("correspondence_type") == CorrespondenceType.EMAIL
        and not (contact.email)
    ):
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
    validate_instance(entry, exclude=["contact", "contact_company"])
    entry.save()
    if data.comments is not None:
        if resume is not None:
            entry.comments.all().delete()
        _add_comments(entry, data.comments)
    if old_attachment_id and old_attachment_id != entry.attachment_id:
        delete_unreferenced_attachments([old_attachment_id])
    return entry


def _add_comments(entry: InteractionLogEntry, comments: Iterable[str]) -> None:
    last = entry.comments.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    today = timezone.localdate()
    rows = []
    for text in comments:
        text = (text or "").strip()
        if not text:
            continue
        last += 10000
        rows.append(
            InteractionLogEntryComment(entry=entry, line_no=last, date=today, comment=text[:80])
        )
    for row in rows:
        validate_instance(row, exclude=["entry"])
    InteractionLogEntryComment.objects.bulk_create(rows)


@transaction.atomic
def make_phone_call(
    *,
    actor: Any,
    contact: Contact,
    phone_no: str = "",
    duration: Decimal | None = None,
    attempt_failed: bool = False,
    description: str | None = None,
    comments: list[str] | None = None,
    salesperson: Salesperson | None = None,
) -> InteractionLogEntry:
    """Log a call with the Outg. Calls template of the Interaction Template Setup (2.4)."""
    from rapport.interactions.queries import template_setup

    require_perm(actor, "interactions.add_interactionlogentry")
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
    number = (phone_no or contact.phone_no or contact.mobile_phone_no).strip()
    if not number:
        raise field_error("phone_no", _("You must fill in the phone number."), "phone_required")
    now = timezone.localtime()
    return create_interaction(
        actor=actor,
        data=InteractionInput(
            contact=contact,
            template=template,
            description=description,
            duration=duration,
            attempt_failed=attempt_failed,
            date=now.date(),
            time=now.time().replace(microsecond=0),
            contact_via=number,
            comments=comments,
            salesperson=salesperson,
            correspondence_type=CorrespondenceType.BLANK,
        ),
        skip_attachment_checks=True,
    )


# --- the log: cancel, restore, evaluate, comments ----------------------------------------------

# Later apps (segments, campaigns) register checks that forbid restoring an entry whose logged
# segment or campaign entry is canceled (rules 2).
restore_checks: list[Callable[[QuerySet[InteractionLogEntry]], None]] = []


@transaction.atomic
def cancel_entries(*, actor: Any, entries: QuerySet[InteractionLogEntry]) -> int:
    """Mark entries canceled; statistics stop counting them. Returns how many changed."""
    require_perm(actor, "interactions.cancel_interactionlogentry")
    return entries.filter(canceled=False, postponed=False).update(canceled=True)


@transaction.atomic
def restore_entries(*, actor: Any, entries: QuerySet[InteractionLogEntry]) -> int:
    require_perm(actor, "interactions.cancel_interactionlogentry")
    for check in restore_checks:
        check(entries)
    return entries.filter(canceled=True, postponed=False).update(canceled=False)


@transaction.atomic
def evaluate_entries(*, actor: Any, entries: QuerySet[InteractionLogEntry], evaluation: str) -> int:
    require_perm(actor, "interactions.change_interactionlogentry")
    from rapport.interactions.models import Evaluation

    if evaluation not in Evaluation.values:
        raise field_error("evaluation", _("Choose a valid evaluation."), "invalid_choice")
    return entries.filter(postponed=False).update(evaluation=evaluation)


@transaction.atomic
def add_entry_comment(
    *, actor: Any, entry: InteractionLogEntry, comment: str, code: str = ""
) -> InteractionLogEntryComment:
    require_perm(actor, "interactions.change_interactionlogentry")
    if not (comment or "").strip():
        raise _fill_in("comment", _("Comment"))
    entry = InteractionLogEntry.objects.select_for_update().get(pk=entry.pk)
    last = entry.comments.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    today = timezone.localdate()
    row = InteractionLogEntryComment(
        entry=entry,
        line_no=last + 10000,
        code=code,
        comment=comment.strip(),
        # BC: a new line gets the work date only if no other comment of the entry has it.
        date=None if entry.comments.filter(date=today).exists() else today,
    )
    validate_instance(row)
    row.save()
    return row


@transaction.atomic
def delete_entry_comment(*, actor: Any, comment: InteractionLogEntryComment) -> None:
    require_perm(actor, "interactions.change_interactionlogentry")
    comment.delete()


def _delete_entries(entries: QuerySet[InteractionLogEntry]) -> int:
    """Delete a set of entries with their comments and their unshared attachments: three
    statements (the set is a WHERE clause, never a list of ids pulled into Python)."""
    attachment_ids = list(
        entries.exclude(attachment=None)
        .order_by()
        .values_list("attachment_id", flat=True)
        .distinct()
    )
    comments = InteractionLogEntryComment.objects.filter(entry__in=entries.values("pk"))
    comments._raw_delete(comments.db)  # type: ignore[attr-defined]
    doomed = entries.order_by()
    count = doomed._raw_delete(doomed.db)  # type: ignore[attr-defined]
    delete_unreferenced_attachments(attachment_ids)
    return int(count)


@transaction.atomic
def delete_postponed_interactions(*, actor: Any, entries: QuerySet[InteractionLogEntry]) -> int:
    require_perm(actor, "interactions.delete_interactionlogentry")
    ids = list(entries.filter(postponed=True).values_list("pk", flat=True))
    return _delete_entries(InteractionLogEntry.objects.filter(pk__in=ids)) if ids else 0


@dataclass
class PurgeFilter:
    """Optional filters of "Delete Canceled Interaction Log Entries" (2.7)."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    entry_from: int | None = None
    entry_to: int | None = None
    contact: Contact | None = None
    template: InteractionTemplate | None = None
    group: InteractionGroup | None = None
    salesperson: Salesperson | None = None
    campaign: Campaign | None = None

    def queryset(self) -> QuerySet[InteractionLogEntry]:
        qs = InteractionLogEntry.objects.filter(canceled=True)
        if self.date_from:
            qs = qs.filter(date__gte=self.date_from)
        if self.date_to:
            qs = qs.filter(date__lte=self.date_to)
        if self.entry_from:
            qs = qs.filter(pk__gte=self.entry_from)
        if self.entry_to:
            qs = qs.filter(pk__lte=self.entry_to)
        for name in ("contact", "template", "group", "salesperson", "campaign"):
            value = getattr(self, name)
            if value is not None:
                qs = qs.filter(**{name: value})
        return qs

    def as_params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value:
                out[name] = value.isoformat()
        for name in ("entry_from", "entry_to"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("contact", "template", "group", "salesperson", "campaign"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.pk
        return out

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PurgeFilter:
        models = {
            "contact": Contact,
            "template": InteractionTemplate,
            "group": InteractionGroup,
            "salesperson": Salesperson,
            "campaign": Campaign,
        }
        kwargs: dict[str, Any] = {}
        for name in ("date_from", "date_to"):
            if params.get(name):
                kwargs[name] = datetime.date.fromisoformat(params[name])
        for name in ("entry_from", "entry_to"):
            if params.get(name):
                kwargs[name] = int(params[name])
        for name, model in models.items():
            if params.get(name):
                kwargs[name] = model._default_manager.get(pk=params[name])  # type: ignore[attr-defined]
        return cls(**kwargs)


def delete_canceled_entries(
    *, actor: Any, filters: PurgeFilter, progress: Progress | None = None
) -> int:
    """Delete canceled entries matching `filters`, with their comments and the attachments no
    remaining entry uses. All or nothing, in batches; returns how many entries were deleted."""
    if actor is None or not actor.has_perm("interactions.purge_interactionlogentry"):
        raise PermissionDenied(_("You do not have permission to do this."))
    batch_size = settings.RAPPORT_BATCH_SIZE
    base = filters.queryset()
    with transaction.atomic():
        total = base.count()
        deleted, last = 0, 0
        while True:
            # Keyset batches: the batch is an Entry No. range, found with one indexed lookup.
            rest = base.filter(pk__gt=last)
            bound = list(
                rest.order_by("pk").values_list("pk", flat=True)[batch_size - 1 : batch_size]
            )
            batch = rest.filter(pk__lte=bound[0]) if bound else rest
            deleted += _delete_entries(batch)
            if progress:
                progress(min(deleted, total), total)
            if not bound:
                break
            last = bound[0]
    return deleted


def start_delete_canceled_entries(*, actor: Any, filters: PurgeFilter) -> Any:
    """Queue the purge as a background job (the job page shows its progress)."""
    if actor is None or not actor.has_perm("interactions.purge_interactionlogentry"):
        raise PermissionDenied(_("You do not have permission to do this."))
    total = filters.queryset().count()
    return core_services.start_job(
        actor=actor,
        kind="interactions.delete_canceled",
        description=_("Delete Canceled Interaction Log Entries"),
        params=filters.as_params(),
        total=total,
    )


def start_relocate_attachments(*, actor: Any) -> Any:
    require_perm(actor, "contacts.change_marketingsetup")
    return core_services.start_job(
        actor=actor,
        kind="interactions.relocate_attachments",
        description=_("Relocate Attachments"),
        total=Attachment.objects.count(),
    )


# --- opportunities -----------------------------------------------------------------------------


@transaction.atomic
def create_opportunity_from_entry(*, actor: Any, entry: InteractionLogEntry) -> Opportunity:
    """Rules 12: only from a non-canceled entry without one, never for a privacy-blocked contact."""
    require_perm(actor, "interactions.add_opportunity")
    entry = (
        InteractionLogEntry.objects.select_for_update(of=("self",))
        .select_related("contact", "contact_company")
        .get(pk=entry.pk)
    )
    if entry.canceled:
        raise field_error(
            "canceled",
            _(
                "Canceled must be equal to 'No' in Interaction Log Entry: Entry No.=%(no)s. "
                "Current value is 'Yes'."
            )
            % {"no": entry.pk},
            "canceled",
        )
    if entry.opportunity_id:
        raise field_error(
            "opportunity",
            _(
                "Opportunity No. must be equal to '' in Interaction Log Entry: Entry No.=%(no)s. "
                "Current value is '%(value)s'."
            )
            % {"no": entry.pk, "value": entry.opportunity.no},  # type: ignore[union-attr]
            "has_opportunity",
        )
    if entry.postponed:
        raise ValidationError(_("Finish the postponed interaction first."), code="postponed")
    for contact in (entry.contact, entry.contact_company):
        if contact is not None:
            _privacy_check(contact)
    no, series = core_services.assign_no(
        model=Opportunity,
        typed_no="",
        series=marketing_setup().opportunity_nos,
        setup_field=_("Opportunity Nos."),
    )
    opportunity = Opportunity.objects.create(
        no=no,
        no_series=series,
        description=entry.description,
        contact=entry.contact,
        contact_company=entry.contact_company,
        salesperson=entry.salesperson,
        campaign=entry.campaign,
        segment_no=entry.segment_no,
        creation_date=timezone.localdate(),
    )
    OpportunityComment.objects.bulk_create(
        OpportunityComment(
            opportunity=opportunity, line_no=c.line_no, date=c.date, comment=c.comment
        )
        for c in entry.comments.all()
    )
    InteractionLogEntry.objects.filter(pk=entry.pk).update(opportunity=opportunity)
    return opportunity


# --- contacts: what interactions mean for a contact's type change and deletion ------------------


def block_type_change_with_entries(contact: Contact) -> None:
    if InteractionLogEntry.objects.filter(contact=contact).exists():
        raise field_error(
            "type",
            _(
                "Type cannot be changed because one or more interaction log entries are linked "
                "to the contact."
            ),
            "has_entries",
        )


def rehome_entries_of_deleted_contacts(contacts: list[Contact]) -> None:
    """BC 1.2.7: a deleted person's entries go to its company; a deleted company's entries
    survive unlinked. Set-based."""
    persons = [c for c in contacts if c.is_person]
    companies = [c.pk for c in contacts if c.is_company]
    for person in persons:
        if person.company_id and person.company_id not in companies:
            InteractionLogEntry.objects.filter(contact=person).update(contact=person.company_id)
            Opportunity.objects.filter(contact=person).update(contact=person.company_id)
    ids = [c.pk for c in contacts]
    InteractionLogEntry.objects.filter(contact_id__in=ids).update(contact=None)
    InteractionLogEntry.objects.filter(contact_company_id__in=companies).update(
        contact_company=None
    )
    Opportunity.objects.filter(contact_id__in=ids).update(contact=None)
    Opportunity.objects.filter(contact_company_id__in=companies).update(contact_company=None)
