from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.core.models import OutboxEvent
from omniretail.inventory.models import Movement, Reservation, StockLevel
from omniretail.orders import services
from omniretail.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def _level(sku, org, store="S1"):
    return StockLevel.objects.get(sku=sku, location=org["floor"][store])


def test_online_order_reserves_each_line_when_placed(org, make_sku, place):
    a, b = make_sku("A", price="12.50"), make_sku("B", price="3")
    order = place((a, 2), (b, 1))
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.number.startswith("S1-20261123-")
    assert order.total == Decimal("28.00")
    assert [ln.net for ln in order.lines.order_by("line_no")] == [Decimal("25.00"), Decimal("3.00")]
    refs = set(Reservation.objects.values_list("reference", flat=True))
    assert refs == {f"{order.number}:1", f"{order.number}:2"}
    assert _level(a, org).reserved == 2
    assert list(order.events.values_list("kind", flat=True)) == ["created", "awaiting_payment"]
    assert OutboxEvent.objects.filter(topic="orders.awaiting_payment").count() == 1


def test_same_reference_returns_one_order_and_one_reservation_when_placed_twice(
    org, make_sku, place
):
    a = make_sku("A")
    first = place((a, 3), ref="client-1")
    second = place((a, 3), ref="client-1")
    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert Reservation.objects.count() == 1
    assert _level(a, org).reserved == 3


def test_reference_is_refused_when_reused_for_another_store(org, make_sku, place):
    a = make_sku("A", stock={"S1": 5, "S2": 5})
    place((a, 1), ref="client-1")
    with pytest.raises(Conflict):
        place((a, 1), ref="client-1", store="S2")


def test_nothing_is_written_when_stock_is_short(org, make_sku, place):
    a, b = make_sku("A", stock={"S1": 5}), make_sku("B", stock={"S1": 1})
    with pytest.raises(Conflict):
        place((a, 2), (b, 2))
    assert Order.objects.count() == 0
    assert _level(a, org).reserved == 0


def test_tobacco_is_refused_when_shipped_online(org, make_sku, place):
    from omniretail.catalog.restrictions import add_restriction

    cig = make_sku("CIG")
    add_restriction(kind="not_sellable", sku=cig, channel="online", note="烟草不得网售")
    with pytest.raises(ValidationFailed) as err:
        place((cig, 1), mode="ship")
    assert err.value.code == "order_sku_not_sellable"
    assert err.value.details["in_store_purchase"] is True


def test_tobacco_is_reserved_for_purchase_in_store_when_picked_up(org, make_sku, place):
    from omniretail.catalog.restrictions import add_restriction

    cig = make_sku("CIG")
    add_restriction(kind="not_sellable", sku=cig, channel="online")
    order = place((cig, 1), mode="pickup")
    assert order.lines.get().in_store_purchase is True


def test_sku_is_refused_when_not_displayable_online(org, make_sku, place):
    from omniretail.catalog.restrictions import add_restriction

    x = make_sku("X")
    add_restriction(kind="not_sellable", sku=x, channel="online", display_allowed=False)
    with pytest.raises(ValidationFailed):
        place((x, 1), mode="pickup")


def test_pos_order_sells_and_completes_when_paid(org, make_sku, place):
    a = make_sku("A")
    order = place((a, 2), channel="pos", mode="pos_carry_out")
    assert Reservation.objects.count() == 0
    services.mark_paid(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert _level(a, org).on_hand == 8
    assert Movement.objects.filter(reference=f"order:{order.number}:1").exists()


def test_cancel_releases_reservations_when_order_is_open(org, make_sku, place):
    a = make_sku("A")
    order = place((a, 4))
    services.cancel(order, reason="customer changed mind")
    assert _level(a, org).reserved == 0
    assert Reservation.objects.get().status == "released"
    assert order.events.last().note == "customer changed mind"


def test_shipping_converts_reservations_to_sales_when_dispatched(org, make_sku, place):
    a = make_sku("A")
    order = place((a, 2), mode="ship")
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    services.dispatch(order, OrderStatus.SHIPPED)
    level = _level(a, org)
    assert (level.on_hand, level.reserved) == (8, 0)
    assert Reservation.objects.get().status == "fulfilled"
    services.complete(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_dispatch_is_refused_when_mode_does_not_match(org, make_sku, place):
    a = make_sku("A")
    order = place((a, 1), mode="pickup")
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    with pytest.raises(ValidationFailed):
        services.dispatch(order, OrderStatus.SHIPPED)


def test_carry_out_is_refused_when_channel_is_online(org, make_sku, place):
    a = make_sku("A")
    with pytest.raises(ValidationFailed):
        place((a, 1), mode="pos_carry_out")


def test_promotion_discount_is_allocated_to_lines_when_active(org, make_sku, place, frozen_now):
    import datetime as dt

    from omniretail.promotions.models import AppliedDiscount
    from omniretail.promotions.services import create_promotion

    a, b = make_sku("A", price="100"), make_sku("B", price="50")
    create_promotion(
        org["brand"],
        code="OFF10",
        name="九折",
        kind="percent_off",
        params={"percent": "10"},
        scope={},
        status="active",
        starts_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    order = place((a, 1), (b, 2))
    lines = list(order.lines.order_by("line_no"))
    assert order.list_total == Decimal("200.00")
    assert order.discount_total == sum(ln.discount for ln in lines) > 0
    assert order.total == order.list_total - order.discount_total
    assert all(ln.allocations for ln in lines)
    assert AppliedDiscount.objects.filter(order_ref=order.number).exists()


def test_illegal_transition_is_refused_with_stable_code_when_skipping_payment(org, make_sku, place):
    a = make_sku("A")
    order = place((a, 1))
    with pytest.raises(InvalidState) as err:
        services.allocate(order)
    assert err.value.code == "order_invalid_transition"


def test_unpaid_remote_order_is_cancelled_when_timeout_passes(org, make_sku, place, frozen_now):
    import datetime as dt

    a = make_sku("A")
    unpaid = place((a, 2), mode="ship")
    paid = place((a, 1), mode="ship")
    till = place((a, 1), channel="pos", mode="pos_carry_out")
    services.mark_paid(paid)
    frozen_now.shift(dt.timedelta(minutes=29))
    assert services.cancel_unpaid_orders() == 0
    frozen_now.shift(dt.timedelta(minutes=2))
    assert services.cancel_unpaid_orders() == 1
    unpaid.refresh_from_db()
    till.refresh_from_db()
    assert unpaid.status == OrderStatus.CANCELLED
    assert till.status == OrderStatus.AWAITING_PAYMENT
    assert _level(a, org).reserved == 1
