"""API shapes for segments. Related rows are named by code or number (`template_code`,
`contact_no`, `campaign_no`, `salesperson_code`, `language_code`); amounts are decimals."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from rapport.core.schemas import related_code

CorrespondenceIn = Literal["", "hard_copy", "email"]
InformationFlowIn = Literal["", "outbound", "inbound"]
InitiatedByIn = Literal["", "us", "them"]
EvaluationIn = Literal["", "very_positive", "positive", "neutral", "negative", "very_negative"]
ActionIn = Literal["add", "reduce", "refine"]


class SegmentIn(Schema):
    no: str = Field(
        "", max_length=20, description="Blank: the next no. of the Segment Nos. series."
    )
    description: str = Field("", max_length=100)
    template_code: str = Field("", max_length=10)
    salesperson_code: str | None = Field(
        None, max_length=20, description="Omitted: your own salesperson. Blank: none."
    )
    campaign_no: str = Field("", max_length=20)
    campaign_target: bool | None = None
    campaign_response: bool | None = None
    date: datetime.date | None = None
    language_code: str | None = Field(None, max_length=10)
    subject: str | None = Field(None, max_length=100)
    correspondence_type: CorrespondenceIn | None = None
    unit_cost: Decimal | None = Field(None, ge=0)
    unit_duration: Decimal | None = Field(None, ge=0)
    information_flow: InformationFlowIn | None = None
    initiated_by: InitiatedByIn | None = None
    ignore_contact_corres_type: bool | None = None
    send_word_docs_as_attachment: bool = False


class SegmentPatch(Schema):
    """Only the fields sent change. Changed fields go to the lines with the header's template
    (a template to all lines) unless `update_lines` is false (BC's question, default Yes)."""

    update_lines: bool = True
    description: str | None = Field(None, max_length=100)
    template_code: str | None = Field(None, max_length=10)
    salesperson_code: str | None = Field(None, max_length=20)
    campaign_no: str | None = Field(None, max_length=20)
    campaign_target: bool | None = None
    campaign_response: bool | None = None
    date: datetime.date | None = None
    language_code: str | None = Field(None, max_length=10)
    subject: str | None = Field(None, max_length=100)
    correspondence_type: CorrespondenceIn | None = None
    unit_cost: Decimal | None = Field(None, ge=0)
    unit_duration: Decimal | None = Field(None, ge=0)
    information_flow: InformationFlowIn | None = None
    initiated_by: InitiatedByIn | None = None
    ignore_contact_corres_type: bool | None = None
    send_word_docs_as_attachment: bool | None = None


class SegmentOut(Schema):
    no: str
    description: str
    template_code: str
    group_code: str
    salesperson_code: str
    campaign_no: str
    campaign_target: bool
    campaign_response: bool
    date: datetime.date | None
    language_code: str
    subject: str
    correspondence_type: str
    unit_cost: Decimal
    unit_duration: Decimal
    information_flow: str
    initiated_by: str
    ignore_contact_corres_type: bool
    send_word_docs_as_attachment: bool
    no_of_lines: int = 0
    no_of_criteria_actions: int = 0

    @staticmethod
    def resolve_template_code(obj: Any) -> str:
        return related_code(obj, "template")

    @staticmethod
    def resolve_group_code(obj: Any) -> str:
        return related_code(obj, "group")

    @staticmethod
    def resolve_salesperson_code(obj: Any) -> str:
        return related_code(obj, "salesperson")

    @staticmethod
    def resolve_campaign_no(obj: Any) -> str:
        return related_code(obj, "campaign", "no")

    @staticmethod
    def resolve_language_code(obj: Any) -> str:
        return related_code(obj, "language")


class SegmentLineIn(Schema):
    contact_no: str = Field(max_length=20)
    description: str | None = Field(None, max_length=100)
    template_code: str | None = Field(None, max_length=10)
    salesperson_code: str | None = Field(None, max_length=20)
    campaign_no: str | None = Field(None, max_length=20)
    correspondence_type: CorrespondenceIn | None = None
    cost: Decimal | None = Field(None, ge=0)
    duration: Decimal | None = Field(None, ge=0)
    language_code: str | None = Field(None, max_length=10)
    subject: str | None = Field(None, max_length=100)
    evaluation: EvaluationIn | None = None
    date: datetime.date | None = None
    remarks: str | None = Field(
        None, max_length=250, description="Free text merged as {{ remarks }}."
    )


class SegmentLinePatch(Schema):
    contact_no: str | None = Field(None, max_length=20)
    description: str | None = Field(None, max_length=100)
    template_code: str | None = Field(None, max_length=10)
    salesperson_code: str | None = Field(None, max_length=20)
    campaign_no: str | None = Field(None, max_length=20)
    correspondence_type: CorrespondenceIn | None = None
    cost: Decimal | None = Field(None, ge=0)
    duration: Decimal | None = Field(None, ge=0)
    language_code: str | None = Field(None, max_length=10)
    subject: str | None = Field(None, max_length=100)
    evaluation: EvaluationIn | None = None
    date: datetime.date | None = None
    remarks: str | None = Field(
        None, max_length=250, description="Free text merged as {{ remarks }}."
    )


class SegmentLineOut(Schema):
    line_no: int
    contact_no: str
    contact_name: str
    contact_company_no: str
    description: str
    template_code: str
    salesperson_code: str
    campaign_no: str
    correspondence_type: str
    cost: Decimal
    duration: Decimal
    language_code: str
    subject: str
    evaluation: str
    date: datetime.date | None
    remarks: str = ""
    attachment: Literal["", "inherited", "unique"] = ""

    @staticmethod
    def resolve_contact_no(obj: Any) -> str:
        return related_code(obj, "contact", "no")

    @staticmethod
    def resolve_contact_name(obj: Any) -> str:
        return related_code(obj, "contact", "name")

    @staticmethod
    def resolve_contact_company_no(obj: Any) -> str:
        return related_code(obj, "contact_company", "no")

    @staticmethod
    def resolve_template_code(obj: Any) -> str:
        return related_code(obj, "template")

    @staticmethod
    def resolve_salesperson_code(obj: Any) -> str:
        return related_code(obj, "salesperson")

    @staticmethod
    def resolve_campaign_no(obj: Any) -> str:
        return related_code(obj, "campaign", "no")

    @staticmethod
    def resolve_language_code(obj: Any) -> str:
        return related_code(obj, "language")

    @staticmethod
    def resolve_attachment(obj: Any) -> str:
        if not obj.attachment_id:
            return ""
        return "unique" if getattr(obj, "has_own_languages", False) else "inherited"


class LineNosIn(Schema):
    line_nos: list[int] = Field(min_length=1, max_length=10000)


class ContactFiltersIn(Schema):
    no: str | None = None
    name: str | None = None
    search_name: str | None = None
    type: Literal["company", "person"] | None = None
    company_no: str | None = None
    company_name: str | None = None
    salesperson_code: str | None = None
    post_code: str | None = None
    city: str | None = None
    country_code: str | None = None
    language_code: str | None = None
    job_title: str | None = None
    email: str | None = None


class InteractionFiltersIn(Schema):
    template_code: str | None = None
    group_code: str | None = None
    campaign_no: str | None = None
    salesperson_code: str | None = None
    segment_no: str | None = None
    logged_segment_entry_no: str | None = None
    evaluation: str | None = Field(None, description="One or more, separated by |.")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class FiltersIn(Schema):
    """AND between groups; text takes `|` between alternatives and `*` as a wildcard."""

    contact: ContactFiltersIn | None = None
    business_relation_code: str | None = None
    campaign_no: str | None = Field(None, description="Has a counted interaction in the campaign.")
    interaction: InteractionFiltersIn | None = Field(
        None, description="Has a counted interaction matching all of these."
    )
    no_interaction_since: datetime.date | None = None


class CriteriaIn(Schema):
    action: ActionIn
    filters: FiltersIn | None = None
    allow_existing_contacts: bool = False
    expand_companies: bool = False
    allow_related_companies: bool = False
    ignore_exclusion: bool = False
    entire_companies: bool = Field(False, description="Reduce/Refine only.")


class CriteriaStepOut(Schema):
    step_no: int
    action: str
    filters: dict[str, Any]
    filter_text: list[str]
    allow_existing_contacts: bool
    expand_companies: bool
    allow_related_companies: bool
    ignore_exclusion: bool
    entire_companies: bool
    manual: bool
    lines_added: int
    lines_removed: int
    privacy_blocked_skipped: int
    lines_after: int
    user: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_filter_text(obj: Any) -> list[str]:
        from rapport.segments.criteria import describe

        try:
            return describe(obj.filters)
        except KeyError:
            return []

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return obj.user.username if obj.user_id else ""


class CriteriaResultOut(Schema):
    added: int
    removed: int
    privacy_blocked: int = Field(description="Matching contacts left out: Privacy Blocked.")
    lines: int
    step_no: int | None = None


class GoBackIn(Schema):
    to_step: int | None = Field(
        None, ge=0, description="Undo every step after this one; omitted: the last step only."
    )


class SaveCriteriaIn(Schema):
    code: str = Field(max_length=10)
    description: str = Field("", max_length=100)


class ReuseCriteriaIn(Schema):
    criteria_code: str = Field(max_length=10)


class ReuseLoggedSegmentIn(Schema):
    logged_segment_entry_no: int


class SavedCriteriaOut(Schema):
    code: str
    description: str
    no_of_actions: int = 0
    user: str

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return obj.user.username if obj.user_id else ""


class LogSegmentIn(Schema):
    deliver: bool = Field(False, description="Send attachments (needs e-mail addresses).")
    follow_up: bool = Field(False, description="Create a follow-up segment with the same contacts.")


class DeliveryCountsOut(Schema):
    """Entries per delivery status. `unknown`: the job sending them stopped before it recorded
    the outcome; resend them if they did not arrive."""

    in_progress: int = 0
    sent: int = 0
    error: int = 0
    unknown: int = 0


class LoggedSegmentOut(Schema):
    entry_no: int
    segment_no: str
    description: str
    creation_date: datetime.date
    user: str
    canceled: bool
    follow_up_segment_no: str
    no_of_interactions: int = 0
    no_of_campaign_entries: int = 0
    delivery: DeliveryCountsOut

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return obj.user.username if obj.user_id else ""

    @staticmethod
    def resolve_delivery(obj: Any) -> dict[str, int]:
        counts = getattr(obj, "delivery_counts", None)
        if counts is not None:
            return dict(counts)
        from rapport.interactions.models import InteractionLogEntry
        from rapport.interactions.services.delivery import delivery_counts

        return delivery_counts(InteractionLogEntry.objects.filter(logged_segment_entry_no=obj.pk))


class LogResultOut(Schema):
    logged_segment: LoggedSegmentOut
    interactions: int
    campaign_entries: int
    follow_up_segment_no: str = ""
    delivery_job_id: int | None = Field(
        None, description="The job sending the documents (with deliver); follow it at /jobs/{id}."
    )


class LinePreviewOut(Schema):
    """The merged document of one line, as logging would make it now."""

    subject: str
    file_name: str
    content_type: str
    html: str = Field(description="An e-mail's HTML body, or a Word document rendered as HTML.")
    text: str = Field(description="An e-mail's plain-text part.")
    content_base64: str = Field(description="The document's bytes (an e-mail: its HTML).")


class JobStartedOut(Schema):
    job_id: int


class EntryNosIn(Schema):
    entry_nos: list[int] = Field(min_length=1, max_length=10000)


class ChangedOut(Schema):
    changed: int


class FollowUpIn(Schema):
    evaluation: list[EvaluationIn] = Field(default_factory=list)
    attempt_failed: bool | None = None
    description: str = Field("", max_length=100)


class SegmentLanguageIn(Schema):
    """A language record of the segment (or, with `line_no`, of one line). The file is sent as
    base64 in `file_base64` with its `file_name`."""

    line_no: int | None = Field(None, description="Omitted: the segment (header) level.")
    subject: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=100)
    file_name: str = Field("", max_length=250)
    file_base64: str | None = None
    remove_attachment: bool = False


class SegmentLanguageOut(Schema):
    language_code: str
    line_no: int | None
    description: str
    subject: str
    attachment_id: int | None
    file_name: str

    @staticmethod
    def resolve_language_code(obj: Any) -> str:
        return obj.language.code

    @staticmethod
    def resolve_line_no(obj: Any) -> int | None:
        return obj.line.line_no if obj.line_id else None

    @staticmethod
    def resolve_file_name(obj: Any) -> str:
        return obj.attachment.file_name if obj.attachment_id else ""
