"""Segments (BC 3.1-3.7): a segment header with its lines, the criteria steps that built it
(with what each step inserted and deleted, so Go Back restores lines exactly), saved criteria
and logged segments.

A segment is always open; logging it writes one interaction log entry per line, one logged
segment and the campaign entries, then deletes the segment.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.core.choices import CorrespondenceType
from rapport.core.fields import CodeField
from rapport.core.models import Language, NumberSeries
from rapport.interactions.models import (
    Attachment,
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionGroup,
    InteractionTemplate,
)

ZERO = Decimal(0)
LINE_NO_STEP = 10000


class InteractionFields(models.Model):
    """The interaction fields a segment header and its lines share (BC copies them header ->
    line -> log entry)."""

    description = models.CharField(_("Description"), max_length=100, blank=True)
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
    salesperson = models.ForeignKey(
        Salesperson,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Salesperson Code"),
        db_index=False,
    )
    template = models.ForeignKey(
        InteractionTemplate,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Interaction Template Code"),
        db_index=False,
    )
    group = models.ForeignKey(
        InteractionGroup,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Interaction Group Code"),
        db_index=False,
    )
    information_flow = models.CharField(
        _("Information Flow"), max_length=10, blank=True, choices=InformationFlow.choices
    )
    initiated_by = models.CharField(
        _("Initiated By"), max_length=10, blank=True, choices=InitiatedBy.choices
    )
    date = models.DateField(_("Date"), null=True, blank=True)
    send_word_docs_as_attachment = models.BooleanField(
        _("Send Word Docs. as Attmt."), default=False
    )

    class Meta:
        abstract = True


class Segment(InteractionFields):
    """BC's Segment Header (table 5076)."""

    no = CodeField(_("No."), max_length=20, unique=True)
    no_series = models.ForeignKey(
        NumberSeries,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("No. Series"),
    )
    correspondence_type = models.CharField(
        _("Correspondence Type (Default)"),
        max_length=10,
        blank=True,
        choices=CorrespondenceType.choices,
    )
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
    language = models.ForeignKey(
        Language,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Language Code (Default)"),
    )
    subject = models.CharField(_("Subject (Default)"), max_length=100, blank=True)
    ignore_contact_corres_type = models.BooleanField(
        _("Ignore Contact Corres. Type"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("Last Date Modified"), auto_now=True)

    class Meta:
        ordering = ["no"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        permissions = [("log_segment", _("Can log segments"))]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()


class LineFields(InteractionFields):
    """Everything a segment line holds; the segment history keeps whole deleted lines in the same
    shape, so Go Back restores them exactly (set-based, INSERT ... SELECT both ways). Only the
    keys lines are looked up by are indexed (segment, contact, campaign, attachment): every
    index costs on a million-line insert and delete."""

    line_no = models.PositiveBigIntegerField(_("Line No."))
    contact = models.ForeignKey(
        Contact, models.CASCADE, related_name="+", verbose_name=_("Contact No."), db_index=False
    )
    contact_company = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Contact Company No."),
        db_index=False,
    )
    correspondence_type = models.CharField(
        _("Correspondence Type"), max_length=10, blank=True, choices=CorrespondenceType.choices
    )
    cost = models.DecimalField(
        _("Cost (LCY)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    duration = models.DecimalField(
        _("Duration (Min.)"),
        max_digits=10,
        decimal_places=0,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    attachment = models.ForeignKey(
        Attachment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Attachment"),
    )
    language = models.ForeignKey(
        Language,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Language Code"),
        db_index=False,
    )
    subject = models.CharField(_("Subject"), max_length=100, blank=True)
    evaluation = models.CharField(
        _("Evaluation"), max_length=14, blank=True, choices=Evaluation.choices
    )
    time = models.TimeField(_("Time of Interaction"), null=True, blank=True)
    attempt_failed = models.BooleanField(_("Attempt Failed"), default=False)
    contact_via = models.CharField(_("Contact Via"), max_length=80, blank=True)
    # Free text for this contact's letter (the merge field `remarks`).
    remarks = models.CharField(_("Remarks"), max_length=250, blank=True)
    # Rapport: a description the user typed survives a template switch (BC overwrites it).
    description_typed = models.BooleanField(default=False, editable=False)

    class Meta:
        abstract = True


# The columns a line and its history copy share, in one order (INSERT ... SELECT both ways).
LINE_COLUMNS = [
    "line_no",
    "contact_id",
    "contact_company_id",
    "description",
    "campaign_id",
    "campaign_target",
    "campaign_response",
    "salesperson_id",
    "template_id",
    "group_id",
    "information_flow",
    "initiated_by",
    "date",
    "send_word_docs_as_attachment",
    "correspondence_type",
    "cost",
    "duration",
    "attachment_id",
    "language_id",
    "subject",
    "evaluation",
    "time",
    "attempt_failed",
    "contact_via",
    "remarks",
    "description_typed",
]


class SegmentLine(LineFields):
    """BC's Segment Line (table 5077). Uniqueness is per line, not per contact: with "allow
    existing contacts" a contact may stand on two lines."""

    segment = models.ForeignKey(
        Segment, models.CASCADE, related_name="lines", verbose_name=_("Segment No.")
    )

    class Meta:
        ordering = ["segment", "line_no"]
        verbose_name = _("segment line")
        verbose_name_plural = _("segment lines")
        constraints = [
            models.UniqueConstraint(fields=["segment", "line_no"], name="segment_line_no"),
        ]
        indexes = [models.Index(fields=["contact", "segment"], name="segment_line_contact")]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.line_no}"


class SegmentInteractionLanguage(models.Model):
    """Per-language attachment and subject of a segment (BC table 5104): header level when
    `line` is empty ("inherited" by lines), else unique to that line."""

    segment = models.ForeignKey(Segment, models.CASCADE, related_name="languages")
    line = models.ForeignKey(
        SegmentLine, models.CASCADE, null=True, blank=True, related_name="languages"
    )
    language = models.ForeignKey(
        Language, models.PROTECT, related_name="+", verbose_name=_("Language Code")
    )
    description = models.CharField(_("Description"), max_length=100, blank=True)
    attachment = models.ForeignKey(
        Attachment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Attachment"),
    )
    subject = models.CharField(_("Subject"), max_length=100, blank=True)

    class Meta:
        ordering = ["segment", "line", "language"]
        verbose_name = _("segment interaction language")
        verbose_name_plural = _("segment interaction languages")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "language"],
                condition=models.Q(line__isnull=True),
                name="segment_language_header",
            ),
            models.UniqueConstraint(fields=["line", "language"], name="segment_language_line"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.line_id or 0} {self.language_id}"


class CriteriaAction(models.TextChoices):
    ADD = "add", _("Add Contacts")
    REDUCE = "reduce", _("Remove Contacts (Reduce)")
    REFINE = "refine", _("Remove Contacts (Refine)")


class SegmentCriteriaStep(models.Model):
    """One criteria action on a segment (BC's Action line with its Filter lines), with the
    options it ran with and what it did. Every run is recorded, even one that changed nothing."""

    segment = models.ForeignKey(
        Segment, models.CASCADE, related_name="criteria_steps", verbose_name=_("Segment No.")
    )
    step_no = models.PositiveIntegerField(_("Step No."))
    action = models.CharField(_("Action"), max_length=10, choices=CriteriaAction.choices)
    filters = models.JSONField(_("Filters"), default=dict, blank=True)
    allow_existing_contacts = models.BooleanField(_("Allow Existing Contacts"), default=False)
    expand_companies = models.BooleanField(_("Expand Companies"), default=False)
    allow_related_companies = models.BooleanField(_("Allow Related Companies"), default=False)
    ignore_exclusion = models.BooleanField(_("Ignore Exclusion"), default=False)
    entire_companies = models.BooleanField(_("Entire Companies"), default=False)
    manual = models.BooleanField(_("Manual"), default=False)
    lines_added = models.PositiveIntegerField(_("Lines Added"), default=0)
    lines_removed = models.PositiveIntegerField(_("Lines Removed"), default=0)
    privacy_blocked_skipped = models.PositiveIntegerField(_("Privacy Blocked Left Out"), default=0)
    lines_after = models.PositiveIntegerField(_("No. of Lines"), default=0)
    # Lines a step inserts get consecutive numbers above every line before them; Go Back deletes
    # that range (steps are undone newest first, so the range holds exactly the step's lines).
    first_line_no = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    last_line_no = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["segment", "step_no"]
        verbose_name = _("segment criteria step")
        verbose_name_plural = _("segment criteria steps")
        constraints = [
            models.UniqueConstraint(fields=["segment", "step_no"], name="segment_criteria_step")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.step_no} {self.action}"


class SegmentHistoryAction(models.TextChoices):
    INSERTION = "insertion", _("Insertion")
    DELETION = "deletion", _("Deletion")


class SegmentHistory(LineFields):
    """A line one criteria step deleted (BC's Segment History, table 5078), kept whole, so Go
    Back restores it exactly, with its edits (BC re-adds it with fresh defaults). Insertions are
    kept on the step as a range of line numbers."""

    segment = models.ForeignKey(Segment, models.CASCADE, related_name="history")
    step_no = models.PositiveIntegerField(_("Segment Action No."))
    action_taken = models.CharField(
        _("Action Taken"), max_length=10, choices=SegmentHistoryAction.choices
    )

    class Meta:
        ordering = ["segment", "step_no", "line_no"]
        verbose_name = _("segment history")
        verbose_name_plural = _("segment history")
        indexes = [
            models.Index(fields=["segment", "step_no", "action_taken"], name="segment_history_step")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.step_no} {self.action_taken} {self.line_no}"


class SavedSegmentCriteria(models.Model):
    """Saved criteria (BC table 5098): the steps of a segment, to replay on another one."""

    code = CodeField(_("Code"), max_length=10, unique=True)
    description = models.CharField(_("Description"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("saved segment criteria")
        verbose_name_plural = _("saved segment criteria")

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class SavedSegmentCriteriaStep(models.Model):
    criteria = models.ForeignKey(SavedSegmentCriteria, models.CASCADE, related_name="steps")
    step_no = models.PositiveIntegerField(_("Step No."))
    action = models.CharField(_("Action"), max_length=10, choices=CriteriaAction.choices)
    filters = models.JSONField(_("Filters"), default=dict, blank=True)
    allow_existing_contacts = models.BooleanField(_("Allow Existing Contacts"), default=False)
    expand_companies = models.BooleanField(_("Expand Companies"), default=False)
    allow_related_companies = models.BooleanField(_("Allow Related Companies"), default=False)
    ignore_exclusion = models.BooleanField(_("Ignore Exclusion"), default=False)
    entire_companies = models.BooleanField(_("Entire Companies"), default=False)

    class Meta:
        ordering = ["criteria", "step_no"]
        constraints = [
            models.UniqueConstraint(fields=["criteria", "step_no"], name="saved_criteria_step")
        ]

    def __str__(self) -> str:
        return f"{self.criteria_id}/{self.step_no} {self.action}"


class LoggedSegment(models.Model):
    """BC's Logged Segment (table 5075). Entry No. is the primary key; the counts are queries."""

    segment_no = CodeField(_("Segment No."), max_length=20, unique=True)
    description = models.CharField(_("Description"), max_length=100)
    creation_date = models.DateField(_("Creation Date"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    canceled = models.BooleanField(_("Canceled"), default=False)
    follow_up_segment_no = CodeField(_("Follow-up Segment No."), max_length=20, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("logged segment")
        verbose_name_plural = _("logged segments")
        permissions = [
            ("cancel_loggedsegment", _("Can cancel and restore logged segments")),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.description}"

    @property
    def entry_no(self) -> int:
        return self.pk
