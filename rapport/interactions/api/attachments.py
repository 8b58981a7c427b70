"""Attachments: the list for administrators, downloads."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from rapport.core.api_helpers import (
    PageOut,
    paginate,
    require_api_perm,
)
from rapport.interactions import attachments as files
from rapport.interactions import queries
from rapport.interactions.api.common import (
    router,
)
from rapport.interactions.models import (
    Attachment,
)
from rapport.interactions.queries import ATTACHMENT_LIST
from rapport.interactions.schemas import AttachmentOut
from rapport.interactions.views.common import download_response

# --- attachments -------------------------------------------------------------------------------


@router.get(
    "/attachments",
    response=PageOut[AttachmentOut],
    tags=["Interactions"],
    summary="List attachments",
)
def attachment_list(request: HttpRequest) -> dict[str, Any]:
    """Every stored attachment (template languages and log entries), with `count`, for
    administrators. Filters: `q` (file name), `storage_type`, `read_only`; `sort` attachment_no,
    file_name or size (`-` for descending), `page`, `page_size`."""
    require_api_perm(request, "contacts.change_marketingsetup")
    require_api_perm(request, "interactions.view_attachment")
    return paginate(
        request, ATTACHMENT_LIST, Attachment.objects.select_related("file").defer("file__content")
    )


@router.get("/attachments/{int:attachment_no}", tags=["Interactions"])
def attachment_download(request: HttpRequest, attachment_no: int) -> HttpResponse:
    """The file's content as a download. Visible to those who may see a template using it or
    an interaction log entry it belongs to."""
    require_api_perm(request, "interactions.view_attachment")
    attachment = Attachment.objects.filter(pk=attachment_no).first()
    if attachment is None:
        raise Http404
    user = request.user
    visible = (
        user.has_perm("interactions.view_interactiontemplate")
        and attachment.template_languages.exists()
    ) or queries.entries_visible_to(user).filter(attachment=attachment).exists()
    if not visible:
        raise Http404
    # Never rendered in the API's origin: always a download (Content-Disposition: attachment),
    # never sniffed, sandboxed without any source, and never served with a type a browser runs.
    return download_response(
        files.read_content(attachment), attachment.file_name, attachment.content_type
    )
