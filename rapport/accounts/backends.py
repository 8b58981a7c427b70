"""Sign-in with a lock after repeated failures, per user name and per client address.

Used by the login page and the Django admin login alike (both call `authenticate`). Failures are
counted in the cache (shared by every web worker) for RAPPORT_LOGIN_LOCK_SECONDS from the first
one; after RAPPORT_LOGIN_MAX_FAILURES for one user name, or RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS
from one address, every attempt - even with the right password - is refused until the window
ends. A successful sign-in clears the user name's count.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import ngettext


def _now() -> float:
    return time.time()


def _window() -> int:
    return max(1, int(getattr(settings, "RAPPORT_LOGIN_LOCK_SECONDS", 900)))


def _keys(request: HttpRequest | None, username: str | None) -> list[tuple[str, int]]:
    """(cache key, limit) for the user name and the client address of this attempt."""
    keys = []
    if username:
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        keys.append((f"rapport:login:user:{digest}", settings.RAPPORT_LOGIN_MAX_FAILURES))
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    if address:
        keys.append(
            (f"rapport:login:addr:{address}", settings.RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS)
        )
    return keys


def _state(key: str) -> tuple[int, float]:
    """(failures, time of the first) within the current window."""
    count, first = cache.get(key) or (0, 0.0)
    if _now() - first >= _window():
        return 0, 0.0
    return int(count), float(first)


def locked_for(request: HttpRequest | None, username: str | None) -> float:
    """Seconds until sign-in is allowed again for this user name and address (0: allowed)."""
    wait = 0.0
    for key, limit in _keys(request, username):
        count, first = _state(key)
        if count >= limit:
            wait = max(wait, first + _window() - _now())
    return wait


def record_failure(request: HttpRequest | None, username: str | None) -> None:
    for key, _limit in _keys(request, username):
        count, first = _state(key)
        cache.set(key, (count + 1, first or _now()), timeout=_window())


def clear_failures(username: str | None) -> None:
    for key, _limit in _keys(None, username):
        cache.delete(key)


def lock_error(wait: float) -> ValidationError:
    minutes = max(1, math.ceil(wait / 60))
    return ValidationError(
        ngettext(
            "Too many failed sign-in attempts. Try again in %(minutes)s minute.",
            "Too many failed sign-in attempts. Try again in %(minutes)s minutes.",
            minutes,
        )
        % {"minutes": minutes},
        code="login_locked",
    )


class RateLimitedModelBackend(ModelBackend):
    """Django's user name and password check behind the failure lock.

    Permissions: a user's own and their roles' permissions are read in one query (Django's
    backend runs two), once per request like Django's (cached on the user object).
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            names = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*names).order_by()
            else:
                own = Permission.objects.filter(user=user_obj).values_list(*names).order_by()
                roles = Permission.objects.filter(group__user=user_obj).values_list(*names)
                rows = own.union(roles.order_by())
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache  # type: ignore[no-any-return]

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        wait = locked_for(request, username)
        if wait > 0:
            # The sign-in forms show a ValidationError raised in their clean() as the message.
            raise lock_error(wait)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if username is not None and password is not None:
                record_failure(request, username)
        else:
            clear_failures(username)
        return user
