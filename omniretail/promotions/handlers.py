"""Promotions reacting to other domains' events (registered at startup by autodiscovery)."""

from __future__ import annotations

from omniretail.core import events
from omniretail.core.models import OutboxEvent

from . import flash


@events.handler("orders.cancelled", name="promotions.release_flash_units_on_cancel")
def release_flash_units(event: OutboxEvent) -> None:
    """A cancelled order gives its flash-sale units back to the sale (idempotent)."""
    number = event.payload.get("number")
    if number:
        flash.release(str(number))
