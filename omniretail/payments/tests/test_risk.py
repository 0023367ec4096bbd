"""Risk rules: velocity per tender account, amount outliers, configurable thresholds, the
review queue (page and API)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from omniretail.core.errors import InvalidState, NotFound, ValidationFailed
from omniretail.payments import risk
from omniretail.payments.models import Payment, RiskFlag, RiskRule
from omniretail.payments.services import TenderIn, take_payment

pytestmark = pytest.mark.django_db


def _pay(make_sku, place, n, price="10", code="134500001111"):
    sku = make_sku(f"RV{n}", price=price, stock={"S1": 5})
    order = place((sku, 1), channel="pos", mode="pos_carry_out")
    take_payment(
        order_id=order.pk, tenders=[TenderIn("wechat", D(price), code)], reference=f"rv{n}"
    )
    return Payment.objects.get(order=order)


def test_velocity_flags_one_wallet_paying_too_often_when_above_threshold(
    make_sku, place, frozen_now
):
    RiskRule.objects.create(code="velocity", threshold=2, window_minutes=10)
    flags = [risk.check_payment(_pay(make_sku, place, n)) for n in range(4)]

    assert [len(f) for f in flags] == [0, 0, 1, 1]
    flag = RiskFlag.objects.get(rule="velocity")
    assert flag.hits == 2 and flag.observed == 4 and flag.subject.endswith("1111")


def test_amount_outlier_flags_large_payment_when_above_threshold(make_sku, place, frozen_now):
    RiskRule.objects.create(code="amount_outlier", threshold=500, window_minutes=0)
    small = risk.check_payment(_pay(make_sku, place, 1, price="499"))
    large = risk.check_payment(_pay(make_sku, place, 2, price="501", code="134500002222"))

    assert small == [] and [f.rule for f in large] == ["amount_outlier"]


def test_disabled_rule_never_flags(make_sku, place, frozen_now):
    RiskRule.objects.create(code="amount_outlier", threshold=1, window_minutes=0, enabled=False)
    assert risk.check_payment(_pay(make_sku, place, 1, price="99")) == []


def test_threshold_rejects_nonsense_and_unknown_rule(frozen_now):
    with pytest.raises(ValidationFailed):
        risk.set_threshold("velocity", threshold="-1", window_minutes=5)
    with pytest.raises(NotFound):
        risk.set_threshold("nope", threshold="1", window_minutes=5)
    assert risk.set_threshold("velocity", threshold="9", window_minutes=5).threshold == 9


def test_review_clears_flag_once_and_hides_other_stores(org, frozen_now):
    flag = risk._raise(
        "velocity",
        "wechat:auth_hint:1111",
        D("6"),
        risk.DEFAULTS["velocity"],
        store_id=org["stores"]["S1"].pk,
        detail={},
    )
    with pytest.raises(NotFound):
        risk.review(
            flag.pk, status="cleared", note="", reviewer_id=1, store_ids={org["stores"]["S2"].pk}
        )
    done = risk.review(
        flag.pk, status="cleared", note="熟客", reviewer_id=1, store_ids={org["stores"]["S1"].pk}
    )
    assert done.status == "cleared"
    with pytest.raises(InvalidState):
        risk.review(
            flag.pk, status="confirmed", note="", reviewer_id=1, store_ids={org["stores"]["S1"].pk}
        )


def test_risk_queue_page_lists_and_reviews_flags(client, org, make_user, frozen_now):
    flag = risk._raise(
        "refund_ratio",
        "cashier:7",
        D("0.5"),
        risk.DEFAULTS["refund_ratio"],
        store_id=org["stores"]["S1"].pk,
        detail={},
    )
    client.force_login(make_user("store_manager", store="S1"))

    page = client.get("/payments/risk/")
    reviewed = client.post(
        f"/payments/risk/{flag.pk}/review/", {"status": "confirmed", "note": "查实"}
    )

    assert page.status_code == 200 and "cashier:7" in page.content.decode()
    assert reviewed.status_code == 302
    assert RiskFlag.objects.get(pk=flag.pk).status == "confirmed"


def test_risk_queue_is_404_for_cashiers(client, make_user, frozen_now):
    client.force_login(make_user("cashier", store="S1"))
    assert client.get("/payments/risk/").status_code == 404


def test_risk_api_lists_reviews_and_sets_thresholds(api_as, org, make_user, frozen_now):
    flag = risk._raise(
        "velocity",
        "wechat:auth_hint:9",
        D("9"),
        risk.DEFAULTS["velocity"],
        store_id=org["stores"]["S1"].pk,
        detail={},
    )
    manager = api_as(make_user("store_manager", store="S1"))
    admin = api_as(make_user("hq_admin"))

    listed = manager.get("/api/v1/payments/risk/flags")
    reviewed = manager.post(
        f"/api/v1/payments/risk/flags/{flag.pk}/review", {"status": "cleared", "note": "ok"}
    )
    forbidden = manager.put(
        "/api/v1/payments/risk/rules/velocity", {"threshold": "3", "window_minutes": 5}
    )
    changed = admin.put(
        "/api/v1/payments/risk/rules/velocity", {"threshold": "3", "window_minutes": 5}
    )

    assert [f["id"] for f in listed.json()] == [flag.pk]
    assert reviewed.json()["status"] == "cleared"
    assert forbidden.status_code == 403
    assert changed.json() == {
        "code": "velocity",
        "threshold": "3.00",
        "window_minutes": 5,
        "enabled": True,
    }
