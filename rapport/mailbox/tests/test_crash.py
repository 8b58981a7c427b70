"""Issue 14 point 4: a worker killed (SIGKILL) in the middle of a mailbox run keeps what it
finished (each message is logged and moved on its own), the job shows failed and says so, and
the next run logs the rest: every message once, as one uninterrupted run would. Runs the real
task worker in a subprocess on this test's database against dovecot on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.core.jobs import WORKER_GONE_RESUMABLE, execute_job
from rapport.core.models import Job, JobStatus
from rapport.core.tests.kill_harness import (  # noqa: F401  (fixtures)
    fail_dead_jobs,
    kill_mid_job,
    shared,
    start_worker,
)
from rapport.interactions.models import InteractionLogEntry
from rapport.mailbox import services
from rapport.mailbox.models import LoggedMessage
from rapport.mailbox.tests.conftest import Dovecot, append, folder_messages, message
from rapport.mailbox.tests.test_mailbox import setup, world  # noqa: F401  (fixtures)

MESSAGES = 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_mailbox_run_keeps_what_it_logged_and_a_rerun_logs_the_rest(
    alice: Any,
    setup: Any,  # noqa: F811
    imap: Dovecot,
    shared: dict[str, str],  # noqa: F811
    start_worker: Any,  # noqa: F811
) -> None:
    for n in range(MESSAGES):
        raw = message(sender="info@kesko.fi", to="aino@rapport.test", message_id=f"<m{n}@kesko.fi>")
        append(imap, raw)
    job = services.schedule_mailbox_run()  # as the scheduler does: no other run starts now
    assert job is not None
    kill_mid_job(start_worker, "the run logged its first message")
    fail_dead_jobs(start_worker, job.pk)

    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.FAILED and job.error == WORKER_GONE_RESUMABLE
    assert LoggedMessage.objects.count() == 1, "the first message is logged, once"
    assert InteractionLogEntry.objects.count() == 1
    assert len(folder_messages(imap, "INBOX")) == MESSAGES - 1
    assert len(folder_messages(imap, "Logged")) == 1

    rerun = execute_job(services.start_mailbox_run(actor=alice).pk)
    assert rerun.status == JobStatus.SUCCEEDED and rerun.result["logged"] == MESSAGES - 1
    ids = sorted(LoggedMessage.objects.values_list("message_id", flat=True))
    assert ids == [f"m{n}@kesko.fi" for n in range(MESSAGES)], "every message once"
    assert InteractionLogEntry.objects.count() == MESSAGES
    assert folder_messages(imap, "INBOX") == []
    assert len(folder_messages(imap, "Logged")) == MESSAGES
