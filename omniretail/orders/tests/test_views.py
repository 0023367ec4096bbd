from __future__ import annotations

import io
import json

import pytest

from omniretail.orders import pickup, services
from omniretail.orders.models import Courier, Order, OrderStatus

pytestmark = pytest.mark.django_db


def test_manager_sees_list_and_timeline_when_order_in_store(client, make_user, make_sku, place):
    order = place((make_sku("A"), 1))
    user = make_user("store_manager", store="S1")
    client.force_login(user)
    listing = client.get("/orders/")
    assert listing.status_code == 200 and order.number in listing.content.decode()
    detail = client.get(f"/orders/{order.pk}/")
    assert detail.status_code == 200 and order.pickup_code in detail.content.decode()


def test_detail_is_404_when_order_of_another_store(client, make_user, make_sku, place):
    order = place((make_sku("A", stock={"S2": 3}), 1), store="S2")
    user = make_user("store_manager", store="S1")
    client.force_login(user)
    assert client.get(f"/orders/{order.pk}/").status_code == 404


def test_pickup_code_is_visible_to_any_staff_with_orders_view(client, make_user, make_sku, place):
    order = place((make_sku("A"), 1))
    client.force_login(make_user("cashier", store="S1"))
    assert order.pickup_code in client.get(f"/orders/{order.pk}/").content.decode()


def test_action_buttons_move_the_order_through_htmx_posts(client, make_user, make_sku, place):
    order = place((make_sku("A"), 1))
    services.mark_paid(order)
    client.force_login(make_user("store_manager", store="S1"))
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-action="allocate"' in page
    for action, status in [
        ("allocate", "allocated"),
        ("pick", "picking"),
        ("ready", "ready_for_pickup"),
    ]:
        res = client.post(f"/orders/{order.pk}/action/{action}/", HTTP_HX_REQUEST="true")
        assert res.status_code == 200
        order.refresh_from_db()
        assert order.status == status
    res = client.post(f"/orders/{order.pk}/action/complete/", HTTP_HX_REQUEST="true")
    assert res.status_code == 200 and 'role="alert"' in res.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP


def test_action_is_404_for_a_role_without_the_permission(client, make_user, make_sku, place):
    order = place((make_sku("A"), 1))
    client.force_login(make_user("cashier", store="S1"))
    assert client.post(f"/orders/{order.pk}/action/cancel/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_pick_list_sums_units_by_sku(org, client, make_user, make_sku, place):
    sku = make_sku("A")
    for _ in range(2):
        order = place((sku, 2))
        services.mark_paid(order)
        services.allocate(order)
    client.force_login(make_user("store_manager", store="S1"))
    page = client.get("/orders/pick-list/").content.decode()
    assert "<strong>4</strong>" in page


def test_pickup_counter_hands_over_with_the_code(org, client, make_user, make_sku, place):
    order = place((make_sku("A"), 1))
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    pickup.mark_ready(order)
    client.force_login(make_user("store_manager", store="S1"))
    res = client.post("/orders/pickup/", {"store": org["stores"]["S1"].pk, "code": "000000x"})
    assert 'role="alert"' in res.content.decode()
    res = client.post(
        "/orders/pickup/",
        {"store": org["stores"]["S1"].pk, "code": order.pickup_code},
        HTTP_HX_REQUEST="true",
    )
    assert order.number in res.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_marketplace_upload_imports_csv_once(org, client, make_user, make_sku):
    sku = make_sku("A", stock={"S1": 10})
    client.force_login(make_user("store_manager", store="S1"))
    assert client.get("/orders/upload/").status_code == 404  # importing is head office's job
    client.force_login(make_user("hq_admin"))
    body = f"external_order_id,store_code,fulfilment_mode,sku,quantity\nTM-1,S1,ship,{sku.code},2\n"
    for _ in range(2):
        f = io.BytesIO(body.encode())
        f.name = "tmall.csv"
        res = client.post("/orders/upload/", {"file": f})
        assert res.status_code == 200
    assert Order.objects.filter(external_order_id="TM-1").count() == 1
    assert "duplicate" in res.content.decode()
    bad = io.BytesIO(json.dumps({"rows": [{"external_order_id": "X", "lines": "nope"}]}).encode())
    bad.name = "x.json"
    assert client.post("/orders/upload/", {"file": bad}).status_code == 200


def test_dispatch_board_plans_and_dispatches(org, client, make_user, make_sku):
    from omniretail.orders import routing

    store = org["stores"]["S1"]
    sku = make_sku("A")
    Courier.objects.create(store=store, name="小王", capacity=10)
    [order] = routing.place_routed_order(
        store=store,
        channel="online",
        fulfilment_mode="delivery",
        lines=[services.LineRequest(sku.pk, 1)],
        reference="board-1",
        latitude=31.235,
        longitude=121.475,
    )
    services.mark_paid(order)
    client.force_login(make_user("store_manager", store="S1"))
    assert client.get("/orders/dispatch/").status_code == 200
    res = client.post("/orders/dispatch/", {"store": store.pk, "op": "plan"})
    assert res.status_code == 200 and "小王" in res.content.decode()
    route = order.delivery_stops.get().route
    client.post("/orders/dispatch/", {"store": store.pk, "op": "dispatch", "route": route.pk})
    order.refresh_from_db()
    assert order.status == OrderStatus.OUT_FOR_DELIVERY


def test_sla_and_notification_pages_render(client, make_user):
    client.force_login(make_user("store_manager", store="S1"))
    assert client.get("/orders/sla/").status_code == 200
    assert client.get("/orders/sla/?start=bad").status_code == 200
    assert client.get("/orders/notifications/").status_code == 200


def test_return_desk_takes_back_an_order_sold_by_another_store(
    org, client, make_user, make_sku, place
):
    from omniretail.inventory.models import StockLevel

    sku = make_sku("A", stock={"S1": 5})
    order = place((sku, 2), channel="pos", mode="pos_carry_out")
    services.mark_paid(order)
    client.force_login(make_user("store_manager", store="S2"))
    page = client.get(f"/orders/returns/?number={order.number}").content.decode()
    assert f"qty_{order.lines.get().pk}" in page
    res = client.post(
        "/orders/returns/",
        {
            "store": org["stores"]["S2"].pk,
            "number": order.number,
            "reference": "desk-1",
            "qty_" + str(order.lines.get().pk): "1",
        },
    )
    assert 'role="status"' in res.content.decode()
    assert StockLevel.objects.get(sku=sku, location=org["floor"]["S2"]).on_hand == 1
    res = client.post(
        "/orders/returns/",
        {
            "store": org["stores"]["S2"].pk,
            "number": order.number,
            "reference": "desk-2",
            "qty_" + str(order.lines.get().pk): "5",
        },
    )
    assert 'role="alert"' in res.content.decode()
