"""E-mail logging from an IMAP mailbox (BC 5.6/5.7): the setup, the logged messages (the
guard against logging a message twice) and the messages seen but not logged."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImapSecurity(models.TextChoices):
    TLS = "tls", _("TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None")


class MailboxSetup(models.Model):
    """One row: where the mailbox is and how it is logged. The password is stored (the job
    needs it) but never shown back."""

    host = models.CharField(_("IMAP Server"), max_length=250, blank=True)
    port = models.PositiveIntegerField(_("Port"), default=993)
    security = models.CharField(
        _("Security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.TLS
    )
    username = models.CharField(_("User Name"), max_length=250, blank=True)
    password = models.CharField(_("Password"), max_length=250, blank=True)
    queue_folder = models.CharField(_("Queue Folder Path"), max_length=250, default="INBOX")
    storage_folder = models.CharField(_("Storage Folder Path"), max_length=250, blank=True)
    enabled = models.BooleanField(_("Email Logging Enabled"), default=False)
    template = models.ForeignKey(
        "interactions.InteractionTemplate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("E-Mails"),
    )
    batch_size = models.PositiveIntegerField(_("Email Batch Size"), default=50)
    interval_minutes = models.PositiveIntegerField(_("Run every (minutes)"), default=10)
    max_message_bytes = models.PositiveIntegerField(
        _("Largest message (bytes)"), default=10 * 1024 * 1024
    )
    # The scheduled job runs as the user who last saved the setup (BC: the job's user).
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Run as"),
    )
    last_started_at = models.DateTimeField(_("Last run started at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email logging setup")
        verbose_name_plural = _("email logging setup")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="mailbox_setup_single_row")
        ]

    def __str__(self) -> str:
        return str(_("Email Logging Setup"))


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class LoggedMessage(models.Model):
    """A message that was logged. Its Message-ID (normalised) is unique: checked before
    logging and enforced by the database, so a crash between logging and moving the message
    never logs it twice."""

    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    subject = models.CharField(_("Subject"), max_length=250, blank=True)
    sender = models.CharField(_("From"), max_length=250, blank=True)
    direction = models.CharField(_("Direction"), max_length=10, choices=Direction.choices)
    entry_nos = models.JSONField(_("Entry No."), default=list)
    logged_at = models.DateTimeField(_("Logged at"), auto_now_add=True)
    moved_at = models.DateTimeField(_("Moved at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("logged email")
        verbose_name_plural = _("logged emails")

    def __str__(self) -> str:
        return self.message_id


class UnmatchedMessage(models.Model):
    """A message left in the queue folder, with the reason; seen again on every run and
    removed from this list once it is logged or gone from the queue."""

    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    subject = models.CharField(_("Subject"), max_length=250, blank=True)
    sender = models.CharField(_("From"), max_length=250, blank=True)
    recipients = models.TextField(_("To"), blank=True)
    size = models.PositiveIntegerField(_("Size"), default=0)
    reason_code = models.CharField(_("Reason code"), max_length=30)
    reason = models.TextField(_("Reason"))
    first_seen_at = models.DateTimeField(_("First seen at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("Last seen at"))

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        verbose_name = _("unmatched email")
        verbose_name_plural = _("unmatched emails")

    def __str__(self) -> str:
        return self.message_id
