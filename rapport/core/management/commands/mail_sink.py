"""A local SMTP server for trying Rapport out: every message sent to it is written to a .eml
file (default: <var dir>/mail). `bin/run` starts it on EMAIL_HOST:EMAIL_PORT when those are
loopback, so delivering interactions works on a fresh machine without a real mail server."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from rapport.core.smtp_sink import SmtpSink


class Command(BaseCommand):
    help = "Run a local SMTP server that writes each received message to a .eml file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--directory", default=str(Path(settings.VAR_DIR) / "mail"))

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"])
        directory.mkdir(parents=True, exist_ok=True)
        sink = SmtpSink(
            host=settings.EMAIL_HOST, port=int(settings.EMAIL_PORT), keep=False, directory=directory
        ).start()
        self.stdout.write(f"mail sink on {sink.host}:{sink.port}, messages in {directory}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            sink.stop()
