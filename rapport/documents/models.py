"""Recorded document events: what an outside system (an ERP, a web shop, a user upload) said
happened to a business document, and the interaction log entry Rapport wrote for it.

A document event is recorded once: the unique constraint over document type, document no.,
event, version no. and idempotency key makes the same event sent twice a duplicate that returns
the first entry. Skipped events (no contact or no template, with the setup's skip flag on) are
kept too, so they can be counted and listed; they do not block a later retry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.contacts.models import Contact
from rapport.core.fields import CodeField
from rapport.interactions.models import InteractionLogEntry


class DocumentEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    PRINTED = "printed", _("Printed")
    EMAILED = "emailed", _("E-mailed")
    POSTED = "posted", _("Posted")


class AccountType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")
    CONTACT = "contact", _("Contact")


class DocumentEventStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    SKIPPED = "skipped", _("Skipped")


class DocumentEvent(models.Model):
    document_type = models.CharField(_("Document Type"), max_length=30)
    document_no = CodeField(_("Document No."), max_length=20)
    event = models.CharField(_("Event"), max_length=10, choices=DocumentEventKind.choices)
    version_no = models.PositiveIntegerField(_("Version No."), default=0)
    idempotency_key = models.CharField(_("Idempotency Key"), max_length=100, blank=True)
    document_date = models.DateField(_("Document Date"))
    account_type = models.CharField(
        _("Account Type"), max_length=10, choices=AccountType.choices, blank=True
    )
    account_no = CodeField(_("Account No."), max_length=20, blank=True)
    order_no = CodeField(_("Order No."), max_length=20, blank=True)
    amount = models.DecimalField(_("Amount"), max_digits=18, decimal_places=2, null=True)
    status = models.CharField(_("Status"), max_length=10, choices=DocumentEventStatus.choices)
    reason = models.CharField(_("Reason"), max_length=250, blank=True)
    contact = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Contact No."),
    )
    entry = models.ForeignKey(
        InteractionLogEntry,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Entry No."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    recorded_at = models.DateTimeField(_("Recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("document event")
        verbose_name_plural = _("document events")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_no", "event", "version_no", "idempotency_key"],
                condition=Q(status="recorded"),
                name="document_event_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="document_event_status"),
            models.Index(fields=["document_no"], name="document_event_no"),
            models.Index(fields=["entry"], name="document_event_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.document_no} {self.event}"
