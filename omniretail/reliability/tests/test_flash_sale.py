"""Flash sale over real HTTP: many buyers, few units, several gunicorn workers."""

from __future__ import annotations

import pytest
from django.db import connections

from omniretail.core.loadtest import running_server
from omniretail.reliability.scenarios import INSUFFICIENT_STOCK, create_sale, flash_sale


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_exactly_the_stock_is_sold_and_the_rest_refused_cleanly_when_buyers_outnumber_units(
    file_db: str,
):
    sale = create_sale(10)
    connections.close_all()
    with running_server(workers=2, env={"OMNIRETAIL_DATABASE_URL": file_db}) as base:
        report = flash_sale(base, sale, buyers=100, concurrency=16)

    assert report["server_errors"] == 0, report
    assert report["accepted"] == 10 and report["paid"] == 10 and report["pay_errors"] == 0
    assert report["refused"] == 90
    assert report["refused_codes"] == {INSUFFICIENT_STOCK: 90}
    assert report["orders_in_db"] == 10 and report["orders_paid_in_db"] == 10
    assert report["oversold"] == 0 and report["on_hand"] == 10 and report["reserved"] == 10
    assert report["held_reservations"] == 10 and report["leaked_reservations"] == 0
    assert report["orders_without_reservation"] == 0
    assert report["invariant_breaches"] == {}
