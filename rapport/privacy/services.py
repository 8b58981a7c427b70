"""Privacy (issue 14 point 6): export everything Rapport holds about one contact, and erase a
contact by anonymising its personal data while its entries keep counting.

This app sits at the end of the dependency chain (it reads and, for an erasure, writes the rows
of every earlier app: the personal data is copied into all of them). Nothing imports it.

- `export_contact_data` writes a zip to a temporary file (never the whole history in memory):
  README.txt, contact.json, entries.json + entries.csv, attachments/, segments.json,
  campaigns.json, documents.json, mailbox.json, deliveries.json. The same data gives the same
  bytes (fixed timestamps, sorted keys, rows in key order).
- `erase_contact` anonymises, all or nothing, the contact and every copy of its personal data:
  entries' description, subject, merge values, "contact via" and personal attachments (logged
  e-mails, documents, imported files; never a template's shared file), entry and opportunity
  comments, segment history copies, delivery addresses and errors, print bundles with its
  letters, mailbox rows, alternative addresses and business relations. Entries keep their
  template, group, date, cost, duration, direction and salesperson, so every statistic stays
  the same. The contact is marked erased and privacy blocked for good.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from rapport.campaigns.models import CampaignEntry
from rapport.contacts.importing import escape_formula
from rapport.contacts.models import (
    Contact,
    ContactAltAddress,
    ContactBusinessRelation,
    ContactType,
)
from rapport.core.audit import object_type_of, record_audit, redact_audit_events
from rapport.core.models import Job
from rapport.core.validation import field_error, require_perm
from rapport.documents.models import DocumentEvent
from rapport.interactions import services as interaction_services
from rapport.interactions.attachments import read_content, safe_file_name
from rapport.interactions.models import (
    Attachment,
    Delivery,
    DeliveryBundle,
    DeliveryStatus,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplateLanguage,
    Opportunity,
    OpportunityComment,
)
from rapport.mailbox.models import LoggedMessage, UnmatchedMessage
from rapport.privacy import tasks
from rapport.privacy.models import Erasure
from rapport.segments.models import (
    LoggedSegment,
    SegmentHistory,
    SegmentInteractionLanguage,
    SegmentLine,
)

EXPORT_PERM = "privacy.export_personal_data"
ERASE_PERM = "privacy.erase_personal_data"

# Every member of the zip gets this time: the same data gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# The entry columns of entries.csv / entries.json, in order.
ENTRY_COLUMNS = [
    "entry_no",
    "date",
    "time",
    "contact_no",
    "contact_company_no",
    "template_code",
    "group_code",
    "description",
    "subject",
    "information_flow",
    "initiated_by",
    "cost",
    "duration",
    "correspondence_type",
    "salesperson_code",
    "user",
    "campaign_no",
    "campaign_entry_no",
    "segment_no",
    "logged_segment_entry_no",
    "evaluation",
    "attempt_failed",
    "opportunity_no",
    "language_code",
    "canceled",
    "postponed",
    "delivery_status",
    "document_type",
    "document_no",
    "version_no",
    "contact_via",
    "attachment",
    "merge_data",
]


def _dumps(value: Any) -> bytes:
    return (
        json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, indent=2, ensure_ascii=False)
        + "\n"
    ).encode("utf-8")


def _plain(instance: models.Model, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every concrete field of a row (foreign keys as their id), for the export."""
    skip = set(exclude)
    data: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if f.name in skip:
            continue
        data[f.attname] = getattr(instance, f.attname)
    return data


def _code(obj: Any, attr: str = "code") -> str:
    return str(getattr(obj, attr)) if obj is not None else ""


def _contact_for_update(contact: Contact) -> Contact:
    return Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)


def contact_emails(contact: Contact) -> list[str]:
    """The contact's e-mail addresses (its own and its alternative addresses'), lower case."""
    values = [contact.email, *contact.alt_addresses.values_list("email", flat=True)]
    found: list[str] = []
    for value in values:
        for part in (value or "").replace(",", ";").split(";"):
            part = part.strip().lower()
            if part and part not in found:
                found.append(part)
    return found


def _logged_messages(entry_nos: set[int], emails: list[str]) -> Iterator[LoggedMessage]:
    """Logged e-mails that wrote one of `entry_nos`, or that the contact sent. The entry numbers
    are a JSON list (no portable index), so the rows are read in chunks."""
    for message in LoggedMessage.objects.order_by("pk").iterator(chunk_size=2000):
        if message.sender.lower() in emails or entry_nos.intersection(message.entry_nos or []):
            yield message


def _unmatched_messages(emails: list[str]) -> list[UnmatchedMessage]:
    if not emails:
        return []
    query = Q()
    for email in emails:
        query |= Q(sender__icontains=email) | Q(recipients__icontains=email)
    return list(UnmatchedMessage.objects.filter(query).order_by("pk"))


# --- export --------------------------------------------------------------------------------


class _Zip:
    """A deterministic zip written to a temporary file."""

    def __init__(self) -> None:
        self.handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (returned to the caller)
            prefix="personal-data-", suffix=".zip", delete=False
        )
        self.zip = zipfile.ZipFile(self.handle, "w", compression=zipfile.ZIP_DEFLATED)
        self.names: list[str] = []

    def write(self, name: str, content: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, content)
        self.names.append(name)

    def write_file(self, name: str, source: IO[bytes]) -> None:
        """A member copied from an open file, in blocks."""
        size = source.seek(0, os.SEEK_END)
        source.seek(0)
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.zip.open(info, "w", force_zip64=size > 2**30) as target:
            shutil.copyfileobj(source, target, 1 << 20)
        self.names.append(name)

    def close(self) -> Path:
        self.zip.close()
        self.handle.close()
        return Path(self.handle.name)


def _entry_row(entry: InteractionLogEntry, attachment_path: str) -> dict[str, Any]:
    return {
        "entry_no": entry.pk,
        "date": entry.date,
        "time": entry.time,
        "contact_no": _code(entry.contact, "no"),
        "contact_company_no": _code(entry.contact_company, "no"),
        "template_code": _code(entry.template),
        "group_code": _code(entry.group),
        "description": entry.description,
        "subject": entry.subject,
        "information_flow": entry.information_flow,
        "initiated_by": entry.initiated_by,
        "cost": entry.cost,
        "duration": entry.duration,
        "correspondence_type": entry.correspondence_type,
        "salesperson_code": _code(entry.salesperson),
        "user": entry.user.get_username() if entry.user is not None else "",
        "campaign_no": _code(entry.campaign, "no"),
        "campaign_entry_no": entry.campaign_entry_id,
        "segment_no": entry.segment_no,
        "logged_segment_entry_no": entry.logged_segment_entry_no,
        "evaluation": entry.evaluation,
        "attempt_failed": entry.attempt_failed,
        "opportunity_no": _code(entry.opportunity, "no"),
        "language_code": _code(entry.language),
        "canceled": entry.canceled,
        "postponed": entry.postponed,
        "delivery_status": entry.delivery_status,
        "document_type": entry.document_type,
        "document_no": entry.document_no,
        "version_no": entry.version_no,
        "contact_via": entry.contact_via,
        "attachment": attachment_path,
        "merge_data": entry.merge_data,
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict | list):
        value = json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    if isinstance(value, Decimal | int | datetime.date | datetime.time):
        return str(value)
    return escape_formula(str(value))


def contact_entries(contact: Contact) -> models.QuerySet[InteractionLogEntry]:
    """Every entry of the contact: canceled and postponed ones too."""
    return InteractionLogEntry.objects.filter(contact=contact)


def export_contact_data(*, actor: Any, contact: Contact) -> Path:
    """Everything Rapport holds about `contact`, as a zip in a temporary file (the caller
    deletes it). Attachments are read one at a time; entries in chunks."""
    require_perm(actor, EXPORT_PERM)
    contact = Contact.objects.select_related("company", "salesperson", "language").get(
        pk=contact.pk
    )
    out = _Zip()
    try:
        included = _write_export(out, contact)
        out.write("README.txt", _readme(contact, included).encode("utf-8"))
    except BaseException:
        path = out.close()
        path.unlink(missing_ok=True)
        raise
    return out.close()


def _write_export(out: _Zip, contact: Contact) -> list[tuple[str, str]]:
    included: list[tuple[str, str]] = []
    # contact.json
    data = {
        "contact": _plain(contact),
        "company": (
            {"no": contact.company.no, "name": contact.company.name}
            if contact.company_id and contact.company_id != contact.pk and contact.company
            else None
        ),
        "salesperson_code": _code(contact.salesperson),
        "language_code": _code(contact.language),
        "business_relations": [
            {
                "business_relation_code": link.business_relation.code,
                "description": link.business_relation.description,
                "link_to_table": link.link_to_table,
                "no": link.no,
            }
            for link in ContactBusinessRelation.objects.filter(
                contact_id=contact.company_id or contact.pk
            )
            .select_related("business_relation")
            .order_by("pk")
        ],
        "alt_addresses": [_plain(alt, exclude=["contact"]) for alt in contact.alt_addresses.all()],
        # Rapport has no profile questionnaires yet; the key is kept so readers find none.
        "profile_answers": [],
    }
    out.write("contact.json", _dumps(data))
    included.append(
        (
            "contact.json",
            _(
                "the contact with every field, its company, business relations and alternative addresses"
            ),
        )
    )

    # entries.json / entries.csv / attachments/
    entries = contact_entries(contact).select_related(
        "contact",
        "contact_company",
        "template",
        "group",
        "salesperson",
        "user",
        "campaign",
        "opportunity",
        "language",
        "attachment",
    )
    paths: dict[int, str] = {}
    # The entries go to two spool files first (a zip takes one member at a time, and the
    # attachments are written while the entries are read): memory stays bounded.
    json_file = tempfile.TemporaryFile()  # noqa: SIM115  (closed below)
    csv_file = tempfile.TemporaryFile()  # noqa: SIM115  (closed below)
    csv_text = io.TextIOWrapper(csv_file, encoding="utf-8", newline="")
    writer = csv.writer(csv_text)
    writer.writerow(ENTRY_COLUMNS)
    json_file.write(b"[")
    first = True
    comments: dict[int, list[dict[str, Any]]] = {}
    for comment in InteractionLogEntryComment.objects.filter(entry__contact=contact).order_by(
        "entry_id", "line_no"
    ):
        comments.setdefault(comment.entry_id, []).append(
            {
                "line_no": comment.line_no,
                "date": comment.date,
                "code": comment.code,
                "comment": comment.comment,
            }
        )
    for entry in entries.order_by("pk").iterator(chunk_size=500):
        path = ""
        if entry.attachment is not None:
            path = paths.get(entry.attachment.file_id, "")
            if not path:
                path = f"attachments/{entry.pk}-{safe_file_name(entry.attachment.file_name)}"
                out.write(path, read_content(entry.attachment))
                paths[entry.attachment.file_id] = path
        row = _entry_row(entry, path)
        writer.writerow([_csv_cell(row[column]) for column in ENTRY_COLUMNS])
        json_file.write(b"\n" if first else b",\n")
        json_file.write(_dumps({**row, "comments": comments.get(entry.pk, [])}).rstrip(b"\n"))
        first = False
    json_file.write(b"]\n" if first else b"\n]\n")
    csv_text.flush()
    csv_text.detach()
    for name, spool in (("entries.json", json_file), ("entries.csv", csv_file)):
        out.write_file(name, spool)
        spool.close()
    included.append(
        (
            "entries.json",
            _(
                "every interaction log entry of the contact (canceled and postponed ones too) with its comments"
            ),
        )
    )
    included.append(("entries.csv", _("the same entries as a spreadsheet")))
    if paths:
        included.append(
            ("attachments/", _("the attachment of each entry (named <entry no.>-<file name>)"))
        )
    entry_nos = set(contact_entries(contact).values_list("pk", flat=True))

    # segments.json
    lines = (
        SegmentLine.objects.filter(contact=contact)
        .select_related("segment", "template")
        .order_by("segment__no", "line_no")
    )
    logged = LoggedSegment.objects.filter(
        pk__in=contact_entries(contact).values("logged_segment_entry_no")
    ).order_by("pk")
    out.write(
        "segments.json",
        _dumps(
            {
                "segment_lines": [
                    {
                        "segment_no": line.segment.no,
                        "segment_description": line.segment.description,
                        **_plain(line, exclude=["id", "segment", "description_typed"]),
                    }
                    for line in lines
                ],
                "logged_segments": [_plain(row, exclude=["user"]) for row in logged],
            }
        ),
    )
    included.append(
        (
            "segments.json",
            _(
                "the segment lines the contact stands on and the logged segments that wrote its entries"
            ),
        )
    )

    # campaigns.json: campaign entries and opportunities
    campaign_entries = CampaignEntry.objects.filter(
        pk__in=contact_entries(contact).values("campaign_entry_id")
    ).select_related("campaign")
    opportunities = Opportunity.objects.filter(Q(contact=contact)).order_by("pk")
    out.write(
        "campaigns.json",
        _dumps(
            {
                "campaign_entries": [
                    {"campaign_no": row.campaign.no, **_plain(row, exclude=["user"])}
                    for row in campaign_entries.order_by("pk")
                ],
                "opportunities": [
                    {
                        **_plain(opp, exclude=["no_series"]),
                        "comments": list(
                            OpportunityComment.objects.filter(opportunity=opp)
                            .order_by("line_no")
                            .values("line_no", "date", "comment")
                        ),
                    }
                    for opp in opportunities
                ],
            }
        ),
    )
    included.append(
        ("campaigns.json", _("the campaign entries of its entries and its opportunities"))
    )

    # documents.json
    events = DocumentEvent.objects.filter(Q(contact=contact) | Q(entry_id__in=entry_nos)).order_by(
        "pk"
    )
    out.write("documents.json", _dumps([_plain(e, exclude=["recorded_by"]) for e in events]))
    included.append(("documents.json", _("the business document events recorded for the contact")))

    # mailbox.json
    emails = contact_emails(contact)
    out.write(
        "mailbox.json",
        _dumps(
            {
                "logged_messages": [_plain(m) for m in _logged_messages(entry_nos, emails)],
                "unmatched_messages": [_plain(m) for m in _unmatched_messages(emails)],
            }
        ),
    )
    included.append(
        (
            "mailbox.json",
            _(
                "the e-mails logged for the contact and those from or to its addresses left unmatched"
            ),
        )
    )

    # deliveries.json
    deliveries = Delivery.objects.filter(entry__contact=contact).order_by("entry_id")
    out.write("deliveries.json", _dumps([_plain(d, exclude=["job"]) for d in deliveries]))
    included.append(
        ("deliveries.json", _("how each entry's document was sent: recipient, message ID, outcome"))
    )
    return included


def _readme(contact: Contact, included: list[tuple[str, str]]) -> str:
    lines = [
        _("Personal data of contact %(no)s held by Rapport.") % {"no": contact.no},
        "",
        _("This archive contains:"),
        "",
        *[f"- {name}: {text}" for name, text in [("README.txt", _("this file")), *included]],
        "",
        _("Texts are UTF-8; dates are ISO 8601; amounts use a decimal point."),
        "",
    ]
    return "\n".join(lines)


# --- erase ---------------------------------------------------------------------------------


# What the confirm page lists when there is any: (the ErasePlan count, its sentence).
ERASE_ITEMS = (
    (
        "attachments",
        ngettext_lazy(
            "%(count)s personal attachment (logged e-mail, document, file) is deleted.",
            "%(count)s personal attachments (logged e-mails, documents, files) are deleted.",
            "count",
        ),
    ),
    (
        "alt_addresses",
        ngettext_lazy(
            "%(count)s alternative address is deleted.",
            "%(count)s alternative addresses are deleted.",
            "count",
        ),
    ),
    (
        "business_relations",
        ngettext_lazy(
            "%(count)s business relation is removed.",
            "%(count)s business relations are removed.",
            "count",
        ),
    ),
    (
        "print_bundles",
        ngettext_lazy(
            "%(count)s print bundle with the contact's letter is deleted.",
            "%(count)s print bundles with the contact's letters are deleted.",
            "count",
        ),
    ),
    (
        "logged_messages",
        ngettext_lazy(
            "%(count)s logged e-mail loses its subject and sender.",
            "%(count)s logged e-mails lose their subject and sender.",
            "count",
        ),
    ),
    (
        "unmatched_messages",
        ngettext_lazy(
            "%(count)s unmatched e-mail is removed from the list.",
            "%(count)s unmatched e-mails are removed from the list.",
            "count",
        ),
    ),
)


@dataclass
class ErasePlan:
    """What erasing a contact changes: counts per kind, for the confirm page and the record."""

    contact: Contact
    counts: dict[str, int] = field(default_factory=dict)

    def items(self) -> list[str]:
        c = self.counts
        texts = [
            _(
                "The name, addresses, phone numbers, e-mail addresses and home page are "
                'blanked; the name becomes "%(name)s".'
            )
            % {"name": erased_name(self.contact)},
            ngettext(
                "%(count)s interaction log entry keeps its template, date, cost and duration; "
                "its description, subject, merge values and comments are removed.",
                "%(count)s interaction log entries keep their template, date, cost and "
                "duration; their description, subject, merge values and comments are removed.",
                c.get("entries", 0),
            )
            % {"count": c.get("entries", 0)},
        ]
        texts += [text % {"count": c[key]} for key, text in ERASE_ITEMS if c.get(key)]
        texts.append(
            _(
                "The contact is marked erased and privacy blocked: it can never be changed, "
                "added to a segment or sent anything again. This cannot be undone."
            )
        )
        return texts


def erased_name(contact: Contact) -> str:
    return _("Erased contact %(no)s") % {"no": contact.no}


def _check_can_erase(contact: Contact) -> None:
    """Refuse what BC refuses when deleting a contact (1.2.7), and erasing twice."""
    if contact.erased_at is not None:
        raise field_error(
            "contact",
            _("Contact %(no)s was erased already.") % {"no": contact.no},
            "already_erased",
        )
    if SegmentLine.objects.filter(contact=contact).exists():
        raise field_error(
            "contact",
            _(
                "You cannot delete the %(no)s record of the Contact because the contact is "
                "assigned one or more unlogged segments."
            )
            % {"no": contact.no},
            "in_segments",
        )
    if Opportunity.objects.filter(
        contact=contact, status__in=["not_started", "in_progress"]
    ).exists():
        raise field_error(
            "contact",
            _(
                "You cannot delete the %(no)s record of the Contact because one or more "
                "opportunities are in not started or progress."
            )
            % {"no": contact.no},
            "open_opportunities",
        )
    if contact.type == ContactType.COMPANY and (
        Contact.objects.filter(company=contact, erased_at__isnull=True)
        .exclude(pk=contact.pk)
        .exists()
    ):
        raise field_error(
            "contact",
            _("Erase the persons of company %(no)s first.") % {"no": contact.no},
            "company_has_persons",
        )
    if contact_entries(contact).filter(delivery_status=DeliveryStatus.IN_PROGRESS).exists():
        raise field_error(
            "contact",
            _(
                "Documents to contact %(no)s are being sent. Try again when the delivery has "
                "finished."
            )
            % {"no": contact.no},
            "delivery_in_progress",
        )


def _template_file_ids() -> Any:
    """Stored files that templates and segments use: never personal, never deleted here."""
    shared = Q(pk__in=InteractionTemplateLanguage.objects.values("attachment_id")) | Q(
        pk__in=SegmentInteractionLanguage.objects.values("attachment_id")
    )
    return Attachment.objects.filter(shared).values("file_id")


def _personal_attachments(contact: Contact) -> models.QuerySet[Attachment]:
    """The entries' attachments that hold the contact's own data: logged e-mails, documents,
    imported files. A merge template (its personal values are the entry's merge values) and a
    template's shared file are not."""
    return (
        Attachment.objects.filter(pk__in=contact_entries(contact).values("attachment_id"))
        .filter(merge_kind="")
        .exclude(file_id__in=_template_file_ids())
    )


def _print_bundles(contact: Contact) -> list[tuple[int, int]]:
    """(pk, attachment id) of the print bundles that hold a letter of the contact: those of
    the delivery jobs that selected one of its hard-copy entries (by entry or by logged
    segment; a job's parameters are JSON, and bundles are few, so they are read here)."""
    letters = contact_entries(contact).filter(correspondence_type="hard_copy")
    entry_nos = set(letters.values_list("pk", flat=True))
    if not entry_nos:
        return []
    logged = set(
        letters.exclude(logged_segment_entry_no=None).values_list(
            "logged_segment_entry_no", flat=True
        )
    )
    found = []
    for bundle in DeliveryBundle.objects.select_related("job").order_by("pk"):
        params = bundle.job.params or {}
        chosen = {int(pk) for pk in params.get("entries", [])}
        if chosen & entry_nos or (
            "logged_segment" in params and int(params["logged_segment"]) in logged
        ):
            found.append((bundle.pk, bundle.attachment_id))
    return found


def plan_erasure(*, actor: Any, contact: Contact) -> ErasePlan:
    """What `erase_contact` would do (checked and counted, nothing written)."""
    require_perm(actor, ERASE_PERM)
    contact = Contact.objects.get(pk=contact.pk)
    _check_can_erase(contact)
    entry_nos = set(contact_entries(contact).values_list("pk", flat=True))
    emails = contact_emails(contact)
    return ErasePlan(
        contact=contact,
        counts={
            "entries": len(entry_nos),
            "attachments": _personal_attachments(contact).count(),
            "alt_addresses": contact.alt_addresses.count(),
            "business_relations": ContactBusinessRelation.objects.filter(contact=contact).count(),
            "print_bundles": len(_print_bundles(contact)),
            "logged_messages": sum(1 for _m in _logged_messages(entry_nos, emails)),
            "unmatched_messages": len(_unmatched_messages(emails)),
        },
    )


# Contact fields an erasure blanks (the name becomes the placeholder, the flags are set).
BLANKED_FIELDS = (
    "name_2",
    "first_name",
    "middle_name",
    "surname",
    "initials",
    "job_title",
    "address",
    "address_2",
    "post_code",
    "city",
    "county",
    "phone_no",
    "mobile_phone_no",
    "email",
    "search_email",
    "home_page",
    "vat_registration_no",
)


# What the audit trail keeps of the erased contact's and its entries' events: codes, numbers,
# flags and dates (what statistics and the ledger's story need); every other text is erased.
AUDIT_KEEP_CONTACT = (
    "no",
    "type",
    "company",
    "country_code",
    "language",
    "salesperson",
    "correspondence_type",
    "exclude_from_segment",
    "privacy_blocked",
)
AUDIT_KEEP_ENTRY = (
    "contact",
    "contact_company",
    "date",
    "time",
    "information_flow",
    "initiated_by",
    "cost",
    "duration",
    "user",
    "group",
    "template",
    "language",
    "campaign",
    "campaign_target",
    "campaign_response",
    "logged_segment_entry_no",
    "campaign_entry",
    "evaluation",
    "attempt_failed",
    "opportunity",
    "salesperson",
    "delivery_status",
    "canceled",
    "correspondence_type",
    "document_type",
    "document_no",
    "version_no",
    "postponed",
)
AUDIT_KEEP_OPPORTUNITY = ("no", "status", "sales_cycle", "salesperson", "contact", "campaign")


def _redact_audit_trail(contact: Contact, entry_nos: set[int], name: str) -> int:
    """The erased person's values leave the audit trail too; who did what and when stays."""
    return (
        redact_audit_events(
            object_type=object_type_of(Contact),
            keys=[contact.no],
            keep=AUDIT_KEEP_CONTACT,
            object_repr=f"{contact.no} {name}",
        )
        + redact_audit_events(
            object_type=object_type_of(InteractionLogEntry),
            keys=sorted(entry_nos),
            keep=AUDIT_KEEP_ENTRY,
        )
        + redact_audit_events(
            object_type=object_type_of(Opportunity),
            keys=Opportunity.objects.filter(contact=contact).values_list("no", flat=True),
            keep=AUDIT_KEEP_OPPORTUNITY,
        )
    )


@transaction.atomic
def erase_contact(*, actor: Any, contact: Contact) -> Erasure:
    """Anonymise the contact and every copy of its personal data, all or nothing (see the
    module's docstring); entries keep what statistics count. Returns the erasure record."""
    require_perm(actor, ERASE_PERM)
    if actor is None or not actor.is_active:
        raise PermissionDenied
    contact = _contact_for_update(contact)
    # Lock the entries too: nothing else logs, cancels or sends for them meanwhile.
    list(contact_entries(contact).select_for_update().values_list("pk", flat=True))
    _check_can_erase(contact)
    plan = plan_erasure(actor=actor, contact=contact)
    entries = contact_entries(contact)
    entry_nos = set(entries.values_list("pk", flat=True))
    emails = contact_emails(contact)
    name = erased_name(contact)[:100]

    # Entries: what they said goes, what they count stays.
    personal = list(_personal_attachments(contact).values_list("pk", flat=True))
    InteractionLogEntryComment.objects.filter(entry__contact=contact).delete()
    if personal:
        entries.filter(attachment_id__in=personal).update(attachment=None)
    entries.update(description=name, subject="", merge_data=None, contact_via="")
    interaction_services.delete_unreferenced_attachments(personal)

    # Deliveries: the address and the server's text (which often repeats the address).
    Delivery.objects.filter(entry__contact=contact).update(recipient="", error="")
    bundles = _print_bundles(contact)
    if bundles:
        DeliveryBundle.objects.filter(pk__in=[pk for pk, _a in bundles]).delete()
        interaction_services.delete_unreferenced_attachments([a for _pk, a in bundles])

    # Opportunities: the description copied from the entry and the copied comments.
    opportunities = Opportunity.objects.filter(contact=contact)
    OpportunityComment.objects.filter(opportunity__in=opportunities).delete()
    opportunities.update(description=name)

    # Segment history keeps whole deleted lines (for Go Back): the contact's go.
    SegmentHistory.objects.filter(contact=contact).delete()

    # Mailbox rows.
    found = list(_logged_messages(entry_nos, emails))
    LoggedMessage.objects.filter(pk__in=[m.pk for m in found]).update(subject="")
    LoggedMessage.objects.filter(pk__in=[m.pk for m in found if m.sender.lower() in emails]).update(
        sender=""
    )
    UnmatchedMessage.objects.filter(pk__in=[m.pk for m in _unmatched_messages(emails)]).delete()

    # The contact itself.
    ContactAltAddress.objects.filter(contact=contact).delete()
    ContactBusinessRelation.objects.filter(contact=contact).delete()
    now = timezone.now()
    Contact.objects.filter(pk=contact.pk).update(
        name=name,
        search_name=name.upper(),
        **dict.fromkeys(BLANKED_FIELDS, ""),
        exclude_from_segment=True,
        privacy_blocked=True,
        erased_at=now,
        modified_at=now,
    )
    if contact.is_company:  # its stored Company Name, and its persons' (BC: a renamed company)
        Contact.objects.filter(company_id=contact.pk).update(company_name=name)
    # Exports of the contact waiting to be downloaded go too (after commit: files are not
    # transactional).
    exports = list(Job.objects.filter(kind=tasks.EXPORT, params__contact=contact.pk))
    transaction.on_commit(lambda: tasks.remove_export_files(exports))
    redacted = _redact_audit_trail(contact, entry_nos, name)
    record_audit(
        actor=actor,
        action="erase",
        object_type=object_type_of(Contact),
        object_key=contact.no,
        object_repr=f"{contact.no} {name}",
        details={**plan.counts, "audit_events_redacted": redacted},
    )
    return Erasure.objects.create(
        contact=contact, contact_no=contact.no, erased_by=actor, counts=plan.counts
    )
