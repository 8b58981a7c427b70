"""Webhook subscribers, the outbox of events, and the delivery log."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Subscriber(models.Model):
    """An outside system that receives signed events. No event types: every event."""

    description = models.CharField(_("Description"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=500)
    # Kept to sign the requests (HMAC needs the secret itself); shown only once, at creation.
    secret = models.CharField(_("Secret"), max_length=100)
    event_types = models.JSONField(_("Event types"), default=list, blank=True)
    active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Created by"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook subscriber")
        verbose_name_plural = _("webhook subscribers")

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class Event(models.Model):
    """One announced ledger change (the outbox), written in the changing transaction."""

    event_type = models.CharField(_("Event type"), max_length=50)
    payload = models.JSONField(_("Payload"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.pk} {self.event_type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """An event on its way to one subscriber; retried with backoff until it succeeds or its
    attempts are used up. Redelivery puts it back on the way."""

    subscriber = models.ForeignKey(
        Subscriber, models.CASCADE, related_name="deliveries", verbose_name=_("Subscriber")
    )
    event = models.ForeignKey(
        Event, models.CASCADE, related_name="deliveries", verbose_name=_("Event")
    )
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    attempts_left = models.PositiveIntegerField(_("Attempts left"), default=0)
    next_attempt_at = models.DateTimeField(_("Next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("Status code"), null=True, blank=True)
    last_error = models.TextField(_("Error"), blank=True)
    delivered_at = models.DateTimeField(_("Delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "event"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.pk} {self.event_id} -> {self.subscriber_id}"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery: when, the answer's status code or the error, how long."""

    delivery = models.ForeignKey(
        Delivery, models.CASCADE, related_name="attempt_log", verbose_name=_("Delivery")
    )
    attempt_no = models.PositiveIntegerField(_("Attempt"))
    at = models.DateTimeField(_("Sent at"))
    status_code = models.PositiveIntegerField(_("Status code"), null=True, blank=True)
    error = models.TextField(_("Error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("Duration (ms)"), default=0)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.attempt_no}"
