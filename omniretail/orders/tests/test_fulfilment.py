from __future__ import annotations

import pytest

from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.orders import fulfilment, services
from omniretail.orders.models import OrderStatus, ShipmentStatus

pytestmark = pytest.mark.django_db


def _picking(order):
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    return order


def _level(org, sku):
    level = StockLevel.objects.get(sku=sku, location=org["floor"]["S1"])
    return level.on_hand, level.reserved


def test_ship_sells_all_lines_and_records_tracking_when_picked_in_full(org, make_sku, place):
    sku = make_sku("A")
    order = _picking(place((sku, 3), mode="ship"))
    shipment = fulfilment.ship(order, carrier="sf", tracking_number="SF1234567890")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.fulfilled_at is not None
    assert (shipment.carrier, shipment.lines.get().quantity) == ("SF", 3)
    assert shipment.events.get().status == ShipmentStatus.SHIPPED
    assert _level(org, sku) == (7, 0)
    assert order.lines.get().fulfilled_quantity == 3


def test_order_is_partially_fulfilled_and_short_units_released_when_picked_short(
    org, make_sku, place
):
    a, b = make_sku("A"), make_sku("B")
    order = _picking(place((a, 4), (b, 2), mode="ship"))
    line_a, line_b = order.lines.order_by("line_no")
    fulfilment.ship(
        order, carrier="ZTO", tracking_number="ZT-000111", picked={line_a.pk: 3, line_b.pk: 0}
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    assert _level(org, a) == (7, 0) and _level(org, b) == (10, 0)
    assert [ln.fulfilled_quantity for ln in order.lines.order_by("line_no")] == [3, 0]
    event = order.events.get(kind=OrderStatus.PARTIALLY_FULFILLED)
    assert event.data["short"] == {str(line_a.pk): 1, str(line_b.pk): 2}


def test_delivered_scan_completes_the_order_when_parcel_arrives(make_sku, place):
    order = _picking(place((make_sku("A"), 1), mode="ship"))
    shipment = fulfilment.ship(order, carrier="JD", tracking_number="JD0001112")
    fulfilment.record_scan(shipment, "in_transit", place="杭州转运中心")
    fulfilment.record_scan(shipment, "delivered")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert list(shipment.events.values_list("status", flat=True)) == [
        "shipped",
        "in_transit",
        "delivered",
    ]
    assert order.events.filter(kind="shipment_in_transit").exists()


@pytest.mark.parametrize(
    ("carrier", "tracking"), [("DHLX", "SF1234567"), ("SF", "12"), ("SF", "含中文123456")]
)
def test_ship_is_refused_when_carrier_or_tracking_is_bad(make_sku, place, carrier, tracking):
    order = _picking(place((make_sku("A"), 1), mode="ship"))
    with pytest.raises(ValidationFailed):
        fulfilment.ship(order, carrier=carrier, tracking_number=tracking)
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKING and not order.shipments.exists()


def test_ship_is_refused_when_tracking_number_is_reused(make_sku, place):
    sku = make_sku("A")
    first = _picking(place((sku, 1), mode="ship"))
    second = _picking(place((sku, 1), mode="ship"))
    fulfilment.ship(first, carrier="SF", tracking_number="SF99999999")
    with pytest.raises(Conflict):
        fulfilment.ship(second, carrier="SF", tracking_number="SF99999999")
    second.refresh_from_db()
    assert second.status == OrderStatus.PICKING
    assert Reservation.objects.get(reference=f"{second.number}:1").status == "active"


def test_ship_is_refused_when_not_picking_or_nothing_handed_over(make_sku, place):
    order = place((make_sku("A"), 2), mode="ship")
    services.mark_paid(order)
    with pytest.raises(InvalidState):
        fulfilment.ship(order, carrier="SF", tracking_number="SF12345678")
    services.allocate(order)
    services.start_picking(order)
    line = order.lines.get()
    with pytest.raises(ValidationFailed):
        fulfilment.ship(order, carrier="SF", tracking_number="SF12345678", picked={line.pk: 0})
    with pytest.raises(ValidationFailed):
        fulfilment.ship(order, carrier="SF", tracking_number="SF12345678", picked={line.pk: 3})


def test_delivery_dispatch_picked_short_is_partially_fulfilled(org, make_sku, place):
    sku = make_sku("A")
    order = _picking(place((sku, 2), mode="delivery"))
    services.dispatch(order, OrderStatus.OUT_FOR_DELIVERY, {order.lines.get().pk: 1})
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED and _level(org, sku) == (9, 0)
    services.complete(order)


def test_return_is_limited_to_units_handed_over_when_order_was_picked_short(org, make_sku, place):
    from omniretail.orders import returns

    sku = make_sku("A")
    order = _picking(place((sku, 3), mode="ship"))
    line = order.lines.get()
    shipment = fulfilment.ship(
        order, carrier="SF", tracking_number="SF55555555", picked={line.pk: 1}
    )
    fulfilment.record_scan(shipment, "delivered")
    with pytest.raises(ValidationFailed):
        returns.return_lines(
            order.pk, [(line.pk, 2)], store_id=org["stores"]["S1"].pk, reference="R-short"
        )
    row = returns.return_lines(
        order.pk, [(line.pk, 1)], store_id=org["stores"]["S1"].pk, reference="R-short-1"
    )
    assert row.lines.get().quantity == 1
