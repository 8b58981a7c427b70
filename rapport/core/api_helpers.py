"""Helpers shared by every app's API: paginated list responses and code-table routes."""

import inspect
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from rapport.core.api_errors import RecordNotFound
from rapport.core.crud import CodeTable
from rapport.core.listing import ListSpec
from rapport.core.validation import field_error, in_use_error

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


def check_query_params(
    request: HttpRequest, spec: ListSpec | None = None, extra: Iterable[str] = ()
) -> None:
    """A 422 naming the first query parameter the endpoint does not know (a misspelt filter
    must not silently return every row). Known: the operation's own parameters, and for a list
    `q`, `sort`, `page`, `page_size` and the list's filters."""
    allowed = set(getattr(request, "api_params", ())) | set(extra)
    if spec is not None:
        allowed |= set(spec.reserved) | set(spec.filters)
    request.api_query_checked = True  # type: ignore[attr-defined]
    for name in request.GET:
        if name not in allowed:
            raise field_error(
                name,
                _("%(name)s: there is no such query parameter. Use one of: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(sorted(allowed)) or "-"},
                "unknown_parameter",
            )


def paginate(request: HttpRequest, spec: ListSpec, qs: Any) -> dict[str, Any]:
    """A page of `qs` as the list's query parameters select it; a page past the end is empty."""
    check_query_params(request, spec)
    page = spec.page(qs, request.GET, past_end_empty=True)
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
    """The row a code names, None for a blank code, or a 422 that names the field and says in
    words which record is missing ("salesperson_code: There is no Salesperson with the code
    XX.")."""
    value = (value or "").strip().upper()
    if not value:
        return None
    obj = model._default_manager.filter(**{lookup_field: value}).first()
    if obj is None:
        raise field_error(
            field, f"{field}: {no_such_record(model, value, lookup_field)}", "does_not_exist"
        )
    return obj


def no_such_record(model: type[models.Model], value: str, lookup_field: str = "code") -> str:
    """ "There is no Salesperson with the code XX." (or "with the number" for a No.)."""
    params = {"record": capfirst(model._meta.verbose_name), "value": value}
    if lookup_field == "no":
        return _("There is no %(record)s with the number %(value)s.") % params
    return _("There is no %(record)s with the code %(value)s.") % params


def lock_row(model: type[models.Model], obj: Any, missing: str) -> Any:
    """`obj` again, locked for the rest of the transaction; a 404 if it was deleted meanwhile
    (a PATCH or DELETE racing a DELETE of the same row)."""
    row = model._default_manager.select_for_update().filter(pk=obj.pk).first()
    if row is None:
        raise RecordNotFound(missing)
    return row


def named_path_param(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a view's `**path` catch-all a real (str) parameter `name`, so that the OpenAPI
    document and the URL call it by what it holds ({salesperson_code}, not {code})."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(view)
        params = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str))
        view.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return view

    return decorate


def code_table_routes(
    router: Router,
    table: CodeTable,
    schema_in: type[Schema],
    schema_out: type[Schema],
    schema_patch: type[Schema],
    tag: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: data,
) -> None:
    """GET list, GET one, POST, PATCH, DELETE for a code table, through its services.

    The path parameter is named for what it holds (`{salesperson_code}`, `{campaign_no}`) and
    every operation's summary says what it does ("Create salesperson").
    """
    base = f"/{table.key}"
    name = table.key.replace("-", "_")
    meta = table.model._meta
    with translation.override("en"):  # the API's names and summaries do not change by locale
        one = str(meta.verbose_name)
        many = str(meta.verbose_name_plural)
    key = one.replace(" ", "_").replace("/", "_") + "_" + table.lookup
    item = base + "/{" + key + "}"

    def get_obj(code: str) -> Any:
        obj = table.model._default_manager.filter(**{table.lookup: code.upper()}).first()
        if obj is None:
            raise RecordNotFound(no_such_record(table.model, code.upper(), table.lookup))
        return obj

    def locked(obj: Any) -> Any:
        return lock_row(table.model, obj, no_such_record(table.model, key_of(obj), table.lookup))

    def key_of(obj: Any) -> str:
        return str(getattr(obj, table.lookup))

    @router.get(
        base,
        response=PageOut[schema_out],  # type: ignore[valid-type]
        tags=[tag],
        operation_id=f"{name}_list",
        summary=f"List {many}",
    )
    def list_rows(request: HttpRequest) -> dict[str, Any]:
        require_api_perm(request, table.perm("view"))
        return paginate(request, table.list_spec, table.model._default_manager.all())

    @router.get(
        item, response=schema_out, tags=[tag], operation_id=f"{name}_get", summary=f"Get {one}"
    )
    @named_path_param(key)
    def get_row(request: HttpRequest, **path: str) -> Any:
        require_api_perm(request, table.perm("view"))
        return get_obj(path[key])

    @router.post(
        base,
        response={201: schema_out},
        tags=[tag],
        operation_id=f"{name}_create",
        summary=f"Create {one}",
    )
    def create_row(request: HttpRequest, payload: schema_in) -> Any:  # type: ignore[valid-type]
        return Status(201, table.create(actor=request.user, **prepare(payload.dict())))  # type: ignore[attr-defined]

    @router.patch(
        item,
        response=schema_out,
        tags=[tag],
        operation_id=f"{name}_update",
        summary=f"Update {one}",
    )
    @named_path_param(key)
    def update_row(request: HttpRequest, payload: schema_patch, **path: str) -> Any:  # type: ignore[valid-type]
        require_api_perm(request, table.perm("view"))
        with transaction.atomic():
            obj = locked(get_obj(path[key]))
            return table.update(request.user, obj, prepare(payload.dict(exclude_unset=True)))  # type: ignore[attr-defined]

    @router.delete(
        item,
        response={204: None},
        tags=[tag],
        operation_id=f"{name}_delete",
        summary=f"Delete {one}",
    )
    @named_path_param(key)
    def delete_row(request: HttpRequest, **path: str) -> Any:
        require_api_perm(request, table.perm("view"))
        try:
            with transaction.atomic():
                obj = locked(get_obj(path[key]))
                table.delete(request.user, obj)
        except (models.ProtectedError, models.RestrictedError) as exc:
            raise in_use_error(exc, obj) from None
        return Status(204, None)
