"""Logging a segment (BC 3.6) and the logged segments (3.7): cancel, restore, delete canceled,
follow-up segments. Logging is one transaction of set-based statements in bounded batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns.models import CampaignEntry
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.audit import record_audit, record_set_audit
from rapport.core.choices import CorrespondenceType
from rapport.core.events import emit
from rapport.core.validation import PermissionDenied, ValidationError, field_error, require_perm
from rapport.interactions.models import Attachment, DeliveryStatus, InteractionLogEntry
from rapport.interactions.services.delivery import start_delivery
from rapport.segments import sql
from rapport.segments.models import LoggedSegment, Segment, SegmentLine
from rapport.segments.services.criteria import reuse_logged_segment
from rapport.segments.services.header import create_segment, must_have_value, purge_segment

Progress = Callable[[int, int], None]

LOG = "segments.log_segment"
# Above this many lines, logging from a page or the API runs as a background job.
BACKGROUND_THRESHOLD = 2000


# The log entry columns one INSERT ... SELECT fills from the segment lines, in order.
ENTRY_COLUMNS = [
    "contact_id",
    "contact_company_id",
    "date",
    "time",
    "description",
    "information_flow",
    "initiated_by",
    "attachment_id",
    "cost",
    "duration",
    "user_id",
    "group_id",
    "template_id",
    "language_id",
    "campaign_id",
    "campaign_target",
    "campaign_response",
    "segment_no",
    "logged_segment_entry_no",
    "evaluation",
    "attempt_failed",
    "salesperson_id",
    "delivery_status",
    "canceled",
    "correspondence_type",
    "document_type",
    "document_no",
    "version_no",
    "contact_via",
    "postponed",
    "created_at",
    "updated_at",
    "campaign_entry_id",
    "subject",
    "send_word_docs_as_attachment",
    "merge_data",
]


@dataclass
class LogResult:
    logged_segment: LoggedSegment
    interactions: int
    campaign_entries: int
    follow_up: Segment | None
    delivery_job: Any = None


def _line_key(segment: Segment, line_no: int) -> str:
    return _("Segment No.=%(no)s, Line No.=%(line)s") % {"no": segment.no, "line": line_no}


def _check_lines(segment: Segment, lines: QuerySet[SegmentLine], deliver: bool) -> None:
    """BC 3.6 step 6a: the first line (in line order) that breaks a rule stops the log, with the
    first rule it breaks, in BC's order. One pass over the lines finds it."""
    email = CorrespondenceType.EMAIL
    broken = Q(date__isnull=True) | Q(salesperson__isnull=True) | Q(template__isnull=True)
    broken |= Q(salesperson__blocked=True) | Q(contact__privacy_blocked=True)
    if deliver:
        broken |= Q(correspondence_type=email, contact__email="")
        broken |= ~Q(correspondence_type="") & Q(attachment__isnull=True)
    bad = lines.filter(broken).select_related("salesperson", "contact").order_by("line_no").first()
    if bad is None:
        return
    table = _("Segment Line")
    key = _line_key(segment, bad.line_no)
    for field, caption, missing in (
        ("date", _("Date"), bad.date is None),
        ("salesperson", _("Salesperson Code"), bad.salesperson_id is None),
        ("template", _("Interaction Template Code"), bad.template_id is None),
    ):
        if missing:
            raise must_have_value(field, caption, table, key)
    if bad.salesperson is not None and bad.salesperson.blocked:
        raise field_error(
            "salesperson",
            _("Salesperson %(code)s is blocked.") % {"code": bad.salesperson.code},
            "blocked",
        )
    if bad.contact.privacy_blocked:
        raise field_error(
            "contact",
            _(
                "You cannot create an interaction for contact %(no)s because it is marked as "
                "Privacy Blocked."
            )
            % {"no": bad.contact.no},
            "privacy_blocked",
        )
    if bad.correspondence_type == email and not bad.contact.email:
        raise field_error(
            "deliver",
            _(
                "Make sure that the Email field is specified for either contact no. "
                "%(no)s or the contact alternative address."
            )
            % {"no": bad.contact.no},
            "email_missing",
        )
    raise must_have_value("attachment", _("Attachment No."), table, key)


def _campaign_entries(
    segment: Segment, lines: QuerySet[SegmentLine], logged: LoggedSegment, actor: Any
) -> int:
    """One campaign entry per campaign on the lines (normally one), dated and signed by the
    campaign's first line."""
    made = 0
    firsts = lines.exclude(campaign=None).values("campaign_id").annotate(first=Min("line_no"))
    for row in firsts:
        first = lines.get(line_no=row["first"])
        CampaignEntry.objects.create(
            campaign_id=row["campaign_id"],
            description=segment.description,
            date=first.date or timezone.localdate(),
            user=actor if getattr(actor, "pk", None) else None,
            segment_no=segment.no,
            salesperson_id=first.salesperson_id,
            register_no=logged.pk,
        )
        made += 1
    return made


def _insert_entries(
    segment: Segment,
    logged: LoggedSegment,
    actor: Any,
    deliver: bool,
    progress: Progress | None,
    batch_size: int,
) -> int:
    """INSERT ... SELECT the log entries from the lines, in batches of line numbers. (The two
    choice values written into the statement are constants of the code, not input.)"""
    from rapport.contacts.models import Contact

    def lines_qs(s: Segment) -> QuerySet[SegmentLine]:
        return SegmentLine.objects.filter(segment=s)

    q = sql.q
    email = CorrespondenceType.EMAIL
    # Rules 6: without delivery an e-mail line to a contact without an address is logged with
    # a blank correspondence type (with delivery the checks above refused it already).
    # The contact is joined only when some line is an e-mail one.
    if lines_qs(segment).filter(correspondence_type=email).exists():
        ct = (
            f"CASE WHEN l.{q('correspondence_type')} = '{email}' AND c.{q('email')} = '' "
            f"THEN '' ELSE l.{q('correspondence_type')} END"
        )
        contact_join = f"JOIN {sql.table(Contact)} c ON c.{q('id')} = l.{q('contact_id')}"
    else:
        ct, contact_join = f"l.{q('correspondence_type')}", ""
    delivery = (
        f"CASE WHEN l.{q('correspondence_type')} <> '' THEN '{DeliveryStatus.IN_PROGRESS}' "
        "ELSE '' END"
        if deliver
        else "''"
    )
    # One campaign entry per campaign (a handful): a CASE, not a join per line.
    entry_of = dict(
        CampaignEntry.objects.filter(register_no=logged.pk).values_list("campaign_id", "pk")
    )
    if entry_of:
        whens = " ".join(f"WHEN {int(c)} THEN {int(e)}" for c, e in entry_of.items())
        campaign_entry = f"CASE l.{q('campaign_id')} {whens} ELSE NULL END"
    else:
        campaign_entry = "NULL"
    merge_data, merge_joins, merge_params = _merge_data_sql(segment, bool(contact_join))
    statement = f"""
        INSERT INTO {sql.table(InteractionLogEntry)} ({", ".join(q(c) for c in ENTRY_COLUMNS)})
        SELECT l.{q("contact_id")}, l.{q("contact_company_id")}, l.{q("date")}, l.{q("time")},
               l.{q("description")}, l.{q("information_flow")}, l.{q("initiated_by")},
               l.{q("attachment_id")}, l.{q("cost")}, l.{q("duration")}, %s, l.{q("group_id")},
               l.{q("template_id")}, l.{q("language_id")}, l.{q("campaign_id")},
               l.{q("campaign_target")}, l.{q("campaign_response")}, %s, %s,
               l.{q("evaluation")}, l.{q("attempt_failed")}, l.{q("salesperson_id")},
               {delivery}, %s, {ct}, '', '', 0, l.{q("contact_via")}, %s, %s, %s,
               {campaign_entry},
               CASE WHEN l.{q("subject")} <> '' THEN l.{q("subject")}
                    ELSE l.{q("description")} END,
               l.{q("send_word_docs_as_attachment")}, {merge_data}
        FROM {sql.table(SegmentLine)} l
        {contact_join}
        {merge_joins}
        WHERE l.{q("segment_id")} = %s AND l.{q("line_no")} > %s AND l.{q("line_no")} <= %s
        ORDER BY l.{q("line_no")}
    """
    now = sql.now()
    lines = SegmentLine.objects.filter(segment=segment)
    total = lines.count()
    done = 0
    last = 0
    user_id = actor.pk if getattr(actor, "pk", None) else None
    while True:
        upper = (
            lines.filter(line_no__gt=last)
            .order_by("line_no")
            .values_list("line_no", flat=True)[batch_size - 1 : batch_size]
        )
        bound = upper[0] if upper else None
        if bound is None:
            bound = lines.order_by("-line_no").values_list("line_no", flat=True).first()
            if bound is None or bound <= last:
                break
        params = [user_id, segment.no, logged.pk, False, False, now, now, *merge_params]
        params += [segment.pk, last, bound]
        done += sql.execute(statement, params)
        last = bound
        if progress is not None:
            progress(done, total)
    return done


def _merge_data_sql(segment: Segment, contact_joined: bool) -> tuple[str, str, list[Any]]:
    """The merge values each entry keeps (issue #12): built in the same statement, only for
    lines whose attachment is a merge template; no joins at all when no line has one."""
    from rapport.accounts.models import Salesperson
    from rapport.contacts.models import Contact
    from rapport.core.models import Language
    from rapport.interactions.snapshots import snapshot_sql

    merging = Attachment.objects.filter(
        pk__in=SegmentLine.objects.filter(segment=segment).values("attachment_id")
    ).exclude(merge_kind="")
    if not merging.exists():
        return "NULL", "", []
    q = sql.q
    expression, params = snapshot_sql(
        line="l", contact="c", company="co", salesperson="sp", contact_language="cl"
    )
    joins = f"""
        LEFT JOIN {sql.table(Attachment)} a ON a.{q("id")} = l.{q("attachment_id")}
        LEFT JOIN {sql.table(Contact)} co ON co.{q("id")} = c.{q("company_id")}
        LEFT JOIN {sql.table(Salesperson)} sp ON sp.{q("id")} = l.{q("salesperson_id")}
        LEFT JOIN {sql.table(Language)} cl ON cl.{q("id")} = c.{q("language_id")}
    """
    if not contact_joined:
        joins = f"JOIN {sql.table(Contact)} c ON c.{q('id')} = l.{q('contact_id')}" + joins
    return f"CASE WHEN a.{q('merge_kind')} <> '' THEN {expression} ELSE NULL END", joins, params


def log_segment(
    *,
    actor: Any,
    segment: Segment,
    deliver: bool = False,
    follow_up: bool = False,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> LogResult:
    """Log the segment: one interaction log entry per line, one logged segment, one campaign
    entry per campaign, optionally a follow-up segment with the same contacts; then the segment
    is deleted. All or nothing; a segment is logged at most once (row lock + unique no.)."""
    from django.conf import settings

    require_perm(actor, LOG)
    size: int = batch_size or settings.RAPPORT_LOG_BATCH_SIZE
    try:
        with transaction.atomic():
            return _log_segment(actor, segment, deliver, follow_up, progress, size)
    except IntegrityError:
        if LoggedSegment.objects.filter(segment_no=segment.no).exists():
            raise _already_logged(segment.no) from None
        raise


def _already_logged(no: str) -> ValidationError:
    return field_error(
        "segment",
        _("Logged Segment for Segment No. %(no)s already exists.") % {"no": no},
        "already_logged",
    )


def _log_segment(
    actor: Any,
    segment: Segment,
    deliver: bool,
    follow_up: bool,
    progress: Progress | None,
    batch_size: int,
) -> LogResult:
    locked = Segment.objects.select_for_update().filter(pk=segment.pk).first()
    if locked is None:
        # Logged (and so deleted) by someone else meanwhile.
        raise _already_logged(segment.no)
    segment = locked
    if LoggedSegment.objects.filter(segment_no=segment.no).exists():
        raise _already_logged(segment.no)
    if not segment.description:
        raise must_have_value(
            "description", _("Description"), _("Segment Header"), f"{_('No.')}={segment.no}"
        )
    lines = SegmentLine.objects.filter(segment=segment)
    if not lines.exists():
        raise field_error("segment", _("Segment %(no)s is empty.") % {"no": segment.no}, "empty")
    if follow_up and marketing_setup().segment_nos is None:
        raise field_error(
            "follow_up",
            _("%(field)s must have a value in Marketing Setup. It cannot be zero or empty.")
            % {"field": _("Segment Nos.")},
            "no_series_missing",
        )
    _check_lines(segment, lines, deliver)

    logged = LoggedSegment.objects.create(
        segment_no=segment.no,
        description=segment.description,
        creation_date=timezone.localdate(),
        user=actor if getattr(actor, "pk", None) else None,
    )
    campaign_entries = _campaign_entries(segment, lines, logged, actor)
    # Rules 3: the line's attachment is shared by the entries and becomes read-only.
    Attachment.objects.filter(
        pk__in=lines.exclude(attachment=None).values("attachment_id"), read_only=False
    ).update(read_only=True)
    interactions = _insert_entries(segment, logged, actor, deliver, progress, batch_size)
    delivery_job = None
    if (
        deliver
        and InteractionLogEntry.objects.filter(
            logged_segment_entry_no=logged.pk, delivery_status=DeliveryStatus.IN_PROGRESS
        ).exists()
    ):
        # Sending starts once the log has committed (a rolled-back log sends nothing).
        delivery_job = start_delivery(actor=actor, logged_segment=logged.pk)
    emit(
        "segment.logged",
        {
            "logged_segment_entry_no": logged.pk,
            "segment_no": segment.no,
            "interactions": interactions,
        },
    )

    campaign_no = segment.campaign
    segment_no = segment.no
    purge_segment(segment)
    follow = None
    if follow_up:
        follow = create_segment(
            actor=actor,
            description=_("Follow-up on segment %(no)s") % {"no": segment_no},
            campaign=campaign_no,
        )
        reuse_logged_segment(actor=actor, segment=follow, logged_segment=logged)
        LoggedSegment.objects.filter(pk=logged.pk).update(follow_up_segment_no=follow.no)
        logged.follow_up_segment_no = follow.no
    entry_range = InteractionLogEntry.objects.filter(logged_segment_entry_no=logged.pk).aggregate(
        first=Min("pk"), last=Max("pk")
    )
    record_audit(  # one event for the whole log, never one per entry
        actor=actor,
        action="log",
        obj=logged,
        object_repr=f"{segment_no} {logged.description}",
        details={
            "segment": segment_no,
            "interactions": interactions,
            "campaign_entries": campaign_entries,
            "first_entry_no": entry_range["first"],
            "last_entry_no": entry_range["last"],
            "deliver": deliver,
            "follow_up_segment": follow.no if follow is not None else None,
        },
    )
    return LogResult(logged, interactions, campaign_entries, follow, delivery_job)


def start_log_segment(*, actor: Any, segment: Segment, deliver: bool, follow_up: bool) -> Any:
    """Queue logging as a background job (the job page shows its progress)."""
    require_perm(actor, LOG)
    return core_services.start_job(
        actor=actor,
        kind="segments.log_segment",
        description=_("Log Segment %(no)s") % {"no": segment.no},
        params={"segment": segment.pk, "deliver": deliver, "follow_up": follow_up},
        total=SegmentLine.objects.filter(segment=segment).count(),
    )


# --- logged segments ------------------------------------------------------------------------


def logged_segment_counts(logged: QuerySet[LoggedSegment]) -> QuerySet[LoggedSegment]:
    """BC's FlowFields: entries and campaign entries with the logged segment's Canceled value."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    def counted(model: Any, column: str) -> Any:
        return Coalesce(
            Subquery(
                model.objects.filter(**{column: OuterRef("pk")}, canceled=OuterRef("canceled"))
                .order_by()
                .values(column)
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        )

    return logged.annotate(
        no_of_interactions=counted(InteractionLogEntry, "logged_segment_entry_no"),
        no_of_campaign_entries=counted(CampaignEntry, "register_no"),
    )


def _set_canceled(actor: Any, logged: QuerySet[LoggedSegment], canceled: bool) -> int:
    if actor is None or not actor.has_perm("segments.cancel_loggedsegment"):
        raise PermissionDenied(_("You do not have permission to do this."))
    # Locks in one order (logged segments, then their entries and campaign entries, each by
    # number), as cancel/restore of single entries does: concurrent ones never deadlock.
    ids = list(logged.select_for_update().order_by("pk").values_list("pk", flat=True))
    changed = LoggedSegment.objects.filter(pk__in=ids, canceled=not canceled).update(
        canceled=canceled
    )
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no__in=ids)
    list(entries.select_for_update().order_by("pk").values_list("pk", flat=True))
    entries.update(canceled=canceled)
    campaign_entries = CampaignEntry.objects.filter(register_no__in=ids)
    list(campaign_entries.select_for_update().order_by("pk").values_list("pk", flat=True))
    campaign_entries.update(canceled=canceled)
    if changed:
        kind = "logged_segment.canceled" if canceled else "logged_segment.restored"
        emit(kind, {"logged_segment_entry_nos": ids})
        record_set_audit(
            actor=actor, action="cancel" if canceled else "restore", model=LoggedSegment, keys=ids
        )
    return changed


@transaction.atomic
def cancel_logged_segments(*, actor: Any, logged: QuerySet[LoggedSegment]) -> int:
    """Rules 2: the logged segment, all its campaign entries and all its entries are canceled."""
    return _set_canceled(actor, logged, True)


@transaction.atomic
def restore_logged_segments(*, actor: Any, logged: QuerySet[LoggedSegment]) -> int:
    return _set_canceled(actor, logged, False)


@transaction.atomic
def delete_canceled_logged_segments(*, actor: Any, logged: QuerySet[LoggedSegment]) -> int:
    """BC report 5191: only canceled ones; their entries and campaign entries stay, unlinked."""
    require_perm(actor, "segments.delete_loggedsegment")
    ids = list(logged.filter(canceled=True).select_for_update().values_list("pk", flat=True))
    InteractionLogEntry.objects.filter(logged_segment_entry_no__in=ids).update(
        logged_segment_entry_no=None
    )
    CampaignEntry.objects.filter(register_no__in=ids).update(register_no=None)
    deleted, _detail = LoggedSegment.objects.filter(pk__in=ids).delete()
    record_set_audit(actor=actor, action="delete", model=LoggedSegment, keys=ids)
    return deleted


@transaction.atomic
def create_follow_up_segment(
    *,
    actor: Any,
    logged_segment: LoggedSegment,
    evaluation: list[str] | None = None,
    attempt_failed: bool | None = None,
    description: str = "",
) -> Segment:
    """Beyond BC: a new segment with the contacts of a logged segment whose entries had the
    chosen outcome (evaluation, attempt failed)."""
    entries = InteractionLogEntry.objects.filter(
        logged_segment_entry_no=logged_segment.pk, contact__isnull=False
    )
    # Rapport: privacy-blocked contacts are never added to a segment.
    entries = entries.exclude(contact__privacy_blocked=True)
    if evaluation:
        entries = entries.filter(evaluation__in=evaluation)
    if attempt_failed is not None:
        entries = entries.filter(attempt_failed=attempt_failed)
    campaign = (
        CampaignEntry.objects.filter(register_no=logged_segment.pk)
        .select_related("campaign")
        .first()
    )
    segment = create_segment(
        actor=actor,
        description=description
        or _("Follow-up on segment %(no)s") % {"no": logged_segment.segment_no},
        campaign=campaign.campaign if campaign else None,
    )
    from rapport.segments.models import CriteriaAction
    from rapport.segments.services.header import record_step

    step = record_step(
        actor=actor,
        segment=segment,
        action=CriteriaAction.ADD,
        filters={"interaction": {"logged_segment_entry_no": str(logged_segment.pk)}},
        allow_existing_contacts=True,
        ignore_exclusion=True,
    )
    added = sql.insert_lines_from_entries(segment, entries)
    type(step).objects.filter(pk=step.pk).update(
        lines_added=added,
        lines_after=added,
        first_line_no=1 if added else None,
        last_line_no=sql.last_line_no(segment) if added else None,
    )
    record_audit(
        actor=actor,
        action="run",
        obj=segment,
        details={"follow_up_of_logged_segment": logged_segment.pk, "lines_added": added},
    )
    return segment
