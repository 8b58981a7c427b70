"""API shapes for interactions. Related rows are named by their codes or numbers
(`contact_no`, `template_code`, ...); lengths follow BC (Code[10] template, Text[100] description).
Amounts (cost, duration) are decimals, written as strings in JSON so no digit is lost."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils import translation
from ninja import Schema
from pydantic import Field, create_model

from rapport.core.schemas import PatchSchema, RowSchema, related_code
from rapport.interactions.models import SETUP_TEMPLATE_FIELDS, setup_caption

CorrespondenceIn = Literal["", "hard_copy", "email"]
InformationFlowIn = Literal["", "outbound", "inbound"]
InitiatedByIn = Literal["", "us", "them"]
WizardActionIn = Literal["", "open", "import", "merge"]


# --- interaction groups ------------------------------------------------------------------------


class InteractionGroupIn(Schema):
    code: str = Field(max_length=10)
    description: str = Field("", max_length=100)


class InteractionGroupPatch(PatchSchema):
    description: str | None = Field(None, max_length=100)


class InteractionGroupOut(Schema):
    code: str
    description: str


class MonthOut(Schema):
    month: datetime.date
    count: int
    cost: Decimal


class StatisticsOut(Schema):
    """What the statistics pages show: counted entries (neither canceled nor postponed)."""

    no_of_interactions: int
    cost: Decimal
    duration: Decimal
    monthly: list[MonthOut]


# --- interaction templates ---------------------------------------------------------------------


class InteractionTemplateIn(Schema):
    code: str = Field(max_length=10)
    group_code: str = Field("", max_length=10)
    description: str = Field("", max_length=100)
    unit_cost: Decimal = Decimal(0)
    unit_duration: Decimal = Decimal(0)
    information_flow: InformationFlowIn = ""
    initiated_by: InitiatedByIn = ""
    campaign_no: str = Field("", max_length=20)
    campaign_target: bool = False
    campaign_response: bool = False
    correspondence_type: CorrespondenceIn = "email"
    ignore_contact_corres_type: bool = False
    wizard_action: WizardActionIn = ""
    language_code: str = Field("", max_length=10, description="Language Code (Default)")


class InteractionTemplatePatch(PatchSchema):
    """Only the fields sent are changed."""

    nullable = frozenset({"campaign_no", "language_code"})

    group_code: str | None = Field(None, max_length=10)
    description: str | None = Field(None, max_length=100)
    unit_cost: Decimal | None = None
    unit_duration: Decimal | None = None
    information_flow: InformationFlowIn | None = None
    initiated_by: InitiatedByIn | None = None
    campaign_no: str | None = Field(None, max_length=20)
    campaign_target: bool | None = None
    campaign_response: bool | None = None
    correspondence_type: CorrespondenceIn | None = None
    ignore_contact_corres_type: bool | None = None
    wizard_action: WizardActionIn | None = None
    language_code: str | None = Field(None, max_length=10)


class InteractionTemplateOut(Schema):
    code: str
    group_code: str
    description: str
    unit_cost: Decimal
    unit_duration: Decimal
    information_flow: str
    initiated_by: str
    campaign_no: str
    campaign_target: bool
    campaign_response: bool
    correspondence_type: str
    ignore_contact_corres_type: bool
    wizard_action: str
    language_code: str

    @staticmethod
    def resolve_group_code(obj: Any) -> str:
        return related_code(obj, "group")

    @staticmethod
    def resolve_campaign_no(obj: Any) -> str:
        return related_code(obj, "campaign", "no")

    @staticmethod
    def resolve_language_code(obj: Any) -> str:
        return related_code(obj, "language")


class FileIn(Schema):
    """A file in a JSON body: its name, content type and bytes as base64."""

    file_name: str = Field(max_length=250)
    content_type: str = Field("", max_length=100)
    content: str = Field(description="The file's bytes, base64-encoded (RFC 4648).")


class TemplateLanguageIn(Schema):
    """The JSON form of the multipart language upload."""

    description: str = Field("", max_length=100)
    file: FileIn | None = Field(None, description="Becomes (or replaces) the attachment.")
    replace: bool = Field(False, description="Confirm replacing an existing attachment.")


class AttachmentOut(Schema):
    attachment_no: int
    file_name: str
    file_extension: str
    content_type: str
    size: int
    storage_type: str
    read_only: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_attachment_no(obj: Any) -> int:
        return int(obj.pk)


class TemplateLanguageOut(Schema):
    template_code: str
    language_code: str = Field(description="Blank for the template's language-less row.")
    description: str
    has_attachment: bool
    attachment_no: int | None = Field(
        description="Attachment No.: download at /attachments/{attachment_no}."
    )
    attachment_file_name: str
    attachment_size: int | None

    @staticmethod
    def resolve_template_code(obj: Any) -> str:
        return related_code(obj, "template")

    @staticmethod
    def resolve_language_code(obj: Any) -> str:
        return related_code(obj, "language")

    @staticmethod
    def resolve_has_attachment(obj: Any) -> bool:
        return obj.attachment_id is not None

    @staticmethod
    def resolve_attachment_no(obj: Any) -> int | None:
        return obj.attachment_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_attachment_file_name(obj: Any) -> str:
        return related_code(obj, "attachment", "file_name")

    @staticmethod
    def resolve_attachment_size(obj: Any) -> int | None:
        return obj.attachment.size if obj.attachment is not None else None


class ExtraDocumentTypeOut(Schema):
    code: str
    description: str
    template_code: str = Field(description="Blank: events of this type are not logged.")


class ExtraDocumentTypeIn(Schema):
    code: str = Field(min_length=1, max_length=20)
    description: str = Field("", max_length=100)
    template_code: str = Field("", max_length=10)


def _setup_description(name: str) -> str:
    caption = setup_caption(name)
    with translation.override("en"):
        return f"{caption}: the interaction template's code (blank: none)."


TemplateSetupOut = create_model(  # type: ignore[call-overload]
    "TemplateSetupOut",
    __base__=Schema,
    __doc__="The Interaction Template Setup: a template code per system event (BC 5.1).",
    **{
        f"{name}_code": (str, Field(description=_setup_description(name)))
        for name in SETUP_TEMPLATE_FIELDS
    },
    skip_unrecorded_documents=(
        bool,
        Field(description="A document event without contact or template is skipped, not refused."),
    ),
    extra_document_types=(list[ExtraDocumentTypeOut], ...),
)


class _TemplateSetupPatchBase(PatchSchema):
    nullable = frozenset(f"{name}_code" for name in SETUP_TEMPLATE_FIELDS)


TemplateSetupPatch = create_model(  # type: ignore[call-overload]
    "TemplateSetupPatch",
    __base__=_TemplateSetupPatchBase,
    **{
        f"{name}_code": (
            str | None,
            Field(None, max_length=10, description=_setup_description(name)),
        )
        for name in SETUP_TEMPLATE_FIELDS
    },
    skip_unrecorded_documents=(bool | None, Field(None)),
    extra_document_types=(
        list[ExtraDocumentTypeIn] | None,
        Field(None, description="Replaces the extra document types (Rapport, beyond BC)."),
    ),
)


def template_setup_out(setup: Any, extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{name}_code": related_code(setup, name) for name in SETUP_TEMPLATE_FIELDS
    }
    data["skip_unrecorded_documents"] = setup.skip_unrecorded_documents
    data["extra_document_types"] = [
        {
            "code": row.code,
            "description": row.description,
            "template_code": related_code(row, "template"),
        }
        for row in extra
    ]
    return data


# --- creating interactions ---------------------------------------------------------------------

EvaluationIn = Literal["", "very_positive", "positive", "neutral", "negative", "very_negative"]


class CommentLineIn(Schema):
    """A comment line with its date (left out: today; `null`: no date) and optional code."""

    comment: str = Field(max_length=80)
    date: datetime.date | None = Field(None, description="Left out: today. `null`: no date.")
    code: str = Field("", max_length=10)


CommentsIn = list[str | CommentLineIn]


class InteractionSourceIn(Schema):
    """Where Create Interaction starts, as in BC. What the starting point determines is fixed:
    sending another value for it (or an empty one) is a 422 naming that field.

    - `{"type": "contact", "contact_no": ...}` fixes the contact;
    - `{"type": "salesperson", "salesperson_code": ...}` fixes the salesperson;
    - `{"type": "entry", "entry_no": ...}` fixes the entry's contact, campaign, open
      opportunity and (unless blocked) salesperson;
    - `{"type": "opportunity", "opportunity_no": ...}` fixes the opportunity's contact,
      salesperson and campaign; a closed (won or lost) opportunity is refused."""

    type: Literal["contact", "salesperson", "entry", "opportunity"]
    contact_no: str | None = Field(None, max_length=20)
    salesperson_code: str | None = Field(None, max_length=20)
    entry_no: int | None = None
    opportunity_no: str | None = Field(None, max_length=20)


class InteractionIn(Schema):
    """A field left out takes the template's default (or the postponed entry's value when
    resuming). Send `null` or `""` for `description`, `salesperson_code` or `date` to leave
    them empty on purpose: the same checks as in the page then report the missing field.
    `campaign_no` or `language_code` sent blank means none (not the template's)."""

    source: InteractionSourceIn | None = Field(
        None,
        description="The starting point (contact, salesperson, log entry or opportunity); "
        "the fields it determines are fixed. Not allowed when resuming: a postponed "
        "interaction keeps its own contact, salesperson, campaign and opportunity.",
    )
    contact_no: str | None = Field(None, max_length=20)
    template_code: str | None = Field(None, max_length=10)
    description: str | None = Field(None, max_length=100)
    salesperson_code: str | None = Field(None, max_length=20)
    date: datetime.date | None = None
    time: datetime.time | None = None
    correspondence_type: CorrespondenceIn | None = None
    information_flow: InformationFlowIn | None = None
    initiated_by: InitiatedByIn | None = None
    cost: Decimal | None = None
    duration: Decimal | None = None
    language_code: str | None = Field(None, max_length=10)
    evaluation: EvaluationIn = ""
    attempt_failed: bool = Field(
        False, description="BC's Attempt Failed (the wizard's Interaction Successful = No)."
    )
    campaign_no: str | None = Field(None, max_length=20)
    campaign_target: bool | None = None
    campaign_response: bool | None = None
    opportunity_no: str | None = Field(None, max_length=20)
    comments: CommentsIn | None = Field(
        None,
        description="Comment lines, each a text (dated today) or `{comment, date, code}`; when "
        "resuming, sent comments replace the old ones.",
    )
    attachment: FileIn | None = Field(
        None,
        description="A file of your own instead of the template's (as JSON with base64; "
        "the multipart `.../with-attachment` endpoints take the same file as an upload).",
    )
    postpone: bool = Field(False, description='"Finish later": save as a postponed interaction.')
    subject: str = Field(
        "", max_length=100, description="The e-mail's subject; empty: the description."
    )
    remarks: str = Field(
        "",
        max_length=10000,
        description="Free text for this contact's document (the merge field `remarks`).",
    )
    deliver: bool = Field(
        False,
        description="Send the document to the contact (by e-mail, or into a print bundle for "
        "hard copy) when the correspondence type is set: a delivery job starts after the "
        "entry is logged; follow it at `GET /jobs/{job_id}` or on the entry's `delivery`.",
    )
    create_opportunity: bool = Field(
        False, description='BC\'s "create opportunity?": one from the new entry, all or nothing.'
    )


class InteractionDefaultsOut(Schema):
    """The values a new interaction starts with, as the page shows them."""

    contact_no: str
    template_code: str
    salesperson_code: str
    date: datetime.date
    time: datetime.time
    description: str
    cost: Decimal | None
    duration: Decimal | None
    information_flow: str
    initiated_by: str
    correspondence_type: str
    language_code: str
    campaign_no: str
    campaign_target: bool
    campaign_response: bool
    evaluation: str
    attempt_failed: bool
    has_attachment: bool
    attachment_no: int | None = Field(
        description="Attachment No.: download at /attachments/{attachment_no}."
    )


# --- the log -----------------------------------------------------------------------------------


class CommentOut(Schema):
    line_no: int
    date: datetime.date | None
    code: str
    comment: str


class InteractionLogEntryOut(RowSchema):
    entry_no: int
    title: str
    contact_no: str
    contact_name: str
    contact_company_no: str
    date: datetime.date
    time: datetime.time | None
    description: str
    information_flow: str
    initiated_by: str
    has_attachment: bool
    attachment_no: int | None = Field(
        description="Attachment No.: download at /attachments/{attachment_no}."
    )
    cost: Decimal
    duration: Decimal
    user: str
    group_code: str
    template_code: str
    language_code: str
    campaign_no: str
    campaign_target: bool
    campaign_response: bool
    segment_no: str
    logged_segment_entry_no: int | None
    evaluation: str
    attempt_failed: bool
    opportunity_no: str
    salesperson_code: str
    subject: str
    delivery_status: str = Field(
        description="Blank, in_progress, sent, error or unknown (a job stopped before it "
        "recorded whether the document went out)."
    )
    canceled: bool
    correspondence_type: str
    document_type: str
    document_no: str
    version_no: int
    contact_via: str
    postponed: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_entry_no(obj: Any) -> int:
        return int(obj.pk)

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return str(obj.title())

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
    def resolve_has_attachment(obj: Any) -> bool:
        return obj.attachment_id is not None

    @staticmethod
    def resolve_attachment_no(obj: Any) -> int | None:
        return obj.attachment_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return related_code(obj, "user", "username")

    @staticmethod
    def resolve_group_code(obj: Any) -> str:
        return related_code(obj, "group")

    @staticmethod
    def resolve_template_code(obj: Any) -> str:
        return related_code(obj, "template")

    @staticmethod
    def resolve_language_code(obj: Any) -> str:
        return related_code(obj, "language")

    @staticmethod
    def resolve_campaign_no(obj: Any) -> str:
        return related_code(obj, "campaign", "no")

    @staticmethod
    def resolve_opportunity_no(obj: Any) -> str:
        return related_code(obj, "opportunity", "no")

    @staticmethod
    def resolve_salesperson_code(obj: Any) -> str:
        return related_code(obj, "salesperson")


class DeliveryOut(Schema):
    """How the entry's document was last sent."""

    status: str
    recipient: str
    attempts: int
    error: str
    message_id: str
    finished_at: datetime.datetime | None


class InteractionLogEntryDetailOut(InteractionLogEntryOut):
    comments: list[CommentOut]
    delivery: DeliveryOut | None = Field(
        description="The last send of the entry's document; null when it was never sent."
    )

    @staticmethod
    def resolve_comments(obj: Any) -> list[Any]:
        return list(obj.comments.all())

    @staticmethod
    def resolve_delivery(obj: Any) -> dict[str, Any] | None:
        from rapport.interactions.models import Delivery
        from rapport.interactions.services.delivery import error_text

        delivery = Delivery.objects.filter(entry_id=obj.pk).first()
        if delivery is None:
            return None
        return {
            "status": obj.delivery_status,
            "recipient": delivery.recipient,
            "attempts": delivery.attempts,
            "error": error_text(delivery.error),
            "message_id": delivery.message_id,
            "finished_at": delivery.finished_at,
        }


class DocumentOut(Schema):
    """A merged document: an HTML e-mail (`html`, `text`) or a file (`content_base64`)."""

    subject: str
    file_name: str
    content_type: str
    html: str = Field(description="The e-mail's HTML body, or a Word document's text as HTML.")
    text: str = Field(description="The e-mail's plain-text body.")
    content_base64: str = Field(description="The document's bytes, base64-encoded.")


class ResendIn(Schema):
    """The entries to send again: `entry_nos`, or `filter` with the query parameters of
    `GET /interaction-log-entries` (for example `{"logged_segment": "12",
    "delivery_status": "error"}`)."""

    entry_nos: list[int] = Field(default_factory=list, max_length=10000)
    filter: dict[str, str] | None = Field(None, description="The log list's filters.")
    failed_only: bool = Field(
        False, description="Only entries whose delivery status is error or unknown."
    )


class DeliveryJobOut(Schema):
    job_id: int
    status: str
    total: int = Field(description="How many documents the job is to send.")


class EmailLayoutIn(Schema):
    subject: str = Field(max_length=250, description="The subject, with merge fields.")
    body: str = Field(
        max_length=1_000_000, description="The HTML body, with merge fields ({{ contact.name }})."
    )
    replace: bool = Field(
        True, description="Confirm replacing an attachment that is not an e-mail layout."
    )


class EntryNosIn(Schema):
    entry_nos: list[int] = Field(min_length=1, max_length=10000)


class EvaluateIn(EntryNosIn):
    evaluation: str = Field(max_length=14)


class ChangedOut(Schema):
    changed: int


class CommentIn(Schema):
    comment: str = Field(max_length=80)
    code: str = Field("", max_length=10)
    date: datetime.date | None = Field(None, description="Left out: today. `null`: no date.")


class DeleteCanceledIn(Schema):
    """The filters of "Delete Canceled Interaction Log Entries"; all optional."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    entry_from: int | None = None
    entry_to: int | None = None
    contact_no: str = Field("", max_length=20)
    template_code: str = Field("", max_length=10)
    group_code: str = Field("", max_length=10)
    salesperson_code: str = Field("", max_length=20)
    campaign_no: str = Field("", max_length=20)
    background: bool = Field(False, description="Run as a background job (202 with job_id).")


class DeletedOut(Schema):
    deleted: int


class JobStartedOut(Schema):
    job_id: int


class PhoneCallIn(Schema):
    """What BC's phone call records. A field left out takes its default (the contact's phone
    number, the Outg. Calls template's description, duration and campaign, your own or the
    contact's salesperson); a field sent empty (`""` or `null`) is a blank the checks report
    ("You must fill in the phone number.")."""

    phone_no: str | None = Field(None, max_length=30, description="Left out: the contact's.")
    description: str | None = Field(None, max_length=100)
    duration: Decimal | None = None
    attempt_failed: bool = False
    evaluation: EvaluationIn = ""
    campaign_no: str | None = Field(None, max_length=20)
    opportunity_no: str | None = Field(None, max_length=20)
    comments: CommentsIn | None = None
    salesperson_code: str | None = Field(None, max_length=20)


# --- opportunities -----------------------------------------------------------------------------


class OpportunityCommentOut(Schema):
    line_no: int
    date: datetime.date | None
    comment: str


class OpportunityListOut(Schema):
    """An opportunity as lists show it. Values are BC's: Calcd. Current Value (LCY) =
    Estimated Value (LCY) x Probability % / 100, the probability from the sales cycle's
    Probability Calculation over the stage's Completed % and the Chances of Success %."""

    no: str
    description: str
    contact_no: str
    contact_name: str
    contact_company_no: str
    salesperson_code: str
    campaign_no: str
    segment_no: str
    sales_cycle_code: str
    sales_cycle_stage_no: int | None
    sales_cycle_stage_description: str
    date_of_change: datetime.date | None
    priority: str
    status: str
    closed: bool
    date_closed: datetime.date | None
    estimated_value: Decimal
    chances_of_success: Decimal
    completed: Decimal
    probability: Decimal
    calcd_current_value: Decimal
    estimated_closing_date: datetime.date | None
    creation_date: datetime.date

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
    def resolve_salesperson_code(obj: Any) -> str:
        return related_code(obj, "salesperson")

    @staticmethod
    def resolve_campaign_no(obj: Any) -> str:
        return related_code(obj, "campaign", "no")

    @staticmethod
    def resolve_sales_cycle_code(obj: Any) -> str:
        return related_code(obj, "sales_cycle")

    @staticmethod
    def resolve_sales_cycle_stage_no(obj: Any) -> int | None:
        return obj.current_stage.stage if obj.current_stage_id else None

    @staticmethod
    def resolve_sales_cycle_stage_description(obj: Any) -> str:
        return related_code(obj, "current_stage", "description")


class OpportunityOut(OpportunityListOut):
    comments: list[OpportunityCommentOut]

    @staticmethod
    def resolve_comments(obj: Any) -> list[Any]:
        return list(obj.comments.all())


class OpportunityIn(Schema):
    """A new opportunity. Left out: the next No. of Opportunity Nos., Marketing Setup's default
    sales cycle, the user's own salesperson (`salesperson_code: ""` leaves it blank). A stage
    given at once starts the opportunity (In Progress)."""

    no: str = Field("", max_length=20)
    description: str = Field("", max_length=100)
    contact_no: str = Field(max_length=20)
    salesperson_code: str | None = Field(None, max_length=20)
    campaign_no: str = Field("", max_length=20)
    sales_cycle_code: str | None = Field(None, max_length=10)
    sales_cycle_stage_no: int | None = None
    priority: str = "normal"
    estimated_value: Decimal = Decimal(0)
    chances_of_success: Decimal = Decimal(0)
    estimated_closing_date: datetime.date | None = None


class OpportunityPatch(Schema):
    """Change an open opportunity; only the fields sent change. A new `sales_cycle_stage_no`
    is dated `date_of_change` (default today) and sets the status In Progress."""

    description: str | None = Field(None, max_length=100)
    contact_no: str | None = Field(None, max_length=20)
    salesperson_code: str | None = Field(None, max_length=20)
    campaign_no: str | None = Field(None, max_length=20)
    sales_cycle_code: str | None = Field(None, max_length=10)
    sales_cycle_stage_no: int | None = None
    date_of_change: datetime.date | None = None
    priority: str | None = None
    estimated_value: Decimal | None = None
    chances_of_success: Decimal | None = None
    estimated_closing_date: datetime.date | None = None


class OpportunityCloseIn(Schema):
    """BC's Close Opportunity: `action` won or lost; a won opportunity is worth
    `calcd_current_value` (default its estimated value), a lost one 0."""

    action: str = Field(description="won or lost")
    date_closed: datetime.date | None = Field(None, description="Default: today.")
    calcd_current_value: Decimal | None = None


# --- sales cycles ------------------------------------------------------------------------------


class SalesCycleIn(Schema):
    code: str = Field(max_length=10)
    description: str = Field("", max_length=100)
    probability_calculation: str = "multiply"
    blocked: bool = False
    is_default: bool = Field(False, description="Marketing Setup's Default Sales Cycle Code.")


class SalesCyclePatch(Schema):
    description: str | None = Field(None, max_length=100)
    probability_calculation: str | None = None
    blocked: bool | None = None
    is_default: bool | None = None


class SalesCycleOut(Schema):
    code: str
    description: str
    probability_calculation: str
    blocked: bool
    is_default: bool


class SalesCycleStageIn(Schema):
    stage_no: int
    description: str = Field("", max_length=100)
    completed: Decimal = Decimal(0)
    chances_of_success: Decimal = Decimal(0)


class SalesCycleStagePatch(Schema):
    description: str | None = Field(None, max_length=100)
    completed: Decimal | None = None
    chances_of_success: Decimal | None = None


class SalesCycleStageOut(Schema):
    sales_cycle_code: str
    stage_no: int
    description: str
    completed: Decimal
    chances_of_success: Decimal

    @staticmethod
    def resolve_sales_cycle_code(obj: Any) -> str:
        return related_code(obj, "sales_cycle")

    @staticmethod
    def resolve_stage_no(obj: Any) -> int:
        return int(obj.stage)
