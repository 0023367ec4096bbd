"""Shopper accounts: online registration (new phone, or claiming a till member with its
code), my account (points, tier, coupons, orders in every channel), privacy rights."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection

from omniretail.accounts.models import User
from omniretail.core import clock
from omniretail.core.models import AuditLog
from omniretail.members.identity import register_member
from omniretail.members.models import Consent, Member, MemberStatus
from omniretail.testing.constants import PASSWORD

pytestmark = pytest.mark.django_db


def _register(client, **fields):
    data = {
        "phone": "13700002222",
        "username": "newshopper",
        "password": PASSWORD,
        "accept_policy": "on",
        "policy_version": "2026-01",
        "marketing": "on",
    }
    data.update(fields)
    return client.post("/shop/register/", data)


def test_online_registration_creates_a_linked_member_with_every_consent_recorded(
    client, org, frozen_now
):
    response = _register(client)
    assert response.status_code == 302 and response.url == "/shop/account/"
    user = User.objects.get(username="newshopper")
    member = Member.objects.get(user=user)
    assert member.registered_channel == "online" and member.phone_masked == "137****2222"
    assert user.assignments.get().role == "customer"
    consents = {
        c.purpose: (c.granted, c.policy_version) for c in Consent.objects.filter(member=member)
    }
    assert consents == {
        "marketing": (True, "2026-01"),
        "analytics": (False, "2026-01"),
        "third_party": (False, "2026-01"),
    }
    assert "137****2222" in client.get("/shop/account/").content.decode()
    with connection.cursor() as cur:
        cur.execute("SELECT username, display_name, email FROM accounts_user")
        assert "13700002222" not in repr(cur.fetchall())


def test_registration_is_refused_when_policy_not_accepted(client, org, frozen_now):
    response = _register(client, accept_policy="")
    assert response.status_code == 200
    assert "privacy policy" in response.content.decode()
    assert not User.objects.filter(username="newshopper").exists()
    assert not Member.objects.exists()


def test_till_member_is_claimed_only_with_its_member_code(client, org, frozen_now):
    till = register_member(org["brand"], "13700002222", store=org["stores"]["S1"])
    refused = _register(client)
    assert refused.status_code == 200 and "member code" in refused.content.decode()
    assert not User.objects.filter(username="newshopper").exists()
    claimed = _register(client, member_code=till.code.lower())
    assert claimed.url == "/shop/account/"
    till.refresh_from_db()
    assert till.user.username == "newshopper"
    assert AuditLog.objects.filter(action="members.online_linked").count() == 1
    again = _register(
        client.__class__(HTTP_ACCEPT_LANGUAGE="en"), username="second", member_code=till.code
    )
    assert again.status_code == 200 and "already has an online account" in again.content.decode()


def test_weak_password_is_explained_when_registering(client, org, frozen_now):
    response = _register(client, password="123")
    assert response.status_code == 200
    assert not Member.objects.exists()


def test_account_shows_points_tier_coupons_and_orders_of_every_channel(
    shop, shopper, make_sku, place, org
):
    from omniretail.promotions import coupons
    from omniretail.promotions.models import CouponTemplate

    _user, member = shopper
    sku = make_sku("ACC", price="20", stock={"S1": 5})
    place((sku, 1), channel="pos", mode="pos_carry_out", member_id=member.pk, ref="till-1")
    place((sku, 1), member_id=member.pk, ref="web-1")
    tpl = CouponTemplate.objects.create(
        brand=org["brand"],
        code="WELCOME",
        name="新人券",
        kind="amount_off",
        params={"amount": "5"},
        valid_from=clock.now(),
        valid_until=clock.now() + dt.timedelta(days=30),
        created_at=clock.now(),
    )
    coupon = coupons.issue(tpl, member=member)[0]
    page = shop.get("/shop/account/").content.decode()
    assert 'data-testid="points-balance">500<' in page
    assert 'data-channel="pos"' in page and 'data-channel="online"' in page
    assert coupon.code in page and "新人券" in page
    assert 'data-testid="member-qr"' in page and "<svg" in page


def test_privacy_export_json_and_csv_are_audited_when_shopper_downloads(shop, shopper):
    as_json = shop.get("/shop/account/export.json")
    data = json.loads(as_json.content)
    assert data["member"]["phone"] == "13900001111"
    assert [e["points"] for e in data["points"]] == [500]
    as_csv = shop.get("/shop/account/export.csv").content.decode()
    rows = list(csv.reader(io.StringIO(as_csv)))
    assert rows[0] == ["section", "row", "field", "value"]
    assert ["member", "1", "phone", "13900001111"] in rows
    audits = AuditLog.objects.filter(action="members.export", is_pii_read=True).order_by("pk")
    assert [a.changes["format"] for a in audits] == ["json", "csv"]
    assert all(a.actor_id == shopper[0].pk for a in audits)


def test_consent_withdrawal_is_recorded_and_audited_when_shopper_opts_out(shop, shopper):
    _user, member = shopper
    shop.post("/shop/account/consent/", {"purpose": "marketing", "granted": "0"})
    latest = Consent.objects.filter(member=member, purpose="marketing").latest("at", "pk")
    assert latest.granted is False and latest.channel == "online"
    assert AuditLog.objects.filter(action="members.consent_withdrawn").count() == 1
    bad = shop.post("/shop/account/consent/", {"purpose": "sell_my_soul", "granted": "1"})
    assert bad.status_code == 302


def test_delete_my_data_anonymises_the_member_and_closes_the_login(shop, shopper):
    user, member = shopper
    unconfirmed = shop.post("/shop/account/delete/", {"confirm": "no"})
    assert unconfirmed.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    shop.post("/shop/account/delete/", {"confirm": "DELETE"})
    member.refresh_from_db()
    user.refresh_from_db()
    assert member.status == MemberStatus.ANONYMISED and member.phone_cipher == ""
    assert member.points_balance == 500  # the ledger stays
    assert user.is_active is False and user.username == f"deleted-{user.pk}"
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"members.anonymise", "members.login_closed"} <= actions
    assert shop.get("/shop/account/").status_code == 302  # logged out


def test_staff_login_without_membership_sees_no_member_page(client, make_user, org):
    client.force_login(make_user("cashier"))
    page = client.get("/shop/account/").content.decode()
    assert "no membership" in page
