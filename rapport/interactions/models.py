"""Interaction groups and templates, attachments, the interaction log and opportunities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign, CampaignEntry
from rapport.contacts.models import AttachmentStorageType, Contact
from rapport.core.choices import CorrespondenceType
from rapport.core.fields import CodeField
from rapport.core.models import CodeTableModel, Language, NumberSeries

ZERO = Decimal(0)


class InformationFlow(models.TextChoices):
    BLANK = "", _("(none)")
    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")


class InitiatedBy(models.TextChoices):
    BLANK = "", _("(none)")
    US = "us", _("Us")
    THEM = "them", _("Them")


class WizardAction(models.TextChoices):
    BLANK = "", _("(none)")
    OPEN = "open", _("Open")
    IMPORT = "import", _("Import")
    MERGE = "merge", _("Merge")


class Evaluation(models.TextChoices):
    BLANK = "", _("(none)")
    VERY_POSITIVE = "very_positive", _("Very Positive")
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
    VERY_NEGATIVE = "very_negative", _("Very Negative")


class DeliveryStatus(models.TextChoices):
    """BC's blank / In Progress / Error, plus what Rapport knows beyond BC: Sent, and Unknown
    for an entry whose send was claimed by a job that died before recording the outcome (it may
    or may not have gone out; the user decides whether to resend)."""

    BLANK = "", _("(none)")
    IN_PROGRESS = "in_progress", _("In Progress")
    SENT = "sent", _("Sent")
    ERROR = "error", _("Error")
    UNKNOWN = "unknown", _("Unknown")


class StoredFileManager(models.Manager["StoredFile"]):
    """Loads a stored file without its bytes; `content` is read on first use."""

    def get_queryset(self) -> models.QuerySet[StoredFile]:
        return super().get_queryset().defer("content")


class StoredFile(models.Model):
    """The bytes of one content, stored once (rules 3): every attachment with the same content
    points here. Embedded in the database or kept on disk through Django's storage API under a
    generated name. Immutable; deleted with the last attachment that refers to it."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("Size"), default=0)
    storage_type = models.CharField(
        _("Storage Type"),
        max_length=10,
        choices=AttachmentStorageType.choices,
        default=AttachmentStorageType.EMBEDDED,
    )
    content = models.BinaryField(_("Content"), null=True, blank=True)
    storage_key = models.CharField(_("Storage Pointer"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    objects = StoredFileManager()

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        base_manager_name = "objects"
        indexes = [models.Index(fields=["storage_type"], name="storedfile_storage_type")]

    def __str__(self) -> str:
        return self.sha256


class Attachment(models.Model):
    """A file as a user attached it, referenced by template languages, log entries and
    segments (shared; the last reference deletes it). Immutable: the bytes live in a
    `StoredFile` shared by every attachment with the same content; replacing a file makes a
    new attachment. No client path reaches the file system."""

    file = models.ForeignKey(StoredFile, models.PROTECT, related_name="attachments")
    file_name = models.CharField(_("File Name"), max_length=250)
    file_extension = models.CharField(_("File Extension"), max_length=20, blank=True)
    content_type = models.CharField(_("Content Type"), max_length=100, blank=True)
    # How the file merges ("docx", "html" or blank); filled by the merge code.
    merge_kind = models.CharField(max_length=10, blank=True)
    read_only = models.BooleanField(_("Read Only"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("Last Date Modified"), auto_now=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file_name

    @property
    def size(self) -> int:
        return int(self.file.size)

    @property
    def sha256(self) -> str:
        return str(self.file.sha256)

    @property
    def storage_type(self) -> str:
        return str(self.file.storage_type)

    @property
    def is_html(self) -> bool:
        """An e-mail-merge (HTML) attachment."""
        return self.file_extension.lower() in {"html", "htm"}


class InteractionGroup(CodeTableModel):
    class Meta(CodeTableModel.Meta):
        verbose_name = _("interaction group")
        verbose_name_plural = _("interaction groups")


class InteractionTemplate(models.Model):
    code = CodeField(_("Code"), max_length=10, unique=True)
    group = models.ForeignKey(
        InteractionGroup,
        models.PROTECT,
        related_name="templates",
        verbose_name=_("Interaction Group Code"),
    )
    description = models.CharField(_("Description"), max_length=100, blank=True)
    unit_cost = models.DecimalField(
        _("Unit Cost (LCY)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    unit_duration = models.DecimalField(
        _("Unit Duration (Min.)"),
        max_digits=10,
        decimal_places=0,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    information_flow = models.CharField(
        _("Information Flow"),
        max_length=10,
        blank=True,
        choices=InformationFlow.choices,
        default=InformationFlow.BLANK,
    )
    initiated_by = models.CharField(
        _("Initiated By"),
        max_length=10,
        blank=True,
        choices=InitiatedBy.choices,
        default=InitiatedBy.BLANK,
    )
    campaign = models.ForeignKey(
        Campaign,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Campaign No."),
    )
    campaign_target = models.BooleanField(_("Campaign Target"), default=False)
    campaign_response = models.BooleanField(_("Campaign Response"), default=False)
    correspondence_type = models.CharField(
        _("Correspondence Type (Default)"),
        max_length=10,
        blank=True,
        choices=CorrespondenceType.choices,
        default=CorrespondenceType.EMAIL,
    )
    ignore_contact_corres_type = models.BooleanField(
        _("Ignore Contact Corres. Type"), default=False
    )
    wizard_action = models.CharField(
        _("Wizard Action"),
        max_length=10,
        blank=True,
        choices=WizardAction.choices,
        default=WizardAction.BLANK,
    )
    language = models.ForeignKey(
        Language,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Language Code (Default)"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("interaction template")
        verbose_name_plural = _("interaction templates")
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="template_cost_positive"),
            models.CheckConstraint(
                condition=Q(unit_duration__gte=0), name="template_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class InteractionTemplateLanguage(models.Model):
    """A template's content for one language (blank language allowed)."""

    template = models.ForeignKey(
        InteractionTemplate,
        models.CASCADE,
        related_name="languages",
        verbose_name=_("Interaction Template Code"),
    )
    language = models.ForeignKey(
        Language,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Language Code"),
    )
    description = models.CharField(_("Description"), max_length=100, blank=True)
    attachment = models.ForeignKey(
        Attachment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="template_languages",
        verbose_name=_("Attachment"),
    )

    class Meta:
        ordering = ["template", "language__code"]
        verbose_name = _("interaction template language")
        verbose_name_plural = _("interaction template languages")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"], name="template_language_unique"
            ),
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(language__isnull=True),
                name="template_blank_language_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} {self.language.code if self.language else ''}".strip()


class DocumentType(models.TextChoices):
    """BC's Interaction Log Entry Document Type (enum 5099); `BC_DOCUMENT_NUMBERS` keeps BC's
    numbers. An entry's document type is one of these or the code of an extra document type."""

    SALES_QUOTE = "sales_quote", _("Sales Qte.")
    SALES_BLANKET_ORDER = "sales_blanket_order", _("Sales Blnkt. Ord")
    SALES_ORDER_CONFIRMATION = "sales_order_confirmation", _("Sales Ord. Cnfrmn.")
    SALES_INVOICE = "sales_invoice", _("Sales Inv.")
    SALES_SHIPMENT_NOTE = "sales_shipment_note", _("Sales Shpt. Note")
    SALES_CREDIT_MEMO = "sales_credit_memo", _("Sales Cr. Memo")
    SALES_STATEMENT = "sales_statement", _("Sales Stmnt.")
    SALES_REMINDER = "sales_reminder", _("Sales Rmdr.")
    SERVICE_ORDER_CREATE = "service_order_create", _("Serv. Ord. Create")
    SERVICE_ORDER_POST = "service_order_post", _("Serv. Ord. Post")
    PURCHASE_QUOTE = "purchase_quote", _("Purch.Qte.")
    PURCHASE_BLANKET_ORDER = "purchase_blanket_order", _("Purch. Blnkt. Ord.")
    PURCHASE_ORDER = "purchase_order", _("Purch. Ord.")
    PURCHASE_INVOICE = "purchase_invoice", _("Purch. Inv.")
    PURCHASE_RECEIPT = "purchase_receipt", _("Purch. Rcpt.")
    PURCHASE_CREDIT_MEMO = "purchase_credit_memo", _("Purch. Cr. Memo")
    COVER_SHEET = "cover_sheet", _("Cover Sheet")
    SALES_RETURN_ORDER = "sales_return_order", _("Sales Return Order")
    SALES_FINANCE_CHARGE_MEMO = "sales_finance_charge_memo", _("Sales Finance Charge Memo")
    SALES_RETURN_RECEIPT = "sales_return_receipt", _("Sales Return Receipt")
    PURCHASE_RETURN_SHIPMENT = "purchase_return_shipment", _("Purch. Return Shipment")
    PURCHASE_RETURN_ORDER_CONFIRMATION = (
        "purchase_return_order_confirmation",
        _("Purch. Return Ord. Cnfrmn."),
    )
    SERVICE_CONTRACT = "service_contract", _("Service Contract")
    SERVICE_CONTRACT_QUOTE = "service_contract_quote", _("Service Contract Quote")
    SERVICE_QUOTE = "service_quote", _("Service Quote")
    SALES_DRAFT_INVOICE = "sales_draft_invoice", _("Sales Draft Invoice")


BC_DOCUMENT_NUMBERS = {value: number for number, value in enumerate(DocumentType.values, 1)}

# Document type -> the Interaction Template Setup field that names its template (BC 5.1).
DOCUMENT_SETUP_FIELDS: dict[str, str] = {
    DocumentType.SALES_QUOTE: "sales_quotes",
    DocumentType.SALES_BLANKET_ORDER: "sales_blnkt_ord",
    DocumentType.SALES_ORDER_CONFIRMATION: "sales_ord_cnfrmn",
    DocumentType.SALES_INVOICE: "sales_invoices",
    DocumentType.SALES_SHIPMENT_NOTE: "sales_shpt_note",
    DocumentType.SALES_CREDIT_MEMO: "sales_cr_memo",
    DocumentType.SALES_STATEMENT: "sales_statement",
    DocumentType.SALES_REMINDER: "sales_rmdr",
    DocumentType.SERVICE_ORDER_CREATE: "serv_ord_create",
    DocumentType.SERVICE_ORDER_POST: "serv_ord_post",
    DocumentType.PURCHASE_QUOTE: "purch_quotes",
    DocumentType.PURCHASE_BLANKET_ORDER: "purch_blnkt_ord",
    DocumentType.PURCHASE_ORDER: "purch_orders",
    DocumentType.PURCHASE_INVOICE: "purch_invoices",
    DocumentType.PURCHASE_RECEIPT: "purch_rcpt",
    DocumentType.PURCHASE_CREDIT_MEMO: "purch_cr_memos",
    DocumentType.COVER_SHEET: "cover_sheets",
    DocumentType.SALES_RETURN_ORDER: "sales_return_order",
    DocumentType.SALES_FINANCE_CHARGE_MEMO: "sales_finance_charge_memo",
    DocumentType.SALES_RETURN_RECEIPT: "sales_return_receipt",
    DocumentType.PURCHASE_RETURN_SHIPMENT: "purch_return_shipment",
    DocumentType.PURCHASE_RETURN_ORDER_CONFIRMATION: "purch_return_ord_cnfrmn",
    DocumentType.SERVICE_CONTRACT: "service_contract",
    DocumentType.SERVICE_CONTRACT_QUOTE: "service_contract_quote",
    DocumentType.SERVICE_QUOTE: "service_quote",
    DocumentType.SALES_DRAFT_INVOICE: "sales_draft_invoices",
}

# The setup's groups as on BC's page 5186, in its order: (group caption, fields).
SETUP_GROUPS: list[tuple[Any, list[str]]] = [
    (
        _("General"),
        ["emails", "email_draft", "cover_sheets", "outgoing_calls", "meeting_invitation"],
    ),
    (
        _("Sales"),
        [
            "sales_invoices",
            "sales_cr_memo",
            "sales_ord_cnfrmn",
            "sales_draft_invoices",
            "sales_quotes",
            "sales_blnkt_ord",
            "sales_shpt_note",
            "sales_statement",
            "sales_rmdr",
            "sales_return_order",
            "sales_return_receipt",
            "sales_finance_charge_memo",
        ],
    ),
    (
        _("Purchases"),
        [
            "purch_invoices",
            "purch_cr_memos",
            "purch_orders",
            "purch_quotes",
            "purch_blnkt_ord",
            "purch_rcpt",
            "purch_return_shipment",
            "purch_return_ord_cnfrmn",
        ],
    ),
    (
        _("Service"),
        [
            "serv_ord_create",
            "serv_ord_post",
            "service_contract",
            "service_contract_quote",
            "service_quote",
        ],
    ),
]
SETUP_TEMPLATE_FIELDS = [name for _group, names in SETUP_GROUPS for name in names]


def _setup_template(caption: Any) -> Any:
    return models.ForeignKey(
        InteractionTemplate,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=caption,
    )


class InteractionTemplateSetup(models.Model):
    """BC's Interaction Template Setup: which template system events use (singleton). Every
    field but `skip_unrecorded_documents` names a template (blank: the event is not logged)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    emails = _setup_template(_("E-Mails"))
    email_draft = _setup_template(_("E-Mail Draft"))
    cover_sheets = _setup_template(_("Cover Sheets"))
    outgoing_calls = _setup_template(_("Outg. Calls"))
    meeting_invitation = _setup_template(_("Meeting Invitation"))
    sales_invoices = _setup_template(_("Sales Invoices"))
    sales_cr_memo = _setup_template(_("Sales Cr. Memo"))
    sales_ord_cnfrmn = _setup_template(_("Sales Ord. Cnfrmn."))
    sales_draft_invoices = _setup_template(_("Sales Draft Invoices"))
    sales_quotes = _setup_template(_("Sales Quotes"))
    sales_blnkt_ord = _setup_template(_("Sales Blnkt. Ord"))
    sales_shpt_note = _setup_template(_("Sales Shpt. Note"))
    sales_statement = _setup_template(_("Sales Statement"))
    sales_rmdr = _setup_template(_("Sales Rmdr."))
    sales_return_order = _setup_template(_("Sales Return Order"))
    sales_return_receipt = _setup_template(_("Sales Return Receipt"))
    sales_finance_charge_memo = _setup_template(_("Sales Finance Charge Memo"))
    purch_invoices = _setup_template(_("Purch Invoices"))
    purch_cr_memos = _setup_template(_("Purch Cr Memos"))
    purch_orders = _setup_template(_("Purch. Orders"))
    purch_quotes = _setup_template(_("Purch. Quotes"))
    purch_blnkt_ord = _setup_template(_("Purch Blnkt Ord"))
    purch_rcpt = _setup_template(_("Purch. Rcpt."))
    purch_return_shipment = _setup_template(_("Purch. Return Shipment"))
    purch_return_ord_cnfrmn = _setup_template(_("Purch. Return Ord. Cnfrmn."))
    serv_ord_create = _setup_template(_("Serv Ord Create"))
    serv_ord_post = _setup_template(_("Serv Ord Post"))
    service_contract = _setup_template(_("Service Contract"))
    service_contract_quote = _setup_template(_("Service Contract Quote"))
    service_quote = _setup_template(_("Service Quote"))
    # Rapport: a document event without a contact or a template is skipped (counted and
    # listed) instead of refused.
    skip_unrecorded_documents = models.BooleanField(
        _("Skip Documents Without Contact or Template"), default=False
    )

    class Meta:
        verbose_name = _("interaction template setup")
        verbose_name_plural = _("interaction template setup")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="interaction_setup_singleton")
        ]

    def __str__(self) -> str:
        return str(_("Interaction Template Setup"))


def setup_caption(name: str) -> Any:
    """The caption of an Interaction Template Setup field (BC's field caption)."""
    field = InteractionTemplateSetup._meta.get_field(name)
    return getattr(field, "verbose_name", name)


class ExtraDocumentType(models.Model):
    """Rapport, beyond BC: a document type an outside system sends (a web-shop order, a
    contract signed...), with the template its events are logged with. Part of the setup."""

    code = CodeField(_("Code"), max_length=20, unique=True)
    description = models.CharField(_("Description"), max_length=100, blank=True)
    template = models.ForeignKey(
        InteractionTemplate,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Interaction Template Code"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("extra document type")
        verbose_name_plural = _("extra document types")

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class ProbabilityCalculation(models.TextChoices):
    MULTIPLY = "multiply", _("Multiply")
    ADD = "add", _("Add")
    CHANCES_OF_SUCCESS = "chances_of_success", _("Chances of Success %")
    COMPLETED = "completed", _("Completed %")


class SalesCycle(CodeTableModel):
    """BC's Sales Cycle: the stages an opportunity goes through. `is_default` is Marketing
    Setup's Default Sales Cycle Code (kept here: contacts may not depend on interactions)."""

    probability_calculation = models.CharField(
        _("Probability Calculation"),
        max_length=20,
        choices=ProbabilityCalculation.choices,
        default=ProbabilityCalculation.MULTIPLY,
    )
    blocked = models.BooleanField(_("Blocked"), default=False)
    is_default = models.BooleanField(_("Default Sales Cycle"), default=False)

    class Meta(CodeTableModel.Meta):
        verbose_name = _("sales cycle")
        verbose_name_plural = _("sales cycles")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_sales_cycle"
            )
        ]


PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class SalesCycleStage(models.Model):
    sales_cycle = models.ForeignKey(
        SalesCycle, models.CASCADE, related_name="stages", verbose_name=_("Sales Cycle Code")
    )
    stage = models.PositiveIntegerField(_("Stage"), validators=[MinValueValidator(1)])
    description = models.CharField(_("Description"), max_length=100, blank=True)
    completed = models.DecimalField(
        _("Completed %"), max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
    )
    chances_of_success = models.DecimalField(
        _("Chances of Success %"), max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
    )

    class Meta:
        ordering = ["sales_cycle", "stage"]
        verbose_name = _("sales cycle stage")
        verbose_name_plural = _("sales cycle stages")
        constraints = [
            models.UniqueConstraint(fields=["sales_cycle", "stage"], name="sales_cycle_stage_no"),
            models.CheckConstraint(condition=Q(stage__gte=1), name="sales_cycle_stage_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.description}".strip()


class OpportunityStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not Started")
    IN_PROGRESS = "in_progress", _("In Progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Opportunity(models.Model):
    """A sales opportunity (BC's Opportunity). BC keeps the stage and values on opportunity
    entries; Rapport keeps the active entry's values on the opportunity itself."""

    no = CodeField(_("No."), max_length=20, unique=True)
    no_series = models.ForeignKey(
        NumberSeries, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("Description"), max_length=100, blank=True)
    contact = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("Contact No."),
    )
    contact_company = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="company_opportunities",
        verbose_name=_("Contact Company No."),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("Salesperson Code"),
    )
    campaign = models.ForeignKey(
        Campaign,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Campaign No."),
    )
    segment_no = CodeField(_("Segment No."), max_length=20, blank=True)
    sales_cycle = models.ForeignKey(
        SalesCycle,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("Sales Cycle Code"),
    )
    current_stage = models.ForeignKey(
        SalesCycleStage,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("Current Sales Cycle Stage"),
    )
    date_of_change = models.DateField(_("Date of Change"), null=True, blank=True)
    priority = models.CharField(
        _("Priority"),
        max_length=6,
        choices=OpportunityPriority.choices,
        default=OpportunityPriority.NORMAL,
    )
    status = models.CharField(
        _("Status"),
        max_length=12,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.NOT_STARTED,
    )
    closed = models.BooleanField(_("Closed"), default=False)
    date_closed = models.DateField(_("Date Closed"), null=True, blank=True)
    estimated_value = models.DecimalField(
        _("Estimated Value (LCY)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(0)],
    )
    chances_of_success = models.DecimalField(
        _("Chances of Success %"), max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
    )
    completed = models.DecimalField(
        _("Completed %"), max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
    )
    probability = models.DecimalField(
        _("Probability %"), max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
    )
    calcd_current_value = models.DecimalField(
        _("Calcd. Current Value (LCY)"), max_digits=14, decimal_places=2, default=ZERO
    )
    estimated_closing_date = models.DateField(_("Estimated Closing Date"), null=True, blank=True)
    creation_date = models.DateField(_("Creation Date"))

    class Meta:
        ordering = ["-no"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["contact_company", "status"], name="opp_company_status"),
            models.Index(fields=["salesperson", "closed"], name="opp_salesperson_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("interactions:opportunity_detail", args=[self.no])


class OpportunityComment(models.Model):
    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="comments")
    line_no = models.PositiveIntegerField()
    date = models.DateField(_("Date"), null=True, blank=True)
    comment = models.CharField(_("Comment"), max_length=80)

    class Meta:
        ordering = ["opportunity", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "line_no"], name="opp_comment_line")
        ]

    def __str__(self) -> str:
        return self.comment


# `flag=False` compiles to `NOT flag`, which SQLite cannot match to the second column of an
# index such as (contact_company, postponed, -id): at 10M entries a company's newest entries
# then took 61 ms instead of 1 ms. `flag = false` (a Value) can.
FALSE, TRUE = models.Value(False), models.Value(True)


class EntryQuerySet(models.QuerySet["InteractionLogEntry"]):
    def logged(self) -> EntryQuerySet:
        """Entries of the log: never the postponed ones."""
        return self.filter(postponed=FALSE)

    def postponed(self) -> EntryQuerySet:
        return self.filter(postponed=TRUE)

    def counted(self) -> EntryQuerySet:
        """What statistics count: logged and not canceled."""
        return self.filter(postponed=FALSE, canceled=FALSE)


class InteractionLogEntry(models.Model):
    """One interaction in the append-only log. Entry No. is the primary key.

    After creation only these change, each through its own service: canceled, evaluation,
    opportunity, delivery status, comments; postponed entries are completed by resuming.
    """

    contact = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="interaction_entries",
        verbose_name=_("Contact No."),
    )
    contact_company = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="company_interaction_entries",
        verbose_name=_("Contact Company No."),
    )
    date = models.DateField(_("Date"))
    time = models.TimeField(_("Time of Interaction"), null=True, blank=True)
    description = models.CharField(_("Description"), max_length=100)
    information_flow = models.CharField(
        _("Information Flow"), max_length=10, blank=True, choices=InformationFlow.choices
    )
    initiated_by = models.CharField(
        _("Initiated By"), max_length=10, blank=True, choices=InitiatedBy.choices
    )
    attachment = models.ForeignKey(
        Attachment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("Attachment"),
    )
    cost = models.DecimalField(_("Cost (LCY)"), max_digits=14, decimal_places=2, default=ZERO)
    duration = models.DecimalField(
        _("Duration (Min.)"), max_digits=10, decimal_places=0, default=ZERO
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    group = models.ForeignKey(
        InteractionGroup,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("Interaction Group Code"),
    )
    template = models.ForeignKey(
        InteractionTemplate,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("Interaction Template Code"),
    )
    language = models.ForeignKey(
        Language,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Interaction Language Code"),
    )
    campaign = models.ForeignKey(
        Campaign,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("Campaign No."),
    )
    campaign_target = models.BooleanField(_("Campaign Target"), default=False)
    campaign_response = models.BooleanField(_("Campaign Response"), default=False)
    segment_no = CodeField(_("Segment No."), max_length=20, blank=True)
    # Set by segment logging. Segments sit above interactions, so this is a number, not a key.
    logged_segment_entry_no = models.PositiveBigIntegerField(
        _("Logged Segment Entry No."), null=True, blank=True
    )
    campaign_entry = models.ForeignKey(
        CampaignEntry,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="interaction_entries",
        verbose_name=_("Campaign Entry No."),
    )
    evaluation = models.CharField(
        _("Evaluation"), max_length=14, blank=True, choices=Evaluation.choices
    )
    attempt_failed = models.BooleanField(_("Attempt Failed"), default=False)
    opportunity = models.ForeignKey(
        Opportunity,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("Opportunity No."),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="interaction_entries",
        verbose_name=_("Salesperson Code"),
    )
    delivery_status = models.CharField(
        _("Delivery Status"), max_length=12, blank=True, choices=DeliveryStatus.choices
    )
    subject = models.CharField(_("Subject"), max_length=100, blank=True)
    send_word_docs_as_attachment = models.BooleanField(
        _("Send Word Docs. as Attmt."), default=False
    )
    # What the entry's document was merged from: with `attachment` (the immutable template
    # file), this reproduces the document byte for byte. Null when nothing was merged.
    merge_data = models.JSONField(_("Merge Values"), null=True, blank=True, editable=False)
    canceled = models.BooleanField(_("Canceled"), default=False)
    correspondence_type = models.CharField(
        _("Correspondence Type"), max_length=10, blank=True, choices=CorrespondenceType.choices
    )
    document_type = models.CharField(_("Document Type"), max_length=30, blank=True)
    document_no = CodeField(_("Document No."), max_length=20, blank=True)
    version_no = models.PositiveIntegerField(_("Version No."), default=0)
    contact_via = models.CharField(_("Contact Via"), max_length=80, blank=True)
    postponed = models.BooleanField(_("Postponed"), default=False)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Last Date Modified"), auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("interaction log entry")
        verbose_name_plural = _("interaction log entries")
        permissions = [
            ("cancel_interactionlogentry", _("Can cancel and restore interaction log entries")),
            ("purge_interactionlogentry", _("Can delete canceled interaction log entries")),
        ]
        indexes = [
            # The log list (newest first) and its filters; statistics per contact/company.
            models.Index(fields=["postponed", "-id"], name="ile_postponed_id"),
            models.Index(
                fields=["contact_company", "contact", "postponed", "canceled", "date"],
                name="ile_company_contact",
            ),
            models.Index(fields=["contact", "postponed", "-id"], name="ile_contact_id"),
            # A company's statistics and chart read only this index (it covers cost and
            # duration): the heaviest companies have thousands of entries.
            models.Index(
                fields=["contact_company", "postponed", "canceled", "date", "cost", "duration"],
                name="ile_company_stats",
            ),
            models.Index(fields=["contact_company", "postponed", "-id"], name="ile_company_id"),
            models.Index(
                fields=["template", "canceled", "postponed", "date"], name="ile_template_stats"
            ),
            models.Index(fields=["group", "canceled", "postponed", "date"], name="ile_group_stats"),
            models.Index(fields=["salesperson", "postponed", "-id"], name="ile_salesperson_id"),
            models.Index(fields=["campaign", "postponed", "-id"], name="ile_campaign_id"),
            models.Index(fields=["date", "postponed"], name="ile_date"),
            models.Index(fields=["canceled", "postponed"], name="ile_canceled"),
            models.Index(fields=["attachment"], name="ile_attachment"),
            models.Index(fields=["opportunity"], name="ile_opportunity"),
            models.Index(fields=["logged_segment_entry_no"], name="ile_logged_segment"),
            models.Index(fields=["campaign_entry"], name="ile_campaign_entry"),
            models.Index(
                fields=["delivery_status"],
                condition=~Q(delivery_status=""),
                name="ile_delivery_status",
            ),
            # "Delete Canceled Interaction Log Entries" walks the canceled entries in Entry No.
            # order (keyset batches): this index holds only them, so a batch never reads the
            # heap pages of the entries it keeps.
            models.Index(fields=["id"], condition=Q(canceled=True), name="ile_canceled_id"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.description}"

    @property
    def entry_no(self) -> int:
        return self.pk

    def title(self) -> str:
        """BC's entry title: "<template> - from <contact>" / "- by <salesperson or user>"."""
        from rapport.interactions.queries import entry_title

        return entry_title(self)


class EntryTotalDimension(models.TextChoices):
    TEMPLATE = "t", _("Interaction Template")
    GROUP = "g", _("Interaction Group")
    SALESPERSON = "s", _("Salesperson")


class EntryTotal(models.Model):
    """What the statistics of a template, group or salesperson add up, kept per day: the number,
    cost and duration of the counted log entries (neither canceled nor postponed).

    BC keeps such sums in SIFT indexes the database maintains; here database triggers on the
    entry table do it (migration 0008_entry_totals): every INSERT, UPDATE and DELETE of entries,
    from any service, bulk statement or raw SQL, adds its difference in the same transaction,
    so the totals can never disagree with the entries. Reading a template's figures then sums a
    few thousand day rows instead of millions of entries. `rebuild_entry_totals` recomputes them
    from the entries (`manage.py rebuild_entry_totals`). Cost is kept in cents, so sums are exact
    on SQLite too.
    """

    dimension = models.CharField(max_length=1, choices=EntryTotalDimension.choices)
    key_id = models.BigIntegerField()  # the template's, group's or salesperson's id
    on_date = models.DateField()
    entries = models.BigIntegerField(default=0)
    cost_cents = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()
        verbose_name = _("interaction log total")
        verbose_name_plural = _("interaction log totals")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "key_id", "on_date"], name="entry_total_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key_id} {self.on_date}: {self.entries}"


class InteractionLogEntryComment(models.Model):
    entry = models.ForeignKey(
        InteractionLogEntry,
        models.CASCADE,
        related_name="comments",
        verbose_name=_("Entry No."),
    )
    line_no = models.PositiveIntegerField(_("Line No."))
    date = models.DateField(_("Date"), null=True, blank=True)
    code = CodeField(_("Code"), max_length=10, blank=True)
    comment = models.CharField(_("Comment"), max_length=80)
    modified_at = models.DateTimeField(_("Last Date Modified"), auto_now=True)

    class Meta:
        ordering = ["entry", "line_no"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_no"], name="ile_comment_line")
        ]

    def __str__(self) -> str:
        return self.comment


class Delivery(models.Model):
    """How an entry's document was sent (one row per entry that was ever sent). A sending job
    claims the row (`job`, `claimed_at`) before it sends and records the outcome after; a
    claim left by a job that died turns the entry's status to Unknown, never into a resend."""

    entry = models.OneToOneField(
        InteractionLogEntry,
        models.CASCADE,
        primary_key=True,
        related_name="delivery",
        verbose_name=_("Entry No."),
    )
    job = models.ForeignKey(
        "core.Job", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("Job")
    )
    claimed_at = models.DateTimeField(_("Claimed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    recipient = models.CharField(_("Recipient"), max_length=254, blank=True)
    message_id = models.CharField(_("Message ID"), max_length=250, blank=True)
    error = models.TextField(_("Error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["job"], name="delivery_job")]

    def __str__(self) -> str:
        return f"{self.entry_id}"


class DeliveryBundle(models.Model):
    """The printable bundle a delivery job made for its hard-copy entries: a zip with one
    document per contact and one combined document."""

    job = models.OneToOneField(
        "core.Job", models.CASCADE, related_name="delivery_bundle", verbose_name=_("Job")
    )
    attachment = models.ForeignKey(
        Attachment, models.PROTECT, related_name="+", verbose_name=_("Attachment")
    )
    documents = models.PositiveIntegerField(_("Documents"), default=0)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("print bundle")
        verbose_name_plural = _("print bundles")

    def __str__(self) -> str:
        return str(self.attachment)
