"""E-mail logging (BC 5.6/5.7 with an IMAP mailbox): the setup, a connection test, and the
run that logs the queue folder's messages as interactions and moves them to storage.

A run commits message by message: the interaction log entries and the LoggedMessage row
(unique Message-ID) in one transaction, then the move. A crash between the two leaves a
logged message in the queue; the next run sees its Message-ID and only moves it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.contacts.models import Contact, ContactAltAddress
from rapport.core import services as core_services
from rapport.core.audit import record_audit, snapshot
from rapport.core.choices import CorrespondenceType
from rapport.core.validation import ValidationError, field_error, require_perm, validate_instance
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload
from rapport.interactions.models import InformationFlow, InitiatedBy, InteractionTemplate
from rapport.mailbox.imap import Mailbox, MailboxError, MessageInfo
from rapport.mailbox.models import (
    Direction,
    LoggedMessage,
    MailboxSetup,
    UnmatchedMessage,
)
from rapport.mailbox.parse import ParsedMessage, clean_text, parse_message
from rapport.mailbox.queries import mailbox_setup

logger = logging.getLogger(__name__)

JOB_KIND = "mailbox.log_messages"
CHANGE = "mailbox.change_mailboxsetup"
SETUP_FIELDS = (
    "host",
    "port",
    "security",
    "username",
    "password",
    "queue_folder",
    "storage_folder",
    "enabled",
    "template",
    "batch_size",
    "interval_minutes",
    "max_message_bytes",
)

# Where contacts' addresses come from: (addresses upper-cased) -> {address: contact}. The
# primary e-mail is built in; an app with alternative addresses registers its own source.
ContactSource = Callable[[list[str]], dict[str, Contact]]
contact_sources: list[ContactSource] = []


def contact_source(func: ContactSource) -> ContactSource:
    contact_sources.append(func)
    return func


@contact_source
def primary_email(addresses: list[str]) -> dict[str, Contact]:
    """Contact.search_email; the first contact (by No.) wins; privacy-blocked never match."""
    found: dict[str, Contact] = {}
    rows = Contact.objects.filter(search_email__in=addresses, privacy_blocked=False).order_by("no")
    for contact in rows:
        found.setdefault(contact.search_email, contact)
    return found


@contact_source
def alt_address_email(addresses: list[str]) -> dict[str, Contact]:
    """ContactAltAddress.search_email (BC: Contact Alt. Address e-mails come after the contact's
    own); the first contact (by No.) wins; privacy-blocked contacts never match."""
    found: dict[str, Contact] = {}
    rows = (
        ContactAltAddress.objects.filter(search_email__in=addresses, contact__privacy_blocked=False)
        .select_related("contact")
        .order_by("contact__no", "code")
    )
    for alt in rows:
        found.setdefault(alt.search_email, alt.contact)
    return found


# --- the setup ---------------------------------------------------------------------------------


def _required(field: str, caption: str) -> ValidationError:
    return field_error(
        field, _("You must fill in the %(field)s field.") % {"field": caption}, "required"
    )


def mailbox_template(setup: MailboxSetup) -> InteractionTemplate | None:
    """The template e-mails are logged with: the mailbox's own, else Interaction Template
    Setup's "E-Mails" template (BC keeps it there)."""
    if setup.template_id is not None:
        return setup.template
    from rapport.interactions.models import InteractionTemplateSetup

    template_setup = InteractionTemplateSetup.objects.select_related("emails").filter(pk=1).first()
    return template_setup.emails if template_setup is not None else None


def check_setup(setup: MailboxSetup, *, for_run: bool = True) -> None:
    """BC's checks, in BC's order (5.6 step 2)."""
    if for_run and mailbox_template(setup) is None:
        raise field_error(
            "template",
            _(
                "The interaction template for email messages has not been specified in the "
                "Email Logging Setup window."
            ),
            "no_template",
        )
    if for_run and not setup.enabled:
        raise field_error("enabled", _("Email logging is disabled."), "disabled")
    if not setup.queue_folder.strip() or not setup.storage_folder.strip():
        raise field_error(
            "storage_folder" if setup.queue_folder.strip() else "queue_folder",
            _(
                "The queue or storage folder has not been initialized. Enter the folder path "
                "in the Email Logging Setup window."
            ),
            "folder_missing",
        )
    if not setup.host.strip():
        raise _required("host", _("IMAP Server"))
    if not setup.username.strip():
        raise _required("username", _("User Name"))


@transaction.atomic
def update_mailbox_setup(*, actor: Any, **fields: Any) -> MailboxSetup:
    """Change the setup. `password`: None keeps it, "" clears it. Switching logging on
    checks the whole setup; the scheduled runs then run as `actor`."""
    require_perm(actor, CHANGE)
    setup = MailboxSetup.objects.select_for_update().filter(pk=1).first() or MailboxSetup(pk=1)
    before = snapshot(setup)
    for name, value in fields.items():
        if name not in SETUP_FIELDS or (name == "password" and value is None):
            continue
        if isinstance(value, str) and name != "password":
            value = value.strip()
        setattr(setup, name, value)
    if (
        setup.queue_folder
        and setup.storage_folder
        and setup.queue_folder.lower() == setup.storage_folder.lower()
    ):
        raise field_error(
            "storage_folder",
            _("The queue and storage folders cannot be the same. Choose a different folder."),
            "same_folder",
        )
    if setup.enabled:
        check_setup(setup)
    if setup.batch_size < 1:
        raise field_error(
            "batch_size", _("You must specify a size for the email batch."), "batch_size"
        )
    if setup.interval_minutes < 1:
        raise field_error(
            "interval_minutes", _("Enter a number of minutes of at least 1."), "too_small"
        )
    setup.run_as = actor if getattr(actor, "pk", None) else None
    validate_instance(setup, exclude=["template", "run_as"])
    setup.save()
    record_audit(actor=actor, action="change", obj=setup, before=before, after=snapshot(setup))
    return setup


def _step_error(step: str, error: str) -> ValidationError:
    """BC: errors say the step reached, "<step> : <error>."."""
    return ValidationError(
        _("%(step)s : %(error)s.") % {"step": step, "error": error.rstrip(".")},
        code="mailbox_error",
    )


def _open(setup: MailboxSetup) -> Mailbox:
    """Connect, check both folders and select the queue; a ValidationError naming the step."""
    try:
        mailbox = Mailbox(setup)
    except MailboxError as exc:
        raise _step_error(
            _("Connecting to the mailbox"),
            _("The mailbox %(user)s at %(host)s could not be opened: %(error)s")
            % {"user": setup.username, "host": setup.host, "error": exc},
        ) from exc
    try:
        for step, folder in (
            (_("Opening queue folder"), setup.queue_folder),
            (_("Opening storage folder"), setup.storage_folder),
        ):
            if not mailbox.folder_exists(folder):
                raise _step_error(
                    step,
                    _(
                        "The %(folder)s folder does not exist. Verify that the path to the "
                        "folder is correct in the Email Logging Setup window."
                    )
                    % {"folder": folder},
                )
        mailbox.select(setup.queue_folder)
    except Exception:
        mailbox.close()
        raise
    return mailbox


def test_mailbox_connection(*, actor: Any) -> str:
    """BC's "Validate Setup": connect, log in and find both folders. Writes nothing."""
    require_perm(actor, CHANGE)
    setup = mailbox_setup()
    check_setup(setup, for_run=False)
    try:
        with _open(setup) as mailbox:
            count = len(mailbox.uids())
    except MailboxError as exc:
        raise _step_error(_("Reading email messages"), str(exc)) from exc
    return _(
        "The setup for email logging is ready to use. The queue folder holds %(count)s messages."
    ) % {"count": count}


def start_mailbox_run(*, actor: Any) -> Any:
    """ "Run now": queue a run of the mailbox job (its page shows the outcome)."""
    require_perm(actor, CHANGE)
    check_setup(mailbox_setup())
    return core_services.start_job(
        actor=actor, kind=JOB_KIND, description=_("Log email messages from the mailbox")
    )


def schedule_mailbox_run(now: datetime.datetime | None = None) -> Any:
    """The scheduler's tick: start a run when logging is on, the interval has passed and no
    run is queued or running. Returns the job, or None."""
    from rapport.core.models import Job, JobStatus

    now = now or timezone.now()
    with transaction.atomic():
        setup = MailboxSetup.objects.select_for_update().filter(pk=1, enabled=True).first()
        if setup is None or setup.run_as is None:
            return None
        interval = datetime.timedelta(minutes=max(1, setup.interval_minutes))
        if setup.last_started_at is not None and now - setup.last_started_at < interval:
            return None
        if Job.objects.filter(
            kind=JOB_KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).exists():
            return None
        MailboxSetup.objects.filter(pk=1).update(last_started_at=now)
        return core_services.start_job(
            actor=setup.run_as,
            kind=JOB_KIND,
            description=_("Log email messages from the mailbox"),
        )


# --- one run -----------------------------------------------------------------------------------


@dataclass
class Line:
    contact: Contact
    salesperson: Salesperson


@dataclass
class Match:
    direction: str = ""
    lines: list[Line] | None = None
    reason_code: str = ""
    reason: str = ""


def _salespeople(addresses: list[str]) -> dict[str, Salesperson]:
    found: dict[str, Salesperson] = {}
    rows = (
        Salesperson.objects.annotate(address=Upper("email"))
        .filter(address__in=addresses)
        .order_by("code")
    )
    for salesperson in rows:
        found.setdefault(salesperson.address, salesperson)  # type: ignore[attr-defined]
    return found


def _contacts(addresses: list[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for source in contact_sources:
        rest = [a for a in addresses if a not in found]
        if not rest:
            break
        for address, contact in source(rest).items():
            found.setdefault(address, contact)
    return found


def match_message(parsed: ParsedMessage) -> Match:
    """BC 5.6 step 6: a salesperson sender makes it outbound (a line per contact among the
    recipients); else a contact sender makes it inbound (a line per salesperson recipient)."""
    if not parsed.sender:
        return Match(reason_code="no_sender", reason=_("The message has no sender."))
    if not parsed.recipients:
        return Match(reason_code="no_recipients", reason=_("The message has no recipients."))
    everyone = [parsed.sender, *parsed.recipients]
    salespeople = _salespeople(everyone)
    if parsed.sender in salespeople:
        contacts = _contacts([a for a in parsed.recipients if a not in salespeople])
        lines = [
            Line(contacts[a], salespeople[parsed.sender])
            for a in parsed.recipients
            if a in contacts
        ]
        if not lines:
            return Match(
                reason_code="no_contact",
                reason=_("No recipient of the message is a contact."),
            )
        return Match(direction=Direction.OUTBOUND, lines=_unique(lines))
    sender_contact = _contacts([parsed.sender]).get(parsed.sender)
    if sender_contact is None:
        return Match(
            reason_code="unknown_sender",
            reason=_("The sender %(address)s is neither a salesperson nor a contact.")
            % {"address": parsed.sender.lower()},
        )
    lines = [Line(sender_contact, salespeople[a]) for a in parsed.recipients if a in salespeople]
    if not lines:
        return Match(
            reason_code="no_salesperson",
            reason=_("No recipient of the message is a salesperson."),
        )
    return Match(direction=Direction.INBOUND, lines=_unique(lines))


def _unique(lines: list[Line]) -> list[Line]:
    seen: set[tuple[int, int]] = set()
    out = []
    for line in lines:
        key = (line.contact.pk, line.salesperson.pk)
        if key not in seen:
            seen.add(key)
            out.append(line)
    return out


def log_email_message(
    *,
    actor: Any,
    template: InteractionTemplate,
    raw: bytes,
    parsed: ParsedMessage,
    match: Match,
    received_at: datetime.datetime | None = None,
) -> LoggedMessage | None:
    """Log one message: one interaction per line, the .eml as each entry's attachment, and
    the LoggedMessage row. None when the Message-ID was logged already (then nothing new)."""
    try:
        with transaction.atomic():
            if LoggedMessage.objects.filter(message_id=parsed.message_id).exists():
                return None
            logged = LoggedMessage.objects.create(
                message_id=parsed.message_id,
                subject=parsed.subject,
                sender=parsed.sender.lower(),
                direction=match.direction,
            )
            inbound = match.direction == Direction.INBOUND
            moment = (received_at or parsed.sent_at) if inbound else (parsed.sent_at or received_at)
            local = timezone.localtime(moment or timezone.now())
            name = f"{clean_text(parsed.subject, 80) or 'email'}.eml"
            entries = []
            for line in match.lines or []:
                entry = interactions.create_interaction(
                    actor=actor,
                    data=interactions.InteractionInput(
                        contact=line.contact,
                        template=template,
                        salesperson=line.salesperson,
                        description=parsed.subject[:100] or None,
                        date=local.date(),
                        time=local.time().replace(microsecond=0, tzinfo=None),
                        correspondence_type=CorrespondenceType.EMAIL,
                        information_flow=InformationFlow.INBOUND
                        if inbound
                        else InformationFlow.OUTBOUND,
                        initiated_by=InitiatedBy.THEM if inbound else InitiatedBy.US,
                        upload=Upload(raw, name, "message/rfc822"),
                    ),
                    skip_attachment_checks=True,
                )
                entries.append(entry.pk)
            logged.entry_nos = entries
            logged.save(update_fields=["entry_nos"])
            UnmatchedMessage.objects.filter(message_id=parsed.message_id).delete()
            return logged
    except IntegrityError:
        # Logged by a concurrent run meanwhile (the unique Message-ID): nothing new.
        if LoggedMessage.objects.filter(message_id=parsed.message_id).exists():
            return None
        raise


def _mark_moved(message_id: str) -> None:
    LoggedMessage.objects.filter(message_id=message_id, moved_at=None).update(
        moved_at=timezone.now()
    )


def _unmatched(parsed: ParsedMessage | None, info: MessageInfo, code: str, reason: str) -> None:
    message_id = parsed.message_id if parsed else f"uid:{info.uid}"
    UnmatchedMessage.objects.update_or_create(
        message_id=message_id,
        defaults={
            "subject": parsed.subject if parsed else "",
            "sender": parsed.sender.lower() if parsed else "",
            "recipients": ", ".join(a.lower() for a in parsed.recipients)[:2000] if parsed else "",
            "size": info.size,
            "reason_code": code,
            "reason": reason[:2000],
            "last_seen_at": timezone.now(),
        },
    )


def log_mailbox(
    *, actor: Any, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """One run over the queue folder. Every message is examined; at most the batch size is
    logged. Per-message problems (too large, broken, not matched, refused by the log's rules)
    leave the message in the queue and on the unmatched list; they never stop the run."""
    require_perm(actor, "interactions.add_interactionlogentry")
    setup = mailbox_setup()
    check_setup(setup)
    template = mailbox_template(setup)
    assert template is not None  # check_setup
    result: dict[str, Any] = {
        "logged": 0,
        "entries": 0,
        "moved_already_logged": 0,
        "unmatched": 0,
        "too_large": 0,
        "failed": 0,
        "message_errors": [],
    }
    seen: set[str] = set()
    with _open(setup) as mailbox:
        try:
            uids = mailbox.uids()
        except MailboxError as exc:
            raise _step_error(_("Reading email messages"), str(exc)) from exc
        for index, uid in enumerate(uids):
            if progress is not None:
                progress(index, len(uids))
            if result["logged"] >= setup.batch_size:
                break
            outcome = _one_message(mailbox, setup, template, actor, uid, seen)
            result[outcome[0]] = result.get(outcome[0], 0) + 1
            if outcome[0] == "logged":
                result["entries"] += outcome[1]
            if outcome[0] in ("failed", "too_large"):
                result["message_errors"].append(outcome[2])
        else:
            if not result["failed"]:
                # Every message was examined without trouble: the list holds exactly those
                # still waiting (a lost connection must not empty it).
                UnmatchedMessage.objects.exclude(message_id__in=seen).delete()
    # One line per message for the job page (a list would show as code).
    result["message_errors"] = "; ".join(result["message_errors"])
    if result["logged"]:  # one event per run that logged something (each entry has its own)
        record_audit(
            actor=actor,
            action="run",
            obj=setup,
            details={k: v for k, v in result.items() if k != "message_errors"},
        )
    return result


def _one_message(
    mailbox: Mailbox,
    setup: MailboxSetup,
    template: InteractionTemplate,
    actor: Any,
    uid: str,
    seen: set[str],
) -> tuple[str, int, str]:
    info: MessageInfo | None = None
    parsed: ParsedMessage | None = None
    try:
        info = mailbox.info(uid)
        if info is None:
            return ("gone", 0, "")
        if info.size > setup.max_message_bytes:
            parsed = parse_message(mailbox.fetch_header(uid))
            seen.add(parsed.message_id)
            reason = _(
                "The message is too large (%(size)s bytes). The limit is %(limit)s bytes."
            ) % {"size": info.size, "limit": setup.max_message_bytes}
            _unmatched(parsed, info, "too_large", reason)
            return ("too_large", 0, f"{parsed.subject or parsed.message_id}: {reason}")
        raw = mailbox.fetch(uid)
        parsed = parse_message(raw)
        seen.add(parsed.message_id)
        if LoggedMessage.objects.filter(message_id=parsed.message_id).exists():
            # Logged before the last run could move it (or a copy of it): move only.
            mailbox.move(uid, setup.storage_folder)
            _mark_moved(parsed.message_id)
            UnmatchedMessage.objects.filter(message_id=parsed.message_id).delete()
            return ("moved_already_logged", 0, "")
        match = match_message(parsed)
        if not match.lines:
            _unmatched(parsed, info, match.reason_code, match.reason)
            return ("unmatched", 0, "")
        logged = log_email_message(
            actor=actor,
            template=template,
            raw=raw,
            parsed=parsed,
            match=match,
            received_at=info.received_at,
        )
        mailbox.move(uid, setup.storage_folder)
        _mark_moved(parsed.message_id)
        if logged is None:
            return ("moved_already_logged", 0, "")
        return ("logged", len(logged.entry_nos), "")
    except ValidationError as exc:
        from rapport.core.validation import first_error

        reason = first_error(exc)[1]
    except (MailboxError, OSError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a hostile message must not stop the run
        logger.exception("Mailbox message %s could not be logged", uid)
        reason = f"{type(exc).__name__}: {exc}"
    reason = clean_text(reason, 1000)
    if info is not None:
        seen.add(parsed.message_id if parsed is not None else f"uid:{uid}")
        try:
            _unmatched(parsed, info, "error", reason)
        except Exception:
            logger.exception("Recording mailbox message %s failed", uid)
    label = (parsed.subject or parsed.message_id) if parsed else uid
    return ("failed", 0, f"{label}: {reason}")
