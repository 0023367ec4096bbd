"""Flash sales: the promotional quantity and the per-member limit hold at order placement,
units are held in inventory and given back on cancel; N buyers racing for K units → K win."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from omniretail.core import clock
from omniretail.core.errors import Conflict
from omniretail.promotions import flash, services
from omniretail.promotions.models import FlashSaleClaim, FlashSaleCounter
from omniretail.promotions.tests.test_segments import make_members


def _sale(org: dict[str, Any], sku: Any, quantity: int = 2, per_member: int | None = None) -> Any:
    now = clock.now()
    params: dict[str, Any] = {"prices": {str(sku.pk): "50"}, "quantity_limit": quantity}
    if per_member:
        params["per_member_limit"] = per_member
    return services.create_promotion(
        org["brand"],
        code="FLASH",
        name="秒杀",
        kind="flash_sale",
        params=params,
        status="active",
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
    )


@pytest.mark.django_db
def test_orders_take_flash_units_until_sold_out_then_refuse(
    org: dict[str, Any], frozen_now: Any, make_sku: Any, place: Any
) -> None:
    from omniretail.orders.models import Order

    sku = make_sku("MT", price="100", stock={"S1": 20})
    promo = _sale(org, sku, quantity=3)

    first = place((sku, 2), ref="a")
    second = place((sku, 2), ref="b")  # one unit left: one at 50, one at 100

    assert (first.total, second.total) == (Decimal("100.00"), Decimal("150.00"))
    assert FlashSaleCounter.objects.get(promotion=promo).claimed == 3
    third = place((sku, 1), ref="c")  # priced with none left: normal price, nothing claimed
    assert third.total == Decimal("100.00")
    assert Order.objects.count() == 3


@pytest.mark.django_db
def test_order_is_refused_and_nothing_written_when_units_went_since_pricing(
    org: dict[str, Any], frozen_now: Any, make_sku: Any
) -> None:
    from omniretail.orders.models import Order
    from omniretail.promotions import engine, selectors

    sku = make_sku("MT", price="100", stock={"S1": 20})
    promo = _sale(org, sku, quantity=1)
    store = org["stores"]["S1"]
    cart = selectors.build_cart(
        org["brand"].pk, [(sku.pk, 1)], channel="pos", store=store, at=clock.now()
    )
    stale = engine.price_cart(cart, selectors.active_promotions(org["brand"].pk, clock.now()))
    flash.claim(promo, reference="elsewhere", units={sku.pk: 1}, member_id=None)

    with pytest.raises(Conflict) as exc:
        services.record_applied_promotions(org["brand"], "late-order", stale)

    assert exc.value.code == "promotions.flash_sold_out"
    assert not FlashSaleClaim.objects.filter(reference="late-order").exists()
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_member_pays_normal_price_when_over_per_member_limit(
    org: dict[str, Any], frozen_now: Any, make_sku: Any, place: Any
) -> None:
    sku = make_sku("MT", price="100", stock={"S1": 20})
    promo = _sale(org, sku, quantity=10, per_member=1)
    (member,) = make_members(org, 1)

    first = place((sku, 2), ref="m1", member_id=member.pk)
    again = place((sku, 1), ref="m2", member_id=member.pk)

    assert first.total == Decimal("150.00")  # one unit at the flash price, one at list
    assert again.total == Decimal("100.00")
    with pytest.raises(Conflict) as exc:
        flash.claim(promo, reference="m3", units={sku.pk: 1}, member_id=member.pk)
    assert exc.value.code == "promotions.flash_member_limit"
    assert flash.member_usage(member.pk) == {promo.pk: 1}


@pytest.mark.django_db
def test_held_stock_shrinks_with_each_claim_and_units_return_when_order_cancelled(
    org: dict[str, Any], frozen_now: Any, make_sku: Any, place: Any
) -> None:
    from omniretail.core.events import dispatch_due
    from omniretail.inventory.models import StockLevel
    from omniretail.orders.services import cancel

    sku = make_sku("MT", price="100", stock={"S1": 10})
    promo = _sale(org, sku, quantity=4)
    floor = org["floor"]["S1"]
    flash.hold_stock(promo, location_id=floor.pk, units={sku.pk: 4})
    level = StockLevel.objects.get(sku=sku, location=floor)
    assert level.reserved == 4

    order = place((sku, 3), ref="hold-1")  # pickup: the order reserves its own 3 units

    level.refresh_from_db()
    assert level.reserved == 1 + 3  # the sale holds 1 left, the order holds its 3
    assert FlashSaleCounter.objects.get(promotion=promo).claimed == 3
    cancel(order)
    dispatch_due()
    assert FlashSaleCounter.objects.get(promotion=promo).claimed == 0
    assert FlashSaleClaim.objects.get(reference=order.number).released_at is not None


# --- Real processes racing -------------------------------------------------------------------


def _buy_worker(args: tuple[str, int, int, str]) -> str:
    db_name, store_id, sku_id, ref = args
    from omniretail.core.errors import DomainError
    from omniretail.core.models import Store
    from omniretail.orders.services import LineRequest, place_order

    connections.close_all()
    connection.settings_dict["NAME"] = db_name
    try:
        place_order(
            store=Store.objects.get(pk=store_id),
            channel="online",
            fulfilment_mode="pickup",
            lines=[LineRequest(sku_id, 1)],
            reference=ref,
        )
        return "ok"
    except DomainError as exc:
        return f"refused:{exc.code}"
    except Exception as exc:
        return f"error:{exc!r}"
    finally:
        connections.close_all()


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_exactly_k_buyers_get_flash_units_when_n_processes_race(
    org: dict[str, Any], make_sku: Any
) -> None:
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs OMNIRETAIL_TEST_DB_FILE: child processes cannot see an in-memory DB")
    sku = make_sku("RACE", price="100", stock={"S1": 50})
    promo = _sale(org, sku, quantity=3)
    store = org["stores"]["S1"]
    db_name = str(connection.settings_dict["NAME"])
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(4) as pool:
        outcomes = pool.map(
            _buy_worker, [(db_name, store.pk, sku.pk, f"race-{n}") for n in range(8)]
        )

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    claims = FlashSaleClaim.objects.filter(promotion=promo)
    assert (
        sum(c.quantity for c in claims)
        == 3
        == FlashSaleCounter.objects.get(promotion=promo).claimed
    )
    assert all(o == "ok" or o == "refused:promotions.flash_sold_out" for o in outcomes), outcomes
