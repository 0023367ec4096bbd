from __future__ import annotations

import pytest

from omniretail.inventory.models import Reservation

pytestmark = pytest.mark.django_db


def _body(org, sku, store="S1", ref="web-1", **kw):
    return {
        "store_id": org["stores"][store].pk,
        "channel": kw.pop("channel", "online"),
        "fulfilment_mode": kw.pop("mode", "pickup"),
        "reference": ref,
        "lines": [{"sku_id": sku.pk, "quantity": 2}],
        **kw,
    }


def test_manager_creates_and_reads_order_when_store_in_scope(org, make_sku, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku("A", price="9.90")
    created = api.post("orders/", _body(org, sku))
    assert created.status_code == 200, created.content
    data = created.json()
    assert data["total"] == "19.80" and data["status"] == "awaiting_payment"
    assert data["lines"][0]["net"] == "19.80"
    assert [e["kind"] for e in data["events"]] == ["created", "awaiting_payment"]
    got = api.get(f"orders/{data['id']}")
    assert got.status_code == 200 and got.json()["number"] == data["number"]


def test_same_reference_returns_same_order_when_posted_twice(org, make_sku, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku("A")
    first = api.post("orders/", _body(org, sku)).json()
    second = api.post("orders/", _body(org, sku)).json()
    assert first["id"] == second["id"]
    assert Reservation.objects.count() == 1


def test_manager_gets_404_when_order_is_of_another_store(org, make_sku, make_user, api_as, place):
    sku = make_sku("A", stock={"S2": 5})
    other = place((sku, 1), store="S2")
    api = api_as(make_user("store_manager", store="S1"))
    assert api.get(f"orders/{other.pk}").status_code == 404
    assert api.post(f"orders/{other.pk}/cancel", {"note": ""}).status_code == 404
    assert api.post("orders/", _body(org, sku, store="S2")).status_code == 404
    assert api.get("orders/").json()["items"] == []


def test_list_pages_with_cursor_when_many_orders(org, make_sku, make_user, api_as, place):
    sku = make_sku("A", stock={"S1": 50})
    for _ in range(5):
        place((sku, 1))
    api = api_as(make_user("store_manager", store="S1"))
    page = api.get("orders/?limit=2").json()
    seen = [o["id"] for o in page["items"]]
    while page["next_cursor"]:
        page = api.get(f"orders/?limit=2&cursor={page['next_cursor']}").json()
        seen += [o["id"] for o in page["items"]]
    assert len(seen) == len(set(seen)) == 5


def test_bopis_flow_completes_when_staff_verifies_code(org, make_sku, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    order = api.post("orders/", _body(org, make_sku("A"))).json()
    for step in ("pay", "allocate", "pick", "ready"):
        response = api.post(f"orders/{order['id']}/{step}")
        assert response.status_code == 200, (step, response.content)
    done = api.post(
        "orders/pickup/verify", {"store_id": org["stores"]["S1"].pk, "code": order["pickup_code"]}
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_illegal_transition_answers_409_with_code_when_skipping_steps(
    org, make_sku, make_user, api_as
):
    api = api_as(make_user("store_manager", store="S1"))
    order = api.post("orders/", _body(org, make_sku("A"))).json()
    response = api.post(f"orders/{order['id']}/ready")
    assert response.status_code == 409
    assert response.json()["code"] == "order_invalid_transition"


def test_unknown_fields_are_refused_when_creating(org, make_sku, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    body = {**_body(org, make_sku("A")), "total": "0.01"}
    assert api.post("orders/", body).status_code == 422


def test_analyst_cannot_create_when_lacking_permission(org, make_sku, make_user, api_as):
    api = api_as(make_user("analyst", region="east"))
    assert api.post("orders/", _body(org, make_sku("A"))).status_code == 403


def test_delivery_flow_sells_and_refund_closes_when_manager_acts(org, make_sku, make_user, api_as):
    from omniretail.inventory.models import StockLevel

    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku("A")
    order = api.post("orders/", _body(org, sku, mode="delivery")).json()
    for step in ("pay", "allocate", "pick", "deliver", "complete"):
        response = api.post(f"orders/{order['id']}/{step}")
        assert response.status_code == 200, (step, response.content)
    assert StockLevel.objects.get(sku=sku, location=org["floor"]["S1"]).on_hand == 8
    refunded = api.post(f"orders/{order['id']}/refund", {"note": "damaged"})
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["events"][-1]["note"] == "damaged"


def test_cashier_cannot_cancel_when_lacking_manage(org, make_sku, make_user, api_as, place):
    order = place((make_sku("A"), 1))
    api = api_as(make_user("cashier", store="S1"))
    assert api.post(f"orders/{order.pk}/cancel", {"note": ""}).status_code == 403


def test_customer_sees_only_own_orders_when_member_is_linked(
    org, make_sku, make_user, api_as, place
):
    from omniretail.members.services import register_member

    customer = make_user("customer")
    member = register_member(org["brand"], "13700001111", user=customer)
    sku = make_sku("A")
    mine = place((sku, 1), member_id=member.pk)
    other = place((sku, 1))
    api = api_as(customer)
    listed = api.get("orders/me").json()["items"]
    assert [o["id"] for o in listed] == [mine.pk]
    assert api.get(f"orders/me/{mine.pk}").json()["pickup_code"] == mine.pickup_code
    assert api.get(f"orders/me/{other.pk}").status_code == 404
    assert api.get(f"orders/{mine.pk}").status_code == 403
