"""Criteria (BC 3.4-3.5): Add Contacts, Reduce, Refine, Go Back, Save and Reuse criteria, Reuse a
logged segment. Every run is one recorded step; the work is set-based SQL (INSERT ... SELECT,
DELETE ... WHERE), never a loop over contacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.campaigns.services import sync_target_groups
from rapport.contacts.models import Contact
from rapport.core.audit import record_audit, snapshot
from rapport.core.validation import field_error, require_perm, validate_instance
from rapport.interactions.models import InteractionLogEntry
from rapport.segments import criteria as filters_
from rapport.segments import sql
from rapport.segments.models import (
    CriteriaAction,
    LoggedSegment,
    SavedSegmentCriteria,
    SavedSegmentCriteriaStep,
    Segment,
    SegmentCriteriaStep,
    SegmentHistory,
    SegmentHistoryAction,
    SegmentLine,
)
from rapport.segments.services.header import CHANGE, record_step, remove_lines

STEP_OPTIONS = (
    "allow_existing_contacts",
    "expand_companies",
    "allow_related_companies",
    "ignore_exclusion",
    "entire_companies",
)


@dataclass
class Criteria:
    """One criteria run: the action, its filters (see rapport.segments.criteria) and options."""

    action: str
    filters: dict[str, Any] = field(default_factory=dict)
    allow_existing_contacts: bool = False
    expand_companies: bool = False
    allow_related_companies: bool = False
    ignore_exclusion: bool = False
    entire_companies: bool = False

    def __post_init__(self) -> None:
        if self.action not in CriteriaAction.values:
            raise field_error(
                "action",
                _("%(value)s is not a criteria action.") % {"value": self.action},
                "invalid_choice",
            )
        self.filters = filters_.clean_filters(self.filters)

    def options(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name)) for name in STEP_OPTIONS}


@dataclass
class CriteriaResult:
    step: SegmentCriteriaStep | None
    added: int = 0
    removed: int = 0
    privacy_blocked: int = 0
    lines: int = 0


def _candidates_to_add(segment: Segment, criteria: Criteria) -> tuple[QuerySet[Contact], int]:
    """The contacts Add Contacts inserts, in BC's order of processing: match, expand companies,
    add related companies, drop excluded, drop existing. Privacy-blocked contacts are never added
    (Rapport); their number is returned to be shown."""
    matched = Contact.objects.filter(filters_.contact_q(criteria.filters))
    wanted = Q(pk__in=matched.values("pk"))
    if criteria.expand_companies:
        wanted |= Q(company_id__in=matched.exclude(company=None).values("company_id"))
    chosen = Contact.objects.filter(wanted)
    if criteria.allow_related_companies:
        chosen = Contact.objects.filter(
            Q(pk__in=chosen.values("pk"))
            | Q(pk__in=chosen.exclude(company=None).values("company_id"))
        )
    if not criteria.ignore_exclusion:
        chosen = chosen.exclude(exclude_from_segment=True)
    if not criteria.allow_existing_contacts:
        chosen = chosen.exclude(
            pk__in=SegmentLine.objects.filter(segment=segment).values("contact_id")
        )
    blocked = chosen.filter(privacy_blocked=True).count()
    return chosen.filter(privacy_blocked=False), blocked


def _record_range(step: SegmentCriteriaStep, after: int, segment: Segment) -> None:
    """Keep the numbers of the lines the step inserted (all above `after`)."""
    last = sql.last_line_no(segment)
    if last > after:
        SegmentCriteriaStep.objects.filter(pk=step.pk).update(
            first_line_no=after + 1, last_line_no=last
        )


def _lines_to_remove(segment: Segment, criteria: Criteria) -> QuerySet[SegmentLine]:
    """Reduce: the lines whose contact matches; Refine: the lines whose contact does not. With
    "entire companies" the match widens to every contact of a matched contact's company."""
    lines = SegmentLine.objects.filter(segment=segment)
    in_segment = Contact.objects.filter(
        Q(pk__in=lines.values("contact_id"))
        | (
            Q(company_id__in=lines.exclude(contact_company=None).values("contact_company_id"))
            if criteria.entire_companies
            else Q(pk__in=[])
        )
    )
    matched = in_segment.filter(filters_.contact_q(criteria.filters))
    if criteria.entire_companies:
        matched = Contact.objects.filter(
            Q(pk__in=matched.values("pk"))
            | Q(company_id__in=matched.exclude(company=None).values("company_id"))
        )
    if criteria.action == CriteriaAction.REDUCE:
        return lines.filter(contact_id__in=matched.values("pk"))
    return lines.exclude(contact_id__in=matched.values("pk"))


def preview_criteria(*, actor: Any, segment: Segment, criteria: Criteria) -> CriteriaResult:
    """How many lines a run would add or remove, without changing anything."""
    require_perm(actor, "segments.view_segment")
    lines = SegmentLine.objects.filter(segment=segment).count()
    if criteria.action == CriteriaAction.ADD:
        chosen, blocked = _candidates_to_add(segment, criteria)
        added = chosen.count()
        return CriteriaResult(None, added=added, privacy_blocked=blocked, lines=lines + added)
    removed = _lines_to_remove(segment, criteria).count()
    return CriteriaResult(None, removed=removed, lines=lines - removed)


def run_criteria(*, actor: Any, segment: Segment, criteria: Criteria) -> CriteriaResult:
    """Add Contacts, Reduce or Refine, recorded as one step (even when nothing changes)."""
    with transaction.atomic():
        require_perm(actor, CHANGE)
        segment = (
            Segment.objects.select_related("template")
            .select_for_update(of=("self",))
            .get(pk=segment.pk)
        )
        step = record_step(
            actor=actor,
            segment=segment,
            action=criteria.action,
            filters=criteria.filters,
            **criteria.options(),
        )
        result = CriteriaResult(step)
        if criteria.action == CriteriaAction.ADD:
            chosen, result.privacy_blocked = _candidates_to_add(segment, criteria)
            first_new = sql.last_line_no(segment)
            result.added = sql.insert_lines(segment, chosen.values("pk"))
            _record_range(step, first_new, segment)
        else:
            result.removed = remove_lines(segment, step, _lines_to_remove(segment, criteria))
        result.lines = SegmentLine.objects.filter(segment=segment).count()
        SegmentCriteriaStep.objects.filter(pk=step.pk).update(
            lines_added=result.added,
            lines_removed=result.removed,
            privacy_blocked_skipped=result.privacy_blocked,
            lines_after=result.lines,
        )
        step.refresh_from_db()
        sync_target_groups()
        record_audit(
            actor=actor,
            action="run",
            obj=segment,
            details={
                "step": step.step_no,
                "criteria_action": criteria.action,
                "filters": criteria.filters,
                "lines_added": result.added,
                "lines_removed": result.removed,
                "privacy_blocked": result.privacy_blocked,
                "lines": result.lines,
            },
        )
        return result


def add_contacts(*, actor: Any, segment: Segment, **options: Any) -> CriteriaResult:
    return run_criteria(
        actor=actor, segment=segment, criteria=Criteria(action=CriteriaAction.ADD, **options)
    )


def reduce_contacts(*, actor: Any, segment: Segment, **options: Any) -> CriteriaResult:
    return run_criteria(
        actor=actor, segment=segment, criteria=Criteria(action=CriteriaAction.REDUCE, **options)
    )


def refine_contacts(*, actor: Any, segment: Segment, **options: Any) -> CriteriaResult:
    return run_criteria(
        actor=actor, segment=segment, criteria=Criteria(action=CriteriaAction.REFINE, **options)
    )


@transaction.atomic
def go_back(*, actor: Any, segment: Segment, to_step: int | None = None) -> int:
    """Undo criteria steps, newest first: the last one, or every step after `to_step` (0 undoes
    them all). Lines come back exactly as they were; returns how many steps were undone."""
    require_perm(actor, CHANGE)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    steps = SegmentCriteriaStep.objects.filter(segment=segment).order_by("-step_no")
    last = steps.first()
    if last is None:
        raise field_error(
            "step", _("There are no criteria actions to undo."), "no_criteria_actions"
        )
    target = last.step_no - 1 if to_step is None else to_step
    if target < 0 or target > last.step_no:
        raise field_error(
            "step",
            _("Step %(step)s does not exist on segment %(no)s.")
            % {"step": target, "no": segment.no},
            "does_not_exist",
        )
    undone = 0
    for step in steps.filter(step_no__gt=target):
        if step.first_line_no is not None and step.last_line_no is not None:
            sql.delete_lines(
                segment,
                f"{sql.q('line_no')} >= %s AND {sql.q('line_no')} <= %s",
                (step.first_line_no, step.last_line_no),
            )
        sql.restore_lines_from_history(segment, step.step_no, SegmentHistoryAction.DELETION)
        SegmentHistory.objects.filter(segment=segment, step_no=step.step_no)._raw_delete(  # type: ignore[attr-defined]
            SegmentHistory.objects.db
        )
        step.delete()
        undone += 1
    sync_target_groups()
    record_audit(
        actor=actor,
        action="restore",
        obj=segment,
        details={"go_back_to_step": target, "steps_undone": undone},
    )
    return undone


# --- saved criteria --------------------------------------------------------------------------


@transaction.atomic
def save_criteria(
    *, actor: Any, segment: Segment, code: str, description: str = ""
) -> SavedSegmentCriteria:
    """Keep the segment's criteria steps (with every option) under a code, to reuse."""
    require_perm(actor, "segments.add_savedsegmentcriteria")
    steps = list(SegmentCriteriaStep.objects.filter(segment=segment, manual=False))
    if not steps:
        raise field_error(
            "code",
            _(
                "No. of Criteria Actions must have a value in Segment Header: No.=%(no)s. "
                "It cannot be zero or empty."
            )
            % {"no": segment.no},
            "no_criteria_actions",
        )
    saved = SavedSegmentCriteria(
        code=(code or "").strip().upper(),
        description=description,
        user=actor if getattr(actor, "pk", None) else None,
    )
    if not saved.code:
        raise field_error(
            "code", _("You must fill in the %(field)s field.") % {"field": _("Code")}, "required"
        )
    validate_instance(saved)
    saved.save()
    SavedSegmentCriteriaStep.objects.bulk_create(
        SavedSegmentCriteriaStep(
            criteria=saved,
            step_no=number,
            action=step.action,
            filters=step.filters,
            **{name: getattr(step, name) for name in STEP_OPTIONS},
        )
        for number, step in enumerate(steps, start=1)
    )
    record_audit(
        actor=actor,
        action="create",
        obj=saved,
        after=snapshot(saved),
        details={"segment": segment.no, "steps": len(steps)},
    )
    return saved


@transaction.atomic
def delete_saved_criteria(*, actor: Any, criteria: SavedSegmentCriteria) -> None:
    require_perm(actor, "segments.delete_savedsegmentcriteria")
    before = snapshot(criteria)
    criteria.delete()
    record_audit(actor=actor, action="delete", obj=criteria, before=before)


@transaction.atomic
def reuse_criteria(
    *, actor: Any, segment: Segment, criteria: SavedSegmentCriteria
) -> list[CriteriaResult]:
    """Replay every saved step, in order, with every option (BC drops "entire companies" on a
    replayed Refine; Rapport keeps it). Each replay is its own step, so Go Back undoes one."""
    return [
        run_criteria(
            actor=actor,
            segment=segment,
            criteria=Criteria(
                action=saved.action,
                filters=saved.filters,
                **{name: getattr(saved, name) for name in STEP_OPTIONS},
            ),
        )
        for saved in criteria.steps.order_by("step_no")
    ]


@transaction.atomic
def reuse_logged_segment(
    *, actor: Any, segment: Segment, logged_segment: LoggedSegment
) -> CriteriaResult:
    """BC 3.5 Reuse Segment: one line per entry of the logged segment (canceled ones too), header
    defaults, the entry's campaign; no duplicate or exclusion check."""
    require_perm(actor, CHANGE)
    segment = (
        Segment.objects.select_related("template")
        .select_for_update(of=("self",))
        .get(pk=segment.pk)
    )
    step = record_step(
        actor=actor,
        segment=segment,
        action=CriteriaAction.ADD,
        filters={"interaction": {"logged_segment_entry_no": str(logged_segment.pk)}},
        allow_existing_contacts=True,
        ignore_exclusion=True,
    )
    first_new = sql.last_line_no(segment)
    entries = InteractionLogEntry.objects.filter(
        logged_segment_entry_no=logged_segment.pk, contact__isnull=False
    )
    # Rapport: privacy-blocked contacts are never added to a segment (BC does not check).
    blocked = entries.filter(contact__privacy_blocked=True).count()
    added = sql.insert_lines_from_entries(segment, entries.filter(contact__privacy_blocked=False))
    _record_range(step, first_new, segment)
    lines = SegmentLine.objects.filter(segment=segment).count()
    SegmentCriteriaStep.objects.filter(pk=step.pk).update(
        lines_added=added, lines_after=lines, privacy_blocked_skipped=blocked
    )
    step.refresh_from_db()
    sync_target_groups()
    record_audit(
        actor=actor,
        action="run",
        obj=segment,
        details={
            "step": step.step_no,
            "reuse_logged_segment": logged_segment.pk,
            "lines_added": added,
            "privacy_blocked_skipped": blocked,
            "lines": lines,
        },
    )
    return CriteriaResult(step, added=added, privacy_blocked=blocked, lines=lines)
