"""The IMAP side of e-mail logging (stdlib imaplib): connect, list the queue, fetch sizes
and messages, move a message to the storage folder."""

from __future__ import annotations

import datetime
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings

from rapport.mailbox.models import ImapSecurity, MailboxSetup

logger = logging.getLogger(__name__)

_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class MailboxError(Exception):
    """An IMAP step that failed; the message says which."""


def quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: Any) -> str:
    parts = data if isinstance(data, list) else [data]
    out = []
    for part in parts:
        if isinstance(part, bytes):
            out.append(part.decode("utf-8", "replace"))
        elif part is not None:
            out.append(str(part))
    return " ".join(out).strip()


@dataclass
class MessageInfo:
    uid: str
    size: int
    received_at: datetime.datetime | None


class Mailbox:
    """An open connection with the queue folder selected."""

    def __init__(self, setup: MailboxSetup) -> None:
        self.setup = setup
        timeout = settings.RAPPORT_IMAP_TIMEOUT_SECONDS
        self.conn: imaplib.IMAP4
        try:
            if setup.security == ImapSecurity.TLS:
                self.conn = imaplib.IMAP4_SSL(
                    setup.host,
                    setup.port,
                    ssl_context=ssl.create_default_context(),
                    timeout=timeout,
                )
            else:
                self.conn = imaplib.IMAP4(setup.host, setup.port, timeout=timeout)
                if setup.security == ImapSecurity.STARTTLS:
                    self.conn.starttls(ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"{type(exc).__name__}: {exc}") from exc
        try:
            self.conn.login(setup.username, setup.password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise MailboxError(_text(exc.args[0] if exc.args else exc)) from exc
        except OSError as exc:
            self.close()
            raise MailboxError(f"{type(exc).__name__}: {exc}") from exc
        # The greeting's capabilities may be fewer than those after login: ask again.
        typ, data = self.conn.capability()
        words = _text(data).upper().split() if typ == "OK" else []
        self.capabilities = set(words) | {c.upper() for c in self.conn.capabilities}

    def close(self) -> None:
        try:
            if self.conn.state == "SELECTED":
                self.conn.close()
            self.conn.logout()
        except Exception:  # closing is best effort
            logger.debug("Closing the IMAP connection failed", exc_info=True)

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def folder_exists(self, name: str) -> bool:
        typ, _data = self.conn.status(quote(name), "(MESSAGES)")
        return typ == "OK"

    def select(self, name: str) -> None:
        typ, data = self.conn.select(quote(name))
        if typ != "OK":
            raise MailboxError(_text(data))

    def uids(self) -> list[str]:
        typ, data = self.conn.uid("SEARCH", "ALL")
        if typ != "OK":
            raise MailboxError(_text(data))
        return [uid.decode() for uid in (data[0] or b"").split()]

    def info(self, uid: str) -> MessageInfo | None:
        """Size and arrival time, read before the message itself (a huge one is never
        fetched). None when the message is gone."""
        typ, data = self.conn.uid("FETCH", uid, "(RFC822.SIZE INTERNALDATE)")
        line = b" ".join(d for d in data if isinstance(d, bytes)) if typ == "OK" else b""
        size = _SIZE.search(line)
        if size is None:
            return None
        received = None
        stamp = _INTERNALDATE.search(line)
        if stamp:
            try:
                received = datetime.datetime.strptime(
                    stamp.group(1).decode(), "%d-%b-%Y %H:%M:%S %z"
                )
            except ValueError:
                try:
                    received = parsedate_to_datetime(stamp.group(1).decode())
                except (TypeError, ValueError):
                    received = None
        return MessageInfo(uid, int(size.group(1)), received)

    def _literal(self, uid: str, item: str) -> bytes:
        typ, data = self.conn.uid("FETCH", uid, f"({item})")
        if typ != "OK":
            raise MailboxError(_text(data))
        for part in data:
            if isinstance(part, tuple) and len(part) == 2:
                return bytes(part[1])
        raise MailboxError("The message could not be read.")

    def fetch(self, uid: str) -> bytes:
        """The whole message, exactly as stored (without setting \\Seen)."""
        return self._literal(uid, "BODY.PEEK[]")

    def fetch_header(self, uid: str, limit: int = 65536) -> bytes:
        return self._literal(uid, f"BODY.PEEK[HEADER]<0.{limit}>")

    def move(self, uid: str, folder: str) -> None:
        """MOVE when the server has it, else COPY + \\Deleted + EXPUNGE."""
        capabilities = self.capabilities
        if "MOVE" in capabilities:
            typ, data = self.conn.uid("MOVE", uid, quote(folder))
            if typ != "OK":
                raise MailboxError(_text(data))
            return
        typ, data = self.conn.uid("COPY", uid, quote(folder))
        if typ != "OK":
            raise MailboxError(_text(data))
        typ, data = self.conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        if typ != "OK":
            raise MailboxError(_text(data))
        if "UIDPLUS" in capabilities:
            self.conn.uid("EXPUNGE", uid)
        else:
            self.conn.expunge()
