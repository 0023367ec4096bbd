"""Load over the real server at a tiny size: POS checkouts, online orders paid, a mixed day.
The same scenarios as the ``http-checkout``, ``http-order`` and ``mixed-day`` benchmarks."""

from __future__ import annotations

import pytest
from django.db import connections

from omniretail.core.loadtest import running_server
from omniretail.reliability.http_load import checkout_load, create_till, mixed_day, order_load

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]


def _serve(file_db: str):
    connections.close_all()  # the server's workers open their own connections
    return running_server(workers=2, env={"OMNIRETAIL_DATABASE_URL": file_db})


def test_every_acknowledged_till_sale_is_paid_captured_and_issued_when_tills_ring_up_at_once(
    file_db: str,
):
    till = create_till(3)
    with _serve(file_db) as base:
        report = checkout_load(base, till, per_register=4)

    assert report["errors"] == 0 and report["server_errors"] == 0, report
    assert report["acknowledged"] == 12 and report["orders_paid"] == 12
    assert report["orders_by_status"] == {"completed": 12}
    assert report["receipts_in_db"] == 12
    assert report["acknowledged_missing"] == 0 and report["paid_not_acknowledged"] == 0
    assert report["orders_payment_mismatch"] == 0
    assert report["units_sold"] > 12 and report["units_issued"] == report["units_sold"]
    assert report["invariant_breaches"] == {}


def test_every_online_order_is_paid_in_full_and_holds_its_stock_when_shoppers_order_at_once(
    file_db: str,
):
    till = create_till(1)
    with _serve(file_db) as base:
        report = order_load(base, till, orders=12, concurrency=4)

    assert report["errors"] == 0 and report["server_errors"] == 0, report
    assert report["acknowledged"] == 12 and report["acknowledged_paid"] == 12
    assert report["orders_by_status"] == {"paid": 12}
    assert report["acknowledged_missing"] == 0 and report["paid_not_paid_in_db"] == 0
    assert report["orders_payment_mismatch"] == 0
    assert report["captured_without_paid_order"] == 0
    assert report["reservations_not_matching_lines"] == 0
    assert report["orphan_reservations"] == 0
    assert report["invariant_breaches"] == {}


def test_every_kind_of_the_day_is_answered_and_the_ledgers_agree_when_the_mix_runs_at_once(
    file_db: str,
):
    till = create_till(2)
    with _serve(file_db) as base:
        report = mixed_day(base, till, actions=60, concurrency=4)

    assert report["errors"] == 0 and report["server_errors"] == 0, report
    kinds = report["by_kind"]
    for kind in ("browse", "browse_page", "pos_checkout", "order_place", "order_pay", "dashboard"):
        assert kinds[kind]["ops"] > 0 and kinds[kind]["errors"] == 0, kind
    assert kinds["refund"]["ops"] > 0
    pos, online, refunds = report["pos"], report["online"], report["refunds"]
    assert pos["acknowledged"] == pos["orders_paid"] == pos["receipts_in_db"] > 0
    assert pos["orders_payment_mismatch"] == 0 and pos["units_issued"] == pos["units_sold"]
    assert online["acknowledged_missing"] == 0 and online["paid_not_paid_in_db"] == 0
    assert online["orders_payment_mismatch"] == 0 and online["orphan_reservations"] == 0
    assert online["refunded_orders_holding_stock"] == 0  # a refund gives the units back
    assert online["reservations_not_matching_lines"] == 0
    assert refunds["acknowledged"] == refunds["payments_refunded_in_db"] > 0
    assert refunds["refunded_amount_mismatch"] == 0
    assert report["invariant_breaches"] == {}
