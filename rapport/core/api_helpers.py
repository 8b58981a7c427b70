"""Helpers shared by every app's API: paginated list responses and code-table routes."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from rapport.core.crud import CodeTable
from rapport.core.listing import ListSpec
from rapport.core.validation import field_error

T = TypeVar("T")


class PageOut(Schema, Generic[T]):
    count: int
    count_capped: bool = False  # true: "more than `count` rows" (huge ledgers are not counted)
    page: int
    page_size: int
    pages: int
    sort: str
    items: list[T]


def require_api_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def paginate(request: HttpRequest, spec: ListSpec, qs: Any) -> dict[str, Any]:
    page = spec.page(qs, request.GET)
    return {
        "count": page.count,
        "count_capped": page.capped,
        "page": page.number,
        "page_size": page.size,
        "pages": page.pages,
        "sort": page.sort,
        "items": page.items,
    }


def resolve_code(
    model: type[models.Model], field: str, value: str | None, lookup_field: str = "code"
) -> Any:
    """The row a code names, None for a blank code, or a 422 that names the field."""
    value = (value or "").strip().upper()
    if not value:
        return None
    obj = model._default_manager.filter(**{lookup_field: value}).first()
    if obj is None:
        raise field_error(
            field,
            _("%(field)s: %(value)s does not exist.") % {"field": field, "value": value},
            "does_not_exist",
        )
    return obj


def code_table_routes(
    router: Router,
    table: CodeTable,
    schema_in: type[Schema],
    schema_out: type[Schema],
    schema_patch: type[Schema],
    tag: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: data,
) -> None:
    """GET list, GET one, POST, PATCH, DELETE for a code table, through its services."""
    base = f"/{table.key}"
    name = table.key.replace("-", "_")

    def get_obj(code: str) -> Any:
        obj = table.model._default_manager.filter(**{table.lookup: code.upper()}).first()
        if obj is None:
            raise Http404
        return obj

    @router.get(
        base,
        response=PageOut[schema_out],  # type: ignore[valid-type]
        tags=[tag],
        operation_id=f"{name}_list",
        summary=f"List {table.key}",
    )
    def list_rows(request: HttpRequest) -> dict[str, Any]:
        require_api_perm(request, table.perm("view"))
        return paginate(request, table.list_spec, table.model._default_manager.all())

    @router.get(base + "/{code}", response=schema_out, tags=[tag], operation_id=f"{name}_get")
    def get_row(request: HttpRequest, code: str) -> Any:
        require_api_perm(request, table.perm("view"))
        return get_obj(code)

    @router.post(base, response={201: schema_out}, tags=[tag], operation_id=f"{name}_create")
    def create_row(request: HttpRequest, payload: schema_in) -> Any:  # type: ignore[valid-type]
        return 201, table.create(actor=request.user, **prepare(payload.dict()))  # type: ignore[attr-defined]

    @router.patch(base + "/{code}", response=schema_out, tags=[tag], operation_id=f"{name}_update")
    def update_row(request: HttpRequest, code: str, payload: schema_patch) -> Any:  # type: ignore[valid-type]
        require_api_perm(request, table.perm("view"))
        obj = get_obj(code)
        return table.update(request.user, obj, prepare(payload.dict(exclude_unset=True)))  # type: ignore[attr-defined]

    @router.delete(
        base + "/{code}", response={204: None}, tags=[tag], operation_id=f"{name}_delete"
    )
    def delete_row(request: HttpRequest, code: str) -> Any:
        require_api_perm(request, table.perm("view"))
        table.delete(request.user, get_obj(code))
        return 204, None
