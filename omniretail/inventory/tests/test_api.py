from __future__ import annotations

import pytest

from omniretail.inventory import movements
from omniretail.inventory.models import Movement, StockLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(org, sku, frozen_now):
    for code in ("S1", "S2"):
        movements.receive(
            sku_id=sku.pk,
            location_id=org["floor"][code].pk,
            quantity=10,
            unit_cost_fen=100,
            reference=f"PO-{code}",
        )
    return sku


def test_store_manager_cannot_read_or_move_other_store_stock_when_scoped(
    org, stocked, make_user, api_as
):
    api = api_as(make_user("store_manager", store="S1"))
    s2 = org["floor"]["S2"].pk
    sku = stocked.pk
    assert api.get(f"inventory/skus/{sku}/locations/{s2}/card").status_code == 404
    listed = api.get("inventory/stock").json()["items"]
    assert {r["location_id"] for r in listed} == {org["floor"]["S1"].pk}
    assert [r["location_id"] for r in api.get(f"inventory/skus/{sku}/where").json()] == [
        org["floor"]["S1"].pk
    ]
    for path, body in [
        ("inventory/sales", {"sku_id": sku, "location_id": s2, "quantity": 1, "reference": "x"}),
        (
            "inventory/receipts",
            {"sku_id": sku, "location_id": s2, "quantity": 1, "unit_cost_fen": 1, "reference": "y"},
        ),
        (
            "inventory/reservations",
            {"sku_id": sku, "location_id": s2, "quantity": 1, "reference": "z"},
        ),
        ("inventory/adjustments", {"sku_id": sku, "location_id": s2, "delta": -1, "reason": "r"}),
        ("inventory/counts", {"location_id": s2, "kind": "full"}),
    ]:
        response = api.post(path, body)
        assert response.status_code == 404, (path, response.json())
    assert StockLevel.objects.get(sku=stocked, location_id=s2).on_hand == 10


def test_reservation_flow_over_api_when_fulfilled(org, stocked, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    loc = org["floor"]["S1"].pk
    body = {"sku_id": stocked.pk, "location_id": loc, "quantity": 3, "reference": "ORD-1:1"}
    first = api.post("inventory/reservations", body)
    assert first.status_code == 200, first.json()
    assert api.post("inventory/reservations", body).json()["id"] == first.json()["id"]
    sale = api.post("inventory/reservations/ORD-1:1/fulfil", {"sale_reference": "SALE-1"})
    assert sale.status_code == 200 and sale.json()["quantity"] == -3
    assert sale.json()["value_fen"] == -300
    too_many = api.post("inventory/reservations", {**body, "reference": "ORD-2:1", "quantity": 8})
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "inventory.insufficient_stock"


@pytest.mark.parametrize("qty", [-1, 0, 1.5, "many"])
def test_sale_answers_422_when_quantity_is_bad(org, stocked, make_user, api_as, qty):
    api = api_as(make_user("store_manager", store="S1"))
    response = api.post(
        "inventory/sales",
        {
            "sku_id": stocked.pk,
            "location_id": org["floor"]["S1"].pk,
            "quantity": qty,
            "reference": "S",
        },
    )
    assert response.status_code == 422
    assert Movement.objects.filter(kind="sale").count() == 0


def test_sale_answers_404_when_sku_unknown(org, stocked, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    response = api.post(
        "inventory/sales",
        {"sku_id": 987654, "location_id": org["floor"]["S1"].pk, "quantity": 1, "reference": "S"},
    )
    assert response.status_code == 404
    assert response.json()["code"] == "inventory.unknown_sku"


def test_cashier_cannot_adjust_when_lacking_approve_permission(org, stocked, make_user, api_as):
    api = api_as(make_user("cashier", store="S1"))
    response = api.post(
        "inventory/adjustments",
        {"sku_id": stocked.pk, "location_id": org["floor"]["S1"].pk, "delta": 5, "reason": "x"},
    )
    assert response.status_code == 403


def test_transfer_runs_end_to_end_over_api_when_both_sides_act(org, stocked, make_user, api_as):
    movements.receive(
        sku_id=stocked.pk,
        location_id=org["central"].pk,
        quantity=50,
        unit_cost_fen=100,
        reference="PO-C",
    )
    s1 = api_as(make_user("store_manager", store="S1"))
    hq = api_as(make_user("hq_admin"))
    created = s1.post(
        "inventory/transfers",
        {
            "source_id": org["central"].pk,
            "destination_id": org["floor"]["S1"].pk,
            "lines": [{"sku_id": stocked.pk, "quantity": 5}],
        },
    )
    assert created.status_code == 200, created.json()
    tid = created.json()["id"]
    assert (
        hq.post(f"inventory/transfers/{tid}/ship").json()["code"] == "inventory.illegal_transition"
    )
    assert hq.post(f"inventory/transfers/{tid}/approve").status_code == 200
    # the store cannot ship from the central warehouse: not its side
    assert s1.post(f"inventory/transfers/{tid}/ship").status_code == 404
    assert hq.post(f"inventory/transfers/{tid}/ship").json()["status"] == "shipped"
    done = s1.post(f"inventory/transfers/{tid}/receive", {"lines": []})
    assert done.json()["status"] == "closed"
    assert StockLevel.objects.get(sku=stocked, location=org["floor"]["S1"]).on_hand == 15


def test_blind_count_hides_expected_when_counting(org, stocked, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    c = api.post("inventory/counts", {"location_id": org["floor"]["S1"].pk, "kind": "full"}).json()
    assert c["lines"][0]["expected"] is None
    api.post(
        f"inventory/counts/{c['id']}/scans", {"scans": [{"sku_id": stocked.pk, "quantity": 9}]}
    )
    api.post(f"inventory/counts/{c['id']}/submit")
    approved = api.post(f"inventory/counts/{c['id']}/approve").json()
    assert approved["lines"][0]["variance"] == -1
    assert StockLevel.objects.get(sku=stocked, location=org["floor"]["S1"]).on_hand == 9
