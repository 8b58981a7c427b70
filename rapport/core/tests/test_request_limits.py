"""A body over the limit is refused from its Content-Length, before anything reads it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

GIB = 1024 * 1024 * 1024


class ExplodingInput:
    """A request body that fails the test if anyone reads it."""

    def read(self, *args: object) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def _huge(**extra: str) -> dict[str, object]:
    return {"CONTENT_LENGTH": str(GIB), "wsgi.input": ExplodingInput(), **extra}


def test_a_huge_anonymous_login_post_is_refused_unread_with_a_page(client) -> None:
    response = client.post(
        "/accounts/login/",
        content_type="multipart/form-data; boundary=x",
        data=b"",
        **_huge(),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "<html" in page and "The request is too large" in page


def test_an_anonymous_post_over_the_small_anonymous_limit_is_refused(client, settings) -> None:
    body = "username=a&password=" + "x" * (settings.RAPPORT_MAX_ANONYMOUS_REQUEST_BYTES + 10)
    response = client.post(
        "/accounts/login/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


def test_a_huge_api_upload_is_refused_unread_with_the_error_shape(client_for, alice) -> None:
    response = client_for(alice).post(
        "/api/v1/contacts/import",
        content_type="multipart/form-data; boundary=x",
        data=b"",
        **_huge(),
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "request_too_large" and body["field"] is None and body["message"]


def test_a_signed_in_user_may_send_more_than_an_anonymous_client(client_for, alice) -> None:
    from django.conf import settings

    response = client_for(alice).post(
        "/language/",
        data={"language": "en", "padding": "x" * (settings.RAPPORT_MAX_ANONYMOUS_REQUEST_BYTES)},
    )
    assert response.status_code != 413


def test_a_body_without_content_length_is_never_read(client) -> None:
    """A chunked body (no Content-Length) is not read by Django at all: nothing to spool."""
    response = client.post(
        "/accounts/login/",
        content_type="application/x-www-form-urlencoded",
        data=b"",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": ExplodingInput()},
    )
    assert response.status_code in {200, 403}
