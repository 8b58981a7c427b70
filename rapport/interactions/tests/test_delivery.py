"""Issue #12: merge and delivery of single interactions over a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.contacts.services import create_contact, update_contact
from rapport.core.jobs import end_job, execute_job
from rapport.core.models import Job, JobStatus, Language
from rapport.interactions import services
from rapport.interactions.models import (
    Delivery,
    DeliveryStatus,
    InteractionLogEntry,
    StoredFile,
)
from rapport.interactions.services import delivery
from rapport.interactions.tests.delivery_fixtures import log, run_jobs
from rapport.interactions.tests.documents import docx_text, layout_upload, letter_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_template(alice, group):
    """An e-mail template whose default (EN) language is an HTML layout with merge fields, and
    a Finnish one."""
    template = services.create_interaction_template(
        actor=alice,
        code="MAIL",
        group=group,
        description="Autumn offer",
        information_flow="outbound",
        correspondence_type="email",
        ignore_contact_corres_type=True,
        language=Language.objects.get(code="EN"),
    )
    services.save_template_language(
        actor=alice,
        template=template,
        language=Language.objects.get(code="EN"),
        upload=layout_upload(
            "Offer for {{ contact.company_name or contact.name }}",
            "<p>{{ contact.salutation }},</p><p>Our offer. {{ remarks }}</p>"
            "<p>{{ salesperson.name }}, {{ salesperson.job_title }}</p>",
        ),
    )
    services.save_template_language(
        actor=alice,
        template=template,
        language=Language.objects.get(code="FI"),
        upload=layout_upload("Tarjous: {{ contact.name }}", "<p>{{ contact.salutation }}</p>"),
    )
    template.refresh_from_db()
    return template


@pytest.fixture
def word_template(alice, group):
    template = services.create_interaction_template(
        actor=alice,
        code="LETTER",
        group=group,
        description="Letter",
        correspondence_type="hard_copy",
        ignore_contact_corres_type=True,
        language=Language.objects.get(code="EN"),
    )
    services.save_template_language(
        actor=alice,
        template=template,
        language=Language.objects.get(code="EN"),
        upload=letter_upload(
            "{{ contact.name }}",
            "{{ contact.address }}",
            "{{ contact.post_code }} {{ contact.city }}",
            "{{ contact.salutation }},",
            "{{ remarks }}",
            "{{ salesperson.name }}",
        ),
    )
    template.refresh_from_db()
    return template


def person_of(actor, company, name, **fields):
    """A person of `company` with `fields` of their own (a new person inherits the company's
    language and communication details first)."""
    contact = create_contact(actor=actor, name=name, type="person", company=company)
    return update_contact(actor=actor, contact=contact, **fields)


@pytest.fixture
def maija(alice, company, salesperson):
    return person_of(
        alice,
        company,
        "Maija Mehiläinen",
        first_name="Maija",
        surname="Mehiläinen",
        email="maija@kesko.example",
        address="Satamakatu 3",
        post_code="00160",
        city="Helsinki",
        language=Language.objects.get(code="EN"),
    )


def test_an_interaction_logged_with_deliver_is_sent_after_commit_and_marked_sent(
    alice, maija, mail_template, salesperson, smtp
):
    entry = log(alice, maija, mail_template, salesperson=salesperson, remarks="See you!")
    assert entry.delivery_status == DeliveryStatus.IN_PROGRESS
    assert smtp.received == []  # nothing is sent inside the logging transaction
    [job] = run_jobs()
    assert job.status == JobStatus.SUCCEEDED, job.error
    [message] = smtp.messages_to("maija@kesko.example")
    assert message["Subject"] == "Offer for Kesko Oyj"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Dear Maija Mehiläinen," in html and "See you!" in html
    assert "Aino Heikkinen" in text and "<p>" not in text
    entry.refresh_from_db()
    assert entry.delivery_status == DeliveryStatus.SENT
    assert entry.delivery.recipient == "maija@kesko.example"
    assert entry.delivery.message_id == message["Message-ID"]


def test_script_in_a_contact_name_arrives_escaped(alice, company, mail_template, smtp):
    evil = person_of(alice, company, "<script>alert(1)</script>", email="evil@kesko.example")
    log(alice, evil, mail_template)
    run_jobs()
    [message] = smtp.messages_to("evil@kesko.example")
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_contacts_language_picks_the_template_language_else_the_default(
    alice, company, mail_template, smtp
):
    fi, sv = Language.objects.get(code="FI"), Language.objects.get(code="SV")
    finn = person_of(alice, company, "Aino", email="a@x.fi", language=fi)
    swede = person_of(alice, company, "Sven", email="s@x.se", language=sv)
    assert log(alice, finn, mail_template).language == fi
    assert log(alice, swede, mail_template).language.code == "EN"  # no SV row: the default
    run_jobs()
    assert smtp.messages_to("a@x.fi")[0]["Subject"] == "Tarjous: Aino"
    assert smtp.messages_to("s@x.se")[0]["Subject"] == "Offer for Kesko Oyj"


def test_a_refused_recipient_gets_error_with_the_servers_text_and_a_resend_sends_once(
    alice, maija, person, mail_template, smtp
):
    update_contact(actor=alice, contact=person, email="gone@kesko.example")
    ok = log(alice, maija, mail_template)
    bad = log(alice, person, mail_template)
    smtp.refuse.add("gone@kesko.example")
    run_jobs()
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert ok.delivery_status == DeliveryStatus.SENT
    assert bad.delivery_status == DeliveryStatus.ERROR
    assert "550" in bad.delivery.error and "Mailbox unavailable" in bad.delivery.error
    entries_before = InteractionLogEntry.objects.count()

    smtp.refuse.clear()
    services.resend_entries(
        actor=alice, entries=InteractionLogEntry.objects.filter(pk=bad.pk), failed_only=True
    )
    run_jobs()
    bad.refresh_from_db()
    assert bad.delivery_status == DeliveryStatus.SENT
    assert bad.delivery.attempts == 2 and bad.delivery.error == ""
    assert InteractionLogEntry.objects.count() == entries_before  # not logged twice
    assert len(smtp.messages_to("maija@kesko.example")) == 1
    assert len(smtp.messages_to("gone@kesko.example")) == 1


def test_server_down_marks_every_entry_error(alice, maija, mail_template, smtp):
    entry = log(alice, maija, mail_template)
    smtp.stop()
    [job] = run_jobs()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["error"] == 1
    entry.refresh_from_db()
    assert entry.delivery_status == DeliveryStatus.ERROR
    assert "Connection" in entry.delivery.error or "refused" in entry.delivery.error.lower()


def test_a_job_that_dies_between_send_and_record_leaves_unknown_and_never_sends_twice(
    alice, company, mail_template, smtp, monkeypatch, settings
):
    settings.RAPPORT_DELIVERY_BATCH_SIZE = 2
    people = [person_of(alice, company, f"P{i}", email=f"p{i}@x.example") for i in range(5)]
    entries = [log(alice, p, mail_template, deliver=False) for p in people]
    InteractionLogEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        delivery_status=DeliveryStatus.IN_PROGRESS
    )
    job = delivery.start_delivery(actor=alice, entries=[e.pk for e in entries])

    real_record = delivery._record
    calls = {"n": 0}

    class Killed(BaseException):
        pass

    def dying_record(outcomes):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed  # the process dies after sending its second batch
        real_record(outcomes)

    monkeypatch.setattr(delivery, "_record", dying_record)
    with pytest.raises(Killed):
        execute_job(job.pk)
    # Batch 1 was recorded; batch 2 went out and batch 3 was in flight when it died.
    assert smtp.count == 5
    # The worker is gone: recovery fails the job and runs its cleanup.
    assert end_job(Job.objects.get(pk=job.pk), JobStatus.FAILED, "gone")
    statuses = dict(
        InteractionLogEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list(
            "pk", "delivery_status"
        )
    )
    ordered = [statuses[e.pk] for e in entries]
    assert ordered == ["sent", "sent", "unknown", "unknown", "unknown"]
    monkeypatch.setattr(delivery, "_record", real_record)

    # A new job never sends the unknown ones on its own.
    again = delivery.start_delivery(actor=alice, entries=[e.pk for e in entries])
    execute_job(again.pk)
    assert smtp.count == 5
    assert [len(smtp.messages_to(p.email)) for p in people] == [1, 1, 1, 1, 1]
    unknown = InteractionLogEntry.objects.filter(delivery_status=DeliveryStatus.UNKNOWN)
    assert unknown.count() == 3
    assert all(d.error for d in Delivery.objects.filter(entry__in=unknown))


def test_entries_a_dead_job_never_claimed_are_error_and_resend_failed_sends_them(
    alice, company, mail_template, smtp, monkeypatch, settings
):
    settings.RAPPORT_DELIVERY_BATCH_SIZE = 2
    people = [person_of(alice, company, f"Q{i}", email=f"q{i}@x.example") for i in range(5)]
    ids = [log(alice, p, mail_template, deliver=False).pk for p in people]
    entries = InteractionLogEntry.objects.filter(pk__in=ids)
    entries.update(delivery_status=DeliveryStatus.IN_PROGRESS)
    job = delivery.start_delivery(actor=alice, entries=ids)

    real_claim = delivery._claim

    class Killed(BaseException):
        pass

    def dying_claim(job, selector, size):
        if Delivery.objects.filter(job=job).exists():
            raise Killed  # dies before claiming its second batch
        return real_claim(job, selector, size)

    monkeypatch.setattr(delivery, "_claim", dying_claim)
    with pytest.raises(Killed):
        execute_job(job.pk)
    assert end_job(Job.objects.get(pk=job.pk), JobStatus.FAILED, "gone")
    statuses = dict(entries.values_list("pk", "delivery_status"))
    assert [statuses[pk] for pk in ids] == ["unknown", "unknown", "error", "error", "error"]
    assert "was not sent" in Delivery.objects.get(entry_id=ids[4]).error
    monkeypatch.setattr(delivery, "_claim", real_claim)

    # The first batch went out unrecorded (Unknown: the user decides); the rest surely did not.
    assert [len(smtp.messages_to(p.email)) for p in people] == [1, 1, 0, 0, 0]
    failed = entries.filter(delivery_status=DeliveryStatus.ERROR)
    resend = services.resend_entries(actor=alice, entries=failed, failed_only=True)
    assert resend is not None
    run_jobs()
    statuses = dict(entries.values_list("pk", "delivery_status"))
    assert [statuses[pk] for pk in ids] == ["unknown", "unknown", "sent", "sent", "sent"]
    assert [len(smtp.messages_to(p.email)) for p in people] == [1, 1, 1, 1, 1]


def test_privacy_blocked_contacts_are_never_sent_anything(alice, maija, mail_template, smtp):
    entry = log(alice, maija, mail_template)
    update_contact(actor=alice, contact=maija, privacy_blocked=True)
    run_jobs()
    entry.refresh_from_db()
    assert entry.delivery_status == DeliveryStatus.ERROR
    assert "Privacy Blocked" in entry.delivery.error
    assert smtp.received == []


def test_deliver_to_a_contact_without_email_logs_nothing(
    alice, company, mail_template, salesperson
):
    nomail = create_contact(actor=alice, name="No Mail", type="person", salesperson=salesperson)
    before = InteractionLogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        log(alice, nomail, mail_template)
    assert "Make sure that the Email field is specified" in str(error.value)
    assert InteractionLogEntry.objects.count() == before
    entry = log(alice, nomail, mail_template, deliver=False)
    assert entry.correspondence_type == "" and entry.delivery_status == ""


def test_the_logged_document_is_byte_identical_and_survives_template_edits(
    alice, maija, word_template, salesperson
):
    entry = log(alice, maija, word_template, salesperson=salesperson, remarks="Thanks!")
    first = services.render_entry_document(entry)
    assert first is not None
    assert "Dear Maija Mehiläinen," in docx_text(first.content)
    assert "Satamakatu 3" in docx_text(first.content) and "Thanks!" in docx_text(first.content)
    # The template changes and so does the contact: the logged document does not.
    services.save_template_language(
        actor=alice,
        template=word_template,
        language=Language.objects.get(code="EN"),
        upload=letter_upload("Completely new text for {{ contact.name }}"),
        replace=True,
    )
    update_contact(actor=alice, contact=maija, address="Uusi katu 1")
    entry.refresh_from_db()
    again = services.render_entry_document(entry)
    assert again is not None and again.content == first.content


def test_logging_shares_one_stored_file_per_template_content(alice, company, word_template):
    people = [
        create_contact(actor=alice, name=f"P{i}", type="person", company=company) for i in range(3)
    ]
    files_before = StoredFile.objects.count()
    for p in people:
        log(alice, p, word_template, deliver=False)
    assert StoredFile.objects.count() == files_before


def test_a_word_letter_by_email_goes_as_attachment_or_as_html_body(
    alice, maija, word_template, smtp
):
    as_body = log(alice, maija, word_template, correspondence_type="email")
    InteractionLogEntry.objects.filter(pk=as_body.pk).update(send_word_docs_as_attachment=False)
    attached = log(alice, maija, word_template, correspondence_type="email")
    InteractionLogEntry.objects.filter(pk=attached.pk).update(send_word_docs_as_attachment=True)
    run_jobs()
    by_entry = {int(m["X-Rapport-Entry"]): m for m in smtp.messages_to("maija@kesko.example")}
    body = by_entry[as_body.pk].get_body(("html",)).get_content()
    assert "Maija Mehiläinen" in body and not list(by_entry[as_body.pk].iter_attachments())
    [part] = list(by_entry[attached.pk].iter_attachments())
    attached.refresh_from_db()
    expected = services.render_entry_document(attached)
    assert part.get_filename() == "Letter.docx"
    assert part.get_content() == expected.content


def test_hard_copy_makes_a_print_bundle_with_one_docx_per_contact_and_a_combined_one(
    alice, maija, person, word_template, smtp
):
    from rapport.interactions.models import DeliveryBundle
    from rapport.interactions.tests.documents import zip_names

    entries = [log(alice, c, word_template) for c in (maija, person)]
    assert {e.correspondence_type for e in entries} == {"hard_copy"}
    job = delivery.start_delivery(actor=alice, entries=[e.pk for e in entries])
    # (logging queued one job per entry too; this one takes them all)
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    bundle = DeliveryBundle.objects.get(job=job)
    names = zip_names(delivery.bundle_bytes(bundle))
    assert "Kesko Oyj - Maija Mehiläinen.docx" in names
    assert "Kesko Oyj - Matti Virtanen.docx" in names
    assert "All documents.docx" in names
    assert set(
        InteractionLogEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list(
            "delivery_status", flat=True
        )
    ) == {DeliveryStatus.SENT}
    assert smtp.received == []


def test_the_rate_limit_spreads_sends_over_the_minute():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limit = delivery.RateLimit(120, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limit.wait()
    assert slept == [0.5, 0.5, 0.5]
    assert delivery.RateLimit(0, clock=lambda: 0.0, sleep=sleep).interval == 0


def test_a_print_bundle_gets_a_pdf_when_libreoffice_is_installed(alice, maija, word_template):
    import shutil

    from rapport.interactions.models import DeliveryBundle
    from rapport.interactions.tests.documents import zip_names

    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice is optional and not installed here")
    entry = log(alice, maija, word_template)
    job = execute_job(delivery.start_delivery(actor=alice, entries=[entry.pk]).pk)
    names = zip_names(delivery.bundle_bytes(DeliveryBundle.objects.get(job=job)))
    assert "All documents.pdf" in names


def test_a_large_print_bundle_combines_its_letters_in_parts(
    alice, maija, person, word_template, monkeypatch
):
    from rapport.interactions.models import DeliveryBundle
    from rapport.interactions.tests.documents import zip_names

    monkeypatch.setattr(delivery.PrintBundle, "PART_SIZE", 2)
    third = person_of(alice, maija.company, "Third Person", email="t@kesko.example")
    entries = [log(alice, c, word_template) for c in (maija, person, third)]
    job = execute_job(delivery.start_delivery(actor=alice, entries=[e.pk for e in entries]).pk)
    names = zip_names(delivery.bundle_bytes(DeliveryBundle.objects.get(job=job)))
    assert "All documents 1.docx" in names and "All documents 2.docx" in names
    assert "All documents.docx" not in names


@pytest.mark.parametrize(
    "subject",
    ["Short subject", "Tarjous: Äänekosken Öljy Oy", "A long subject " * 12],
)
def test_the_faster_messages_read_the_same_as_djangos(subject):
    import email
    import email.policy

    from django.core.mail import EmailMultiAlternatives

    def parsed(cls):
        message = cls(subject, "Hei", to=["Åsa <asa@x.example>"], reply_to=["s@x.example"])
        message.attach_alternative("<p>Hei</p>", "text/html")
        data = message.message().as_bytes(linesep="\r\n")
        assert all(len(line) <= 998 for line in data.split(b"\r\n"))
        return email.message_from_bytes(data, policy=email.policy.default)

    ours, django = parsed(delivery.RapportAlternatives), parsed(EmailMultiAlternatives)
    for header in ("Subject", "To", "Reply-To", "Content-Type"):
        assert str(ours[header]).split(";")[0] == str(django[header]).split(";")[0]
    assert ours["Subject"] == subject.strip() or ours["Subject"] == subject
    assert ours.get_body(("html",)).get_content() == django.get_body(("html",)).get_content()
