"""Reading a raw message safely: headers decoded, control characters removed (no header
injection into descriptions or pages), addresses normalised, never an exception."""

from __future__ import annotations

import datetime
import email
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

ADDRESS_MAX = 80  # Contact.email / Salesperson.email: a longer address never matches
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass
class ParsedMessage:
    message_id: str
    subject: str
    sender: str
    recipients: list[str] = field(default_factory=list)
    sent_at: datetime.datetime | None = None


def clean_text(value: str, limit: int = 250) -> str:
    """One line of printable text: control characters (CR, LF, NUL...) become spaces."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value or "")
    return " ".join(text.split())[:limit]


def _header(message: Message, name: str) -> str:
    raw = message.get(name)
    if raw is None:
        return ""
    try:
        return str(make_header(decode_header(str(raw))))
    except Exception:  # a broken encoded word or an unknown charset: keep the raw text
        return str(raw)


def normalise_address(value: str) -> str:
    address = clean_text(value, 1000).strip().strip("<>").upper()
    if len(address) > ADDRESS_MAX or not _ADDRESS.match(address):
        return ""
    return address


def normalise_message_id(value: str, raw: bytes) -> str:
    """The Message-ID without brackets and spaces, lower case; without one (or a huge one), a
    hash of the whole message, so that the same message is still recognised."""
    text = clean_text(value, 1000).strip().strip("<>").strip().lower()
    if text and len(text) <= 200 and " " not in text:
        return text
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def parse_message(raw: bytes) -> ParsedMessage:
    """Headers of `raw` (or of a header block alone)."""
    message = email.message_from_bytes(raw)
    sender = ""
    try:
        sender = normalise_address(parseaddr(_header(message, "From"))[1])
    except Exception:
        sender = ""
    recipients: list[str] = []
    try:
        pairs = getaddresses([_header(message, "To"), _header(message, "Cc")])
    except Exception:
        pairs = []
    for _name, address in pairs:
        normal = normalise_address(address)
        if normal and normal not in recipients:
            recipients.append(normal)
    sent_at = None
    try:
        date_text = _header(message, "Date")
        sent_at = parsedate_to_datetime(date_text) if date_text else None
        if sent_at is not None and sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=datetime.UTC)
    except Exception:
        sent_at = None
    return ParsedMessage(
        message_id=normalise_message_id(_header(message, "Message-ID"), raw),
        subject=clean_text(_header(message, "Subject")),
        sender=sender,
        recipients=recipients,
        sent_at=sent_at,
    )
