from __future__ import annotations

import pytest

from omniretail.inventory import services as inventory
from omniretail.orders import invariants
from omniretail.orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db


def test_invariants_hold_when_orders_are_placed_normally(make_sku, place):
    place((make_sku("A"), 2), (make_sku("B"), 1))
    assert list(invariants.total_is_sum_of_lines()) == []
    assert list(invariants.line_net()) == []
    assert list(invariants.open_remote_lines_hold_stock()) == []


@pytest.mark.allow_invariant_breach
def test_total_breach_is_reported_when_total_drifts(make_sku, place):
    order = place((make_sku("A"), 1))
    Order.objects.filter(pk=order.pk).update(total=1)
    assert len(list(invariants.total_is_sum_of_lines())) == 1


@pytest.mark.allow_invariant_breach
def test_line_breach_is_reported_when_net_is_wrong(make_sku, place):
    order = place((make_sku("A"), 2))
    OrderLine.objects.filter(order=order).update(discount=1)
    assert len(list(invariants.line_net())) == 1


@pytest.mark.allow_invariant_breach
def test_unheld_line_is_reported_when_reservation_is_released_behind_orders_back(make_sku, place):
    order = place((make_sku("A"), 1))
    inventory.release(f"{order.number}:1")
    assert list(invariants.open_remote_lines_hold_stock()) == [
        f"order {order.number} line 1: neither reserved nor sold"
    ]
