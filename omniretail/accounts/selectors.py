from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import ApiToken, User
from .scope import Scope


def users_in_scope(scope: Scope) -> QuerySet[User]:
    """Users holding any role inside the scope (a brand-wide viewer sees the brand's users)."""
    q = Q(assignments__store_id__in=scope.store_ids) | Q(
        assignments__location_id__in=scope.location_ids
    )
    if scope.brand_wide:
        q |= Q(assignments__brand_id__in=scope.brand_ids)
    if scope.region_ids and not scope.brand_wide:
        q |= Q(assignments__region_id__in=scope.region_ids, assignments__store__isnull=True)
    return User.objects.filter(q).distinct()


def tokens_visible_to(user: User, manage_scope: Scope | None) -> QuerySet[ApiToken]:
    q = Q(user=user)
    if manage_scope is not None:
        q |= Q(store_id__in=manage_scope.store_ids)
    return ApiToken.objects.filter(q).order_by("-created_at")
