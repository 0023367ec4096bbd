from __future__ import annotations

import pytest

from omniretail.core.errors import InvalidState
from omniretail.core.models import OutboxEvent
from omniretail.orders import state
from omniretail.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

ALLOWED = [(src, dst) for src, targets in state.TRANSITIONS.items() for dst in sorted(targets)]
ILLEGAL = [
    (OrderStatus.CREATED, OrderStatus.PAID),
    (OrderStatus.AWAITING_PAYMENT, OrderStatus.SHIPPED),
    (OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP),
    (OrderStatus.ALLOCATED, OrderStatus.COMPLETED),
    (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    (OrderStatus.COMPLETED, OrderStatus.CANCELLED),
    (OrderStatus.CANCELLED, OrderStatus.PAID),
    (OrderStatus.REFUNDED, OrderStatus.COMPLETED),
]


@pytest.fixture
def till_order(make_sku, place):
    """A till order: no reservations, so any status keeps the stock invariants."""
    return place((make_sku("A"), 1), channel="pos", mode="pos_carry_out")


def test_every_status_has_a_row_when_table_is_read():
    assert set(state.TRANSITIONS) == set(OrderStatus.values)


@pytest.mark.parametrize(("src", "dst"), ALLOWED)
def test_transition_is_recorded_when_allowed(till_order, src, dst):
    Order.objects.filter(pk=till_order.pk).update(status=src)
    state.transition(till_order, dst, note="n")
    till_order.refresh_from_db()
    assert till_order.status == dst
    event = till_order.events.last()
    assert (event.from_status, event.to_status, event.kind) == (src, dst, dst)
    assert OutboxEvent.objects.filter(
        topic=f"orders.{dst}", aggregate_id=str(till_order.pk)
    ).exists()


@pytest.mark.parametrize(("src", "dst"), ILLEGAL)
def test_transition_is_refused_when_not_in_table(till_order, src, dst):
    Order.objects.filter(pk=till_order.pk).update(status=src)
    before = till_order.events.count()
    with pytest.raises(InvalidState) as err:
        state.transition(till_order, dst)
    assert err.value.code == "order_invalid_transition"
    assert err.value.details == {"from": src, "to": dst}
    assert till_order.events.count() == before


def test_event_records_actor_and_device_when_acting_as_someone(till_order):
    from omniretail.core.context import Actor, acting_as

    with acting_as(Actor(user_id=7, label="clerk", device="POS-01", ip_address="10.0.0.1")):
        state.transition(till_order, OrderStatus.PAID)
    event = till_order.events.last()
    assert (event.user_id, event.actor_label, event.device, event.ip_address) == (
        7,
        "clerk",
        "POS-01",
        "10.0.0.1",
    )
