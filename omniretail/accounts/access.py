"""Authentication and permission for API operations.

Every operation is declared with ``auth=access(Perm.X)`` (or ``auth=PUBLIC``): the callable
authenticates the caller (bearer token, or session cookie with CSRF for unsafe methods),
refuses callers without the permission (403), and leaves the caller's ``Scope`` for that
permission on ``request.scope``. The permission-matrix test walks all routes and fails on an
operation that declares neither.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.context import bind_user
from omniretail.core.errors import CoreError, PermissionDenied, Unauthenticated

from .models import ApiToken
from .permissions import Perm
from .scope import resolve_scope
from .tokens import hash_token

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_TOUCH_EVERY = dt.timedelta(minutes=5)


def _csrf_failure(request: HttpRequest) -> str | None:
    check = CsrfViewMiddleware(lambda req: None)  # type: ignore[arg-type,return-value]
    check.process_request(request)
    result = check.process_view(request, lambda req: None, (), {})  # type: ignore[arg-type]
    return None if result is None else "csrf"


def authenticate(request: HttpRequest) -> Any:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated(
                CoreError.UNAUTHENTICATED, _("Use 'Authorization: Bearer <token>'.")
            )
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(raw.strip()), revoked_at__isnull=True)
            .first()
        )
        now = clock.now()
        if (
            token is None
            or (token.expires_at and token.expires_at <= now)
            or not token.user.is_active
        ):
            raise Unauthenticated(
                CoreError.UNAUTHENTICATED, _("The token is invalid, expired or revoked.")
            )
        if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request.api_token = token  # type: ignore[attr-defined]
        bind_user(token.user)
        return token.user
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise Unauthenticated(CoreError.UNAUTHENTICATED, _("Log in or send a bearer token."))
    if request.method in UNSAFE_METHODS and _csrf_failure(request):
        raise PermissionDenied(
            CoreError.PERMISSION_DENIED, _("CSRF check failed for a session request.")
        )
    return user


class Access:
    """Ninja auth callable: authenticated and holding ``perm`` somewhere in the chain."""

    def __init__(self, perm: Perm):
        self.perm = perm

    def __call__(self, request: HttpRequest) -> Any:
        user = authenticate(request)
        scope = resolve_scope(user, self.perm)
        token = getattr(request, "api_token", None)
        if token is not None and token.store_id is not None:
            # A device token acts only for the store it is registered to.
            scope = _narrow_to_store(scope, token.store_id)
        if scope.empty:
            raise PermissionDenied(
                CoreError.PERMISSION_DENIED,
                _("You do not have permission for this action."),
                {"permission": str(self.perm)},
            )
        request.scope = scope  # type: ignore[attr-defined]
        request.user = user
        bind_user(
            user,
            device=f"{token.device_type}:{token.name}"
            if token is not None and token.store_id
            else "",
        )
        return user

    def __repr__(self) -> str:
        return f"Access({self.perm})"


def _narrow_to_store(scope: Any, store_id: int) -> Any:
    from omniretail.core.models import Location

    from .scope import EMPTY, Scope

    if store_id not in scope.store_ids:
        return EMPTY
    location_ids = frozenset(
        Location.objects.filter(store_id=store_id).values_list("pk", flat=True)
    )
    return Scope(
        frozenset(), scope.region_ids, frozenset({store_id}), location_ids, False, scope.roles
    )


class Public:
    """Declares an operation open to anyone (health, login)."""

    perm = None

    def __call__(self, request: HttpRequest) -> bool:
        return True

    def __repr__(self) -> str:
        return "Public()"


PUBLIC = Public()
_cache: dict[Perm, Access] = {}


def access(perm: Perm) -> Access:
    if perm not in _cache:
        _cache[perm] = Access(perm)
    return _cache[perm]
