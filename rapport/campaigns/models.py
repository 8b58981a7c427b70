"""Campaigns (BC table 5071). Campaign entries and target groups come with segments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Salesperson
from rapport.core.fields import CodeField
from rapport.core.models import NumberSeries


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
