"""Cancel in Create Interaction asks, as BC does (issue 16 point 2): finish later, discard or
go back; without JavaScript through a small confirm step."""

from __future__ import annotations

import re

from rapport.interactions.models import InteractionLogEntry
from rapport.interactions.tests.test_log_views import CREATE, drawn_form, field_block


def hidden_values(html: str) -> dict[str, str]:
    form = html[html.index('id="interaction-cancel"') :]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_cancel_with_nothing_typed_goes_straight_back(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    response = client.post(data.url, {**data, "cancel": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{company.get_absolute_url()}?tab=interactions"
    assert not InteractionLogEntry.objects.exists()


def test_cancel_with_something_typed_asks_finish_later_discard_or_go_back(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    typed = {**data, "description": "Asked about prices", "comments": "Call back Monday"}
    step = client.post(data.url, {**typed, "cancel": "1"})
    assert step.status_code == 200
    html = step.content.decode()
    assert "Do you want to finish this interaction later?" in html
    assert 'name="postpone"' in html and "Discard" in html and 'value="keep"' in html
    assert f'href="{company.get_absolute_url()}?tab=interactions"' in html, "discard goes back"
    carried = hidden_values(html)
    assert carried["description"] == "Asked about prices" and "cancel" not in carried
    assert not InteractionLogEntry.objects.exists()

    back = client.post(data.url, {**carried, "refresh": "keep"})
    assert back.status_code == 200
    assert 'value="Asked about prices"' in field_block(back.content.decode(), "description")
    assert not InteractionLogEntry.objects.exists()

    later = client.post(data.url, {**carried, "postpone": "1"})
    assert later.status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert entry.postponed and entry.description == "Asked about prices"
    card = client.get(later["Location"]).content.decode()
    assert f"Interaction log entry {entry.pk} was saved as postponed." in card
    assert f'<a href="/interactions/postponed/{entry.pk}/resume/">Resume</a>' in card


def test_the_form_has_the_cancel_question_for_javascript(
    bob, client_for, company, call_template
) -> None:
    html = client_for(bob).get(f"{CREATE}?contact={company.no}").content.decode()
    dialog = html[html.index('<dialog class="cancel-dialog"') : html.index("</dialog>")]
    assert "Do you want to finish this interaction later?" in dialog
    assert 'name="postpone"' in dialog and "Discard" in dialog and "data-close-dialog" in dialog
    assert '<button type="submit" name="cancel" value="1" formnovalidate>Cancel</button>' in html
    assert "interactions/create_interaction.js" in html
