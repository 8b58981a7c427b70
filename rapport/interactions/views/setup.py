"""The setup pages of interactions: interaction groups and templates (with their statistics),
template languages and their attachments, attachment downloads, and the Interaction Template
Setup with the "Relocate attachments" batch job.

Views parse input with a form, check permissions, call rapport.interactions.services, flash and
redirect (PRG). Nothing here writes a model.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from rapport.contacts.queries import marketing_setup
from rapport.core.htmx import add_service_error, confirm_first, flash_error, render_page
from rapport.core.listing import ListSpec, Page
from rapport.core.validation import first_error
from rapport.interactions import merge, queries, services
from rapport.interactions.attachments import read_content
from rapport.interactions.forms_setup import (
    EmailLayoutForm,
    ExtraDocumentTypeFormSet,
    GroupForm,
    StatisticsFilterForm,
    TemplateForm,
    TemplateLanguageForm,
    TemplateSetupForm,
    parse_email_layout,
)
from rapport.interactions.models import (
    SETUP_TEMPLATE_FIELDS,
    Attachment,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from rapport.interactions.tables import INTERACTION_GROUPS, TEMPLATE_LIST
from rapport.interactions.views.common import (
    allow_preview_styles,
    document_response,
    download_response,
    preview_context,
)

VIEW_GROUP = "interactions.view_interactiongroup"
ADD_GROUP = "interactions.add_interactiongroup"
CHANGE_GROUP = "interactions.change_interactiongroup"
DELETE_GROUP = "interactions.delete_interactiongroup"
VIEW_TEMPLATE = "interactions.view_interactiontemplate"
ADD_TEMPLATE = "interactions.add_interactiontemplate"
CHANGE_TEMPLATE = "interactions.change_interactiontemplate"
DELETE_TEMPLATE = "interactions.delete_interactiontemplate"
VIEW_ENTRY = "interactions.view_interactionlogentry"
VIEW_SETUP = "interactions.view_interactiontemplatesetup"
CHANGE_SETUP = "interactions.change_interactiontemplatesetup"
CHANGE_MARKETING_SETUP = "contacts.change_marketingsetup"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _group(code: str) -> InteractionGroup:
    return get_object_or_404(InteractionGroup, code=code.strip().upper())


def _template(code: str) -> InteractionTemplate:
    return get_object_or_404(
        InteractionTemplate.objects.select_related("group", "campaign", "language"),
        code=code.strip().upper(),
    )


def _page(spec: ListSpec, request: HttpRequest, qs: QuerySet[Any]) -> Page[Any]:
    try:
        return spec.page(qs, request.GET)
    except ValidationError as exc:
        flash_error(request, exc)
        return spec.page(qs, {})


def _add_error(form: BaseForm, exc: ValidationError, aliases: dict[str, str]) -> None:
    """add_service_error, with the service's field names translated to the form's."""
    if hasattr(exc, "error_dict") and aliases:
        exc = ValidationError(
            {aliases.get(name, name): errors for name, errors in exc.error_dict.items()}
        )
    add_service_error(form, exc)


def _statistics(
    request: HttpRequest, scope: queries.TotalScope, log_filter: dict[str, str]
) -> dict[str, Any]:
    """The statistics fact box (optional date range from the query string) and the monthly
    chart, for users who may see the log; nothing for the others. `log_filter` makes the link
    to the log entries the figures count."""
    if not request.user.has_perm(VIEW_ENTRY):
        return {"show_statistics": False}
    params = request.GET if ("date_from" in request.GET or "date_to" in request.GET) else None
    stats_form = StatisticsFilterForm(params)
    dates = stats_form.dates()
    log_query = {**log_filter, "canceled": "no"}
    log_query.update({key: value.isoformat() for key, value in dates.items() if value})
    return {
        "stats_log_url": f"{reverse('interactions:entry_list')}?{urlencode(log_query)}",
        "show_statistics": True,
        "stats_form": stats_form,
        "stats_dates": dates,
        "stats": scope.statistics(**dates),
        "chart": scope.monthly(),
        "currency": marketing_setup().currency_code,
    }


# --- interaction groups ------------------------------------------------------------------------


def group_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_GROUP)
    qs = InteractionGroup.objects.annotate(template_count=Count("templates"))
    context = {
        "page": _page(INTERACTION_GROUPS.list_spec, request, qs),
        "can_add": request.user.has_perm(ADD_GROUP),
    }
    return render_page(request, "interactions/setup/group_list.html", context, partial="results")


def group_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, VIEW_GROUP)
    group = _group(code)
    context: dict[str, Any] = {
        "group": group,
        "templates": group.templates.order_by("code"),
        "can_change": request.user.has_perm(CHANGE_GROUP),
        "can_delete": request.user.has_perm(DELETE_GROUP),
        "can_add_template": request.user.has_perm(ADD_TEMPLATE),
    }
    context.update(_statistics(request, queries.group_scope(group), {"group": group.code}))
    return render_page(
        request, "interactions/setup/group_detail.html", context, partial="statistics"
    )


def group_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    group = None
    if code is None:
        _require(request, ADD_GROUP)
    else:
        _require(request, CHANGE_GROUP)
        group = _group(code)
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                saved = services.create_interaction_group(
                    actor=request.user, **form.service_kwargs()
                )
                messages.success(
                    request, _("Interaction group %(code)s was created.") % {"code": saved.code}
                )
            else:
                saved = services.update_interaction_group(
                    actor=request.user, group=group, **form.service_kwargs()
                )
                messages.success(
                    request, _("Interaction group %(code)s was saved.") % {"code": saved.code}
                )
            return redirect("interactions:group_detail", code=saved.code)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "interactions/setup/group_form.html",
        {"form": form, "group": group},
        partial="form",
        status=422 if form.errors else 200,
    )


@require_POST
def group_delete(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, DELETE_GROUP)
    group = _group(code)
    asked = confirm_first(
        request,
        _("Delete interaction group %(code)s?") % {"code": group.code},
        back=reverse("interactions:group_detail", args=[group.code]),
        items=[str(group)],
    )
    if asked is not None:
        return asked
    try:
        services.delete_interaction_group(actor=request.user, group=group)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("interactions:group_detail", code=group.code)
    messages.success(request, _("Interaction group %(code)s was deleted.") % {"code": group.code})
    return redirect("interactions:group_list")


# --- interaction templates ---------------------------------------------------------------------


def _with_attachment_flag(qs: QuerySet[InteractionTemplate]) -> QuerySet[InteractionTemplate]:
    """BC's "Attachment" column: the default language's row has an attachment (the row with a
    blank language when the template has no default language)."""
    default_row = InteractionTemplateLanguage.objects.filter(
        template=OuterRef("pk"), attachment__isnull=False
    ).filter(
        Q(language=OuterRef("language")) | Q(language__isnull=True, template__language__isnull=True)
    )
    return qs.annotate(has_attachment=Exists(default_row))


def template_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_TEMPLATE)
    qs = _with_attachment_flag(
        InteractionTemplate.objects.select_related("group", "campaign", "language")
    )
    context = {
        "page": _page(TEMPLATE_LIST, request, qs),
        "groups": InteractionGroup.objects.order_by("code"),
        "can_add": request.user.has_perm(ADD_TEMPLATE),
    }
    return render_page(request, "interactions/setup/template_list.html", context, partial="results")


def _template_detail_context(
    request: HttpRequest,
    template: InteractionTemplate,
    language_form: TemplateLanguageForm | None = None,
) -> dict[str, Any]:
    rows = list(
        template.languages.select_related("language", "attachment__file")
        .defer("attachment__file__content")
        .order_by("language__code")
    )
    default_row = next((r for r in rows if r.language_id == template.language_id), None)
    if language_form is None:
        wanted = request.GET.get("row", "")
        picked = next((r for r in rows if str(r.pk) == wanted), None) if wanted else None
        language_form = TemplateLanguageForm.for_row(picked)
    context: dict[str, Any] = {
        "template": template,
        "languages": rows,
        "default_row": default_row,
        "language_form": language_form,
        "max_upload": settings.RAPPORT_MAX_UPLOAD_BYTES,
        "can_change": request.user.has_perm(CHANGE_TEMPLATE),
        "can_delete": request.user.has_perm(DELETE_TEMPLATE),
        "merge_fields": merge_fields(),
    }
    context.update(
        _statistics(request, queries.template_scope(template), {"template": template.code})
    )
    return context


def template_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, VIEW_TEMPLATE)
    template = _template(code)
    return render_page(
        request,
        "interactions/setup/template_detail.html",
        _template_detail_context(request, template),
        partial="statistics",
    )


def template_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    template = None
    if code is None:
        _require(request, ADD_TEMPLATE)
    else:
        _require(request, CHANGE_TEMPLATE)
        template = _template(code)
    form = TemplateForm(request.POST or None, instance=template)
    if template is None and request.method == "GET":
        group = InteractionGroup.objects.filter(code=request.GET.get("group", "").upper()).first()
        if group is not None:  # BC: from the list filter when exactly one group is filtered
            form.initial["group"] = group.pk
    if request.method == "POST" and form.is_valid():
        try:
            if template is None:
                saved = services.create_interaction_template(
                    actor=request.user, **form.service_kwargs()
                )
                messages.success(
                    request,
                    _("Interaction template %(code)s was created.") % {"code": saved.code},
                )
            else:
                saved = services.update_interaction_template(
                    actor=request.user, template=template, **form.service_kwargs()
                )
                messages.success(
                    request, _("Interaction template %(code)s was saved.") % {"code": saved.code}
                )
            return redirect("interactions:template_detail", code=saved.code)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "interactions/setup/template_form.html",
        {"form": form, "template": template},
        partial="form",
        status=422 if form.errors else 200,
    )


def template_delete(request: HttpRequest, code: str) -> HttpResponse:
    """GET asks for confirmation (naming what goes with the template); POST deletes."""
    _require(request, DELETE_TEMPLATE)
    template = _template(code)
    if request.method == "POST":
        try:
            services.delete_interaction_template(actor=request.user, template=template)
        except ValidationError as exc:
            flash_error(request, exc)
            return redirect("interactions:template_detail", code=template.code)
        messages.success(
            request, _("Interaction template %(code)s was deleted.") % {"code": template.code}
        )
        return redirect("interactions:template_list")
    languages = template.languages.aggregate(
        rows=Count("pk"), attachments=Count("attachment", distinct=True)
    )
    context = {
        "template": template,
        "language_count": languages["rows"],
        "attachment_count": languages["attachments"],
        "entry_count": template.entries.count(),
    }
    return render_page(
        request, "interactions/setup/template_confirm_delete.html", context, partial="confirm"
    )


# --- template languages and their attachments --------------------------------------------------


@require_POST
def template_language_save(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, CHANGE_TEMPLATE)
    template = _template(code)
    form = TemplateLanguageForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.upload()
        try:
            row = services.save_template_language(
                actor=request.user,
                template=template,
                language=form.cleaned_data["language"],
                description=form.cleaned_data["description"],
                upload=upload,
                replace=form.cleaned_data["replace"],
            )
        except ValidationError as exc:
            _add_error(form, exc, {"attachment": "file"})
        else:
            name = row.language.code if row.language else _("(blank)")
            if upload is not None and row.attachment is not None:
                messages.success(
                    request,
                    _("The attachment %(file)s was saved for language %(language)s.")
                    % {"file": row.attachment.file_name, "language": name},
                )
            else:
                messages.success(
                    request, _("Language %(language)s was saved.") % {"language": name}
                )
            return redirect(
                reverse("interactions:template_detail", args=[template.code]) + "#languages"
            )
    return render_page(
        request,
        "interactions/setup/template_detail.html",
        _template_detail_context(request, template, language_form=form),
        partial="languages",
        status=422,
    )


def _language_row(code: str, pk: int) -> InteractionTemplateLanguage:
    return get_object_or_404(
        InteractionTemplateLanguage.objects.select_related("template", "language", "attachment"),
        pk=pk,
        template__code=code.strip().upper(),
    )


def _language_name(row: InteractionTemplateLanguage) -> str:
    return row.language.code if row.language else _("(blank)")


@require_POST
def template_attachment_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    _require(request, CHANGE_TEMPLATE)
    row = _language_row(code, pk)
    try:
        services.remove_template_attachment(actor=request.user, row=row)
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        messages.success(
            request,
            _("The attachment of language %(language)s was removed.")
            % {"language": _language_name(row)},
        )
    return redirect(
        reverse("interactions:template_detail", args=[row.template.code]) + "#languages"
    )


@require_POST
def template_language_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    _require(request, CHANGE_TEMPLATE)
    row = _language_row(code, pk)
    name = _language_name(row)
    try:
        services.delete_template_language(actor=request.user, row=row)
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Language %(language)s was deleted.") % {"language": name})
    return redirect(
        reverse("interactions:template_detail", args=[row.template.code]) + "#languages"
    )


def _layout_initial(row: InteractionTemplateLanguage) -> dict[str, Any]:
    """The row's current HTML attachment as subject and body; empty for anything else."""
    attachment = row.attachment
    if attachment is None or not attachment.is_html:
        return {}
    try:
        text = read_content(attachment).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return parse_email_layout(text)


def template_email_layout(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Create or edit a template language's e-mail layout (subject and HTML body with merge
    fields); saved as the row's HTML attachment."""
    _require(request, CHANGE_TEMPLATE)
    row = _language_row(code, pk)
    form = EmailLayoutForm(
        request.POST if request.method == "POST" else None, initial=_layout_initial(row)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        replace = data["replace"] or row.attachment is None or row.attachment.is_html
        try:
            services.save_email_layout(
                actor=request.user,
                template=row.template,
                language=row.language,
                subject=data["subject"],
                body=data["body"],
                replace=replace,
            )
        except ValidationError as exc:
            field, message, error_code = first_error(exc)
            if error_code == "replace_not_confirmed":
                field = "replace"
            elif field == "attachment":
                field = "body"  # the layout's merge template error names its line
            form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("The e-mail layout of language %(language)s was saved.")
                % {"language": _language_name(row)},
            )
            return redirect(
                reverse("interactions:template_detail", args=[row.template.code]) + "#languages"
            )
    context = {
        "form": form,
        "row": row,
        "template": row.template,
        "language_name": _language_name(row),
        "merge_fields": merge_fields(),
    }
    return render_page(
        request,
        "interactions/setup/email_layout_form.html",
        context,
        partial="form",
        status=422 if form.errors else 200,
    )


@require_safe
def template_language_preview(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The row's merge template rendered with sample values: an HTML e-mail is shown in a
    sandboxed frame, a Word document as its text and as a download (`?download=1`)."""
    _require(request, VIEW_TEMPLATE)
    row = _language_row(code, pk)
    try:
        doc = services.preview_template_language(row)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect(
            reverse("interactions:template_detail", args=[row.template.code]) + "#languages"
        )
    preview = preview_context(doc)
    assert preview is not None
    if request.GET.get("download") or not preview["html"]:
        return document_response(doc)
    context = {
        "row": row,
        "template": row.template,
        "language_name": _language_name(row),
        "preview": preview,
    }
    return allow_preview_styles(
        render_page(request, "interactions/setup/template_preview.html", context)
    )


def merge_fields() -> list[tuple[str, str]]:
    """The merge fields a template may use, as (path, label)."""
    return [(str(path), str(label)) for path, label in merge.MERGE_FIELDS]


@require_safe
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a stored file: always as an attachment, never rendered inline."""
    may_see_entries = request.user.has_perm(VIEW_ENTRY)
    may_see_templates = request.user.has_perm(VIEW_TEMPLATE)
    if not (may_see_entries or may_see_templates):
        raise PermissionDenied
    visible = Q()
    if may_see_entries:
        visible |= Q(Exists(InteractionLogEntry.objects.filter(attachment=OuterRef("pk"))))
    if may_see_templates:
        visible |= Q(Exists(InteractionTemplateLanguage.objects.filter(attachment=OuterRef("pk"))))
    attachment = Attachment.objects.filter(visible, pk=pk).first()
    if attachment is None:
        raise Http404
    return download_response(
        read_content(attachment), attachment.file_name, attachment.content_type
    )


# --- Interaction Template Setup and relocating attachments ------------------------------------


def template_setup(request: HttpRequest) -> HttpResponse:
    """BC's page 5186 (General, Sales, Purchases, Service) and Rapport's extra document types."""
    _require(request, VIEW_SETUP)
    current = queries.template_setup()
    can_change = request.user.has_perm(CHANGE_SETUP)
    initial: dict[str, Any] = {name: getattr(current, name) for name in SETUP_TEMPLATE_FIELDS}
    initial["skip_unrecorded_documents"] = current.skip_unrecorded_documents
    form = TemplateSetupForm(request.POST or None, initial=initial)
    # A post without the extra document types' table (an old form, a script) leaves them alone.
    extra_posted = "extra-TOTAL_FORMS" in request.POST
    extra = ExtraDocumentTypeFormSet(
        request.POST if extra_posted else None,
        prefix="extra",
        initial=[
            {"code": row.code, "description": row.description, "template": row.template}
            for row in queries.extra_document_types()
        ],
    )
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid() and (not extra_posted or extra.is_valid()):
            rows = (
                [
                    services.ExtraDocumentTypeInput(
                        code=data["code"],
                        description=data["description"],
                        template=data["template"],
                    )
                    for data in extra.cleaned_data
                    if data and data.get("code") and not data.get("DELETE")
                ]
                if extra_posted
                else None
            )
            try:
                services.update_template_setup(
                    actor=request.user, extra_document_types=rows, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Interaction Template Setup was saved."))
                return redirect("interactions:template_setup")
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
        for sub in extra.forms:
            for field in sub.fields.values():
                field.disabled = True
    context = {
        "form": form,
        "extra": extra,
        "can_change": can_change,
        "marketing_setup": marketing_setup(),
        "attachment_count": Attachment.objects.count(),
        "can_relocate": request.user.has_perm(CHANGE_MARKETING_SETUP),
    }
    return render_page(
        request,
        "interactions/setup/template_setup.html",
        context,
        partial="form",
        status=422 if form.errors or extra.errors else 200,
    )


@require_POST
def relocate_attachments(request: HttpRequest) -> HttpResponse:
    _require(request, CHANGE_MARKETING_SETUP)
    try:
        job = services.start_relocate_attachments(actor=request.user)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("interactions:template_setup")
    messages.success(
        request,
        ngettext(
            "Relocating %(count)s attachment was started; this page shows its progress.",
            "Relocating %(count)s attachments was started; this page shows its progress.",
            job.total,
        )
        % {"count": job.total},
    )
    return redirect("core:job_detail", pk=job.pk)
