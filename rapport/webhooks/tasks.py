"""The delivery job (run by the task worker) and the periodic check for due retries."""

from __future__ import annotations

from django_tasks import task

from rapport.core.jobs import periodic


@task()
def deliver_webhooks() -> int:
    from rapport.webhooks.services import deliver_due

    return deliver_due()


@periodic
def queue_due_webhooks() -> None:
    """Retries wait for their time: the scheduler queues the delivery job when one is due."""
    from rapport.webhooks.services import has_due_deliveries

    if has_due_deliveries():
        deliver_webhooks.enqueue()
