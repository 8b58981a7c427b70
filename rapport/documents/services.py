"""Recording business document events (BC's automatic document logging, 5.3-5.5, rules 13).

One pipeline for one event and for thousands: `record_document_events` validates every row,
resolves contacts, templates, campaigns and salespeople with a few queries for the whole batch,
then writes the entries (interactions' `log_documents`) and the idempotency rows in bounded
batches inside one transaction. Each row gets a result: recorded, duplicate, skipped or error.
`record_document_event` records one event (with an optional PDF) and raises the error instead.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign, CampaignTargetGroup, TargetGroupType
from rapport.contacts.models import Contact, ContactBusinessRelation, LinkToTable
from rapport.contacts.queries import marketing_setup
from rapport.core.audit import record_audit
from rapport.core.events import DOCUMENT_RECORDED, emit
from rapport.core.validation import (
    FIRST_DATE,
    LAST_DATE,
    ValidationError,
    field_error,
    first_error,
    require_perm,
)
from rapport.documents.models import (
    AccountType,
    DocumentEvent,
    DocumentEventKind,
    DocumentEventStatus,
)
from rapport.interactions import attachments as files
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    DOCUMENT_SETUP_FIELDS,
    DocumentType,
    ExtraDocumentType,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
    InteractionTemplateSetup,
    setup_caption,
)

PERM = "documents.add_documentevent"
CHUNK = 5_000
BATCH = 2_000
MAX_EVENTS = 100_000
PDF_MAGIC = b"%PDF-"

PURCHASE_TYPES = frozenset(t for t in DocumentType.values if t.startswith("purchase_"))
CONTACT_TYPES = frozenset({DocumentType.COVER_SHEET.value})


@dataclass
class DocumentEventInput:
    """A document event as an outside system sends it. Codes are matched case-insensitively.

    The contact: `contact_no` if given (BC's bill-to contact), else the contact linked to
    `customer_no` (sales and service documents) or `vendor_no` (purchase documents) through a
    business relation."""

    document_type: str
    document_no: str
    event: str
    document_date: datetime.date | None = None
    customer_no: str = ""
    vendor_no: str = ""
    contact_no: str = ""
    version_no: int = 0
    idempotency_key: str = ""
    amount: Decimal | None = None
    campaign_no: str = ""
    salesperson_code: str = ""
    description: str = ""
    order_no: str = ""
    pdf: Upload | None = None
    # Rapport e-mails the PDF to the contact (send_document); the entry is delivered by a job.
    send: bool = False


@dataclass
class EventResult:
    """recorded / duplicate (`entry_no` is the first entry) / skipped / error (nothing written)."""

    row: int
    status: str
    entry_no: int | None = None
    field: str | None = None
    code: str = ""
    message: str = ""


@dataclass
class _Row:
    index: int
    data: DocumentEventInput
    key: tuple[str, str, str, int, str] = ("", "", "", 0, "")
    account_type: str = ""
    account_no: str = ""
    date: datetime.date = datetime.date(2000, 1, 1)
    template: InteractionTemplate | None = None
    contact: Contact | None = None
    campaign: Campaign | None = None
    salesperson_id: int | None = None
    result: EventResult | None = None
    skip_reason: tuple[str, str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _fail(row: _Row, exc: ValidationError) -> None:
    name, message, code = first_error(exc)
    row.result = EventResult(row=row.index, status="error", field=name, code=code, message=message)


def check_pdf(upload: Upload, field_name: str = "pdf") -> None:
    """Only a PDF (by its first bytes, not its name), within the upload size cap."""
    files.check_upload(upload, field_name)
    if not upload.content.startswith(PDF_MAGIC):
        raise field_error(field_name, _("The file must be a PDF document."), "not_pdf")


def _account(row: _Row) -> None:
    """BC 5.4: sales and service documents name the bill-to contact or else the customer;
    purchase documents the vendor; cover sheets the contact; extra types any of them."""
    data = row.data
    document_type = row.key[0]
    if data.contact_no:
        row.account_type, row.account_no = AccountType.CONTACT, data.contact_no
    elif document_type in PURCHASE_TYPES:
        if not data.vendor_no:
            raise interactions.fill_in("vendor_no", _("Vendor No."))
        row.account_type, row.account_no = AccountType.VENDOR, data.vendor_no
    elif document_type in CONTACT_TYPES:
        raise interactions.fill_in("contact_no", _("Contact No."))
    elif data.customer_no:
        row.account_type, row.account_no = AccountType.CUSTOMER, data.customer_no
    elif data.vendor_no and document_type not in DocumentType.values:
        row.account_type, row.account_no = AccountType.VENDOR, data.vendor_no
    else:
        raise interactions.fill_in("customer_no", _("Customer No."))


def _normalise(row: _Row, extra_codes: set[str]) -> None:
    data = row.data
    for name in (
        "document_no",
        "customer_no",
        "vendor_no",
        "contact_no",
        "campaign_no",
        "salesperson_code",
        "order_no",
    ):
        setattr(data, name, (getattr(data, name) or "").strip().upper())
    data.idempotency_key = (data.idempotency_key or "").strip()
    document_type = (data.document_type or "").strip()
    if document_type.lower() in DocumentType.values:
        document_type = document_type.lower()
    elif document_type.upper() in extra_codes:
        document_type = document_type.upper()
    elif not document_type:
        raise interactions.fill_in("document_type", _("Document Type"))
    else:
        raise field_error(
            "document_type",
            _("There is no Document Type %(code)s.") % {"code": document_type},
            "does_not_exist",
        )
    event = (data.event or "").strip().lower()
    if event not in DocumentEventKind.values:
        raise field_error(
            "event",
            _("event: choose one of %(choices)s.")
            % {"choices": ", ".join(DocumentEventKind.values)},
            "invalid_choice",
        )
    if not data.document_no:
        raise interactions.fill_in("document_no", _("Document No."))
    limits = (("document_no", 20), ("customer_no", 20), ("vendor_no", 20), ("contact_no", 20))
    for name, limit in (*limits, ("campaign_no", 20), ("order_no", 20), ("idempotency_key", 100)):
        if len(getattr(data, name)) > limit:
            raise field_error(
                name,
                _("%(field)s: at most %(max)s characters.") % {"field": name, "max": limit},
                "too_long",
            )
    if len(data.description or "") > 100:
        raise field_error(
            "description",
            _("%(field)s: at most %(max)s characters.") % {"field": "description", "max": 100},
            "too_long",
        )
    if not 0 <= int(data.version_no or 0) <= 2_147_483_647:
        raise field_error("version_no", _("version_no: out of range."), "out_of_range")
    row.date = data.document_date or timezone.localdate()
    if not FIRST_DATE <= row.date <= LAST_DATE:
        raise field_error(
            "document_date",
            _("%(field)s: enter a date between %(first)s and %(last)s.")
            % {
                "field": "document_date",
                "first": FIRST_DATE.isoformat(),
                "last": LAST_DATE.isoformat(),
            },
            "date_out_of_range",
        )
    if data.amount is not None and abs(data.amount) >= Decimal("1e16"):
        raise field_error("amount", _("amount: out of range."), "out_of_range")
    row.key = (
        document_type,
        data.document_no,
        event,
        int(data.version_no or 0),
        data.idempotency_key,
    )
    _account(row)
    if data.pdf is not None:
        check_pdf(data.pdf)


def _templates(rows: list[_Row]) -> None:
    """The template per document type from the setup (one query each for the setup, the extra
    types and the templates with their first language)."""
    setup = InteractionTemplateSetup.objects.filter(pk=1).first() or InteractionTemplateSetup(pk=1)
    wanted_types = {row.key[0] for row in rows}
    template_ids: dict[str, int | None] = {}
    captions: dict[str, str] = {}
    for document_type in wanted_types & set(DocumentType.values):
        name = DOCUMENT_SETUP_FIELDS[document_type]
        template_ids[document_type] = getattr(setup, f"{name}_id")
        captions[document_type] = str(setup_caption(name))
    for extra in ExtraDocumentType.objects.filter(code__in=wanted_types):
        template_ids[extra.code] = extra.template_id
        captions[extra.code] = extra.description or extra.code
    templates = InteractionTemplate.objects.in_bulk(
        [pk for pk in template_ids.values() if pk is not None]
    )
    with_languages = dict(
        InteractionTemplateLanguage.objects.filter(template_id__in=templates)
        .order_by("template_id", "-language__code")
        .values_list("template_id", "language__code")
    )
    for row in rows:
        if row.result is not None:
            continue
        document_type = row.key[0]
        template_id = template_ids.get(document_type)
        if template_id is None:
            row.skip_reason = (
                "document_type",
                _(
                    "%(field)s must have a value in Interaction Template Setup. It cannot be "
                    "zero or empty."
                )
                % {"field": captions.get(document_type, document_type)},
                "no_template",
            )
            continue
        template = templates[template_id]
        if template_id in with_languages:
            _fail(
                row,
                interactions.language_rule_error(
                    "document_type", template, with_languages[template_id] or ""
                ),
            )
            continue
        row.template = template


def _contacts(rows: list[_Row]) -> None:
    """Contacts by number, and by customer/vendor no. through business relations."""
    live = [row for row in rows if row.result is None]
    by_table: dict[str, set[str]] = {LinkToTable.CUSTOMER: set(), LinkToTable.VENDOR: set()}
    contact_nos: set[str] = set()
    for row in live:
        if row.account_type == AccountType.CONTACT:
            contact_nos.add(row.account_no)
        else:
            by_table[row.account_type].add(row.account_no)
    linked: dict[tuple[str, str], int] = {}
    for table, numbers in by_table.items():
        for chunk in _chunks(sorted(numbers)):
            for no, contact_id in (
                ContactBusinessRelation.objects.filter(link_to_table=table, no__in=chunk)
                .order_by("pk")
                .values_list("no", "contact_id")
            ):
                linked.setdefault((table, no), contact_id)
    fields = ("pk", "no", "company_id", "email", "correspondence_type", "salesperson_id")
    contacts: dict[int, Contact] = {}
    by_no: dict[str, Contact] = {}
    for chunk in _chunks(sorted(set(linked.values()))):
        for contact in Contact.objects.filter(pk__in=chunk).only(*fields):
            contacts[contact.pk] = contact
    for chunk in _chunks(sorted(contact_nos)):
        for contact in Contact.objects.filter(no__in=chunk).only(*fields):
            by_no[contact.no] = contact
    for row in live:
        if row.account_type == AccountType.CONTACT:
            row.contact = by_no.get(row.account_no)
            missing = (
                "contact_no",
                _("There is no Contact with the number %(value)s.") % {"value": row.account_no},
            )
        else:
            linked_id = linked.get((row.account_type, row.account_no))
            row.contact = contacts.get(linked_id) if linked_id else None
            name = "customer_no" if row.account_type == AccountType.CUSTOMER else "vendor_no"
            record = _("Customer") if row.account_type == AccountType.CUSTOMER else _("Vendor")
            missing = (
                name,
                _(
                    "%(record)s %(no)s is not linked to a contact. Add a business relation "
                    "with Link to Table = %(record)s and No. = %(no)s to a contact."
                )
                % {"record": record, "no": row.account_no},
            )
        if row.contact is None and row.skip_reason is None:
            row.skip_reason = (missing[0], missing[1], "no_contact")


def _campaigns_and_salespeople(rows: list[_Row]) -> None:
    live = [row for row in rows if row.result is None]
    campaign_nos = {row.data.campaign_no for row in live if row.data.campaign_no}
    codes = {row.data.salesperson_code for row in live if row.data.salesperson_code}
    campaigns = {c.no: c for c in Campaign.objects.filter(no__in=campaign_nos)}
    salespeople = dict(Salesperson.objects.filter(code__in=codes).values_list("code", "pk"))
    for row in live:
        data = row.data
        if data.campaign_no:
            row.campaign = campaigns.get(data.campaign_no)
            if row.campaign is None:
                _fail(
                    row,
                    field_error(
                        "campaign_no",
                        _("There is no Campaign with the number %(value)s.")
                        % {"value": data.campaign_no},
                        "does_not_exist",
                    ),
                )
                continue
        if data.salesperson_code:
            row.salesperson_id = salespeople.get(data.salesperson_code)
            if row.salesperson_id is None:
                _fail(
                    row,
                    field_error(
                        "salesperson_code",
                        _("There is no Salesperson with the code %(value)s.")
                        % {"value": data.salesperson_code},
                        "does_not_exist",
                    ),
                )
                continue
        elif row.account_type == AccountType.CONTACT and row.contact is not None:
            # BC 5.3 step 4: only for a contact account, a blank salesperson is the contact's.
            row.salesperson_id = row.contact.salesperson_id


def _posted_invoice_campaigns(rows: list[_Row]) -> None:
    """BC 5.5 (CreateCampaignEntryOnSalesInvoicePosting): a posted sales invoice whose customer
    is in an activated campaign's target group, dated within the campaign, is logged with that
    campaign, unless its order was already logged with the template's group. With no Sales
    Invoices template that is an error, whatever the skip flag says."""
    candidates = [
        row
        for row in rows
        if row.result is None
        and row.key[0] == DocumentType.SALES_INVOICE
        and row.key[2] == DocumentEventKind.POSTED
        and row.data.customer_no
        and row.campaign is None
    ]
    if not candidates:
        return
    first: dict[str, Campaign] = {}
    groups = (
        CampaignTargetGroup.objects.filter(
            type=TargetGroupType.CUSTOMER,
            no__in={row.data.customer_no for row in candidates},
            campaign__activated=True,
        )
        .select_related("campaign")
        .order_by("no", "campaign__no")
    )
    for group in groups:
        first.setdefault(group.no, group.campaign)
    for row in candidates:
        campaign = first.get(row.data.customer_no)
        if campaign is None or campaign.ending_date is None:
            continue
        if campaign.starting_date and row.date < campaign.starting_date:
            continue
        if row.date > campaign.ending_date:
            continue
        if row.template is None:
            if row.skip_reason is not None and row.skip_reason[2] == "no_template":
                _fail(
                    row,
                    field_error(
                        "document_type",
                        _(
                            "The Invoices field on the Sales FastTab in the Interaction "
                            "Template Setup window must be filled in."
                        ),
                        "no_invoice_template",
                    ),
                )
            continue
        if row.contact is None:
            continue
        if (
            row.data.order_no
            and InteractionLogEntry.objects.filter(
                contact=row.contact,
                document_type=DocumentType.SALES_INVOICE,
                document_no=row.data.order_no,
                group_id=row.template.group_id,
            ).exists()
        ):
            continue
        row.campaign = campaign


def _existing(rows: list[_Row]) -> dict[tuple[str, str, str, int, str], int | None]:
    """Recorded events with the rows' keys: key -> entry no."""
    found: dict[tuple[str, str, str, int, str], int | None] = {}
    keys = {row.key for row in rows if row.result is None}
    for chunk in _chunks(sorted({key[1] for key in keys})):
        for event in DocumentEvent.objects.filter(
            status=DocumentEventStatus.RECORDED, document_no__in=chunk
        ).values_list(
            "document_type", "document_no", "event", "version_no", "idempotency_key", "entry_id"
        ):
            key = (event[0], event[1], event[2], event[3], event[4])
            if key in keys:
                found[key] = event[5]
    return found


def _event_row(row: _Row, actor: Any, status: str, entry_id: int | None) -> DocumentEvent:
    document_type, document_no, event, version_no, key = row.key
    reason = (
        row.skip_reason[1][:250]
        if status == DocumentEventStatus.SKIPPED and row.skip_reason
        else ""
    )
    return DocumentEvent(
        document_type=document_type,
        document_no=document_no,
        event=event,
        version_no=version_no,
        idempotency_key=key,
        document_date=row.date,
        account_type=row.account_type,
        account_no=row.account_no,
        order_no=row.data.order_no,
        amount=row.data.amount,
        status=status,
        reason=reason,
        contact_id=row.contact.pk if row.contact is not None else None,
        entry_id=entry_id,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def record_document_events(
    *, actor: Any, events: Sequence[DocumentEventInput]
) -> list[EventResult]:
    """Record many document events at once (the API batch, the CSV import). Rows with an error
    write nothing; the others are recorded (or skipped, or found to be duplicates) together."""
    require_perm(actor, PERM)
    if len(events) > MAX_EVENTS:
        raise field_error(
            "events",
            _("At most %(max)s document events can be recorded at once.") % {"max": MAX_EVENTS},
            "too_many",
        )
    skip = bool(
        InteractionTemplateSetup.objects.filter(pk=1, skip_unrecorded_documents=True).exists()
    )
    extra_codes = set(ExtraDocumentType.objects.values_list("code", flat=True))
    rows = [_Row(index=i, data=data) for i, data in enumerate(events)]
    for row in rows:
        try:
            _normalise(row, extra_codes)
        except ValidationError as exc:
            _fail(row, exc)
    _templates(rows)
    _contacts(rows)
    _campaigns_and_salespeople(rows)
    _posted_invoice_campaigns(rows)
    existing = _existing(rows)

    to_log: list[_Row] = []
    skipped: list[_Row] = []
    first_in_batch: dict[tuple[str, str, str, int, str], _Row] = {}
    for row in rows:
        if row.result is not None:
            continue
        if row.key in existing:
            row.result = EventResult(row=row.index, status="duplicate", entry_no=existing[row.key])
            continue
        if row.skip_reason is not None:
            name, message, code = row.skip_reason
            if skip:
                row.result = EventResult(
                    row=row.index, status="skipped", field=name, code=code, message=message
                )
                skipped.append(row)
            else:
                row.result = EventResult(
                    row=row.index, status="error", field=name, code=code, message=message
                )
            continue
        if row.key in first_in_batch:
            row.extra["duplicate_of"] = first_in_batch[row.key]
            continue
        first_in_batch[row.key] = row
        to_log.append(row)

    setup = marketing_setup()
    attachments: dict[int, int] = {}
    for row in to_log:
        if row.data.pdf is not None:
            attachments[row.index] = files.new_attachment(
                upload=row.data.pdf,
                storage_type=setup.attachment_storage_type,
                folder=setup.attachment_storage_location,
                read_only=True,
                created_by=actor,
            ).pk
    lines = [
        interactions.DocumentLine(
            contact=row.contact,  # type: ignore[arg-type]
            template=row.template,  # type: ignore[arg-type]
            document_type=row.key[0],
            document_no=row.key[1],
            version_no=row.key[3],
            date=row.date,
            description=row.data.description,
            salesperson_id=row.salesperson_id,
            campaign=row.campaign,
            attachment_id=attachments.get(row.index),
            deliver=row.data.send,
        )
        for row in to_log
    ]
    entries = interactions.log_documents(actor=actor, lines=lines)
    new_rows = [
        _event_row(row, actor, DocumentEventStatus.RECORDED, entry.pk)
        for row, entry in zip(to_log, entries, strict=True)
    ]
    new_rows += [_event_row(row, actor, DocumentEventStatus.SKIPPED, None) for row in skipped]
    for start in range(0, len(new_rows), BATCH):
        # A concurrent request may have recorded the same event since we looked: its row wins
        # (the unique constraint), ours is dropped and our entry discarded below.
        DocumentEvent.objects.bulk_create(new_rows[start : start + BATCH], ignore_conflicts=True)
    ours = {row.key: entry.pk for row, entry in zip(to_log, entries, strict=True)}
    winners = _existing(to_log) if to_log else {}
    lost: list[int] = []
    for row in to_log:
        entry_no = ours[row.key]
        if winners.get(row.key, entry_no) != entry_no:
            lost.append(entry_no)
            row.result = EventResult(row=row.index, status="duplicate", entry_no=winners[row.key])
        else:
            row.result = EventResult(row=row.index, status="recorded", entry_no=entry_no)
    if lost:
        interactions.discard_document_entries(actor=actor, entry_ids=lost)
    for row in rows:
        if row.result is None:
            first = row.extra["duplicate_of"]
            row.result = EventResult(
                row=row.index, status="duplicate", entry_no=first.result.entry_no
            )
    recorded = [row for row in to_log if row.result is not None and row.result.status == "recorded"]
    if recorded:
        # One event for the batch (webhooks): the entries and the documents they record.
        emit(
            DOCUMENT_RECORDED,
            {
                "entry_nos": [row.result.entry_no for row in recorded],  # type: ignore[union-attr]
                "documents": [
                    {"document_type": row.key[0], "document_no": row.key[1], "event": row.key[2]}
                    for row in recorded
                ],
            },
        )
    sent = [
        row.result.entry_no
        for row in to_log
        if row.data.send and row.result is not None and row.result.status == "recorded"
    ]
    if sent:
        interactions.start_delivery(actor=actor, entries=[no for no in sent if no is not None])
    if recorded or skipped:
        statuses = [row.result.status for row in rows if row.result is not None]
        entry_nos = sorted(
            row.result.entry_no
            for row in recorded
            if row.result is not None and row.result.entry_no is not None
        )
        record_audit(  # one event for the batch, never one per document
            actor=actor,
            action="record",
            object_type="documents.documentevent",
            object_key=(
                f"{entry_nos[0]}..{entry_nos[-1]}"
                if len(entry_nos) > 1
                else "".join(map(str, entry_nos))
            ),
            details={
                "count": len(rows),
                "recorded": statuses.count("recorded"),
                "skipped": statuses.count("skipped"),
                "duplicates": statuses.count("duplicate"),
                "errors": statuses.count("error"),
                "first_entry_no": entry_nos[0] if entry_nos else None,
                "last_entry_no": entry_nos[-1] if entry_nos else None,
            },
        )
    return [row.result for row in rows]  # type: ignore[misc]


@transaction.atomic
def send_document(*, actor: Any, event: DocumentEvent) -> EventResult:
    """E-mail a recorded document's PDF to its contact (issue 13 point 4): records the
    document's "e-mailed" event (exactly one new entry per send, with the template set up for
    the document type, never the e-mail draft template) and queues its delivery, which sends
    the PDF over SMTP once this transaction commits."""
    require_perm(actor, PERM)
    source = (
        InteractionLogEntry.objects.select_related("attachment", "contact")
        .filter(pk=event.entry_id or 0)
        .first()
    )
    contact = source.contact if source is not None else None
    if contact is not None and contact.privacy_blocked:
        # First: an erased contact's document is gone too, but privacy is the reason.
        raise field_error(
            "contact",
            _(
                "You cannot create an interaction for contact %(no)s because it is marked as "
                "Privacy Blocked."
            )
            % {"no": contact.no},
            "privacy_blocked",
        )
    if source is None or source.attachment is None:
        raise field_error(
            "document",
            _("Document %(no)s has no PDF to send.") % {"no": event.document_no},
            "no_pdf",
        )
    if contact is None or not contact.email:
        raise field_error(
            "contact",
            _(
                "Make sure that the Email field is specified for either contact no. "
                "%(no)s or the contact alternative address."
            )
            % {"no": contact.no if contact is not None else ""},
            "email_missing",
        )
    attachment = source.attachment
    result = record_document_events(
        actor=actor,
        events=[
            DocumentEventInput(
                document_type=event.document_type,
                document_no=event.document_no,
                event=DocumentEventKind.EMAILED,
                version_no=event.version_no,
                contact_no=contact.no,
                document_date=timezone.localdate(),
                # Every send is its own event: one entry per send.
                idempotency_key=f"send:{uuid.uuid4().hex}",
                order_no=event.order_no,
                description=source.description,
                pdf=Upload(files.read_content(attachment), attachment.file_name, "application/pdf"),
                send=True,
            )
        ],
    )[0]
    if result.status != "recorded":
        raise field_error(result.field or "document_type", result.message, result.code)
    return result


@transaction.atomic
def record_document_event(*, actor: Any, data: DocumentEventInput) -> EventResult:
    """Record one document event (the upload form, the API). An error is raised, naming the
    field; a duplicate returns the first entry; a skip (per the setup flag) is a result."""
    result = record_document_events(actor=actor, events=[data])[0]
    if result.status == "error":
        raise field_error(result.field or "document_type", result.message, result.code)
    return result


# --- the CSV import ----------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised to roll a dry run back after its results are known."""


def import_document_events(
    *,
    actor: Any,
    content: bytes,
    filename: str = "",
    dry_run: bool = False,
    progress: Any = None,
) -> dict[str, Any]:
    """Record the events of a CSV/XLSX file, set-based, with a result per row (the row
    numbers of the file). A dry run does everything and rolls it back, so its results say
    exactly what an import would do."""
    from rapport.documents import importing

    require_perm(actor, PERM)
    parsed = importing.read_rows(content, filename)
    inputs: list[DocumentEventInput] = []
    positions: list[int] = []
    results: list[dict[str, Any]] = []
    for i, row in enumerate(parsed):
        if row.error is not None:
            name, code, message = row.error
            results.append(
                {
                    "row": row.line,
                    "status": "error",
                    "entry_no": None,
                    "field": name,
                    "code": code,
                    "message": message,
                }
            )
            continue
        values = {k: v for k, v in row.values.items() if v is not None or k == "amount"}
        values.setdefault("document_type", "")
        values.setdefault("document_no", "")
        values.setdefault("event", "")
        inputs.append(DocumentEventInput(**values))
        positions.append(i)
        results.append({})
    outcome: list[EventResult] = []
    try:
        with transaction.atomic():
            outcome = record_document_events(actor=actor, events=inputs)
            if progress is not None:
                # Inside the transaction: a job whose worker dies after this report has
                # recorded nothing, as its failed job says (a cancel rolls it back too).
                progress(len(parsed), len(parsed))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    for result, i in zip(outcome, positions, strict=True):
        results[i] = {
            "row": parsed[i].line,
            "status": result.status,
            "entry_no": None if dry_run else result.entry_no,
            "field": result.field,
            "code": result.code,
            "message": result.message,
        }
    counts = dict.fromkeys(("recorded", "duplicate", "skipped", "error"), 0)
    for item in results:
        counts[item["status"]] += 1
    return {"dry_run": dry_run, "rows": len(parsed), **counts, "results": results}


def submit_document_import(
    *, actor: Any, content: bytes, filename: str, dry_run: bool
) -> dict[str, Any]:
    """Import a file now, or as a background job when it has many rows (RAPPORT_IMPORT_JOB_
    THRESHOLD) and is not a dry run. Returns the result, with `job_id` when a job runs it."""
    import uuid

    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils.translation import get_language

    from rapport.contacts import importing as table_reader
    from rapport.core import services as core_services

    require_perm(actor, PERM)
    rows = table_reader.count_rows(content, filename)
    if dry_run or rows <= settings.RAPPORT_IMPORT_JOB_THRESHOLD:
        result = import_document_events(
            actor=actor, content=content, filename=filename, dry_run=dry_run
        )
        return {**result, "job_id": None}
    extension = table_reader.file_kind(content)
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}.{extension}", ContentFile(content))
    display_name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:100]
    try:
        job = core_services.start_job(
            actor=actor,
            kind="documents.import",
            description=_("Import document events from %(file)s") % {"file": display_name},
            params={
                "file": stored,
                "filename": display_name,
                "language": get_language() or settings.LANGUAGE_CODE,
            },
            total=rows,
        )
    except Exception:
        default_storage.delete(stored)
        raise
    return {"job_id": job.pk, "dry_run": False, "rows": rows}
