"""Issue 12 point 5: a worker killed (SIGKILL) while it sends never sends a message twice on its
own; the entries it had claimed are shown as Unknown, and a Resend of the ones not sent (the
rerun, issue 14 point 4) sends exactly those. Runs the real task worker in a subprocess on this
test's database against a real SMTP server that stops answering mid-send."""

from __future__ import annotations

import pytest

from rapport.contacts.services import create_contact
from rapport.core.jobs import WORKER_GONE_RESUMABLE, execute_job, recover_stale_jobs
from rapport.core.models import Job, JobStatus
from rapport.core.smtp_sink import SmtpSink
from rapport.core.tests.kill_harness import (  # noqa: F401  (fixtures)
    kill,
    poll,
    shared,
    start_worker,
)
from rapport.interactions import services
from rapport.interactions.models import DeliveryStatus, InteractionLogEntry
from rapport.interactions.services import delivery


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_send_sends_nothing_twice_and_leaves_its_claims_unknown(
    alice,
    call_template,
    salesperson,
    settings,
    shared,  # noqa: F811
    start_worker,  # noqa: F811
) -> None:
    sink = SmtpSink(hang_after=3).start()
    try:
        shared.update(
            RAPPORT_EMAIL_HOST=sink.host,
            RAPPORT_EMAIL_PORT=str(sink.port),
            RAPPORT_EMAIL_TIMEOUT="3600",
            RAPPORT_DELIVERY_BATCH_SIZE="2",
            RAPPORT_DELIVERY_CONNECTIONS="1",
        )
        people = [
            create_contact(actor=alice, name=f"P{i}", type="person", email=f"p{i}@x.example")
            for i in range(5)
        ]
        entry_ids = _logged_email_entries(alice, call_template, salesperson, people)
        job = delivery.start_delivery(actor=alice, entries=entry_ids)
        worker, _marker = start_worker(pausing=False)
        poll(lambda: sink.hanging >= 1, worker, "the fourth message hangs mid-send")
        kill(worker)
        assert recover_stale_jobs(sweep=False) == 1
        failed = Job.objects.get(pk=job.pk)
        assert failed.status == JobStatus.FAILED
        assert failed.error == WORKER_GONE_RESUMABLE, "what was sent is kept, and it says so"

        statuses = [InteractionLogEntry.objects.get(pk=pk).delivery_status for pk in entry_ids]
        # Batch 1 was recorded; batch 2 was claimed (one message accepted, one hanging) and
        # never recorded; batch 3 is Unknown when it was claimed while batch 2 was in flight,
        # else Error (never claimed, so surely not sent): nothing stays In Progress.
        assert statuses[:4] == [
            DeliveryStatus.SENT,
            DeliveryStatus.SENT,
            DeliveryStatus.UNKNOWN,
            DeliveryStatus.UNKNOWN,
        ]
        assert statuses[4] in {DeliveryStatus.UNKNOWN, DeliveryStatus.ERROR}
        assert sink.count == 3
        recipients = [r for message in sink.received for r in message.recipients]
        assert len(recipients) == len(set(recipients)), "no message went out twice"
    finally:
        sink.stop()

    # The rerun: Resend failed (Error and Unknown), now to a server that answers.
    working = SmtpSink().start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = working.host, working.port
        settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 10
        resend = services.resend_entries(
            actor=alice,
            entries=InteractionLogEntry.objects.filter(pk__in=entry_ids),
            failed_only=True,
        )
        assert resend is not None and execute_job(resend.pk).status == JobStatus.SUCCEEDED
        statuses = [InteractionLogEntry.objects.get(pk=pk).delivery_status for pk in entry_ids]
        assert statuses == [DeliveryStatus.SENT] * 5, "every entry sent, as one run would"
        resent = sorted(r for message in working.received for r in message.recipients)
        assert resent == ["p2@x.example", "p3@x.example", "p4@x.example"], "only those not sent"
    finally:
        working.stop()


def _logged_email_entries(alice, template, salesperson, people) -> list[int]:
    """E-mail entries with a plain attachment, In Progress (as logging with deliver leaves
    them), without starting a job of their own."""
    from rapport.interactions.attachments import Upload

    services.save_template_language(
        actor=alice,
        template=template,
        language=None,
        upload=Upload(b"Dear customer", "letter.txt", "text/plain"),
    )
    ids = []
    for person in people:
        entry = services.create_interaction(
            actor=alice,
            data=services.InteractionInput(
                contact=person,
                template=template,
                salesperson=salesperson,
                correspondence_type="email",
            ),
        )
        ids.append(entry.pk)
    InteractionLogEntry.objects.filter(pk__in=ids).update(
        delivery_status=DeliveryStatus.IN_PROGRESS
    )
    return ids
