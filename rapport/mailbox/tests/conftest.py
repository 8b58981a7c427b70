"""A real IMAP server for the mailbox tests: Debian's dovecot on loopback, with a private
configuration in a temporary directory, started once per test session and stopped after.

bin/test installs dovecot-imapd with the other system packages. Without it the tests are
skipped, except under CI=true, where a missing dovecot is a failure.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DOVECOT = os.environ.get("RAPPORT_DOVECOT", "/usr/sbin/dovecot")
USER, PASSWORD = "rapport", "imap-test-secret"


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        conn.login(self.user, self.password)
        return conn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:
        # Dovecot never gives mail access to root: the mail belongs to nobody.
        mail_user, mail_group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
        own = ""
    else:
        mail_user = pwd.getpwuid(os.getuid()).pw_name
        mail_group = grp.getgrgid(os.getgid()).gr_name
        own = (
            f"default_login_user = {mail_user}\n"
            f"default_internal_user = {mail_user}\n"
            f"default_internal_group = {mail_group}\n"
        )
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
{own}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    if not os.access(DOVECOT, os.X_OK):
        message = f"{DOVECOT} is missing: install dovecot-imapd (bin/test does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="rapport-dovecot-"))
    os.chmod(root, 0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", user="nobody", group=pwd.getpwnam("nobody").pw_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    (root / "dovecot.conf").write_text(_config(root, port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Dovecot("127.0.0.1", port, USER, PASSWORD)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.connect().logout()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    log = (
                        (root / "dovecot.log").read_text()
                        if (root / "dovecot.log").exists()
                        else ""
                    )
                    pytest.fail(f"dovecot did not start: {err} {log}")
                time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot_server: Dovecot) -> Iterator[Dovecot]:
    """The server with an empty INBOX and an empty storage folder "Logged"."""
    conn = dovecot_server.connect()
    try:
        conn.create("Logged")
        for folder in ("INBOX", "Logged"):
            conn.select(folder)
            _typ, data = conn.search(None, "ALL")
            if data and data[0]:
                conn.store(b",".join(data[0].split()).decode(), "+FLAGS.SILENT", r"(\Deleted)")
                conn.expunge()
            conn.close()
    finally:
        conn.logout()
    yield dovecot_server


def folder_messages(server: Dovecot, folder: str) -> list[bytes]:
    conn = server.connect()
    try:
        conn.select(folder, readonly=True)
        _typ, data = conn.uid("SEARCH", "ALL")
        out: list[bytes] = []
        for uid in (data[0] or b"").split():
            _typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            out.extend(bytes(p[1]) for p in parts if isinstance(p, tuple))
        return out
    finally:
        conn.logout()


def append(server: Dovecot, raw: bytes, folder: str = "INBOX") -> None:
    conn = server.connect()
    try:
        answer: Any = conn.append(folder, "", None, raw)  # type: ignore[arg-type]
        assert answer[0] == "OK", answer
    finally:
        conn.logout()


def message(
    *,
    sender: str,
    to: str,
    subject: str = "Offer for spring",
    message_id: str | None = "<offer-1@kesko.fi>",
    cc: str = "",
    body: str = "Hello,\r\nhere is the offer.\r\n",
    extra: dict[str, Any] | None = None,
) -> bytes:
    lines = [f"From: {sender}", f"To: {to}"]
    if cc:
        lines.append(f"Cc: {cc}")
    lines += [f"Subject: {subject}", "Date: Tue, 01 Dec 2026 09:30:00 +0000"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    for key, value in (extra or {}).items():
        lines.append(f"{key}: {value}")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body]
    return "\r\n".join(lines).encode()
