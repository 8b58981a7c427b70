"""Benchmark merge and delivery: log a segment with "deliver" and send every document.

Generates N persons with e-mail addresses, starts a local SMTP sink (aiosmtpd on loopback in its
own process, like a real mail server, discarding what it receives) and times, in this process:

- "e-mail merge": `log_segment(deliver=True)` on an N-line segment whose template is an HTML
  e-mail layout with merge fields, then the delivery job (claim, render, send over SMTP, record
  each status) until every entry is Sent: messages per second end to end;
- "word merge": the same with a .docx letter sent as hard copy: every letter rendered into
  the print bundle (a zip with one .docx per contact plus the combined .docx);
- baseline: a bare loop of `smtplib` sends of N pre-rendered messages to the same sink over one
  connection (what sending alone costs).

Memory: the delivery job's peak Python allocations (tracemalloc) for N/4 and N lines, to show
it stays flat as N grows; and the process's peak RSS.

    .venv/bin/python bench/deliver_segment.py --contacts 10000
    bin/pg-test-cluster run -- .venv/bin/python bench/deliver_segment.py --contacts 10000
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import smtplib
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_path: str) -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    os.environ.setdefault("RAPPORT_VAR_DIR", str(Path(db_path).parent / "var"))
    # Jobs are run here, in this process; nothing is handed to a worker.
    os.environ["RAPPORT_TASK_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


LAYOUT_SUBJECT = "News for {{ contact.name }}"
LAYOUT_BODY = (
    "<p>{{ contact.salutation }},</p>"
    "<p>Our winter offer is ready for {{ contact.company_name or contact.name }}.</p>"
    "<p>{{ remarks }}</p><p>Best regards,<br>{{ salesperson.name }}<br>"
    "{{ salesperson.job_title }}</p>"
)


def docx_letter() -> bytes:
    import docx

    document = docx.Document()
    for text in (
        "{{ contact.name }}",
        "{{ contact.address }}",
        "{{ contact.post_code }} {{ contact.city }}",
        "",
        "{{ contact.salutation }},",
        "Our winter offer is ready. {{ remarks }}",
        "{{ salesperson.name }}, {{ salesperson.job_title }}",
    ):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def generate(n: int) -> dict[str, Any]:
    from django.db import transaction
    from django.db.models import F

    from rapport.accounts.services import create_salesperson, system_actor
    from rapport.contacts.models import Contact
    from rapport.core.models import Language
    from rapport.interactions import merge
    from rapport.interactions import services as interactions
    from rapport.interactions.attachments import Upload

    actor = system_actor()
    en = Language.objects.get(code="EN")
    with transaction.atomic():
        salesperson = create_salesperson(
            actor=actor, code="BENCH", name="Bench Seller", job_title="Sales"
        )
        group = interactions.create_interaction_group(actor=actor, code="BG")
        mail = interactions.create_interaction_template(
            actor=actor,
            code="MAIL",
            group=group,
            description="Winter offer",
            correspondence_type="email",
            ignore_contact_corres_type=True,
            information_flow="outbound",
            language=en,
        )
        interactions.save_template_language(
            actor=actor,
            template=mail,
            language=en,
            upload=Upload(
                merge.make_email_layout(LAYOUT_SUBJECT, LAYOUT_BODY), "mail.html", "text/html"
            ),
        )
        letter = interactions.create_interaction_template(
            actor=actor,
            code="LETTER",
            group=group,
            description="Winter letter",
            correspondence_type="hard_copy",
            ignore_contact_corres_type=True,
            information_flow="outbound",
            language=en,
        )
        interactions.save_template_language(
            actor=actor,
            template=letter,
            language=en,
            upload=Upload(docx_letter(), "letter.docx", "application/octet-stream"),
        )
        company = Contact.objects.create(no="BCO", name="Bench Oy", search_name="BENCH OY")
        Contact.objects.filter(pk=company.pk).update(company_id=F("pk"))
    batch = 5_000
    for start in range(0, n, batch):
        with transaction.atomic():
            Contact.objects.bulk_create(
                Contact(
                    no=f"P{i:08d}",
                    type="person",
                    name=f"Person {i}",
                    first_name="Person",
                    surname=str(i),
                    search_name=f"PERSON {i}",
                    company_id=company.pk,
                    company_no=company.no,
                    company_name=company.name,
                    address=f"Street {i}",
                    post_code="00100",
                    city="Helsinki",
                    email=f"p{i}@bench.example",
                    salesperson_id=salesperson.pk,
                )
                for i in range(start, min(start + batch, n))
            )
    return {"actor": actor, "mail": mail, "letter": letter, "salesperson": salesperson}


def log_and_deliver(world: dict[str, Any], template: Any, limit: int | None) -> tuple[float, int]:
    """Make a segment of the first `limit` persons (all when None), log it with deliver and run
    the delivery job. Returns (seconds, entries sent)."""
    from rapport.core.jobs import execute_job
    from rapport.interactions.models import DeliveryStatus, InteractionLogEntry
    from rapport.segments import services

    actor = world["actor"]
    segment = services.create_segment(
        actor=actor, description="Bench", template=template, salesperson=world["salesperson"]
    )
    services.add_contacts(actor=actor, segment=segment, filters={"contact": {"type": "person"}})
    if limit is not None:
        from rapport.segments.models import SegmentLine

        keep = SegmentLine.objects.filter(segment=segment).order_by("line_no")[limit : limit + 1]
        cut = keep[0].line_no if keep else None
        if cut is not None:
            SegmentLine.objects.filter(segment=segment, line_no__gte=cut).delete()
    start = time.perf_counter()
    result = services.log_segment(actor=actor, segment=segment, deliver=True)
    job = execute_job(result.delivery_job.pk)
    elapsed = time.perf_counter() - start
    assert job.status == "succeeded", job.error
    sent = InteractionLogEntry.objects.filter(
        logged_segment_entry_no=result.logged_segment.pk, delivery_status=DeliveryStatus.SENT
    ).count()
    assert sent == result.interactions, (sent, result.interactions)
    return elapsed, sent


def baseline_sends(n: int, host: str, port: int) -> float:
    """A bare loop of smtplib sends of pre-rendered messages over one connection."""
    from email.message import EmailMessage

    messages = []
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = "bench@localhost"
        msg["To"] = f"p{i}@bench.example"
        msg["Subject"] = f"News for Person {i}"
        msg.set_content(f"Dear Person {i},\n\nOur winter offer is ready.\n")
        msg.add_alternative(f"<p>Dear Person {i},</p><p>Our winter offer is ready.</p>", "html")
        messages.append((msg["To"], msg.as_bytes()))
    start = time.perf_counter()
    with smtplib.SMTP(host, port) as smtp:
        for to, data in messages:
            smtp.sendmail("bench@localhost", [to], data)
    return time.perf_counter() - start


def start_sink() -> tuple[str, int]:
    """aiosmtpd's Sink handler in a child process on a free loopback port; stopped at exit."""
    import atexit
    import socket
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    atexit.register(process.terminate)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return "127.0.0.1", port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    args = parser.parse_args()
    n = args.contacts
    tmp = tempfile.TemporaryDirectory()
    setup_django(str(Path(tmp.name) / "bench.sqlite3"))

    from django.conf import settings
    from django.db import connection

    host, port = start_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = host, port

    started = time.perf_counter()
    world = generate(n)
    print(f"{connection.vendor}: {n:,} contacts generated in {time.perf_counter() - started:.1f} s")

    base = baseline_sends(n, host, port)
    print(f"baseline  bare smtplib loop      {n / base:8.0f} messages/s   ({base:6.2f} s)")

    email_s, sent = log_and_deliver(world, world["mail"], None)
    print(
        f"e-mail    log + merge + send     {sent / email_s:8.0f} messages/s   ({email_s:6.2f} s)"
        f"   ratio to baseline {(sent / email_s) / (n / base):5.2f}"
    )
    word_s, printed = log_and_deliver(world, world["letter"], None)
    print(
        f"word      log + merge + bundle   {printed / word_s:8.0f} documents/s  ({word_s:6.2f} s)"
    )

    peaks = []
    for size in (max(1, n // 4), n):
        tracemalloc.start()
        log_and_deliver(world, world["mail"], size)
        peaks.append((size, tracemalloc.get_traced_memory()[1] / 1e6))
        tracemalloc.stop()
    print(
        "memory    peak Python allocations while logging and sending: "
        + ", ".join(f"{size:,} lines {peak:.1f} MB" for size, peak in peaks)
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    tmp.cleanup()


if __name__ == "__main__":
    main()
