"""Users, salespeople and personal API tokens."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.fields import CodeField


class Salesperson(models.Model):
    """BC's Salesperson/Purchaser."""

    code = CodeField(_("Code"), max_length=20, unique=True)
    name = models.CharField(_("Name"), max_length=50, blank=True)
    job_title = models.CharField(_("Job Title"), max_length=30, blank=True)
    phone_no = models.CharField(_("Phone No."), max_length=30, blank=True)
    email = models.EmailField(_("Email"), max_length=80, blank=True)
    commission_pct = models.DecimalField(
        _("Commission %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    blocked = models.BooleanField(_("Blocked"), default=False)
    privacy_blocked = models.BooleanField(_("Privacy Blocked"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class User(AbstractUser):
    """A Rapport user; roles are Django groups (admin, marketing, sales, viewer)."""

    salesperson = models.OneToOneField(
        Salesperson,
        verbose_name=_("Salesperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
    )
    language = models.CharField(_("Language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        verbose_name = _("user")
        verbose_name_plural = _("users")


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once.

    A read token may only read (GET); a token past `expires_at` no longer authenticates.
    """

    user = models.ForeignKey(
        User, verbose_name=_("User"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("Name"), max_length=100)
    prefix = models.CharField(_("Prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("Last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("Revoked at"), null=True, blank=True)
    scope = models.CharField(
        _("Scope"), max_length=5, choices=TokenScope.choices, default=TokenScope.WRITE
    )
    expires_at = models.DateTimeField(_("Expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )
