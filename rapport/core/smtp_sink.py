"""A real SMTP server on loopback that keeps what it receives (aiosmtpd): the tests', the
delivery benchmark's and `bin/run`'s mail server (`manage.py mail_sink`, which writes each
message to a .eml file). Recipients in `refuse` are refused with 550; `keep=False` only counts
messages (the benchmark's sink, so memory stays flat)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    keep: bool = True
    refuse: set[str] = field(default_factory=set)
    directory: Path | None = None
    # Accept this many messages, then hold every later one forever (a server that stops
    # answering mid-send: the crash tests kill the sending worker while it waits).
    hang_after: int | None = None
    hanging: int = 0
    received: list[Received] = field(default_factory=list)
    count: int = 0
    _controller: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hang_after is not None and self.count >= self.hang_after:
            with self._lock:
                self.hanging += 1
            await asyncio.sleep(3600)
        with self._lock:
            self.count += 1
            if self.keep:
                self.received.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
                )
            if self.directory is not None:
                name = f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:06d}.eml"
                (self.directory / name).write_bytes(bytes(envelope.content))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        if not self.port:
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                self.port = probe.getsockname()[1]
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]
