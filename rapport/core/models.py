"""Glue models shared by every app: number series and languages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.fields import CodeField


class CodeTableModel(models.Model):
    """A BC code table: a Code[10] key and a description (business relations, groups...)."""

    code = CodeField(_("Code"), max_length=10, unique=True)
    description = models.CharField(_("Description"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class NumberSeries(models.Model):
    """BC's No. Series with its one line: where numbered records (contacts, segments...) get a No."""

    code = CodeField(_("Code"), max_length=20, unique=True)
    description = models.CharField(_("Description"), max_length=100, blank=True)
    starting_no = CodeField(_("Starting No."), max_length=20)
    ending_no = CodeField(_("Ending No."), max_length=20, blank=True)
    warning_no = CodeField(_("Warning No."), max_length=20, blank=True)
    increment_by = models.PositiveIntegerField(
        _("Increment-by No."), default=1, validators=[MinValueValidator(1)]
    )
    last_no_used = CodeField(_("Last No. Used"), max_length=20, blank=True)
    last_date_used = models.DateField(_("Last Date Used"), null=True, blank=True)
    default_nos = models.BooleanField(_("Default Nos."), default=True)
    manual_nos = models.BooleanField(_("Manual Nos."), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(increment_by__gte=1), name="number_series_increment_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(default_nos=True) | models.Q(manual_nos=True),
                name="number_series_default_or_manual",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        """False once the last number used reached the ending number (BC's Open)."""
        from rapport.core.numbering import exceeds, increment

        if not self.ending_no or not self.last_no_used:
            return True
        try:
            return not exceeds(increment(self.last_no_used, self.increment_by), self.ending_no)
        except ValueError:
            return False


class Language(models.Model):
    """A language contacts and templates can use (BC table 8)."""

    code = CodeField(_("Code"), max_length=10, unique=True)
    name = models.CharField(_("Name"), max_length=50, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class Job(models.Model):
    """A background job (import, purge, relocation, segment logging) with its outcome.

    Progress while it runs lives in the cache (`rapport.core.jobs.progress`), because the job's
    own writes are one transaction that other connections cannot see until it commits. `worker`
    names the process running it (host:pid) and `heartbeat_at` when it claimed the job, so a
    job whose worker died is found and marked failed (`rapport.core.jobs.recover_stale_jobs`).
    """

    kind = models.CharField(_("Kind"), max_length=50)
    description = models.CharField(_("Description"), max_length=250, blank=True)
    status = models.CharField(
        _("Status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    params = models.JSONField(_("Parameters"), default=dict, blank=True)
    result = models.JSONField(_("Result"), default=dict, blank=True)
    error = models.TextField(_("Error"), blank=True)
    total = models.PositiveIntegerField(_("Total"), default=0)
    done = models.PositiveIntegerField(_("Done"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="jobs",
        verbose_name=_("Created by"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    worker = models.CharField(_("Worker"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("Heartbeat at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_user_created")]

    def __str__(self) -> str:
        return f"{self.pk} {self.description or self.kind}"

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED}


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    CHANGE = "change", _("Change")
    DELETE = "delete", _("Delete")
    CANCEL = "cancel", _("Cancel")
    RESTORE = "restore", _("Restore")
    LOG = "log", _("Log")
    PURGE = "purge", _("Purge")
    RUN = "run", _("Run")
    RECORD = "record", _("Record")
    IMPORT = "import", _("Import")
    REVOKE = "revoke", _("Revoke")
    ERASE = "erase", _("Erase")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Audit events are written once and never changed: bulk updates and deletes are refused
    here, and by database triggers for anything that goes around the ORM."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionDenied(_("Audit events cannot be changed."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionDenied(_("Audit events cannot be deleted."))


class AuditEvent(models.Model):
    """Who changed what, and when: one row per change of the ledger, segments, templates and
    setup (one per set-based operation, with its counts). Written by
    `rapport.core.audit.record_audit` inside the changing transaction; never changed or deleted
    (the table refuses UPDATE and DELETE)."""

    at = models.DateTimeField(_("Date and time"), default=timezone.now, db_index=True)
    # No database constraint and nothing done when a user goes: the row must never change, and
    # `actor_name` keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("User"),
    )
    actor_name = models.CharField(_("User Name"), max_length=150, blank=True)
    action = models.CharField(_("Action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("Record Type"), max_length=100)
    object_key = models.CharField(_("Record Key"), max_length=100, blank=True)
    object_repr = models.CharField(_("Record"), max_length=250, blank=True)
    changes = models.JSONField(_("Changes"), default=dict, blank=True)
    details = models.JSONField(_("Details"), default=dict, blank=True)
    source = models.CharField(_("Source"), max_length=20, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Nobody adds, changes or deletes audit events through permissions; admins read them.
        default_permissions = ()
        permissions = [("read_audit_trail", _("Can read the audit trail"))]
        indexes = [
            models.Index(fields=["object_type", "object_key", "-at"], name="audit_object_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionDenied(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionDenied(_("Audit events cannot be deleted."))
