"""django-tasks' `db_worker`, which first fails the jobs of workers that died and then keeps
checking for them (every RAPPORT_JOB_RECOVERY_SECONDS) while it runs tasks; a scheduler thread
starts periodic work (mailbox logging, webhook retries) every RAPPORT_SCHEDULER_SECONDS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from rapport.core.jobs import recover_stale_jobs, start_recovery_thread, start_scheduler_thread


class Command(DbWorkerCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        recover_stale_jobs()
        start_recovery_thread(float(settings.RAPPORT_JOB_RECOVERY_SECONDS))
        start_scheduler_thread(float(settings.RAPPORT_SCHEDULER_SECONDS))
        super().handle(*args, **options)
