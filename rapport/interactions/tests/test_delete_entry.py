"""Deleting one canceled entry: the purge's rules for a single entry, in the service, API and UI."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from rapport.interactions import services
from rapport.interactions.models import Attachment, InteractionLogEntry, InteractionLogEntryComment
from rapport.interactions.tests.conftest import upload
from rapport.interactions.tests.test_api import bearer, error


def entries(*items):
    return InteractionLogEntry.objects.filter(pk__in=[i.pk for i in items])


@pytest.fixture
def canceled(bob, company, call_template, interact):
    """A canceled entry with a comment and an attachment, and a live entry sharing a file."""
    gone = interact(company, call_template, upload=upload("gone.txt"), comments=["bye"])
    services.cancel_entries(actor=bob, entries=entries(gone))
    return gone


def test_one_canceled_entry_is_deleted_with_its_comments_and_unshared_attachment(
    alice, canceled
) -> None:
    services.delete_canceled_entry(actor=alice, entry=canceled)
    assert not InteractionLogEntry.objects.filter(pk=canceled.pk).exists()
    assert not InteractionLogEntryComment.objects.exists()
    assert not Attachment.objects.filter(pk=canceled.attachment_id).exists()


def test_a_shared_attachment_stays_when_one_canceled_entry_goes(
    alice, company, call_template, interact, canceled
) -> None:
    other = interact(company, call_template)
    InteractionLogEntry.objects.filter(pk=other.pk).update(attachment=canceled.attachment)
    services.delete_canceled_entry(actor=alice, entry=canceled)
    assert Attachment.objects.filter(pk=canceled.attachment_id).exists()


def test_only_canceled_entries_are_deleted_and_only_by_admins(
    alice, bob, dave, company, call_template, interact, canceled
) -> None:
    for actor in (bob, dave):
        with pytest.raises(PermissionDenied):
            services.delete_canceled_entry(actor=actor, entry=canceled)
    live = interact(company, call_template)
    postponed = interact(company, call_template, postpone=True)
    for entry in (live, postponed):
        with pytest.raises(ValidationError) as exc:
            services.delete_canceled_entry(actor=alice, entry=entry)
        assert exc.value.message_dict["canceled"] == [
            f"Canceled must be equal to 'Yes' in Interaction Log Entry: Entry No.={entry.pk}. "
            "Current value is 'No'."
        ]
    assert InteractionLogEntry.objects.count() == 3


def test_the_api_deletes_one_canceled_entry(
    alice, bob, company, call_template, interact, canceled
) -> None:
    live = interact(company, call_template)
    url = "/api/v1/interaction-log-entries/{}"
    as_bob, api = Client(headers=bearer(bob)), Client(headers=bearer(alice))
    assert as_bob.delete(url.format(canceled.pk)).status_code == 403
    assert error(api.delete(url.format(live.pk)))[:2] == (422, "canceled")
    assert api.delete(url.format(canceled.pk)).status_code == 204
    assert api.get(url.format(canceled.pk)).status_code == 404
    assert list(InteractionLogEntry.objects.all()) == [live]


def test_the_entry_page_deletes_a_canceled_entry_after_a_confirmation(
    alice, bob, client_for, canceled
) -> None:
    client = client_for(alice)
    detail = f"/interactions/entries/{canceled.pk}/"
    confirm_url = f"/interactions/entries/{canceled.pk}/delete/"
    assert f'href="{confirm_url}"' in client.get(detail).content.decode()
    assert f'href="{confirm_url}"' not in client_for(bob).get(detail).content.decode()
    confirm = client.get(confirm_url).content.decode()
    assert f"Delete canceled interaction log entry {canceled.pk}?" in confirm
    assert "with its comments and its attachment" in confirm
    assert '<dd data-count="comments">1</dd>' in confirm
    assert InteractionLogEntry.objects.filter(pk=canceled.pk).exists(), "GET deletes nothing"
    assert client_for(bob).post(confirm_url).status_code == 403
    response = client.post(confirm_url)
    assert response.status_code == 302 and response["Location"] == "/interactions/entries/"
    assert not InteractionLogEntry.objects.filter(pk=canceled.pk).exists()


def test_the_entry_page_offers_no_delete_for_an_entry_that_is_not_canceled(
    alice, client_for, company, call_template, interact
) -> None:
    live = interact(company, call_template)
    client = client_for(alice)
    assert "/delete/" not in client.get(f"/interactions/entries/{live.pk}/").content.decode()
    response = client.post(f"/interactions/entries/{live.pk}/delete/")
    assert response.status_code == 302
    assert InteractionLogEntry.objects.filter(pk=live.pk).exists()
