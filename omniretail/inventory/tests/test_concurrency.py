"""Real processes reserving the same units: exactly the available units are taken."""

from __future__ import annotations

import pytest

from omniretail.inventory.bench import contend
from omniretail.inventory.models import Reservation, StockLevel


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_never_oversell_when_contending_for_last_units(org, make_sku):
    from django.db import connection

    from omniretail.inventory import movements

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs OMNIRETAIL_TEST_DB_FILE: child processes cannot see an in-memory DB")
    sku = make_sku("CONC")
    loc = org["floor"]["S1"]
    movements.receive(
        sku_id=sku.pk, location_id=loc.pk, quantity=30, unit_cost_fen=100, reference="PO-CONC"
    )
    result = contend(sku.pk, loc.pk, workers=4, attempts_per_worker=15, tag="t")
    level = StockLevel.objects.get(sku=sku, location=loc)
    assert result["errors"] == 0
    assert result["succeeded"] == 30
    assert result["refused"] == 30
    assert level.reserved == 30 == Reservation.objects.filter(status="active").count()
