"""Campaigns (BC table 5071), campaign statuses, campaign entries (5072) and target groups (7030)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Salesperson
from rapport.core.fields import CodeField
from rapport.core.models import CodeTableModel, NumberSeries


class CampaignStatus(CodeTableModel):
    class Meta(CodeTableModel.Meta):
        verbose_name = _("campaign status")
        verbose_name_plural = _("campaign statuses")


class Campaign(models.Model):
    no = CodeField(_("No."), max_length=20, unique=True)
    no_series = models.ForeignKey(
        NumberSeries,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("No. Series"),
    )
    description = models.CharField(_("Description"), max_length=100, blank=True)
    starting_date = models.DateField(_("Starting Date"), null=True, blank=True)
    ending_date = models.DateField(_("Ending Date"), null=True, blank=True)
    salesperson = models.ForeignKey(
        Salesperson,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("Salesperson Code"),
    )
    status = models.ForeignKey(
        CampaignStatus,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("Status Code"),
    )
    activated = models.BooleanField(_("Activated"), default=False)
    modified_at = models.DateTimeField(_("Last Date Modified"), auto_now=True)

    class Meta:
        ordering = ["no"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ending_date__isnull=True)
                | models.Q(starting_date__isnull=True)
                | models.Q(ending_date__gte=models.F("starting_date")),
                name="campaign_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()


class CampaignEntry(models.Model):
    """One campaign entry (BC table 5072): one per campaign per logged segment (Register No. =
    the logged segment's Entry No.), or one per single/document interaction in a campaign. No
    contact: contacts are reached through its log entries. Entry No. is the primary key."""

    campaign = models.ForeignKey(
        Campaign, models.PROTECT, related_name="campaign_entries", verbose_name=_("Campaign No.")
    )
    description = models.CharField(_("Description"), max_length=100, blank=True)
    date = models.DateField(_("Date"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    segment_no = CodeField(_("Segment No."), max_length=20, blank=True)
    canceled = models.BooleanField(_("Canceled"), default=False)
    salesperson = models.ForeignKey(
        Salesperson,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Salesperson Code"),
    )
    # The logged segment's Entry No. (segments sit above campaigns, so no foreign key here).
    register_no = models.PositiveBigIntegerField(_("Register No."), null=True, blank=True)
    document_type = models.CharField(_("Document Type"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("campaign entry")
        verbose_name_plural = _("campaign entries")
        indexes = [
            models.Index(fields=["campaign", "-id"], name="campaign_entry_campaign"),
            models.Index(fields=["register_no"], name="campaign_entry_register"),
            models.Index(fields=["canceled"], name="campaign_entry_canceled"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.description}".strip()

    @property
    def entry_no(self) -> int:
        return self.pk


class TargetGroupType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CONTACT = "contact", _("Contact")


class CampaignTargetGroup(models.Model):
    """Who may get the campaign's prices (BC table 7030): a company, as its customer no. when it
    has a customer business relation, else as the company contact. Filled by Activate."""

    type = models.CharField(_("Type"), max_length=10, choices=TargetGroupType.choices)
    no = CodeField(_("No."), max_length=20)
    campaign = models.ForeignKey(
        Campaign, models.CASCADE, related_name="target_groups", verbose_name=_("Campaign No.")
    )

    class Meta:
        ordering = ["campaign", "type", "no"]
        verbose_name = _("campaign target group")
        verbose_name_plural = _("campaign target groups")
        constraints = [
            models.UniqueConstraint(fields=["type", "no", "campaign"], name="campaign_target_group")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.type} {self.no}"
