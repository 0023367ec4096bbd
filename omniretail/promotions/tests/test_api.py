"""The promotions API: permissions, scope (404 outside it), typed errors, cart preview."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

BASE = "promotions"
THRESHOLD = {"tiers": [{"threshold": "100", "discount": "20"}]}


@pytest.fixture
def admin(shop, make_user, api_as):
    return api_as(make_user("hq_admin"))


def _create(api, code="W1", **kw):
    body = {
        "code": code,
        "name": "满100减20",
        "kind": "spend_threshold",
        "params": THRESHOLD,
        "status": "active",
        **kw,
    }
    return api.post(f"{BASE}/promotions", body)


def test_promotion_created_and_listed_when_admin(admin):
    r = _create(admin, time_windows=[{"start": "09:00", "end": "21:00"}], weekdays=[1, 2])
    assert r.status_code == 200, r.json()
    assert r.json()["time_windows"] == [{"start": "09:00", "end": "21:00"}]
    listed = admin.get(f"{BASE}/promotions").json()
    assert [p["code"] for p in listed] == ["W1"]


def test_bad_threshold_answers_422_when_discount_not_below(admin):
    r = _create(admin, params={"tiers": [{"threshold": "100", "discount": "150"}]})
    assert r.status_code == 422 and r.json()["code"] == "promotions.invalid_params"


def test_unknown_field_refused_when_creating(admin):
    assert _create(admin, colour="red").status_code == 422


def test_cashier_cannot_manage_when_creating(shop, make_user, api_as):
    cashier = api_as(make_user("cashier", store="S1"))
    assert _create(cashier).status_code == 403


def test_price_cart_explains_when_below_threshold(shop, admin, make_user, api_as):
    _create(admin)
    cashier = api_as(make_user("cashier", store="S1"))
    s = shop["skus"]
    body = {
        "store_id": shop["stores"]["S1"].pk,
        "lines": [{"sku_id": s["B"].pk, "quantity": 1}, {"sku_id": s["C"].pk, "quantity": 3}],
    }
    r = cashier.post(f"{BASE}/price-cart", body, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["total"] == "80.00"  # 50 + 3 × 10, below 满100 → no discount
    assert data["skipped"][0]["reason"] == "below_threshold"
    body["lines"][0]["quantity"] = 2  # 100 + 30 = 130 ≥ 100 → −20 = 110
    assert cashier.post(f"{BASE}/price-cart", body).json()["total"] == "110.00"


def test_price_cart_404_when_store_out_of_scope(shop, make_user, api_as):
    cashier = api_as(make_user("cashier", store="S1"))
    body = {
        "store_id": shop["stores"]["S3"].pk,
        "lines": [{"sku_id": shop["skus"]["A"].pk, "quantity": 1}],
    }
    assert cashier.post(f"{BASE}/price-cart", body).status_code == 404


def test_price_cart_422_when_sku_unknown(shop, admin):
    r = admin.post(f"{BASE}/price-cart", {"lines": [{"sku_id": 987654, "quantity": 1}]})
    assert r.status_code == 422 and r.json()["code"] == "promotions.unknown_sku"


def test_coupon_issued_validated_and_priced_when_template_created(shop, admin):
    tpl = admin.post(
        f"{BASE}/coupon-templates",
        {
            "code": "T10",
            "name": "满50减10",
            "kind": "amount_off",
            "params": {"amount": "10", "min_spend": "50"},
            "valid_from": "2026-11-01T00:00:00+08:00",
            "valid_until": "2026-12-31T00:00:00+08:00",
        },
    )
    assert tpl.status_code == 200, tpl.json()
    issued = admin.post(f"{BASE}/coupon-templates/{tpl.json()['id']}/issue", {"count": 2})
    code = issued.json()["coupons"][0]["code"]
    assert admin.post(f"{BASE}/coupons/validate", {"code": code}).status_code == 200
    assert admin.post(f"{BASE}/coupons/validate", {"code": "NOPE"}).status_code == 404
    body = {"lines": [{"sku_id": shop["skus"]["A"].pk, "quantity": 1}], "coupon_codes": [code]}
    assert admin.post(f"{BASE}/price-cart", body).json()["total"] == "90.00"
