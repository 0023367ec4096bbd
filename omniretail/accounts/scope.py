"""What part of the chain a user may see or change for a given permission.

A ``Scope`` is resolved once per (user, permission) per request from the user's role
assignments and turned into concrete store, region and location ids, so selectors filter with
a plain ``IN`` and services check membership without more queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

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


def resolve_scope(user: Any, perm: Perm | str) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cache: dict[str, Scope] = user.__dict__.setdefault("_scope_cache", {})
    key = str(perm)
    if key in cache:
        return cache[key]
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
    cache[key] = scope
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
