from __future__ import annotations

from decimal import Decimal as D

import pytest

from omniretail.payments.models import Payment

pytestmark = pytest.mark.django_db


def _pay(client, order, ref="api-1", **tender):
    tender = {"kind": "cash", "amount": "100.00", **tender}
    return client.post(f"payments/orders/{order.pk}/pay", {"reference": ref, "tenders": [tender]})


def test_cashier_pays_an_order_when_in_scope(order, make_user, api_as):
    client = api_as(make_user("cashier", store="S1"))
    response = _pay(client, order, tendered="120")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "paid" and body["change_due"] == "20.00"
    listed = client.get(f"payments/orders/{order.pk}").json()
    assert listed[0]["amount"] == "100.00" and listed[0]["status"] == "captured"


def test_order_answers_404_when_outside_the_callers_stores(order, make_user, api_as):
    client = api_as(make_user("cashier", store="S2"))
    assert _pay(client, order).status_code == 404
    assert client.get(f"payments/orders/{order.pk}").status_code == 404
    assert not Payment.objects.exists()


def test_refund_answers_404_when_the_payment_is_outside_scope(order, make_user, api_as):
    _pay(api_as(make_user("cashier", store="S1")), order)
    payment = Payment.objects.get()
    other = api_as(make_user("store_manager", store="S2"))
    body = {"amount": "1.00", "reference": "rf-1"}
    assert other.post(f"payments/{payment.pk}/refunds", body).status_code == 404
    mine = api_as(make_user("store_manager", store="S1"))
    response = mine.post(f"payments/{payment.pk}/refunds", body)
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "1.00"
    too_much = mine.post(f"payments/{payment.pk}/refunds", {"amount": "99.01", "reference": "rf-2"})
    assert too_much.status_code == 422


def test_unknown_fields_are_refused_when_sent(order, make_user, api_as):
    client = api_as(make_user("cashier", store="S1"))
    response = client.post(
        f"payments/orders/{order.pk}/pay",
        {"reference": "x", "tenders": [{"kind": "cash", "amount": "1"}], "extra": 1},
    )
    assert response.status_code in (400, 422)


def test_overpayment_answers_422_when_a_card_exceeds_the_total(order, make_user, api_as):
    client = api_as(make_user("cashier", store="S1"))
    response = _pay(client, order, kind="card", amount="100.01", auth_code="T")
    assert response.status_code == 422
    assert response.json()["code"] == "payment_overpayment"


def test_finance_reconciles_when_rows_are_posted(order, make_user, api_as, frozen_now):
    _pay(api_as(make_user("cashier", store="S1")), order, kind="wechat", auth_code="1300001")
    txn = Payment.objects.get().provider_txn_id
    finance = api_as(make_user("finance"))
    response = finance.post(
        "payments/reconcile",
        {"provider": "sandbox", "day": "2026-11-23", "rows": [{"txn_id": txn, "amount": "99.00"}]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["mismatches"] == [{"txn_id": txn, "ours": "100.00", "theirs": "99.00"}]
    clean = finance.post("payments/reconcile", {"provider": "sandbox", "day": "2026-11-23"})
    assert clean.json()["clean"] is True
    assert D(clean.json()["fees"]) == D("0.60")
