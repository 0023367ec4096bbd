"""The coupon wallet (/api/v1/members/me/coupons) and the staff CSV export of members."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from omniretail.core import clock
from omniretail.core.models import AuditLog
from omniretail.members import online
from omniretail.testing.constants import PASSWORD

pytestmark = pytest.mark.django_db


def _template(brand, code, **kw):
    from omniretail.promotions.models import CouponTemplate

    now = clock.now()
    return CouponTemplate.objects.create(
        brand=brand,
        code=code,
        name=f"券{code}",
        kind="amount_off",
        params={"amount": "10"},
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        created_at=now,
        **kw,
    )


def test_coupon_wallet_lists_my_coupons_with_their_state_when_shopper_asks(org, api_as, frozen_now):
    from omniretail.promotions import coupons

    user, member = online.register_online(
        org["brand"], phone="13911110000", username="w1", password=PASSWORD, accepted_policy=True
    )
    usable = coupons.issue(_template(org["brand"], "A"), member=member)[0]
    spent = coupons.issue(_template(org["brand"], "B"), member=member)[0]
    coupons.redeem(org["brand"].pk, spent.code, "order-1", member_id=member.pk)
    coupons.issue(_template(org["brand"], "C"))  # a bearer coupon: not in anyone's wallet
    body = api_as(user).get("members/me/coupons")
    assert body.status_code == 200, body.content
    states = {c["code"]: c["state"] for c in body.json()}
    assert states == {usable.code: "usable", spent.code: "used"}


def test_coupon_wallet_answers_404_when_login_has_no_member(make_user, api_as, frozen_now):
    response = api_as(make_user("customer")).get("members/me/coupons")
    assert response.status_code == 404
    assert response.json()["code"] == "members.no_linked_member"


def test_members_csv_is_masked_and_audited_when_exported_by_a_cashier(client, make_user, member):
    client.force_login(make_user("cashier", store="S1"))
    response = client.get("/members/export.csv")
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["code", "phone", "name"]
    assert rows[1][1:3] == ["138****1234", "张*"]
    assert "13812341234" not in text
    revealed = b"".join(client.get("/members/export.csv?reveal=1").streaming_content).decode()
    assert "13812341234" not in revealed  # a cashier holds no PII permission
    audits = AuditLog.objects.filter(action="members.export_csv")
    assert audits.count() == 2 and not audits.filter(is_pii_read=True).exists()


def test_members_csv_shows_phones_only_to_pii_holders_and_audits_it_as_pii_read(
    client, make_user, member
):
    client.force_login(make_user("store_manager", store="S1"))
    text = b"".join(client.get("/members/export.csv?reveal=1").streaming_content).decode()
    assert "13812341234" in text and "张三" in text
    assert AuditLog.objects.filter(action="members.export_csv", is_pii_read=True).count() == 1


def test_members_csv_is_404_when_user_cannot_view_members(client, make_user, member):
    client.force_login(make_user("warehouse_clerk", store="S1"))
    assert client.get("/members/export.csv").status_code == 404
