from __future__ import annotations

import datetime as dt

import pytest

from omniretail.catalog import services
from omniretail.catalog.tasks import apply_scheduled_lifecycle_changes
from omniretail.core import clock

pytestmark = pytest.mark.django_db


def test_periodic_job_applies_a_scheduled_discontinuation_when_due(moutai, time_machine) -> None:
    at = clock.now() + dt.timedelta(hours=3)
    services.change_status(moutai, "discontinued", effective_at=at)
    assert apply_scheduled_lifecycle_changes.call_local() == 0
    time_machine.move_to(at + dt.timedelta(seconds=30))
    assert apply_scheduled_lifecycle_changes.call_local() == 1
    moutai.refresh_from_db()
    assert moutai.status == "discontinued"
