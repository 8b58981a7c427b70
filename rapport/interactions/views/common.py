"""What the interaction log pages share: permissions, the next URL, selections, paging."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

from rapport.accounts.models import Salesperson
from rapport.contacts.models import Contact
from rapport.contacts.queries import contacts_visible_to
from rapport.core.forms import parse_local_date
from rapport.core.listing import Page
from rapport.core.validation import first_error
from rapport.interactions import queries
from rapport.interactions.attachments import safe_file_name
from rapport.interactions.models import (
    Attachment,
    InteractionLogEntry,
)
from rapport.interactions.services.delivery import Document

VIEW = "interactions.view_interactionlogentry"
ADD = "interactions.add_interactionlogentry"
CHANGE = "interactions.change_interactionlogentry"
CANCEL = "interactions.cancel_interactionlogentry"
DELETE = "interactions.delete_interactionlogentry"
PURGE = "interactions.purge_interactionlogentry"


def require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def contact_tab(contact: Contact) -> str:
    return f"{contact.get_absolute_url()}?tab=interactions"


def selected_ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("entries") if v.strip().isdigit()][:1000]


def shown_entries(request: HttpRequest, qs: Any) -> Any:
    """The selected entries (`entries` ids) of `qs` that also match the list filter the user
    saw (`filter`, posted by the list's bulk form): a selection never reaches beyond the filter.
    Raises ValidationError when the posted filter is not valid."""
    shown = QueryDict(request.POST.get("filter") or "")
    return queries.ENTRY_LIST.filter(qs, shown).filter(pk__in=selected_ids(request))


DATE_FILTERS = ("date_from", "date_to")


def list_params(request: HttpRequest) -> QueryDict:
    """The list's query string with dates typed in the UI language's order (23.11.2026)
    turned into the ISO dates the list filters read."""
    params = request.GET.copy()
    for key in DATE_FILTERS:
        typed = (params.get(key) or "").strip()
        parsed = parse_local_date(typed) if typed else None
        if parsed is not None:
            params[key] = parsed.isoformat()
    return params


def entry_page(request: HttpRequest, qs: Any) -> Page[InteractionLogEntry]:
    try:
        return queries.ENTRY_LIST.page(qs, list_params(request))
    except ValidationError as exc:
        return Page.invalid(queries.ENTRY_LIST, request.GET, first_error(exc)[1])


def caption(request: HttpRequest) -> str:
    """BC's list caption: " - <no> . <name>" of the filtered company and/or contact."""
    parts = []
    for key in ("company", "contact"):
        no = (request.GET.get(key) or "").strip().upper()
        if no:
            contact = contacts_visible_to(request.user).filter(no=no).first()
            parts.append(f"{no} · {contact.name}" if contact else no)
    if not parts:
        code = (request.GET.get("salesperson") or "").strip().upper()
        salesperson = Salesperson.objects.filter(code=code).first() if code else None
        if salesperson is not None:
            parts.append(str(salesperson))
    return " – ".join(parts)


def visible_entry(request: HttpRequest, pk: int) -> InteractionLogEntry:
    qs = queries.entries_visible_to(request.user).select_related("language")
    return get_object_or_404(qs, pk=pk)


def attachment_of(entry: InteractionLogEntry | None) -> Attachment | None:
    if entry is None or not entry.attachment_id:
        return None
    return (
        Attachment.objects.filter(pk=entry.attachment_id)
        .select_related("file")
        .only("pk", "file_name", "file__size")
        .first()
    )


# Content a browser would run or render as a page is only ever downloaded, never shown.
ACTIVE_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/xsl",
        "application/xslt+xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "text/ecmascript",
        "application/ecmascript",
        "application/wasm",
        "application/x-shockwave-flash",
        "text/vtt",
        "text/cache-manifest",
    }
)
ACTIVE_EXTENSIONS = frozenset(
    {"html", "htm", "shtml", "xhtml", "xht", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs"}
)


def download_type(content_type: str, file_name: str) -> str:
    """The Content-Type a download is served with: the file's own type, unless a browser could
    run or render it (by type or by the name's extension), then plain bytes."""
    kind = (content_type or "").split(";")[0].strip().lower()
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if (
        not kind
        or kind in ACTIVE_CONTENT_TYPES
        or kind.endswith(("+xml", "/xml"))
        or "script" in kind
        or extension in ACTIVE_EXTENSIONS
    ):
        return "application/octet-stream"
    return kind


def download_response(content: bytes, file_name: str, content_type: str) -> HttpResponse:
    """Bytes as a download: always an attachment with a safe name (RFC 5987 `filename*` for
    anything beyond ASCII), never sniffed, never run or rendered in the site's origin."""
    name = safe_file_name(file_name)
    response = HttpResponse(content, content_type=download_type(content_type, name))
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def document_response(doc: Document) -> HttpResponse:
    """A merged (or stored) document as a download."""
    return download_response(doc.content, doc.file_name, doc.content_type)


def preview_html(doc: Document) -> str:
    """What a sandboxed frame shows of a document: the HTML e-mail, or a Word document's
    text as HTML; empty for any other file (it is offered as a download only)."""
    if doc.html:
        return doc.html
    rendered = doc.rendered
    if doc.kind == "docx" and rendered is not None:
        return str(getattr(rendered, "html", "") or "")
    return ""


def allow_preview_styles(response: HttpResponse) -> HttpResponse:
    """A page with a document preview: the sandboxed frame (which takes the page's CSP) may use
    the e-mail's inline styles; scripts stay blocked by the sandbox and the policy."""
    response._csp_update = {"style-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
    return response


def preview_context(doc: Document | None) -> dict[str, Any] | None:
    if doc is None:
        return None
    return {
        "subject": doc.subject,
        "file_name": doc.file_name,
        "html": preview_html(doc),
        "kind": doc.kind,
        # An HTML e-mail is shown; a Word document or another file is also downloadable.
        "downloadable": doc.kind != "html",
    }
