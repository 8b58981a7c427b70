"""Project-wide test fixtures: named actors created through the real services.

alice is an admin, bob works in sales, dave in marketing, carol may only read.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rapport.accounts.models import User
from rapport.accounts.services import create_user

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str, **extra: Any) -> User:
    return create_user(actor=None, username=username, password=PASSWORD, roles=[role], **extra)


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice", "admin", first_name="Alice", last_name="Admin")


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob", "sales", first_name="Bob", last_name="Sales")


@pytest.fixture
def carol(db: None) -> User:
    return make_user("carol", "viewer", first_name="Carol", last_name="Viewer")


@pytest.fixture
def dave(db: None) -> User:
    return make_user("dave", "marketing", first_name="Dave", last_name="Marketing")


@pytest.fixture
def client_for(db: None) -> Any:
    """client_for(user) -> a test client signed in as that user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def smtp(settings: Any) -> Any:
    """A real SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to."""
    from rapport.core.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()


DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """After every test that used the database, while its data is still there: the statistics
    totals the triggers keep (EntryTotal) must equal a recount of the entries. So every path
    that writes entries in any test (services, bulk SQL, jobs) also proves the totals."""
    result = yield
    fixtures = set(getattr(item, "fixturenames", ()))
    if item.get_closest_marker("django_db") is None and not fixtures & DB_FIXTURES:
        return result
    from django.db import DatabaseError

    from rapport.interactions.services import entry_total_drift

    try:
        drift = entry_total_drift()
    except DatabaseError:  # the test left its transaction broken on purpose; nothing to read
        return result
    assert not drift, f"interaction log totals differ from a recount: {drift[:5]}"
    return result
