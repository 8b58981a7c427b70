"""Privacy: the record of each erasure (who erased which contact, when, and what was removed).

The record holds no personal data: the contact's number (which stays, so its entries keep
counting) and counts. The permissions of the app live on this model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.contacts.models import Contact
from rapport.core.fields import CodeField


class Erasure(models.Model):
    contact = models.ForeignKey(
        Contact,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Contact No."),
    )
    contact_no = CodeField(_("Contact No."), max_length=20)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User ID"),
    )
    erased_at = models.DateTimeField(_("Erased at"), auto_now_add=True)
    # How many rows of each kind were anonymised or deleted (the confirm page's list).
    counts = models.JSONField(_("Counts"), default=dict, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        permissions = [
            ("export_personal_data", _("Can export a contact's personal data")),
            ("erase_personal_data", _("Can erase a contact's personal data")),
        ]

    def __str__(self) -> str:
        return f"{self.contact_no} {self.erased_at:%Y-%m-%d}"
