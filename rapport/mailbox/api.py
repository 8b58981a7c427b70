"""E-mail logging: the setup, a connection test, a run, and the unmatched/logged messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from rapport.core.api_helpers import PageOut, paginate, require_api_perm, resolve_code
from rapport.interactions.models import InteractionTemplate
from rapport.mailbox import queries, services
from rapport.mailbox.schemas import (
    JobStartedOut,
    LoggedMessageOut,
    MailboxSetupOut,
    MailboxSetupPatch,
    MessageOut,
    UnmatchedOut,
)

router = Router(tags=["Email logging"])
VIEW = "mailbox.view_mailboxsetup"


@router.get("/email-logging-setup", response=MailboxSetupOut, summary="Get email logging setup")
def setup_get(request: HttpRequest) -> Any:
    require_api_perm(request, VIEW)
    return queries.mailbox_setup()


@router.patch(
    "/email-logging-setup", response=MailboxSetupOut, summary="Update email logging setup"
)
def setup_update(request: HttpRequest, payload: MailboxSetupPatch) -> Any:
    """`password` is write-only; `template_code` (E-Mails): the template messages are logged
    with (null or "": none). Switching `enabled` on checks the whole setup."""
    data = payload.dict(exclude_unset=True)
    if "template_code" in data:
        data["template"] = resolve_code(
            InteractionTemplate, "template_code", data.pop("template_code")
        )
    try:
        services.update_mailbox_setup(actor=request.user, **data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "template" in exc.error_dict:
            raise ValidationError({"template_code": exc.error_dict["template"]}) from None
        raise
    return queries.mailbox_setup()


@router.post(
    "/email-logging-setup/test-connection",
    response=MessageOut,
    summary="Run a connection test of the mailbox",
)
def setup_test(request: HttpRequest) -> Any:
    """Connects, signs in and finds both folders; writes nothing."""
    return {"message": services.test_mailbox_connection(actor=request.user)}


@router.post(
    "/email-logging-setup/run",
    response={202: JobStartedOut},
    summary="Run email logging now",
)
def setup_run(request: HttpRequest) -> Any:
    """Queues a run of the mailbox job; follow it at /jobs/{job_id}."""
    job = services.start_mailbox_run(actor=request.user)
    return Status(202, {"job_id": job.pk})


@router.get(
    "/email-logging/unmatched",
    response=PageOut[UnmatchedOut],
    summary="List unmatched email messages",
)
def unmatched_list(request: HttpRequest) -> dict[str, Any]:
    """Messages left in the queue folder, with the reason."""
    require_api_perm(request, VIEW)
    return paginate(request, queries.UNMATCHED_LIST, queries.unmatched_messages())


@router.get(
    "/email-logging/logged",
    response=PageOut[LoggedMessageOut],
    summary="List logged email messages",
)
def logged_list(request: HttpRequest) -> dict[str, Any]:
    require_api_perm(request, VIEW)
    return paginate(request, queries.LOGGED_LIST, queries.logged_messages())
