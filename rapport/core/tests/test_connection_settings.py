"""Database connections: web processes keep their PostgreSQL connection between requests."""

from __future__ import annotations

from rapport.settings import database_from_url


def test_postgresql_connections_persist_between_requests_with_a_health_check() -> None:
    db = database_from_url("postgres://rapport:pw@db.example.com:5432/rapport")
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True


def test_conn_max_age_in_the_url_overrides_the_default() -> None:
    assert database_from_url("postgres://u:p@h/rapport?conn_max_age=0")["CONN_MAX_AGE"] == 0
    assert database_from_url("postgres://u:p@h/rapport?conn_max_age=300")["CONN_MAX_AGE"] == 300
