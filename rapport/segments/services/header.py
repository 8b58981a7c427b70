"""Segments and their lines: create, change (with BC's propagation header -> lines), delete;
lines added, changed and removed by hand (each recorded as a criteria step)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.campaigns.services import sync_target_groups
from rapport.contacts.models import Contact
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.audit import record_audit, snapshot
from rapport.core.models import Language
from rapport.core.validation import ValidationError, field_error, require_perm, validate_instance
from rapport.interactions.models import InteractionTemplate, InteractionTemplateLanguage
from rapport.interactions.services.setup import delete_unreferenced_attachments
from rapport.segments import sql
from rapport.segments.models import (
    CriteriaAction,
    Segment,
    SegmentCriteriaStep,
    SegmentHistoryAction,
    SegmentInteractionLanguage,
    SegmentLine,
)

CHANGE = "segments.change_segment"

# Header fields a caller may set; the template sets the rest.
HEADER_FIELDS = (
    "description",
    "campaign",
    "campaign_target",
    "campaign_response",
    "salesperson",
    "template",
    "information_flow",
    "initiated_by",
    "date",
    "send_word_docs_as_attachment",
    "correspondence_type",
    "unit_cost",
    "unit_duration",
    "language",
    "subject",
    "ignore_contact_corres_type",
)

# A changed header field -> the line field it goes to (BC 3.1.1 "propagates").
PROPAGATED = {
    "description": "description",
    "campaign": "campaign",
    "campaign_target": "campaign_target",
    "campaign_response": "campaign_response",
    "salesperson": "salesperson",
    "information_flow": "information_flow",
    "initiated_by": "initiated_by",
    "date": "date",
    "send_word_docs_as_attachment": "send_word_docs_as_attachment",
    "unit_cost": "cost",
    "unit_duration": "duration",
}

LINE_FIELDS = (
    "contact",
    "description",
    "campaign",
    "campaign_target",
    "campaign_response",
    "salesperson",
    "template",
    "information_flow",
    "initiated_by",
    "date",
    "send_word_docs_as_attachment",
    "correspondence_type",
    "cost",
    "duration",
    "language",
    "subject",
    "evaluation",
    "time",
    "attempt_failed",
    "contact_via",
    "remarks",
)


def must_have_value(field: str, caption: str, table: str, key: str) -> ValidationError:
    """BC's TestField error."""
    return field_error(
        field,
        _("%(field)s must have a value in %(table)s: %(key)s. It cannot be zero or empty.")
        % {"field": caption, "table": table, "key": key},
        "required",
    )


def _actor_salesperson(actor: Any) -> Salesperson | None:
    salesperson = getattr(actor, "salesperson", None)
    if salesperson is not None and not getattr(salesperson, "blocked", False):
        return salesperson
    return None


def _copy_template(segment: Segment, template: InteractionTemplate) -> None:
    """BC 3.1.2 step 4: the header takes the template's defaults and its languages."""
    segment.template = template
    segment.group_id = template.group_id
    segment.subject = ""
    segment.language_id = template.language_id
    segment.unit_cost = template.unit_cost
    segment.unit_duration = template.unit_duration
    segment.information_flow = template.information_flow
    segment.initiated_by = template.initiated_by
    segment.campaign_target = template.campaign_target
    segment.campaign_response = template.campaign_response
    segment.correspondence_type = template.correspondence_type
    segment.ignore_contact_corres_type = template.ignore_contact_corres_type
    if template.campaign_id:
        segment.campaign_id = template.campaign_id


def _rebuild_header_languages(segment: Segment) -> list[int]:
    """One header-level language record per template language; the template's attachment is
    shared (attachments are immutable and deleted with their last reference). Returns the
    attachments of the old records, to delete once the lines no longer use them."""
    old = SegmentInteractionLanguage.objects.filter(segment=segment, line=None)
    old_attachments = list(old.exclude(attachment=None).values_list("attachment_id", flat=True))
    old.delete()
    if segment.template_id is None:
        return old_attachments
    SegmentInteractionLanguage.objects.bulk_create(
        SegmentInteractionLanguage(
            segment=segment,
            language_id=row.language_id,  # type: ignore[misc]
            description=row.description or f"{segment.template.code} {row.language.code}",  # type: ignore[union-attr]
            attachment_id=row.attachment_id,
        )
        for row in InteractionTemplateLanguage.objects.filter(
            template_id=segment.template_id
        ).select_related("language")
    )
    default = sql.header_language_record(segment)
    segment.subject = default.subject if default else ""
    return old_attachments


def _refresh_line_languages(segment: Segment, lines: QuerySet[SegmentLine]) -> None:
    """The language rule (BC 3.2.1) for lines without their own language records: the contact's
    language when the header has a record for it, else the default; attachment and subject from
    that record. Set-based: one UPDATE per header language record, one for the rest."""
    lines = lines.filter(languages__isnull=True)
    records = list(SegmentInteractionLanguage.objects.filter(segment=segment, line=None))
    default = next((r for r in records if r.language_id == segment.language_id), None)
    covered = [r.language_id for r in records]
    for record in records:
        lines.filter(contact__language_id=record.language_id).update(
            language_id=record.language_id,
            attachment_id=record.attachment_id,
            subject=record.subject,
        )
    lines.exclude(contact__language_id__in=covered).update(
        language_id=segment.language_id,
        attachment_id=default.attachment_id if default else None,
        subject=default.subject if default else "",
    )


def _set_line_descriptions(segment: Segment, lines: QuerySet[SegmentLine], text: str) -> None:
    """Rapport: a description the user typed on a line is kept."""
    lines.filter(description_typed=False).update(description=text)


@transaction.atomic
def create_segment(*, actor: Any, no: str = "", **fields: Any) -> Segment:
    require_perm(actor, "segments.add_segment")
    segment = Segment(created_by=actor if getattr(actor, "pk", None) else None)
    template = fields.pop("template", None)
    if template is not None:
        _copy_template(segment, template)
    for key, value in fields.items():
        if key in HEADER_FIELDS:
            setattr(segment, key, value)
    if "salesperson" not in fields:
        segment.salesperson = _actor_salesperson(actor)
    if "date" not in fields or segment.date is None:
        segment.date = timezone.localdate()
    if "description" not in fields and template is not None and not segment.description:
        segment.description = template.description
    validate_instance(segment, exclude=["no", "no_series"])
    segment.no, segment.no_series = core_services.assign_no(
        model=Segment,
        typed_no=no,
        series=marketing_setup().segment_nos,
        setup_field=_("Segment Nos."),
    )
    validate_instance(segment)
    segment.save()
    if template is not None:
        _rebuild_header_languages(segment)
        if "language" in fields and fields["language"] is not None:
            _ensure_header_language(segment, fields["language"])
        segment.save()
    record_audit(actor=actor, action="create", obj=segment, after=snapshot(segment))
    return segment


def _ensure_header_language(segment: Segment, language: Language) -> SegmentInteractionLanguage:
    record, _created = SegmentInteractionLanguage.objects.get_or_create(
        segment=segment,
        line=None,
        language=language,
        defaults={
            "description": f"{segment.template.code if segment.template else ''} {language.code}".strip()
        },
    )
    return record


@transaction.atomic
def update_segment(
    *, actor: Any, segment: Segment, update_lines: bool = True, **fields: Any
) -> Segment:
    """Change the header. Changed propagating fields go to the lines with the header's template
    (a template change to all lines) when `update_lines` (BC's "Do you want to update the
    lines?", default Yes)."""
    require_perm(actor, CHANGE)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    before = Segment.objects.get(pk=segment.pk)
    lines = SegmentLine.objects.filter(segment=segment)
    same_template = lines.filter(template_id=before.template_id)

    template = fields.pop("template", before.template)
    if template is None and before.template_id is not None:
        raise field_error(
            "template",
            _("You must fill in the %(field)s field.") % {"field": _("Interaction Template Code")},
            "required",
        )
    template_changed = template is not None and template.pk != before.template_id
    if template_changed:
        has_lines = lines.exists()
        if has_lines and not update_lines:
            inherited = lines.filter(languages__isnull=True, attachment__isnull=False)
            if inherited.exists():
                raise field_error(
                    "template",
                    _(
                        "Interaction Template Code may not be modified without updating lines "
                        "when inherited attachments exist."
                    ),
                    "inherited_attachments",
                )
        _copy_template(segment, template)
        if "description" not in fields and (
            not segment.description
            or (before.template is not None and segment.description == before.template.description)
        ):
            segment.description = template.description
    for key, value in fields.items():
        if key in HEADER_FIELDS:
            setattr(segment, key, value)
    if "campaign" in fields and fields["campaign"] is None:
        # BC's page: clearing the campaign clears the target/response flags (header only).
        segment.campaign_target = False
        segment.campaign_response = False
    validate_instance(segment)
    segment.save()

    if template_changed:
        old_attachments = _rebuild_header_languages(segment)
        segment.save(update_fields=["subject"])
        if lines.exists() and update_lines:
            lines.update(template=template, group_id=template.group_id)
            # A line's description follows the template while the user has not typed one.
            _set_line_descriptions(segment, lines, segment.description)
            if segment.correspondence_type:
                lines.update(correspondence_type=segment.correspondence_type)
            _refresh_line_languages(segment, lines)
        delete_unreferenced_attachments(old_attachments)
        sync_target_groups()
        _audit_header(actor, before, segment, update_lines)
        return segment

    if not update_lines:
        _sync_language(segment, before, fields)
        _audit_header(actor, before, segment, update_lines)
        return segment
    changed = {
        key: getattr(segment, key)
        for key in PROPAGATED
        if key in fields and getattr(before, key) != getattr(segment, key)
    }
    for key, value in changed.items():
        target = PROPAGATED[key]
        if key == "description":
            _set_line_descriptions(segment, same_template, value)
        else:
            same_template.update(**{target: value})
    if (
        "correspondence_type" in fields
        and segment.correspondence_type
        and segment.correspondence_type != before.correspondence_type
        and (sql.header_language_record(segment) or segment.template_id)
    ):
        # BC: only when there is something to send and the new value is not blank.
        same_template.update(correspondence_type=segment.correspondence_type)
    _sync_language(segment, before, fields)
    if "campaign" in changed or "campaign_target" in changed:
        sync_target_groups()
    _audit_header(actor, before, segment, update_lines)
    return segment


def _audit_header(actor: Any, before: Segment, segment: Segment, update_lines: bool) -> None:
    record_audit(
        actor=actor,
        action="change",
        obj=segment,
        before=snapshot(before),
        after=snapshot(segment),
        details={"update_lines": update_lines} if not update_lines else None,
    )


def _sync_language(segment: Segment, before: Segment, fields: dict[str, Any]) -> None:
    """BC 3.1.3: a new default language gets its header record; the subject follows it."""
    if "language" in fields and segment.language_id != before.language_id:
        if segment.language is not None:
            record = _ensure_header_language(segment, segment.language)
            if "subject" not in fields:
                segment.subject = record.subject
        segment.save(update_fields=["language", "subject"])
    if "subject" in fields and segment.subject != before.subject and segment.language_id:
        record = _ensure_header_language(segment, segment.language)  # type: ignore[arg-type]
        SegmentInteractionLanguage.objects.filter(pk=record.pk).update(subject=segment.subject)
        SegmentLine.objects.filter(
            segment=segment,
            template_id=segment.template_id,
            language_id=segment.language_id,
            subject=before.subject,
            languages__isnull=True,
        ).update(subject=segment.subject)


@transaction.atomic
def delete_segment(*, actor: Any, segment: Segment) -> None:
    require_perm(actor, "segments.delete_segment")
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    before, lines = snapshot(segment), SegmentLine.objects.filter(segment=segment).count()
    purge_segment(segment)
    record_audit(actor=actor, action="delete", obj=segment, before=before, details={"lines": lines})


def purge_segment(segment: Segment) -> None:
    """Delete a segment with its lines, criteria, history and languages, set-based; files only
    it used go too (lines' own files go with the lines)."""
    attachment_ids = list(
        segment.languages.exclude(attachment=None).values_list("attachment_id", flat=True)
    ) + list(
        segment.history.exclude(attachment=None)
        .values_list("attachment_id", flat=True)
        .distinct()
        .order_by()
    )
    sql.delete_lines(segment, "1 = 1", ())
    segment.history.all()._raw_delete(segment.history.db)  # type: ignore[attr-defined]
    segment.criteria_steps.all()._raw_delete(segment.criteria_steps.db)  # type: ignore[attr-defined]
    segment.languages.all().delete()
    Segment.objects.filter(pk=segment.pk).delete()
    delete_unreferenced_attachments(attachment_ids)
    sync_target_groups()


# --- lines by hand --------------------------------------------------------------------------


def next_step_no(segment: Segment) -> int:
    last = (
        SegmentCriteriaStep.objects.filter(segment=segment)
        .order_by("-step_no")
        .values_list("step_no", flat=True)
        .first()
    )
    return int(last or 0) + 1


def record_step(
    *, actor: Any, segment: Segment, action: str, filters: dict[str, Any], **values: Any
) -> SegmentCriteriaStep:
    return SegmentCriteriaStep.objects.create(
        segment=segment,
        step_no=next_step_no(segment),
        action=action,
        filters=filters,
        user=actor if getattr(actor, "pk", None) else None,
        lines_after=SegmentLine.objects.filter(segment=segment).count(),
        **values,
    )


def _check_contact(contact: Contact) -> None:
    # The stored flag, not the caller's copy: a contact blocked meanwhile is never added.
    if Contact.objects.filter(pk=contact.pk, privacy_blocked=True).exists():
        raise field_error(
            "contact",
            _("You cannot add contact %(no)s: it is marked Privacy Blocked.") % {"no": contact.no},
            "privacy_blocked",
        )


@transaction.atomic
def add_segment_line(
    *, actor: Any, segment: Segment, contact: Contact, **overrides: Any
) -> SegmentLine:
    """A line added by hand: defaulted from the header and the contact (BC 3.2.1), then the
    caller's values. Recorded as an "Add Contacts" step on that contact."""
    require_perm(actor, CHANGE)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    _check_contact(contact)
    step = record_step(
        actor=actor,
        segment=segment,
        action=CriteriaAction.ADD,
        filters={"contact": {"no": contact.no}},
        allow_existing_contacts=True,
        manual=True,
    )
    sql.insert_lines(segment, Contact.objects.filter(pk=contact.pk).values("pk"))
    line = SegmentLine.objects.filter(segment=segment).order_by("-line_no").first()
    assert line is not None
    if overrides:
        line = _apply_line_changes(segment, line, overrides)
    SegmentCriteriaStep.objects.filter(pk=step.pk).update(
        lines_added=1,
        lines_after=F("lines_after") + 1,
        first_line_no=line.line_no,
        last_line_no=line.line_no,
    )
    sync_target_groups()
    record_audit(
        actor=actor,
        action="change",
        obj=segment,
        details={"line_added": line.line_no, "contact": contact.no},
    )
    return line


def _apply_line_changes(segment: Segment, line: SegmentLine, fields: dict[str, Any]) -> SegmentLine:
    template = fields.pop("template", line.template)
    replaced = [line.attachment_id or 0]
    if template is not None and template.pk != line.template_id:
        replaced += _set_line_template(segment, line, template)
    for key, value in fields.items():
        if key in LINE_FIELDS and key != "contact":
            setattr(line, key, value)
    if "description" in fields:
        line.description_typed = bool(line.description) and (
            line.template is None or line.description != line.template.description
        )
    if "language" in fields and line.language_id:
        record = SegmentInteractionLanguage.objects.filter(
            segment=segment, line=None, language_id=line.language_id
        ).first()
        line.attachment_id = record.attachment_id if record else None
        if "subject" not in fields:
            line.subject = record.subject if record else ""
    validate_instance(line, exclude=["segment"])
    line.save()
    delete_unreferenced_attachments(replaced)
    return line


def _set_line_template(
    segment: Segment, line: SegmentLine, template: InteractionTemplate
) -> list[int]:
    """BC 3.2.2 with rules 1 and 8: choosing a template resets and sets the line's defaults; the
    description follows the template unless the user typed one. Returns the attachments the
    line used before, to delete after it is saved if nothing else uses them."""
    previous = line.template
    line.template = template
    line.group_id = template.group_id
    line.cost = template.unit_cost
    line.duration = template.unit_duration
    line.information_flow = template.information_flow
    line.initiated_by = template.initiated_by
    line.campaign_target = template.campaign_target
    line.campaign_response = template.campaign_response
    if not line.description_typed or not line.description:
        line.description = template.description
        line.description_typed = False
    elif previous is not None and line.description == previous.description:
        line.description = template.description
    if segment.ignore_contact_corres_type and segment.correspondence_type:
        line.correspondence_type = segment.correspondence_type
    elif template.ignore_contact_corres_type or (
        not line.contact.correspondence_type and template.correspondence_type
    ):
        line.correspondence_type = template.correspondence_type
    elif line.contact.correspondence_type:
        line.correspondence_type = line.contact.correspondence_type
    line.campaign_id = segment.campaign_id or template.campaign_id
    own = SegmentInteractionLanguage.objects.filter(line=line)
    replaced = [*own.exclude(attachment=None).values_list("attachment_id", flat=True)]
    replaced.append(line.attachment_id or 0)
    own.delete()
    if template.pk == segment.template_id:
        record = SegmentInteractionLanguage.objects.filter(
            segment=segment, line=None, language=line.contact.language
        ).first() or sql.header_language_record(segment)
        line.language_id = record.language_id if record else segment.language_id
        line.attachment_id = record.attachment_id if record else None
        line.subject = record.subject if record else ""
    else:
        # A line with its own template gets the template's languages as its own records.
        rows = list(InteractionTemplateLanguage.objects.filter(template=template))
        line.save()
        SegmentInteractionLanguage.objects.bulk_create(
            SegmentInteractionLanguage(
                segment=segment,
                line=line,
                language_id=row.language_id,  # type: ignore[misc]
                description=row.description,
                attachment_id=row.attachment_id,
            )
            for row in rows
        )
        chosen = next(
            (r for r in rows if r.language_id == line.contact.language_id),
            next((r for r in rows if r.language_id == template.language_id), None),
        ) or (rows[0] if rows else None)
        line.language_id = chosen.language_id if chosen else template.language_id
        line.attachment_id = chosen.attachment_id if chosen else None
        line.subject = ""
    return replaced


@transaction.atomic
def update_segment_line(*, actor: Any, line: SegmentLine, **fields: Any) -> SegmentLine:
    """Edit one line. A new contact re-initialises the line from the header (BC 3.2.1) and is
    recorded as a removal and an addition."""
    require_perm(actor, CHANGE)
    segment = Segment.objects.select_for_update().get(pk=line.segment_id)
    line = SegmentLine.objects.select_related("contact", "template").get(pk=line.pk)
    line_before = snapshot(line)
    contact = fields.pop("contact", None)
    if contact is not None and contact.pk != line.contact_id:
        _check_contact(contact)
        line_no = line.line_no
        remove_segment_lines(
            actor=actor, segment=segment, lines=SegmentLine.objects.filter(pk=line.pk)
        )
        line = add_segment_line(actor=actor, segment=segment, contact=contact)
        if (
            line.line_no != line_no
            and not SegmentLine.objects.filter(segment=segment, line_no=line_no).exists()
        ):
            # Keep the line where it stood.
            SegmentLine.objects.filter(pk=line.pk).update(line_no=line_no)
            SegmentCriteriaStep.objects.filter(segment=segment, last_line_no=line.line_no).update(
                first_line_no=line_no, last_line_no=line_no
            )
            line.line_no = line_no
    if fields:
        line = _apply_line_changes(segment, line, fields)
    sync_target_groups()
    record_audit(
        actor=actor,
        action="change",
        obj=segment,
        before=line_before,
        after=snapshot(line),
        details={"line_no": line.line_no},
    )
    return line


@transaction.atomic
def remove_segment_lines(*, actor: Any, segment: Segment, lines: QuerySet[SegmentLine]) -> int:
    """Remove lines by hand: recorded as a "Reduce" step naming the contacts, each deleted line
    kept whole in the history (Go Back restores it as it was)."""
    require_perm(actor, CHANGE)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    chosen = lines.filter(segment=segment)
    nos = list(
        Contact.objects.filter(pk__in=chosen.values("contact_id"))
        .order_by("no")
        .values_list("no", flat=True)[:51]
    )
    if not nos:
        return 0
    step = record_step(
        actor=actor,
        segment=segment,
        action=CriteriaAction.REDUCE,
        filters={"contact": {"no": "|".join(nos)}} if len(nos) <= 50 else {},
        manual=True,
    )
    removed = remove_lines(segment, step, chosen)
    SegmentCriteriaStep.objects.filter(pk=step.pk).update(
        lines_removed=removed, lines_after=F("lines_after") - removed
    )
    sync_target_groups()
    record_audit(
        actor=actor,
        action="change",
        obj=segment,
        details={"lines_removed": removed, "step": step.step_no, "contacts": nos[:50]},
    )
    return removed


def remove_lines(segment: Segment, step: SegmentCriteriaStep, chosen: QuerySet[SegmentLine]) -> int:
    """Delete `chosen` lines of the segment set-based, each kept whole in the step's history."""
    ids_sql, ids_params = sql.subquery(chosen.values("pk"))
    where = f"l.{sql.q('id')} IN ({ids_sql})"
    sql.copy_lines_to_history(
        segment, step.step_no, SegmentHistoryAction.DELETION, where, ids_params
    )
    return sql.delete_lines(segment, f"{sql.q('id')} IN ({ids_sql})", ids_params)
