"""Reads of segments shared by the pages and the API: lists with their counts."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from rapport.core.listing import Filter, ListSpec, parse_bool, parse_code
from rapport.interactions.services.delivery import Document
from rapport.segments.models import (
    LoggedSegment,
    SavedSegmentCriteria,
    Segment,
    SegmentCriteriaStep,
    SegmentInteractionLanguage,
    SegmentLine,
)
from rapport.segments.services.logging import logged_segment_counts

SEGMENT_LIST = ListSpec(
    search_fields=["no__icontains", "description__icontains"],
    filters={
        "campaign_no": Filter("campaign__no", parse_code, _("Campaign No.")),
        "salesperson_code": Filter("salesperson__code", parse_code, _("Salesperson Code")),
        "template_code": Filter("template__code", parse_code, _("Interaction Template Code")),
    },
    sorts={"no": ["no"], "description": ["description", "no"], "date": ["date", "no"]},
    default_sort="-no",
)

LINE_LIST = ListSpec(
    search_fields=["contact__no__icontains", "contact__name__icontains"],
    filters={
        "contact_no": Filter("contact__no", parse_code, _("Contact No.")),
        "template_code": Filter("template__code", parse_code, _("Interaction Template Code")),
    },
    sorts={"line_no": ["line_no"], "contact_name": ["contact__name", "line_no"]},
    default_sort="line_no",
    page_size=100,
    max_page_size=500,
)

LOGGED_LIST = ListSpec(
    search_fields=["segment_no__icontains", "description__icontains"],
    filters={
        "canceled": Filter("canceled", parse_bool, _("Canceled")),
        "segment_no": Filter("segment_no", parse_code, _("Segment No.")),
    },
    sorts={"entry_no": ["pk"], "segment_no": ["segment_no", "pk"], "date": ["creation_date", "pk"]},
    default_sort="-entry_no",
)


def segments() -> QuerySet[Segment]:
    return Segment.objects.select_related("template", "salesperson", "campaign").annotate(
        no_of_lines=Count("lines", distinct=True),
        no_of_criteria_actions=Count("criteria_steps", distinct=True),
    )


def segment_lines(segment: Segment) -> QuerySet[SegmentLine]:
    return (
        SegmentLine.objects.filter(segment=segment)
        .select_related(
            "contact", "contact_company", "template", "salesperson", "campaign", "language"
        )
        .annotate(
            has_own_languages=Exists(SegmentInteractionLanguage.objects.filter(line=OuterRef("pk")))
        )
    )


def criteria_steps(segment: Segment) -> QuerySet[SegmentCriteriaStep]:
    return SegmentCriteriaStep.objects.filter(segment=segment).select_related("user")


def logged_segments() -> QuerySet[LoggedSegment]:
    return logged_segment_counts(LoggedSegment.objects.select_related("user"))


def saved_criteria() -> QuerySet[SavedSegmentCriteria]:
    return SavedSegmentCriteria.objects.select_related("user").annotate(
        no_of_actions=Count("steps")
    )


def preview_line(line: SegmentLine) -> Document:
    """The document this line's contact would get if the segment were logged now: its
    attachment merged with the values logging would freeze (issue #12, preview)."""
    from rapport.core.validation import field_error
    from rapport.interactions.services.delivery import no_attachment_message, preview_document
    from rapport.interactions.snapshots import render_language, snapshot_values

    line = SegmentLine.objects.select_related(
        "contact__company", "contact__language", "salesperson", "language", "attachment"
    ).get(pk=line.pk)
    if line.attachment is None:
        raise field_error("attachment", no_attachment_message(), "no_attachment")
    subject = line.subject or line.description
    snapshot = snapshot_values(
        contact=line.contact,
        salesperson=line.salesperson,
        description=line.description,
        subject=subject,
        date=line.date,
        remarks=line.remarks,
        language=line.language,
    )
    return preview_document(
        line.attachment, snapshot, language=render_language(line.language), subject=subject
    )
