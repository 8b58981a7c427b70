"""Attachment downloads."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from rapport.core.api_helpers import (
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

# --- attachments -------------------------------------------------------------------------------

# Content types a browser might render or run; these are always sent as plain bytes.
_ACTIVE_TYPES = ("html", "svg", "xml", "javascript", "ecmascript")
_ACTIVE_EXTENSIONS = {"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "js", "mht"}


@router.get("/attachments/{int:attachment_id}", tags=["Interactions"])
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file's content as a download. Visible to those who may see a template using it or
    an interaction log entry it belongs to."""
    require_api_perm(request, "interactions.view_attachment")
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    user = request.user
    visible = (
        user.has_perm("interactions.view_interactiontemplate")
        and attachment.template_languages.exists()
    ) or queries.entries_visible_to(user).filter(attachment=attachment).exists()
    if not visible:
        raise Http404
    content_type = (attachment.content_type or "application/octet-stream").lower()
    if attachment.file_extension.lower() in _ACTIVE_EXTENSIONS or any(
        word in content_type for word in _ACTIVE_TYPES
    ):
        content_type = "application/octet-stream"
    response = HttpResponse(files.read_content(attachment), content_type=content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, files.safe_file_name(attachment.file_name)) or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
