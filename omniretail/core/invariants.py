"""Foundation invariants."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q

from .integrity import invariant
from .models import LocationKind, Store


@invariant("org.store_has_floor_location")
def store_has_floor_location() -> Iterator[str]:
    """A store without a sales-floor location could not sell anything."""
    missing = Store.objects.annotate(
        floors=Count("locations", filter=Q(locations__kind=LocationKind.STORE_FLOOR))
    ).filter(floors=0, is_active=True)
    for store in missing.only("code"):
        yield f"store {store.code} has no sales-floor location"
