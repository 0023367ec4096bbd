"""Authentication and permission for API operations.

Every operation is declared with ``auth=access(Perm.X)`` (or ``auth=PUBLIC``): the callable
authenticates the caller (bearer token, or session cookie with CSRF for unsafe methods),
refuses callers without the permission (403), and leaves the caller's ``Scope`` for that
permission on ``request.scope``. The permission-matrix test walks all routes and fails on an
operation that declares neither.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.context import bind_user
from omniretail.core.errors import CoreError, PermissionDenied, Unauthenticated
from omniretail.core.models import AuditLog, Location

from .models import ApiToken, User
from .permissions import Perm
from .scope import EMPTY, Scope, invalidate_scopes, resolve_scope, scope_version
from .tokens import hash_token

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_TOUCH_EVERY = dt.timedelta(minutes=5)


def _csrf_failure(request: HttpRequest) -> str | None:
    check = CsrfViewMiddleware(lambda req: None)  # type: ignore[arg-type,return-value]
    check.process_request(request)
    result = check.process_view(request, lambda req: None, (), {})  # type: ignore[arg-type]
    return None if result is None else "csrf"


# --- bearer tokens, cached ---------------------------------------------------------------------
#
# A token's row and its user are read once per process and kept, tagged with the access version
# (``scope.scope_version``: an in-process generation plus a stamp shared by the worker processes).
# Whatever can make a cached token wrong bumps that version at once and again after commit: a
# token saved or deleted (``revoke_token``), a user saved (deactivated, password changed), and
# the audit entries of the account services that change rows in bulk (``close_user``,
# ``set_password``). A revoked token is therefore refused on its next request, in every process;
# the expiry is checked on every request from the cached row; and an entry lives at most
# ``OMNIRETAIL_TOKEN_CACHE_SECONDS`` (default 60) as a last guard against a change made behind
# the services' back (a raw SQL update).

_TOKEN_MAX_ENTRIES = 5_000
_token_lock = threading.Lock()
_tokens: OrderedDict[str, tuple[Any, float, ApiToken]] = OrderedDict()
_INVALIDATING_AUDIT = {
    "accounts.user_closed",
    "accounts.password_changed",
    "accounts.token_revoked",
    "accounts.role_assigned",
    "accounts.role_removed",
}


def _token_ttl() -> float:
    return float(getattr(settings, "OMNIRETAIL_TOKEN_CACHE_SECONDS", 60))


def forget_tokens() -> None:
    """Drop every cached token here and, through the shared version, in the other processes."""
    with _token_lock:
        _tokens.clear()
    invalidate_scopes()


def _on_token_change(sender: Any, **kwargs: Any) -> None:
    if sender is ApiToken and kwargs.get("created"):
        return  # a new token is not in any cache yet
    if sender is not ApiToken and sender is not AuditLog:
        fields = kwargs.get("update_fields")
        if kwargs.get("created") or (fields is not None and set(fields) <= {"last_login"}):
            return  # a new user has no token; a login stamp changes nothing a token relies on
    if sender is AuditLog and kwargs["instance"].action not in _INVALIDATING_AUDIT:
        return
    forget_tokens()
    using = kwargs.get("using") or "default"
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(forget_tokens, using=using)


post_save.connect(_on_token_change, sender=ApiToken, dispatch_uid="token-cache-save")
post_delete.connect(_on_token_change, sender=ApiToken, dispatch_uid="token-cache-delete")
post_save.connect(_on_token_change, sender=User, dispatch_uid="token-cache-user")
post_save.connect(_on_token_change, sender=AuditLog, dispatch_uid="token-cache-audit")


def _token_for(key_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash and its user: from the cache while the access version
    holds, else one indexed query (read *after* taking the version, so a change committed in
    between leaves the entry already stale)."""
    version = scope_version()
    tick = time.monotonic()
    with _token_lock:
        hit = _tokens.get(key_hash)
        if hit is not None and hit[0] == version and hit[1] > tick:
            _tokens.move_to_end(key_hash)
            token = hit[2]
            user = copy.copy(token.user)
            user.__dict__.pop("_scope_cache", None)  # the per-request scope cache
            fresh = copy.copy(token)
            fresh.user = user
            return fresh
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        kept = copy.copy(token)
        kept.user = copy.copy(token.user)  # this request's changes to its user stay its own
        with _token_lock:
            _tokens[key_hash] = (version, tick + _token_ttl(), kept)
            while len(_tokens) > _TOKEN_MAX_ENTRIES:
                _tokens.popitem(last=False)
    return token


def _touch(token: ApiToken, now: dt.datetime) -> None:
    """``last_used_at`` at most every five minutes (one UPDATE, no signal)."""
    if token.last_used_at is not None and now - token.last_used_at <= _TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    with _token_lock:
        hit = _tokens.get(token.key_hash)
        if hit is not None:
            hit[2].last_used_at = now


def authenticate(request: HttpRequest) -> Any:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated(
                CoreError.UNAUTHENTICATED, _("Use 'Authorization: Bearer <token>'.")
            )
        token = _token_for(hash_token(raw.strip()))
        now = clock.now()
        if (
            token is None
            or (token.expires_at and token.expires_at <= now)
            or not token.user.is_active
        ):
            raise Unauthenticated(
                CoreError.UNAUTHENTICATED, _("The token is invalid, expired or revoked.")
            )
        _touch(token, now)
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


_store_locations: dict[int, tuple[Any, frozenset[int]]] = {}


def _locations_of(store_id: int) -> frozenset[int]:
    """A store's location ids, cached under the access version (a location or store saved or
    deleted moves it)."""
    version = scope_version()
    hit = _store_locations.get(store_id)
    if hit is not None and hit[0] == version:
        return hit[1]
    ids = frozenset(Location.objects.filter(store_id=store_id).values_list("pk", flat=True))
    if len(_store_locations) > 10_000:
        _store_locations.clear()
    _store_locations[store_id] = (version, ids)
    return ids


def _narrow_to_store(scope: Scope, store_id: int) -> Scope:
    if store_id not in scope.store_ids:
        return EMPTY
    return Scope(
        frozenset(),
        scope.region_ids,
        frozenset({store_id}),
        _locations_of(store_id),
        False,
        scope.roles,
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
