"""Segment interaction languages (BC 3.3): a segment's per-language attachment and subject
(header level, inherited by lines) and a line's own ones (unique to that line)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.audit import record_audit
from rapport.core.models import Language
from rapport.core.validation import field_error, require_perm, validate_instance
from rapport.interactions import attachments as files
from rapport.interactions.attachments import Upload
from rapport.interactions.services import delete_unreferenced_attachments
from rapport.interactions.services.setup import new_template_attachment
from rapport.segments.models import Segment, SegmentInteractionLanguage, SegmentLine
from rapport.segments.services.header import CHANGE, _refresh_line_languages

_UNSET: Any = object()


def _new_attachment(actor: Any, upload: Upload) -> Any:
    return new_template_attachment(actor=actor, upload=upload, field_name="file")


@transaction.atomic
def save_segment_language(
    *,
    actor: Any,
    segment: Segment,
    language: Language,
    line: SegmentLine | None = None,
    subject: str | None = None,
    description: str | None = None,
    upload: Upload | None = None,
    remove_attachment: bool = False,
) -> SegmentInteractionLanguage:
    """Create or change a language record of the segment (header level) or of one line (then
    unique to it). The lines that use a header record follow its subject and attachment; a
    line's own record overrides the header for that line."""
    require_perm(actor, CHANGE)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if line is not None and line.segment_id != segment.pk:
        raise field_error("line_no", _("The line is not on this segment."), "invalid")
    if segment.template_id is None:
        raise field_error(
            "template",
            _("You must fill in the %(field)s field.") % {"field": _("Interaction Template Code")},
            "required",
        )
    record = SegmentInteractionLanguage.objects.filter(
        segment=segment, line=line, language=language
    ).first()
    first_header_record = (
        line is None
        and record is None
        and not SegmentInteractionLanguage.objects.filter(segment=segment, line=None).exists()
    )
    if record is None:
        record = SegmentInteractionLanguage(
            segment=segment,
            line=line,
            language=language,
            description=f"{segment.template.code} {language.code}",  # type: ignore[union-attr]
        )
    old_subject, old_attachment = record.subject, record.attachment_id
    if subject is not None:
        record.subject = subject
    if description is not None:
        record.description = description
    if upload is not None:
        files.check_upload(upload, "file")
        record.attachment = _new_attachment(actor, upload)
    elif remove_attachment:
        record.attachment = None
    validate_instance(record, exclude=["segment", "line"])
    record.save()

    lines = SegmentLine.objects.filter(segment=segment)
    if line is not None:
        SegmentLine.objects.filter(pk=line.pk).update(
            language=language, subject=record.subject, attachment_id=record.attachment_id
        )
    else:
        inherited = lines.filter(template_id=segment.template_id, languages__isnull=True)
        if first_header_record:
            _refresh_line_languages(segment, inherited)
        else:
            inherited.filter(language=language, attachment=old_attachment).update(
                attachment_id=record.attachment_id
            )
            inherited.filter(language=language, subject=old_subject).update(subject=record.subject)
        if language.pk == segment.language_id and segment.subject == old_subject:
            Segment.objects.filter(pk=segment.pk).update(subject=record.subject)
    if old_attachment and old_attachment != record.attachment_id:
        delete_unreferenced_attachments([old_attachment])
    record_audit(
        actor=actor,
        action="change",
        obj=segment,
        details={
            "segment_language": language.code,
            "line_no": line.line_no if line is not None else None,
            "subject": record.subject,
            "description": record.description,
            "attachment": record.attachment.file_name if record.attachment else None,
        },
    )
    return record


@transaction.atomic
def delete_segment_language(*, actor: Any, record: SegmentInteractionLanguage) -> None:
    """Remove a language record. Its lines fall back: a line's own record to the header's, a
    header record's lines to the contact's language or the default; a removed default language
    moves to another header record or becomes blank."""
    require_perm(actor, CHANGE)
    segment = Segment.objects.select_for_update().get(pk=record.segment_id)
    attachment = record.attachment_id
    line = record.line
    record.delete()
    lines = SegmentLine.objects.filter(segment=segment)
    if line is None and record.language_id == segment.language_id:
        other = (
            SegmentInteractionLanguage.objects.filter(segment=segment, line=None)
            .order_by("language__code")
            .first()
        )
        segment.language_id = other.language_id if other else None
        segment.subject = other.subject if other else ""
        segment.save(update_fields=["language", "subject"])
    if line is not None:
        _refresh_line_languages(segment, lines.filter(pk=line.pk))
    else:
        _refresh_line_languages(segment, lines.filter(template_id=segment.template_id))
    delete_unreferenced_attachments([attachment])
    record_audit(
        actor=actor,
        action="change",
        obj=segment,
        details={
            "segment_language_deleted": record.language.code if record.language else "",
            "line_no": line.line_no if line is not None else None,
        },
    )
