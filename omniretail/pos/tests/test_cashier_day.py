"""Done-when: a cashier runs a full day at the web till — open the shift, sell with every
tender, hold and resume a cart, refund at the till, close with a Z report — in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.orders.models import Order
from omniretail.payments.models import Payment
from omniretail.pos import approvals
from omniretail.pos.models import PosRefund, PosSale, Shift, ZReport

TEXTS = {
    "zh-hans": {"close": "交班", "z": "Z 报表", "refund": "退款"},
    "en": {"close": "Close shift", "z": "Z report", "refund": "Refund"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_cashier_runs_full_day_when_every_tender_used(
    client, org, make_user, make_sku, register, frozen_now, language
):
    from omniretail.members import services as members
    from omniretail.members import stored_value
    from omniretail.members.identity import register_member

    member = register_member(org["brand"], "13812345678", store=org["stores"]["S1"], consents={})
    stored_value.top_up(stored_value.wallet_for(member), "100.00", "topup-day")
    members.adjust_points(member, 5000, "grant", reference="grant-day")
    cashier = make_user("cashier", store="S1")
    approvals.set_pin(make_user("store_manager", store="S1", username="boss"), "8642")
    sku = make_sku("DAY", price="10.00", stock={"S1": 100})
    code = sku.barcodes.get().code
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.force_login(cashier)

    opened = client.post(f"/pos/registers/{register.pk}/open/", {"opening_float": "200"})
    shift = Shift.objects.get()
    base = f"/pos/shift/{shift.pk}"
    terminal = client.get(opened["Location"]).content.decode()
    assert TEXTS[language]["close"] in terminal

    def sell(form, member_q=None):
        client.post(f"{base}/scan/", {"barcode": code})
        if member_q:
            client.post(f"{base}/member/", {"q": member_q})
        answer = client.post(f"{base}/pay/", form)
        assert answer.status_code == 204, answer.content.decode()[:400]
        return answer

    sell({"kind": "cash", "tendered": "50"})
    sell({"kind": "wechat", "auth_code": "134567890123450001"})
    sell({"kind": "alipay", "auth_code": "281234567890120001"})
    sell({"kind": "card", "auth_code": "TERM-1"})
    sell({"kind": "stored_value"}, member_q="13812345678")
    # a split whose wallet code is declined gives the points back; the retry goes through
    client.post(f"{base}/scan/", {"barcode": code})
    client.post(f"{base}/member/", {"q": member.code})
    member.refresh_from_db()
    before = member.points_balance
    declined = client.post(
        f"{base}/pay/",
        {
            "kind": "split",
            "amount_points": "4",
            "amount_wechat": "3",
            "code_wechat": "1340000",
            "tendered": "5",
            "pay_token": "aa",
        },
    )
    member.refresh_from_db()
    assert declined.status_code == 200 and member.points_balance == before
    retried = client.post(
        f"{base}/pay/",
        {
            "kind": "split",
            "amount_points": "4",
            "amount_wechat": "3",
            "code_wechat": "134567890123450002",
            "tendered": "5",
            "pay_token": "ab",
        },
    )
    assert retried.status_code == 204, retried.content.decode()[:400]
    # a held cart comes back and is sold
    client.post(f"{base}/scan/", {"barcode": code})
    client.post(f"{base}/hold/", {"label": "王女士"})
    held = shift.carts.get(status="held")
    client.post(f"{base}/resume/{held.pk}/")
    sell({"kind": "cash", "tendered": "20"})
    # a refund at the till, back to the original (cash) tender
    first = PosSale.objects.order_by("pk").first()
    page = client.get(f"{base}/refund/", {"receipt": first.order.number}).content.decode()
    assert TEXTS[language]["refund"] in page
    client.post(
        f"{base}/refund/",
        {
            "receipt": first.order.number,
            "reference": "DAY-R1",
            f"qty_{first.order.lines.get().pk}": "1",
            "with_receipt": "1",
            "reason": "退货",
            "supervisor": "boss",
            "pin": "8642",
        },
    )
    closed = client.post(f"{base}/close/", {"counted_cash": "235.00"})
    report = client.get(closed["HX-Redirect"]).content.decode()

    kinds = set(
        Payment.objects.filter(
            status__in=["captured", "partially_refunded", "refunded"]
        ).values_list("kind", flat=True)
    )
    assert kinds == {"cash", "wechat", "alipay", "card", "stored_value", "points"}
    assert Payment.objects.get(kind="points", status="captured").amount == Decimal("4.00")
    assert PosSale.objects.count() == 7 and Order.objects.filter(status="completed").count() == 6
    assert Order.objects.filter(status="cancelled").count() == 1
    assert PosRefund.objects.get().cash_amount == Decimal("10.00")
    z = ZReport.objects.get(shift=shift)
    # float 200 + cash (10 + 3 + 20 for the resumed cart and one more scan) − refund 10
    assert Decimal(z.totals["expected_cash"]) == Decimal("223.00")
    assert Shift.objects.get().variance == Decimal("12.00")
    assert TEXTS[language]["z"] in report and z.number in report
