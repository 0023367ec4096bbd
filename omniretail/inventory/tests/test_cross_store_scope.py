"""A store manager, a cashier and a warehouse clerk of S1 can neither read nor change S2's
data through any endpoint: out-of-scope objects answer 404 (or 403 where the role lacks the
permission altogether) and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from omniretail.inventory import services
from omniretail.inventory.models import Movement

pytestmark = pytest.mark.django_db

ROLES = ["store_manager", "cashier", "warehouse_clerk"]


@pytest.fixture
def s2_data(org: dict[str, Any], sku: Any) -> dict[str, Any]:
    s2 = org["floor"]["S2"].pk
    s3 = org["floor"]["S3"].pk
    services.receive(
        sku_id=sku.pk, location_id=s2, quantity=10, unit_cost_fen=1000, reference="R-S2"
    )
    transfer = services.request_transfer(
        source_id=s2, destination_id=s3, lines=[services_line(sku.pk, 2)]
    )
    count = services.open_count(location_id=s2, kind="full")
    return {
        "sku": sku.pk,
        "loc": s2,
        "store": org["stores"]["S2"].pk,
        "transfer": transfer.pk,
        "count": count.pk,
    }


def services_line(sku_id: int, quantity: int) -> Any:
    from omniretail.inventory.transfers import LineIn

    return LineIn(sku_id=sku_id, quantity=quantity)


@pytest.mark.parametrize("role", ROLES)
def test_s1_staff_cannot_read_s2_objects(role, make_user, api_as, s2_data):
    api = api_as(make_user(role, store="S1"))
    d = s2_data
    reads = [
        f"org/stores/{d['store']}",
        f"org/locations/{d['loc']}",
        f"inventory/skus/{d['sku']}/locations/{d['loc']}/card",
        f"inventory/transfers/{d['transfer']}",
        f"inventory/counts/{d['count']}",
        f"catalog/esl/{d['store']}/changes",
    ]
    for path in reads:
        status = api.get(path).status_code
        assert status in (403, 404), f"{role} GET {path} → {status}"
    stock = api.get(f"inventory/stock?location_id={d['loc']}")
    assert stock.status_code in (403, 404) or stock.json()["items"] == []
    transfers = api.get("inventory/transfers")
    if transfers.status_code == 200:
        body = transfers.json()
        items = body["items"] if isinstance(body, dict) else body
        assert all(t["id"] != d["transfer"] for t in items)
    counts = api.get("inventory/counts")
    if counts.status_code == 200:
        body = counts.json()
        items = body["items"] if isinstance(body, dict) else body
        assert all(c["id"] != d["count"] for c in items)


@pytest.mark.parametrize("role", ROLES)
def test_s1_staff_cannot_change_s2_stock(role, make_user, api_as, s2_data):
    api = api_as(make_user(role, store="S1"))
    d = s2_data
    before = Movement.objects.count()
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        (
            "post",
            "inventory/receipts",
            {
                "sku_id": d["sku"],
                "location_id": d["loc"],
                "quantity": 1,
                "unit_cost_fen": 1,
                "reference": "x1",
            },
        ),
        (
            "post",
            "inventory/sales",
            {"sku_id": d["sku"], "location_id": d["loc"], "quantity": 1, "reference": "x2"},
        ),
        (
            "post",
            "inventory/returns",
            {"sku_id": d["sku"], "location_id": d["loc"], "quantity": 1, "reference": "x3"},
        ),
        (
            "post",
            "inventory/adjustments",
            {"sku_id": d["sku"], "location_id": d["loc"], "delta": -1, "reason": "x"},
        ),
        (
            "post",
            "inventory/reservations",
            {"sku_id": d["sku"], "location_id": d["loc"], "quantity": 1, "reference": "x4"},
        ),
        ("put", f"inventory/skus/{d['sku']}/locations/{d['loc']}/policy", {"safety_buffer": 1}),
        ("post", f"inventory/transfers/{d['transfer']}/approve", None),
        ("post", f"inventory/transfers/{d['transfer']}/ship", None),
        ("post", f"inventory/transfers/{d['transfer']}/cancel", None),
        ("post", f"inventory/counts/{d['count']}/submit", None),
        ("post", f"inventory/counts/{d['count']}/approve", None),
        ("patch", f"org/stores/{d['store']}", {"phone": "1"}),
    ]
    for method, path, body in writes:
        response = (
            getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)
        )
        assert response.status_code in (403, 404), (
            f"{role} {method.upper()} {path} → {response.status_code} {response.content[:200]!r}"
        )
    assert Movement.objects.count() == before
