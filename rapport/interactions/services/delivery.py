"""Delivering logged interactions' documents (BC 4.7): e-mail over SMTP, hard copy as a print
bundle, with a status per entry.

Logging (one interaction, or a segment with "deliver") sets each entry to be sent In Progress
and starts a delivery job after the log commits. The job works in small batches: it **claims**
a batch (commits the claim), sends, then **records** each outcome (Sent, or Error with the
server's text). A job that dies between claim and record leaves claims behind; its cleanup turns
those entries to Unknown: they may or may not have gone out, so nothing is sent twice on its
own, and the user decides whether to resend. Privacy-blocked contacts are never sent anything.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email._policybase import Compat32
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rapport.contacts.models import AttachmentStorageType
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.choices import CorrespondenceType
from rapport.core.jobs import JobCanceled, Progress, job_handler
from rapport.core.models import Job
from rapport.core.validation import field_error, require_perm
from rapport.interactions import attachments as files
from rapport.interactions import merge
from rapport.interactions.attachments import Upload, safe_file_name
from rapport.interactions.models import (
    Attachment,
    Delivery,
    DeliveryBundle,
    DeliveryStatus,
    InteractionLogEntry,
)
from rapport.interactions.snapshots import render_language

logger = logging.getLogger(__name__)

DELIVER = "interactions.deliver"
PERMISSION = "interactions.add_interactionlogentry"

# Stored untranslated (the entry outlives the reader's language); pages translate when shown.
JOB_DIED = gettext_noop(
    "The job sending this document stopped before it recorded whether the document was sent."
)
NEVER_CLAIMED = gettext_noop(
    "The job sending this document stopped before it got to it: it was not sent. Resend it."
)
STORED_ERRORS = {JOB_DIED, NEVER_CLAIMED}


def no_attachment_message() -> str:
    return _("The interaction template has no attachment for the selected language code.")


def error_text(text: str) -> str:
    """A stored delivery error in the reader's language (SMTP texts stay as the server said)."""
    return _(text) if text in STORED_ERRORS else text


# --- starting and resending --------------------------------------------------------------------


def _selector(params: dict[str, Any]) -> Q:
    if "logged_segment" in params:
        return Q(logged_segment_entry_no=int(params["logged_segment"]))
    return Q(pk__in=[int(pk) for pk in params.get("entries", [])])


def start_delivery(
    *, actor: Any, entries: Iterable[int] = (), logged_segment: int | None = None
) -> Job:
    """Queue a job sending the In Progress entries given (by number, or all of a logged
    segment). It starts after the calling transaction commits."""
    require_perm(actor, PERMISSION)
    params: dict[str, Any] = (
        {"logged_segment": logged_segment}
        if logged_segment is not None
        else {"entries": sorted({int(pk) for pk in entries})}
    )
    total = InteractionLogEntry.objects.filter(
        _selector(params), delivery_status=DeliveryStatus.IN_PROGRESS
    ).count()
    description = (
        _("Send documents of logged segment %(no)s") % {"no": logged_segment}
        if logged_segment is not None
        else _("Send interaction documents")
    )
    return core_services.start_job(
        actor=actor, kind=DELIVER, description=description, params=params, total=total
    )


def _claimed_by_live_job() -> Q:
    return Q(delivery__job__isnull=False)


@transaction.atomic
def resend_entries(
    *, actor: Any, entries: QuerySet[InteractionLogEntry], failed_only: bool = False
) -> Job | None:
    """Send the entries' documents again, without logging anything again (BC's Resend).
    Postponed entries, entries without a correspondence type or an attachment and entries a
    job is sending right now are left alone; `failed_only` keeps Error and Unknown ones."""
    require_perm(actor, PERMISSION)
    wanted = (
        entries.filter(postponed=False, attachment__isnull=False)
        .exclude(correspondence_type="")
        .exclude(_claimed_by_live_job())
    )
    if failed_only:
        wanted = wanted.filter(delivery_status__in=[DeliveryStatus.ERROR, DeliveryStatus.UNKNOWN])
    ids = list(wanted.select_for_update(of=("self",)).values_list("pk", flat=True))
    if not ids:
        raise field_error(
            "entries",
            _("There is nothing to send."),
            "nothing_to_send",
        )
    InteractionLogEntry.objects.filter(pk__in=ids).update(
        delivery_status=DeliveryStatus.IN_PROGRESS
    )
    logged = set(
        InteractionLogEntry.objects.filter(pk__in=ids).values_list(
            "logged_segment_entry_no", flat=True
        )
    )
    if len(logged) == 1 and None not in logged and failed_only:
        return start_delivery(actor=actor, logged_segment=logged.pop())
    return start_delivery(actor=actor, entries=ids)


def delivery_counts(entries: QuerySet[InteractionLogEntry]) -> dict[str, int]:
    """How many of `entries` are in each delivery status (for progress and the logged
    segment's page)."""
    from django.db.models import Count

    counts = {status.value: 0 for status in DeliveryStatus if status.value}
    for row in (
        entries.exclude(delivery_status="")
        .order_by()
        .values("delivery_status")
        .annotate(n=Count("pk"))
    ):
        counts[row["delivery_status"]] = row["n"]
    return counts


# --- the job -------------------------------------------------------------------------------


def _mark_unknown(job: Job) -> None:
    """Cleanup of a delivery job that died: what it claimed and did not record is Unknown (it
    may have gone out); what it never claimed is Error (it surely did not), so "Resend failed"
    finds both and nothing stays In Progress for good."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(Delivery.objects.filter(job=job).values_list("entry_id", flat=True))
        InteractionLogEntry.objects.filter(
            pk__in=ids, delivery_status=DeliveryStatus.IN_PROGRESS
        ).update(delivery_status=DeliveryStatus.UNKNOWN)
        Delivery.objects.filter(job=job).update(job=None, finished_at=now, error=JOB_DIED)
        never = list(
            InteractionLogEntry.objects.filter(
                _selector(job.params), delivery_status=DeliveryStatus.IN_PROGRESS
            )
            .exclude(_claimed_by_live_job())
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        if not never:
            return
        InteractionLogEntry.objects.filter(pk__in=never).update(
            delivery_status=DeliveryStatus.ERROR
        )
        existing = set(
            Delivery.objects.filter(entry_id__in=never).values_list("entry_id", flat=True)
        )
        Delivery.objects.filter(entry_id__in=existing).update(finished_at=now, error=NEVER_CLAIMED)
        Delivery.objects.bulk_create(
            [
                Delivery(entry_id=pk, finished_at=now, error=NEVER_CLAIMED)
                for pk in never
                if pk not in existing
            ]
        )


@job_handler(DELIVER, cleanup=_mark_unknown, resumable=True)
def run_delivery(job: Job, progress: Progress) -> dict[str, Any]:
    return deliver_entries(job=job, progress=progress)


@dataclass
class Outcome:
    entry: InteractionLogEntry
    status: str
    recipient: str = ""
    message_id: str = ""
    error: str = ""
    printed: bool = False
    pending: Future[str] | None = None  # an e-mail being sent: its SMTP error, "" when sent

    def settle(self) -> Outcome:
        """Wait for the send (if any) and take its result."""
        if self.pending is not None:
            error = self.pending.result()
            self.pending = None
            if error:
                self.status, self.error, self.message_id = DeliveryStatus.ERROR, error, ""
        return self


class Senders:
    """A few SMTP connections in threads, each kept open for the whole job: sending waits on
    the server's replies, so several connections overlap those waits with the rendering of the
    next messages. Messages are Django e-mail messages; each thread uses its own connection."""

    def __init__(self, count: int) -> None:
        self.pool = ThreadPoolExecutor(max(1, count), thread_name_prefix="rapport-smtp")
        self.local = threading.local()
        self.connections: list[Any] = []
        self.lock = threading.Lock()

    def _connection(self) -> Any:
        smtp = getattr(self.local, "smtp", None)
        if smtp is None:
            smtp = self.local.smtp = get_connection()
            with self.lock:
                self.connections.append(smtp)
        return smtp

    def _send(self, message: EmailMessage) -> str:
        smtp = self._connection()
        try:
            # Opened once and kept (send_messages alone would connect and greet the server
            # for every message); reopened after a failure.
            smtp.open()
            smtp.send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            try:
                smtp.close()
            except Exception:  # a dead connection may fail to close; the next send reopens it
                logger.debug("Closing the SMTP connection failed", exc_info=True)
            return _smtp_error(exc)
        return ""

    def submit(self, message: EmailMessage) -> Future[str]:
        return self.pool.submit(self._send, message)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for smtp in self.connections:
            try:
                smtp.close()
            except Exception:  # closing a broken connection must not hide the real outcome
                logger.debug("Closing the SMTP connection failed", exc_info=True)


class RateLimit:
    """At most `per_minute` sends a minute (0: no limit), spread evenly."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def _claim(job: Job, selector: Q, size: int) -> list[int]:
    """Claim up to `size` unclaimed In Progress entries for `job` and commit the claim."""
    with transaction.atomic():
        pending = (
            InteractionLogEntry.objects.filter(selector, delivery_status=DeliveryStatus.IN_PROGRESS)
            .exclude(_claimed_by_live_job())
            .order_by("pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        ids = list(pending.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        now = timezone.now()
        existing = set(Delivery.objects.filter(entry_id__in=ids).values_list("entry_id", flat=True))
        Delivery.objects.filter(entry_id__in=existing).update(
            job=job, claimed_at=now, attempts=F("attempts") + 1, error=""
        )
        Delivery.objects.bulk_create(
            [
                Delivery(entry_id=pk, job=job, claimed_at=now, attempts=1)
                for pk in ids
                if pk not in existing
            ]
        )
    return ids


def _record(outcomes: list[Outcome]) -> None:
    """Record what happened to each claimed entry and release the claims (one commit)."""
    if not outcomes:
        return
    now = timezone.now()
    q = connection.ops.quote_name
    # One parameterised statement per row, sent as a batch (bulk_update's CASE per column
    # costs more than the sends it records).
    statement = (
        f"UPDATE {q(Delivery._meta.db_table)} SET {q('job_id')} = NULL, "  # noqa: S608 (names from the model)
        f"{q('finished_at')} = %s, {q('recipient')} = %s, {q('message_id')} = %s, "
        f"{q('error')} = %s WHERE {q('entry_id')} = %s"
    )
    finished = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        for status in (DeliveryStatus.SENT, DeliveryStatus.ERROR):
            ids = [o.entry.pk for o in outcomes if o.status == status]
            if ids:
                InteractionLogEntry.objects.filter(pk__in=ids).update(delivery_status=status)
        with connection.cursor() as cursor:
            cursor.executemany(
                statement,
                [
                    (finished, o.recipient[:254], o.message_id[:250], o.error, o.entry.pk)
                    for o in outcomes
                ],
            )


class _Contents:
    """Template bytes read once per attachment during a job (entries share their template)."""

    def __init__(self) -> None:
        self._cache: dict[int, bytes] = {}

    def __call__(self, attachment: Attachment) -> bytes:
        key = attachment.pk
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = files.read_content(attachment)
        return self._cache[key]


@dataclass
class Document:
    """What is sent for one entry: a rendered merge, or the stored file as it is."""

    file_name: str
    content: bytes
    content_type: str
    subject: str
    html: str = ""
    text: str = ""
    kind: str = ""
    rendered: Any = None  # the merge engine's RenderedDocument, when merged


def preview_document(
    attachment: Attachment, snapshot: dict[str, Any], *, language: str, subject: str
) -> Document:
    """A merge before anything is logged (a new interaction, a segment line); a template
    that cannot render is the attachment's error."""
    try:
        return render_document(attachment, snapshot, language=language, subject=subject)
    except merge.MergeTemplateError as exc:
        raise field_error("attachment", exc.message, "merge_template_invalid") from None


def render_entry_document(
    entry: InteractionLogEntry, read: Callable[[Attachment], bytes] | None = None
) -> Document | None:
    """The document of a logged entry: its merge template rendered with the values frozen at
    log time (the same bytes on every call), or its stored file. None without an attachment."""
    if entry.attachment is None:
        return None
    return render_document(
        entry.attachment,
        entry.merge_data,
        language=render_language(entry.language),
        subject=entry.subject or entry.description,
        read=read,
    )


def render_document(
    attachment: Attachment,
    snapshot: dict[str, Any] | None,
    *,
    language: str,
    subject: str,
    read: Callable[[Attachment], bytes] | None = None,
) -> Document:
    """`attachment` merged with `snapshot` (a merge template), else the file as it is. Raises
    merge.MergeTemplateError when the template cannot be rendered."""
    content = (read or files.read_content)(attachment)
    base = safe_file_name(subject or attachment.file_name.rsplit(".", 1)[0])
    if attachment.merge_kind and snapshot is not None:
        doc = merge.render_document(attachment.merge_kind, content, snapshot, language)
        return Document(
            file_name=f"{base}.{doc.extension}",
            content=doc.content,
            content_type=doc.content_type,
            subject=doc.subject,
            html=doc.html if attachment.merge_kind == "html" else "",
            text=doc.text if attachment.merge_kind == "html" else "",
            kind=attachment.merge_kind,
            rendered=doc,
        )
    return Document(
        file_name=attachment.file_name,
        content=content,
        content_type=attachment.content_type or "application/octet-stream",
        subject=subject,
        kind=attachment.merge_kind,
    )


class _FastCompat32(Compat32):
    """Django's messages use compat32, which runs every header through email.header.Header
    to fold it: the larger part of building a message. A short plain-ASCII header needs no
    folding, so it is written as it is; anything else is folded as before."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        limit = self.max_line_length or 78
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + 2 + len(value) <= limit
        ):
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]


FAST_POLICY = _FastCompat32()


class _Faster:
    """A Django e-mail message that flattens quicker: the policy above, and a boundary chosen
    up front (else the generator compiles a regular expression per message to pick one)."""

    def message(self) -> Any:
        msg = super().message()  # type: ignore[misc]
        msg.policy = FAST_POLICY
        if msg.is_multipart():
            msg.set_boundary(f"=_rapport_{secrets.token_hex(12)}")
        return msg


class RapportEmail(_Faster, EmailMessage):
    pass


class RapportAlternatives(_Faster, EmailMultiAlternatives):
    pass


def _email(entry: InteractionLogEntry, recipient: str, doc: Document) -> EmailMessage:
    salesperson = entry.salesperson
    reply_to = [salesperson.email] if salesperson is not None and salesperson.email else []
    headers = {
        "Message-ID": make_msgid(idstring=f"entry-{entry.pk}", domain=DNS_NAME.get_fqdn()),
        "X-Rapport-Entry": str(entry.pk),
    }
    subject = doc.subject or entry.description
    if doc.kind == "html":
        message: EmailMessage = RapportAlternatives(
            subject, doc.text, to=[recipient], reply_to=reply_to, headers=headers
        )
        message.attach_alternative(doc.html, "text/html")  # type: ignore[attr-defined]
        return message
    if doc.kind == "docx" and not entry.send_word_docs_as_attachment:
        # The merged Word document as the message body (BC: converted to HTML).
        html, text = doc.rendered.html, doc.rendered.text
        message = RapportAlternatives(
            subject, text, to=[recipient], reply_to=reply_to, headers=headers
        )
        message.attach_alternative(html, "text/html")  # type: ignore[attr-defined]
        return message
    # A Word document as attachment (BC: "<Subject>.docx", empty body), or any other file.
    message = RapportEmail(subject, "", to=[recipient], reply_to=reply_to, headers=headers)
    message.attach(doc.file_name, doc.content, doc.content_type)
    return message


def _smtp_error(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, text) in exc.recipients.items():
            reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
            parts.append(f"{address}: {code} {reason}")
        return "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        raw: bytes | str = exc.smtp_error
        reason = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        return f"{exc.smtp_code} {reason}"
    return f"{type(exc).__name__}: {exc}"


def docx_to_pdf(content: bytes, timeout: float = 300) -> bytes | None:
    """The .docx as PDF through LibreOffice when it is installed (optional: None without it,
    or when the conversion fails or takes too long)."""
    import shutil
    import subprocess
    from pathlib import Path

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "documents.docx"
        source.write_bytes(content)
        try:
            subprocess.run(  # noqa: S603 (a fixed program on a file we wrote)
                [office, "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
                check=True,
                capture_output=True,
                timeout=timeout,
                env={"HOME": folder, "PATH": "/usr/bin:/bin"},
            )
        except (subprocess.SubprocessError, OSError):
            logger.warning("LibreOffice could not convert the print bundle to PDF", exc_info=True)
            return None
        target = source.with_suffix(".pdf")
        return target.read_bytes() if target.exists() else None


class PrintBundle:
    """Hard-copy documents of one job: a zip (one file per contact, written to a temporary
    file as they come) and one combined .docx of the Word documents to print in one go. Above
    PART_SIZE letters the combined document comes in parts ("All documents 1.docx", ...), so
    a worker never holds more than one part's letters in memory."""

    PART_SIZE = 1000

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish)
        self.zip = zipfile.ZipFile(self.file, "w", zipfile.ZIP_DEFLATED)
        self.names: set[str] = set()
        self.word: list[bytes] = []
        self.parts = 0
        self.count = 0

    def add(self, entry: InteractionLogEntry, doc: Document) -> None:
        contact = entry.contact
        who = contact.name if contact is not None else str(entry.pk)
        company = contact.company_name if contact is not None and contact.is_person else ""
        stem = safe_file_name(f"{company} - {who}" if company else who)
        ext = doc.file_name.rsplit(".", 1)[-1] if "." in doc.file_name else "bin"
        name = f"{stem}.{ext}"
        n = 1
        while name in self.names:
            n += 1
            name = f"{stem} ({n}).{ext}"
        self.names.add(name)
        self._write(name, doc.content)
        if doc.kind == "docx":
            self.word.append(doc.content)
            if len(self.word) >= self.PART_SIZE:
                self._combine(numbered=True)
        self.count += 1

    def _combine(self, *, numbered: bool) -> None:
        combined = merge.combine_docx(self.word)
        self.word = []
        self.parts += 1
        stem = _("All documents") + (f" {self.parts}" if numbered else "")
        self._write(f"{stem}.docx", combined)
        pdf = docx_to_pdf(combined)
        if pdf is not None:
            self._write(f"{stem}.pdf", pdf)

    def _write(self, name: str, content: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, content)

    def finish(self, *, job: Job, actor: Any) -> DeliveryBundle | None:
        if not self.count:
            self.zip.close()
            self.file.close()
            return None
        if self.word:
            self._combine(numbered=self.parts > 0)
        self.zip.close()
        self.file.seek(0)
        content = self.file.read()
        self.file.close()
        setup = marketing_setup()
        with translation.override(settings.LANGUAGE_CODE):
            name = f"{_('Print bundle')} {job.pk}.zip"
        # A bundle of thousands of letters runs to hundreds of megabytes: always a disk file
        # (a database value that large fails on PostgreSQL and bloats SQLite).
        attachment = files.new_attachment(
            upload=Upload(content, name, "application/zip"),
            storage_type=AttachmentStorageType.DISK_FILE,
            folder=setup.attachment_storage_location or "print-bundles",
            read_only=True,
            created_by=actor,
            check_size=False,
        )
        return DeliveryBundle.objects.create(job=job, attachment=attachment, documents=self.count)


def _deliver_one(
    entry: InteractionLogEntry,
    senders: Senders,
    bundle: PrintBundle,
    read: _Contents,
    limit: RateLimit,
) -> Outcome:
    contact = entry.contact
    if contact is None:
        return Outcome(entry, DeliveryStatus.ERROR, error=_("The entry has no contact."))
    if contact.privacy_blocked:
        return Outcome(
            entry,
            DeliveryStatus.ERROR,
            error=_(
                "Contact %(no)s is marked as Privacy Blocked. Nothing was sent to this contact."
            )
            % {"no": contact.no},
        )
    if entry.attachment is None:
        return Outcome(
            entry,
            DeliveryStatus.ERROR,
            error=no_attachment_message(),
        )
    if entry.correspondence_type == CorrespondenceType.EMAIL:
        recipient = contact.email
        if not recipient:
            return Outcome(
                entry,
                DeliveryStatus.ERROR,
                error=_(
                    "Make sure that the Email field is specified for either contact no. "
                    "%(no)s or the contact alternative address."
                )
                % {"no": contact.no},
            )
        try:
            doc = render_entry_document(entry, read)
            assert doc is not None
            message = _email(entry, recipient, doc)
        except merge.MergeTemplateError as exc:
            return Outcome(entry, DeliveryStatus.ERROR, recipient=recipient, error=exc.message)
        limit.wait()
        return Outcome(
            entry,
            DeliveryStatus.SENT,
            recipient=recipient,
            message_id=message.extra_headers["Message-ID"],
            pending=senders.submit(message),
        )
    if entry.correspondence_type == CorrespondenceType.HARD_COPY:
        try:
            doc = render_entry_document(entry, read)
        except merge.MergeTemplateError as exc:
            return Outcome(entry, DeliveryStatus.ERROR, error=exc.message)
        assert doc is not None
        bundle.add(entry, doc)
        return Outcome(entry, DeliveryStatus.SENT, recipient=_("Print bundle"), printed=True)
    return Outcome(
        entry,
        DeliveryStatus.ERROR,
        error=_("Correspondence Type must have a value in Interaction Log Entry: Entry No.=%(no)s.")
        % {"no": entry.pk},
    )


# What sending reads of an entry and its relations (a delivery job loads thousands).
DELIVERY_FIELDS = (
    "id",
    "description",
    "subject",
    "merge_data",
    "correspondence_type",
    "send_word_docs_as_attachment",
    "delivery_status",
    "contact__id",
    "contact__no",
    "contact__name",
    "contact__type",
    "contact__email",
    "contact__privacy_blocked",
    "contact__company__id",
    "contact__company__name",
    "attachment",
    "salesperson__id",
    "salesperson__email",
    "language__id",
    "language__code",
)


def deliver_entries(
    *, job: Job, progress: Progress | None = None, batch_size: int | None = None
) -> dict[str, Any]:
    """Send what `job` is to send, batch by batch: claim, send, record (see the module)."""
    selector = _selector(job.params)
    size = batch_size or int(getattr(settings, "RAPPORT_DELIVERY_BATCH_SIZE", 50))
    limit = RateLimit(int(getattr(settings, "RAPPORT_DELIVERY_RATE_PER_MINUTE", 0)))
    read = _Contents()
    bundle = PrintBundle()
    senders = Senders(int(getattr(settings, "RAPPORT_DELIVERY_CONNECTIONS", 4)))
    try:
        return _deliver_batches(job, selector, size, limit, read, bundle, senders, progress)
    except Exception:
        # The job fails (a bug, the database gone): what it claimed and did not record is
        # Unknown now, as if its worker had died.
        _mark_unknown(job)
        raise
    finally:
        senders.close()


def _deliver_batches(
    job: Job,
    selector: Q,
    size: int,
    limit: RateLimit,
    read: _Contents,
    bundle: PrintBundle,
    senders: Senders,
    progress: Progress | None,
) -> dict[str, Any]:
    total = InteractionLogEntry.objects.filter(
        selector, delivery_status=DeliveryStatus.IN_PROGRESS
    ).count()
    printed: list[Outcome] = []
    counts = {"sent": 0, "error": 0}
    done = 0
    # One batch is in flight while the next is claimed and rendered (the senders wait on the
    # server meanwhile); a job that dies leaves at most two batches Unknown.
    in_flight: list[Outcome] = []

    def flush() -> None:
        nonlocal in_flight
        if not in_flight:
            return
        batch, in_flight = in_flight, []
        _record([outcome.settle() for outcome in batch])
        for outcome in batch:
            counts["sent" if outcome.status == DeliveryStatus.SENT else "error"] += 1

    try:
        while True:
            ids = _claim(job, selector, size)
            if not ids:
                break
            entries = (
                InteractionLogEntry.objects.filter(pk__in=ids)
                .select_related(
                    "contact", "contact__company", "attachment", "salesperson", "language"
                )
                .only(*DELIVERY_FIELDS)
                .order_by("pk")
            )
            outcomes = []
            for entry in entries:
                try:
                    outcome = _deliver_one(entry, senders, bundle, read, limit)
                except Exception as exc:  # one broken document must not stop the others
                    logger.exception("Delivering entry %s failed", entry.pk)
                    outcome = Outcome(
                        entry, DeliveryStatus.ERROR, error=f"{type(exc).__name__}: {exc}"
                    )
                if outcome.printed:
                    printed.append(outcome)  # recorded once the bundle is stored
                else:
                    outcomes.append(outcome)
            flush()  # the previous batch
            in_flight = outcomes
            done += len(ids)
            if progress is not None:
                progress(min(done, max(total, done)), max(total, done))
        flush()
    except JobCanceled:
        flush()  # canceled between batches: what is in flight still gets its outcome
        raise
    result: dict[str, Any] = {}
    if printed:
        with transaction.atomic():
            made = bundle.finish(job=job, actor=job.created_by)
            _record(printed)
        counts["sent"] += len(printed)
        result["bundle"] = made.attachment_id if made else None
    else:
        bundle.finish(job=job, actor=job.created_by)
    result.update(counts)
    return result


def bundle_bytes(bundle: DeliveryBundle) -> bytes:
    return files.read_content(bundle.attachment)
