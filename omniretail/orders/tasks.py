"""Periodic jobs of the orders domain."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import pickup


@db_periodic_task(crontab(minute="*/15"))
def cancel_unclaimed_pickups() -> int:
    """Unclaimed BOPIS orders go back on sale (release their reservations)."""
    return pickup.cancel_unclaimed_pickups()


@db_periodic_task(crontab(minute="*/5"))
def cancel_unpaid_orders() -> int:
    """Remote orders unpaid past the timeout give their reserved stock back."""
    from . import services

    return services.cancel_unpaid_orders()


@db_periodic_task(crontab(minute="*"))
def raise_sla_alerts() -> int:
    """Open orders past their fulfilment promise get one overdue alert each."""
    from . import sla

    return sla.raise_overdue_alerts()
