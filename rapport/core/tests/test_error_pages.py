"""The 404 and 500 pages are in the site's layout and the user's language (issue 16.11)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Page not found"), ("fi", "Sivua ei löydy"), ("nb", "Fant ikke siden")],
)
def test_a_missing_page_answers_404_in_the_layout_and_the_language(
    bob, client_for, language, title
) -> None:
    client = client_for(bob)
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in html
    assert 'class="sidenav"' in html and "rapport.css" in html


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Something went wrong"), ("fi", "Jokin meni vikaan"), ("nb", "Noe gikk galt")],
)
def test_the_server_error_page_renders_without_a_request_context(language, title) -> None:
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert f"<h1>{title}</h1>" in html
    assert f'<html lang="{language}">' in html and "rapport.css" in html


def test_favicon_ico_leads_to_the_icon(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
