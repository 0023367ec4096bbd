"""What part of the chain a user may see or change for a given permission.

A ``Scope`` is resolved from the user's role assignments and turned into concrete store, region
and location ids, so selectors filter with a plain ``IN`` and services check membership without
more queries.

Resolving costs about five queries, so it is cached in two tiers:

1. per request, on the user object (a view asking for the same permission twice pays once);
2. per process, per (user, permission), tagged with the *scope version*. Any change that can
   move a scope — a role assignment saved or deleted, a user created, a store, location or
   region saved or deleted — bumps the version (model signals; this is cache invalidation, not
   business logic), immediately and again after the transaction commits, so a scope resolved
   by another request while the change was in flight is dropped as well.

The version is shared between the server's worker processes: through the cache when it is a
shared one (Redis), otherwise through a stamp file in the data directory (one ``stat`` per
resolve). Writes that bypass model signals (bulk loads, ``flush``, a restore) call
``invalidate_scopes()``; as a last guard a cached scope lives at most
``OMNIRETAIL_SCOPE_CACHE_SECONDS`` (default 300).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save

from omniretail.core.models import Location, Store

from .permissions import ROLE_PERMISSIONS, Perm, Role


@dataclass(frozen=True)
class Scope:
    brand_ids: frozenset[int]
    region_ids: frozenset[int]
    store_ids: frozenset[int]
    location_ids: frozenset[int]
    brand_wide: bool
    roles: frozenset[str]

    @property
    def empty(self) -> bool:
        return not (self.brand_ids or self.store_ids or self.location_ids)

    def has_store(self, store_id: int | None) -> bool:
        return store_id is not None and store_id in self.store_ids

    def has_location(self, location_id: int | None) -> bool:
        return location_id is not None and location_id in self.location_ids

    def filter_stores(self, qs: QuerySet[Any], field: str = "store_id") -> QuerySet[Any]:
        return qs.filter(**{f"{field}__in": self.store_ids})

    def filter_locations(self, qs: QuerySet[Any], field: str = "location_id") -> QuerySet[Any]:
        return qs.filter(**{f"{field}__in": self.location_ids})


EMPTY = Scope(frozenset(), frozenset(), frozenset(), frozenset(), False, frozenset())


def roles_granting(perm: Perm | str) -> set[str]:
    return {role.value for role, perms in ROLE_PERMISSIONS.items() if Perm(perm) in perms}


# --- the scope version ------------------------------------------------------------------------

_CACHE_KEY = "omniretail:scope-version"
_MAX_ENTRIES = 20_000
_lock = threading.Lock()
_generation = 0  # bumped in this process; the shared stamp covers the other processes
_entries: OrderedDict[tuple[int, str], tuple[Any, float, Scope]] = OrderedDict()


def _shared_cache() -> bool:
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def _stamp_path() -> Path | None:
    """One stamp per database (a test database, a second deployment on the same data dir
    each get their own); none for an in-memory SQLite database, which no other process sees."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name):
        return None
    where = connection.settings_dict
    key = f"{connection.vendor}|{where.get('HOST', '')}|{where.get('PORT', '')}|{name}"
    return (
        Path(settings.DATA_DIR) / f"scope-version-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    )


def _ttl() -> float:
    return float(getattr(settings, "OMNIRETAIL_SCOPE_CACHE_SECONDS", 300))


def _shared_stamp() -> Any:
    if _shared_cache():
        return cache.get(_CACHE_KEY, 0)
    path = _stamp_path()
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    # os.replace gives the stamp a new inode on every bump, so equal mtimes cannot hide one.
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def scope_version() -> tuple[int, Any]:
    """What a cached scope was resolved under; a scope tagged with another version is stale."""
    return (_generation, _shared_stamp())


def _bump_shared() -> None:
    if _shared_cache():
        try:
            cache.incr(_CACHE_KEY)
        except ValueError:
            cache.set(_CACHE_KEY, 1, timeout=None)
        return
    path = _stamp_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".scope-version.{os.getpid()}.{uuid.uuid4().hex}")
        tmp.write_text(uuid.uuid4().hex)
        os.replace(tmp, path)
    except OSError:
        pass  # read-only data dir: the in-process generation and the TTL still hold


def invalidate_scopes() -> None:
    """Forget every cached scope, in this process and (through the stamp) in the others."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()
    _bump_shared()


def _on_change(sender: Any, **kwargs: Any) -> None:
    if sender is _user_model() and not kwargs.get("created", True):
        return  # a user's own row (last login, name) never moves a scope
    invalidate_scopes()
    if transaction.get_connection(kwargs.get("using") or "default").in_atomic_block:
        transaction.on_commit(invalidate_scopes, using=kwargs.get("using"))


def _user_model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


for _model in ("accounts.RoleAssignment", "accounts.User", "core.Store", "core.Location"):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"scope-cache-save-{_model}")
    post_delete.connect(_on_change, sender=_model, dispatch_uid=f"scope-cache-delete-{_model}")
post_save.connect(_on_change, sender="core.Region", dispatch_uid="scope-cache-save-region")
post_delete.connect(_on_change, sender="core.Region", dispatch_uid="scope-cache-delete-region")


def resolve_scope(user: Any, perm: Perm | str) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    per_request: dict[str, Scope] = user.__dict__.setdefault("_scope_cache", {})
    key = str(perm)
    if key in per_request:
        return per_request[key]
    version = scope_version()
    entry_key = (user.pk, key)
    now = time.monotonic()
    with _lock:
        entry = _entries.get(entry_key)
        if entry is not None and entry[0] == version and entry[1] > now:
            _entries.move_to_end(entry_key)
            per_request[key] = entry[2]
            return entry[2]
    scope = _resolve(user, perm)
    with _lock:
        _entries[entry_key] = (version, now + _ttl(), scope)
        _entries.move_to_end(entry_key)
        while len(_entries) > _MAX_ENTRIES:
            _entries.popitem(last=False)
    per_request[key] = scope
    return scope


def _resolve(user: Any, perm: Perm | str) -> Scope:
    granting = roles_granting(perm)
    assignments = list(
        user.assignments.filter(role__in=granting).values(
            "role", "brand_id", "region_id", "store_id", "location_id"
        )
    )
    brand_ids = {
        a["brand_id"]
        for a in assignments
        if not (a["region_id"] or a["store_id"] or a["location_id"])
    }
    region_ids = {a["region_id"] for a in assignments if a["region_id"]}
    direct_store_ids = {a["store_id"] for a in assignments if a["store_id"]}
    direct_location_ids = {a["location_id"] for a in assignments if a["location_id"]}
    roles = frozenset(a["role"] for a in assignments)

    store_q = Q(pk__in=direct_store_ids)
    if brand_ids:
        store_q |= Q(brand_id__in=brand_ids)
    if region_ids:
        store_q |= Q(region_id__in=region_ids)
    store_ids = (
        set(Store.objects.filter(store_q).values_list("pk", flat=True)) if assignments else set()
    )

    location_q = Q(pk__in=direct_location_ids) | Q(store_id__in=store_ids)
    if brand_ids:
        location_q |= Q(brand_id__in=brand_ids)
    if region_ids:
        location_q |= Q(region_id__in=region_ids)
    location_ids = (
        set(Location.objects.filter(location_q).values_list("pk", flat=True))
        if assignments
        else set()
    )
    all_region_ids = region_ids | set(
        Store.objects.filter(pk__in=store_ids).values_list("region_id", flat=True).distinct()
    )

    scope = Scope(
        brand_ids=frozenset(brand_ids),
        region_ids=frozenset(all_region_ids),
        store_ids=frozenset(store_ids),
        location_ids=frozenset(location_ids),
        brand_wide=bool(brand_ids),
        roles=roles,
    )
    return scope


def has_perm(user: Any, perm: Perm | str) -> bool:
    return not resolve_scope(user, perm).empty


def user_roles(user: Any) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    return sorted(set(user.assignments.values_list("role", flat=True)))


def primary_role(user: Any) -> Role | None:
    order = list(Role)
    roles = [Role(r) for r in user_roles(user)]
    return min(roles, key=order.index) if roles else None
