"""The set-based statements of the segments app: new lines from a set of contacts, history
copies of lines, lines back from history, log entries from lines. Table and column names come
from the models' metadata; values are always parameters. Nothing here checks permissions or
rules: the services do, then call these inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.core.choices import CorrespondenceType
from rapport.interactions.services.setup import delete_unreferenced_attachments
from rapport.segments.models import (
    LINE_COLUMNS,
    LINE_NO_STEP,
    Segment,
    SegmentHistory,
    SegmentInteractionLanguage,
    SegmentLine,
)


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: Any) -> str:
    return q(model._meta.db_table)


def subquery(qs: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """SQL and parameters of a queryset of ids (`qs.values("pk")` or similar)."""
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def execute(sql: str, params: tuple[Any, ...] | list[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def last_line_no(segment: Segment) -> int:
    last = (
        SegmentLine.objects.filter(segment=segment)
        .order_by("-line_no")
        .values_list("line_no", flat=True)
        .first()
    )
    return int(last or 0)


def header_language_record(segment: Segment) -> SegmentInteractionLanguage | None:
    if not segment.language_id:
        return None
    return SegmentInteractionLanguage.objects.filter(
        segment=segment, line=None, language_id=segment.language_id
    ).first()


def correspondence_sql(segment: Segment, contact_alias: str) -> tuple[str, list[Any]]:
    """Rules 8: the header default when the header ignores the contact's type and has one; else
    the template default when the template ignores the contact's type or the contact has none;
    else the contact's."""
    if segment.ignore_contact_corres_type and segment.correspondence_type:
        return "%s", [segment.correspondence_type]
    template = segment.template
    template_type = template.correspondence_type if template else CorrespondenceType.BLANK
    if template is not None and template.ignore_contact_corres_type:
        return "%s", [template_type]
    ct = f"{contact_alias}.{q('correspondence_type')}"
    return f"CASE WHEN {ct} = '' THEN %s ELSE {ct} END", [template_type]


def insert_lines(segment: Segment, contact_ids: QuerySet[Any]) -> int:
    """One new line per contact in `contact_ids` (a queryset of contact ids), defaulted from the
    header and the contact (BC 3.2.1), numbered after the last line in BC's order (company name,
    company no., type, name). Returns how many were inserted."""
    return _insert_lines(segment, contact_ids=contact_ids)


def insert_lines_from_entries(segment: Segment, entries: QuerySet[Any]) -> int:
    """One new line per log entry in `entries` (in entry order), defaulted like `insert_lines`,
    with the entry's campaign (BC's Reuse Segment)."""
    return _insert_lines(segment, entries=entries)


def _insert_lines(
    segment: Segment,
    *,
    contact_ids: QuerySet[Any] | None = None,
    entries: QuerySet[Any] | None = None,
) -> int:
    if entries is not None:
        from rapport.interactions.models import InteractionLogEntry

        ids_sql, ids_params = subquery(entries.values("pk"))
        source = (
            f"{table(InteractionLogEntry)} e JOIN {table(Contact)} c "
            f"ON c.{q('id')} = e.{q('contact_id')}"
        )
        where = f"e.{q('id')} IN ({ids_sql})"
        order = f"e.{q('id')}"
        campaign_sql, campaign_params = f"e.{q('campaign_id')}", []
    else:
        assert contact_ids is not None
        ids_sql, ids_params = subquery(contact_ids)
        source = f"{table(Contact)} c"
        where = f"c.{q('id')} IN ({ids_sql})"
        order = (
            f"COALESCE(co.{q('name')}, c.{q('name')}), COALESCE(co.{q('no')}, c.{q('no')}), "
            f"c.{q('type')}, c.{q('name')}, c.{q('id')}"
        )
        campaign_sql, campaign_params = "%s", [segment.campaign_id]
    default = header_language_record(segment)
    ct_sql, ct_params = correspondence_sql(segment, "c")
    if segment.salesperson_id:
        salesperson_sql, salesperson_params = "%s", [segment.salesperson_id]
    else:
        salesperson_sql, salesperson_params = f"c.{q('salesperson_id')}", []
    contact, language = table(Contact), table(SegmentInteractionLanguage)
    columns = ", ".join(q(c) for c in ["segment_id", *LINE_COLUMNS])
    sql = f"""
        INSERT INTO {table(SegmentLine)} ({columns})
        SELECT %s, %s + %s * ROW_NUMBER() OVER (ORDER BY {order}),
               c.{q("id")}, c.{q("company_id")}, %s, {campaign_sql}, %s, %s, {salesperson_sql},
               %s, %s,
               %s, %s, %s, %s, {ct_sql}, %s, %s,
               CASE WHEN sil.{q("id")} IS NULL THEN %s ELSE sil.{q("attachment_id")} END,
               CASE WHEN sil.{q("id")} IS NULL THEN %s ELSE c.{q("language_id")} END,
               CASE WHEN sil.{q("id")} IS NULL THEN %s ELSE sil.{q("subject")} END,
               '', NULL, %s, '', '', %s
        FROM {source}
        LEFT JOIN {contact} co ON co.{q("id")} = c.{q("company_id")}
        LEFT JOIN {language} sil ON sil.{q("segment_id")} = %s AND sil.{q("line_id")} IS NULL
             AND sil.{q("language_id")} = c.{q("language_id")}
        WHERE {where}
    """
    params = [
        segment.pk,
        last_line_no(segment),
        LINE_NO_STEP,
        segment.description,
        *campaign_params,
        segment.campaign_target,
        segment.campaign_response,
        *salesperson_params,
        segment.template_id,
        segment.group_id,
        segment.information_flow,
        segment.initiated_by,
        segment.date,
        segment.send_word_docs_as_attachment,
        *ct_params,
        segment.unit_cost,
        segment.unit_duration,
        default.attachment_id if default else None,
        segment.language_id,
        segment.subject,
        False,
        False,
        segment.pk,
        *ids_params,
    ]
    inserted = execute(sql, params)
    refresh_statistics(inserted)
    return inserted


def copy_lines_to_history(
    segment: Segment, step_no: int, action: str, where: str, params: tuple[Any, ...]
) -> int:
    """Copy the segment's lines matching `where` (SQL on alias l) into the history."""
    columns = ", ".join(q(c) for c in LINE_COLUMNS)
    selected = ", ".join(f"l.{q(c)}" for c in LINE_COLUMNS)
    sql = f"""
        INSERT INTO {table(SegmentHistory)} ({q("segment_id")}, {q("step_no")},
               {q("action_taken")}, {columns})
        SELECT %s, %s, %s, {selected}
        FROM {table(SegmentLine)} l
        WHERE l.{q("segment_id")} = %s AND ({where})
    """
    return execute(sql, (segment.pk, step_no, action, segment.pk, *params))


def restore_lines_from_history(segment: Segment, step_no: int, action: str) -> int:
    columns = ", ".join(q(c) for c in LINE_COLUMNS)
    selected = ", ".join(f"h.{q(c)}" for c in LINE_COLUMNS)
    sql = f"""
        INSERT INTO {table(SegmentLine)} ({q("segment_id")}, {columns})
        SELECT %s, {selected}
        FROM {table(SegmentHistory)} h
        WHERE h.{q("segment_id")} = %s AND h.{q("step_no")} = %s AND h.{q("action_taken")} = %s
    """
    restored = execute(sql, (segment.pk, segment.pk, step_no, action))
    refresh_statistics(restored)
    return restored


def delete_lines(segment: Segment, where: str, params: tuple[Any, ...]) -> int:
    """Delete the segment's lines matching `where` (SQL on the line table's own columns) and
    their line-level language records, without loading them. Files only they used go too."""
    lines = table(SegmentLine)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT {q('attachment_id')} FROM {lines} WHERE {q('segment_id')} = %s "
            f"AND ({where}) AND {q('attachment_id')} IS NOT NULL "
            f"UNION SELECT r.{q('attachment_id')} FROM {table(SegmentInteractionLanguage)} r "
            f"WHERE r.{q('segment_id')} = %s AND r.{q('attachment_id')} IS NOT NULL AND "
            f"r.{q('line_id')} IN (SELECT l.{q('id')} FROM {lines} l "
            f"WHERE l.{q('segment_id')} = %s AND ({where}))",
            (segment.pk, *params, segment.pk, segment.pk, *params),
        )
        attachment_ids = [row[0] for row in cursor.fetchall()]
    execute(
        f"DELETE FROM {table(SegmentInteractionLanguage)} WHERE {q('segment_id')} = %s AND "
        f"{q('line_id')} IN (SELECT l.{q('id')} FROM {lines} l "
        f"WHERE l.{q('segment_id')} = %s AND ({where}))",
        (segment.pk, segment.pk, *params),
    )
    deleted = execute(
        f"DELETE FROM {lines} WHERE {q('segment_id')} = %s AND ({where})", (segment.pk, *params)
    )
    delete_unreferenced_attachments(attachment_ids)
    return deleted


def refresh_statistics(rows: int) -> None:
    """After many lines come or go in one transaction, PostgreSQL's planner would still plan for
    the old table size (a nested loop over a million lines); ANALYZE keeps its plans right."""
    if rows >= STATISTICS_THRESHOLD and connection.vendor == "postgresql":
        execute(f"ANALYZE {table(SegmentLine)}")


STATISTICS_THRESHOLD = 5000


def now() -> Any:
    return timezone.now()
