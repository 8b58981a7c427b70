from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from rapport.interactions.models import InteractionTemplate
from rapport.mailbox.models import ImapSecurity


class MailboxSetupForm(forms.Form):
    host = forms.CharField(label=_l("IMAP Server"), max_length=250, required=False)
    port = forms.IntegerField(label=_l("Port"), min_value=1, max_value=65535)
    security = forms.ChoiceField(label=_l("Security"), choices=ImapSecurity.choices)
    username = forms.CharField(label=_l("User Name"), max_length=250, required=False)
    password = forms.CharField(
        label=_l("Password"),
        max_length=250,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_l("Leave blank to keep the stored password."),
    )
    queue_folder = forms.CharField(label=_l("Queue Folder Path"), max_length=250, required=False)
    storage_folder = forms.CharField(
        label=_l("Storage Folder Path"), max_length=250, required=False
    )
    template = forms.ModelChoiceField(
        InteractionTemplate.objects.order_by("code"),
        required=False,
        to_field_name="code",
        label=_l("E-Mails"),
        empty_label=_l("(none)"),
        help_text=_l("The interaction template e-mail messages are logged with."),
    )
    batch_size = forms.IntegerField(label=_l("Email Batch Size"), min_value=1, max_value=1000)
    interval_minutes = forms.IntegerField(
        label=_l("Run every (minutes)"), min_value=1, max_value=10080
    )
    max_message_bytes = forms.IntegerField(
        label=_l("Largest message (bytes)"), min_value=1024, max_value=2**31 - 1
    )
    enabled = forms.BooleanField(label=_l("Email Logging Enabled"), required=False)
