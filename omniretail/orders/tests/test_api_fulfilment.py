from __future__ import annotations

import pytest

from omniretail.orders.models import Courier

pytestmark = pytest.mark.django_db


def _routed(api, org, sku, ref, mode="ship", qty=1, **kw):
    return api.post(
        "orders/routed",
        {
            "store_id": org["stores"]["S1"].pk,
            "fulfilment_mode": mode,
            "reference": ref,
            "latitude": 31.24,
            "longitude": 121.48,
            "lines": [{"sku_id": sku.pk, "quantity": qty}],
            **kw,
        },
    )


def _to_picking(api, order_id):
    for step in ("pay", "allocate", "pick"):
        assert api.post(f"orders/{order_id}/{step}").status_code == 200


def test_routed_order_ships_with_tracking_and_completes_on_delivered_scan(
    org, make_user, api_as, make_sku
):
    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku("A", stock={"S1": 5})
    res = _routed(api, org, sku, "api-ship-1", qty=2)
    assert res.status_code == 200, res.json()
    [order] = res.json()["orders"]
    assert order["location_id"] == org["floor"]["S1"].pk
    _to_picking(api, order["id"])
    res = api.post(
        f"orders/{order['id']}/shipments",
        {
            "carrier": "SF",
            "tracking_number": "SF20261123001",
            "picked": [{"line_no": 1, "quantity": 1}],
        },
    )
    assert res.status_code == 200, res.json()
    shipment = res.json()
    assert api.get(f"orders/{order['id']}").json()["status"] == "partially_fulfilled"
    res = api.post(f"orders/shipments/{shipment['id']}/scans", {"status": "delivered"})
    assert res.status_code == 200 and res.json()["status"] == "delivered"
    detail = api.get(f"orders/{order['id']}").json()
    assert detail["status"] == "completed"
    assert detail["lines"][0]["fulfilled_quantity"] == 1


def test_shipment_is_422_when_line_unknown_and_404_when_order_elsewhere(
    org, make_user, api_as, make_sku, place
):
    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku("A", stock={"S1": 5, "S2": 5})
    [order] = _routed(api, org, sku, "api-ship-2").json()["orders"]
    _to_picking(api, order["id"])
    res = api.post(
        f"orders/{order['id']}/shipments",
        {
            "carrier": "SF",
            "tracking_number": "SF20261123002",
            "picked": [{"line_no": 9, "quantity": 1}],
        },
    )
    assert res.status_code == 422
    other = place((sku, 1), store="S2", mode="ship")
    res = api.post(
        f"orders/{other.pk}/shipments", {"carrier": "SF", "tracking_number": "SF2026112"}
    )
    assert res.status_code == 404


def test_delivery_plan_and_dispatch_through_the_api(org, make_user, api_as, make_sku):
    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku("A", stock={"S1": 10})
    res = api.post(
        "orders/couriers", {"store_id": org["stores"]["S1"].pk, "name": "小王", "capacity": 10}
    )
    assert res.status_code == 200
    ids = []
    for i in range(3):
        [order] = _routed(api, org, sku, f"api-d-{i}", mode="delivery").json()["orders"]
        api.post(f"orders/{order['id']}/pay")
        ids.append(order["id"])
    res = api.post(
        "orders/delivery/plan", {"store_id": org["stores"]["S1"].pk, "time_limit_s": 0.3}
    )
    assert res.status_code == 200, res.json()
    [route] = res.json()["routes"]
    assert sorted(s["order_id"] for s in route["stops"]) == sorted(ids)
    assert res.json()["dropped_order_ids"] == []
    res = api.post(f"orders/delivery/routes/{route['id']}/dispatch")
    assert res.status_code == 200 and res.json()["dispatched_at"]
    assert {api.get(f"orders/{i}").json()["status"] for i in ids} == {"out_for_delivery"}
    assert api.post(f"orders/delivery/routes/{route['id']}/dispatch").status_code == 409


def test_delivery_plan_is_404_for_a_store_outside_scope(org, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    Courier.objects.create(store=org["stores"]["S2"], name="x")
    res = api.post("orders/delivery/plan", {"store_id": org["stores"]["S2"].pk})
    assert res.status_code == 404


def test_sla_report_and_policy_through_the_api(org, make_user, api_as, make_sku, frozen_now):
    api = api_as(make_user("store_manager", store="S1"))
    res = api.put(
        "orders/sla/policies",
        {"store_id": org["stores"]["S1"].pk, "fulfilment_mode": "pickup", "minutes": 20},
    )
    assert res.status_code == 200 and res.json()["minutes"] == 20
    sku = make_sku("A", stock={"S1": 5})
    [order] = _routed(api, org, sku, "api-sla", mode="pickup").json()["orders"]
    api.post(f"orders/{order['id']}/pay")
    detail = api.get(f"orders/{order['id']}").json()
    assert detail["sla_due_at"] and detail["paid_at"]
    res = api.get("orders/sla/report")
    assert res.status_code == 200
    [row] = res.json()["stores"]
    assert (row["store_code"], row["promised"]) == ("S1", 1)
    assert api.get("orders/sla/report?start=2026-11-23&end=2026-01-01").status_code == 422


def test_routed_tobacco_delivery_is_422(org, make_user, api_as, make_sku):
    from omniretail.catalog.restrictions import add_restriction

    api = api_as(make_user("store_manager", store="S1"))
    cig = make_sku("CIG", stock={"S1": 5})
    add_restriction(kind="not_sellable", sku=cig, channel="online")
    res = _routed(api, org, cig, "api-cig", mode="delivery")
    assert res.status_code == 422 and res.json()["code"] == "order_sku_not_sellable"


def test_routed_order_is_422_when_sku_unknown_or_tobacco_without_stock(
    org, make_user, api_as, make_sku
):
    from omniretail.catalog.restrictions import add_restriction

    api = api_as(make_user("store_manager", store="S1"))
    res = _routed(api, org, type("Sku", (), {"pk": 2**40})(), "api-unknown")
    assert res.status_code == 422 and res.json()["code"] == "order_unknown_sku"
    cig = make_sku("CIG", stock={})
    add_restriction(kind="not_sellable", sku=cig, channel="online")
    res = _routed(api, org, cig, "api-cig-none", mode="delivery")
    assert res.status_code == 422 and res.json()["code"] == "order_sku_not_sellable"


def test_naive_delivery_window_is_taken_in_local_time(org, make_user, api_as, make_sku):
    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku("A", stock={"S1": 5})
    res = _routed(api, org, sku, "api-window", mode="delivery", deliver_by="2026-11-23T12:00:00")
    assert res.status_code == 200, res.json()
    assert res.json()["orders"][0]["status"] == "awaiting_payment"
