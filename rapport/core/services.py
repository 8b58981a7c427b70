"""Number series allocation and language maintenance."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import numbering
from rapport.core.audit import audited
from rapport.core.models import Job, JobStatus, Language, NumberSeries
from rapport.core.validation import (
    PermissionDenied,
    ValidationError,
    caption,
    field_error,
    require_perm,
    validate_instance,
)

SERIES_FIELDS = (
    "description",
    "starting_no",
    "ending_no",
    "warning_no",
    "increment_by",
    "last_no_used",
    "default_nos",
    "manual_nos",
)


def _check_series(series: NumberSeries) -> None:
    for field in ("starting_no", "ending_no", "warning_no", "last_no_used"):
        value = getattr(series, field)
        if value and not numbering.has_digit(value):
            caption_text = caption(NumberSeries, field)
            raise field_error(
                field,
                _(
                    "The value in the %(field)s field must have a number so that we can "
                    "assign the next number in the series."
                )
                % {"field": caption_text},
                "no_digit",
            )
    if not series.starting_no:
        raise field_error(
            "starting_no",
            _("You must fill in the %(field)s field.") % {"field": _("Starting No.")},
            "required",
        )
    if series.warning_no and not series.ending_no:
        raise field_error(
            "ending_no",
            _("You must fill in the %(field)s field.") % {"field": _("Ending No.")},
            "required",
        )
    if not series.default_nos and not series.manual_nos:
        # BC: turning one off while the other is off turns the other on.
        series.manual_nos = True
    validate_instance(series)


@transaction.atomic
@audited("create")
def create_number_series(*, actor: Any, code: str, **fields: Any) -> NumberSeries:
    require_perm(actor, "core.add_numberseries")
    series = NumberSeries(code=code, **{k: v for k, v in fields.items() if k in SERIES_FIELDS})
    _check_series(series)
    series.save()
    return series


@transaction.atomic
@audited("change", "series")
def update_number_series(*, actor: Any, series: NumberSeries, **fields: Any) -> NumberSeries:
    require_perm(actor, "core.change_numberseries")
    series = NumberSeries.objects.select_for_update().get(pk=series.pk)
    for key, value in fields.items():
        if key in SERIES_FIELDS:
            setattr(series, key, value)
    _check_series(series)
    series.save()
    return series


@transaction.atomic
@audited("delete", "series")
def delete_number_series(*, actor: Any, series: NumberSeries) -> None:
    require_perm(actor, "core.delete_numberseries")
    series.delete()


def _next_after(series: NumberSeries, last: str) -> str:
    candidate = numbering.increment(last, series.increment_by) if last else series.starting_no
    if len(candidate) > numbering.MAX_LENGTH:
        raise ValidationError(
            _("The number %(no)s cannot be extended to more than 20 characters.")
            % {"no": candidate},
            code="number_too_long",
        )
    if series.ending_no and numbering.exceeds(candidate, series.ending_no):
        raise ValidationError(
            _(
                "You cannot assign numbers greater than %(ending)s from the number series "
                "%(code)s. No. assigned: %(no)s"
            )
            % {"ending": series.ending_no, "code": series.code, "no": candidate},
            code="series_exhausted",
        )
    return candidate


@transaction.atomic
def allocate_numbers(
    *, series: NumberSeries | str, count: int = 1, on: datetime.date | None = None
) -> list[str]:
    """Draw `count` consecutive numbers from a series under a row lock (gapless, concurrency-safe).

    The series' last number used moves forward in the same transaction, so a rollback of the
    caller returns the numbers to the series.
    """
    code = series if isinstance(series, str) else series.code
    locked = NumberSeries.objects.select_for_update().filter(code=code).first()
    if locked is None:
        raise ValidationError(
            _("You cannot assign new numbers from the number series %(code)s.") % {"code": code},
            code="series_missing",
        )
    if not locked.default_nos:
        raise ValidationError(
            _(
                "It is not possible to assign numbers automatically. If you want the program "
                "to assign numbers automatically, please activate Default Nos. in No. Series "
                "%(code)s."
            )
            % {"code": locked.code},
            code="series_not_default",
        )
    numbers: list[str] = []
    last = locked.last_no_used
    for _i in range(count):
        last = _next_after(locked, last)
        numbers.append(last)
    NumberSeries.objects.filter(pk=locked.pk).update(
        last_no_used=last, last_date_used=on or timezone.localdate()
    )
    return numbers


def next_number(*, series: NumberSeries | str, on: datetime.date | None = None) -> str:
    return allocate_numbers(series=series, count=1, on=on)[0]


def check_manual_number(*, series: NumberSeries | None) -> None:
    """A typed No. needs Manual Nos. on the series it would otherwise come from."""
    if series is not None and not series.manual_nos:
        raise field_error(
            "no",
            _(
                "You may not enter numbers manually. If you want to enter numbers manually, "
                "please activate Manual Nos. in No. Series %(code)s."
            )
            % {"code": series.code},
            "manual_not_allowed",
        )


def assign_no(
    *, model: type[models.Model], typed_no: str, series: NumberSeries | None, setup_field: str
) -> tuple[str, NumberSeries | None]:
    """The No. for a new numbered record (contact, campaign, opportunity...): the typed one if
    the series allows manual numbers, else the next free number of `series`.

    `setup_field` is the caption of the Marketing Setup field the series comes from, for the
    error when it is blank. Returns (no, series the number came from or None).
    """
    typed_no = (typed_no or "").strip().upper()
    if typed_no:
        if series is not None:
            check_manual_number(series=series)
        return typed_no, None
    if series is None:
        raise field_error(
            "no",
            _("%(field)s must have a value in Marketing Setup. It cannot be zero or empty.")
            % {"field": setup_field},
            "no_series_missing",
        )
    while True:
        candidate = next_number(series=series)
        if not model._default_manager.filter(no=candidate).exists():
            return candidate, series


def warning_reached(series: NumberSeries) -> bool:
    series.refresh_from_db()
    return bool(
        series.warning_no
        and series.last_no_used
        and not numbering.exceeds(series.warning_no, series.last_no_used)
    )


@transaction.atomic
@audited("create")
def create_language(*, actor: Any, code: str, name: str = "") -> Language:
    require_perm(actor, "core.add_language")
    language = Language(code=(code or "").strip().upper(), name=name)
    if not language.code:
        raise field_error(
            "code", _("You must fill in the %(field)s field.") % {"field": _("Code")}, "required"
        )
    validate_instance(language)
    language.save()
    return language


@transaction.atomic
@audited("change", "language")
def update_language(*, actor: Any, language: Language, name: str = "") -> Language:
    require_perm(actor, "core.change_language")
    language.name = name
    validate_instance(language)
    language.save()
    return language


@transaction.atomic
@audited("delete", "language")
def delete_language(*, actor: Any, language: Language) -> None:
    require_perm(actor, "core.delete_language")
    language.delete()


@transaction.atomic
def start_job(
    *,
    actor: Any,
    kind: str,
    description: str = "",
    params: dict[str, Any] | None = None,
    total: int = 0,
) -> Job:
    """Record a background job and queue it for the worker (after commit)."""
    from rapport.core.jobs import enqueue

    job = Job.objects.create(
        kind=kind,
        description=description[:250],
        params=params or {},
        total=total,
        created_by=actor if getattr(actor, "pk", None) else None,  # the system actor is unsaved
    )
    enqueue(job)
    return job


def cancel_job(*, actor: Any, job: Job) -> Job:
    """Cancel a queued or running job: a queued one at once, a running one at its next batch
    (its transaction is rolled back, so nothing it did is kept).

    Not one transaction on purpose: on SQLite a running job holds the database's write lock
    until it ends, so the request to stop goes through the cache (`rapport.core.jobs`).
    """
    from rapport.core.jobs import CANCELED, end_job, request_cancel

    if actor is None or (actor.pk != job.created_by_id and not actor.has_perm("core.change_job")):
        raise PermissionDenied(_("You do not have permission to do this."))
    job.refresh_from_db()
    if job.finished:
        raise ValidationError(_("The job has already ended."), code="job_finished")
    request_cancel(job)
    if job.status == JobStatus.QUEUED:
        with transaction.atomic():
            end_job(job, JobStatus.CANCELED, CANCELED)
    job.refresh_from_db()
    return job
