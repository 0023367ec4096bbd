"""Storefront pages: stores, assortment (tobacco hidden, alcohol marked), cart, checkout with
points and the sandbox wallet, the pickup code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.catalog.restrictions import add_restriction
from omniretail.core import events
from omniretail.inventory.models import StockLevel
from omniretail.members.models import PointsEntry
from omniretail.orders.models import Order
from omniretail.payments.models import Payment

pytestmark = pytest.mark.django_db


def _checkout(shop, points="0", wallet="wechat", token="tok-1"):  # noqa: S107
    return shop.post(
        "/shop/checkout/", {"token": token, "points": points, "wallet": wallet}, follow=False
    )


def test_store_list_shows_only_stores_that_fulfil_online_when_choosing(client, org):
    s3 = org["stores"]["S3"]
    s3.fulfils_online = False
    s3.save(update_fields=["fulfils_online"])
    page = client.get("/shop/stores/").content.decode()
    assert f'data-store="{org["stores"]["S1"].pk}"' in page
    assert f'data-store="{s3.pk}"' not in page
    refused = client.post("/shop/stores/choose/", {"store": s3.pk})
    assert refused.url == "/shop/stores/"
    assert client.get("/shop/").url == "/shop/stores/"


def test_catalog_hides_tobacco_and_marks_alcohol_when_browsing_a_store(shop, make_sku):
    make_sku("BEER1", price="8")
    cig = make_sku("CIG1", price="25")
    wine = make_sku("WINE1", price="128")
    add_restriction(kind="not_sellable", sku=cig, channel="online", note="烟草不得网售")
    add_restriction(kind="age_check", sku=wine, min_age=18)
    page = shop.get("/shop/").content.decode()
    assert 'data-sku="BEER1"' in page and 'data-sku="WINE1"' in page
    assert "CIG1" not in page
    assert page.count('data-testid="age-check"') == 1
    assert "¥128.00" in page
    refused = shop.post("/shop/cart/add/", {"sku": cig.pk}, follow=True)
    assert "cannot be bought online" in refused.content.decode()
    assert shop.session.get("shop_cart", {}) == {}


def test_search_finds_only_the_matching_sku_when_query_given(shop, make_sku):
    from omniretail.catalog.search import reindex_skus

    a = make_sku("MT500", price="1499")
    b = make_sku("WLY500", price="999")
    a.name = "飞天茅台 500ml"
    a.save(update_fields=["name"])
    reindex_skus([a.pk, b.pk])
    page = shop.get("/shop/", {"q": "茅台"}).content.decode()
    assert 'data-sku="MT500"' in page and 'data-sku="WLY500"' not in page


def test_out_of_stock_item_cannot_be_added_when_nothing_left(shop, make_sku):
    gone = make_sku("GONE", price="5", stock={"S2": 3})
    StockLevel.objects.get_or_create(sku=gone, location=shop_floor(gone))
    response = shop.post("/shop/cart/add/", {"sku": gone.pk}, follow=True)
    assert "out of stock" in response.content.decode()


def shop_floor(sku):
    from omniretail.core.models import Location

    return Location.objects.get(code="S1-FL")


def test_checkout_pays_with_points_and_sandbox_wallet_when_shopper_confirms(
    shop, shopper, make_sku, org
):
    _user, member = shopper
    baijiu = make_sku("BJ1", price="30", stock={"S1": 5})
    shop.post("/shop/cart/add/", {"sku": baijiu.pk, "qty": 2})
    cart = shop.get("/shop/cart/").content.decode()
    assert 'data-testid="cart-total">¥60.00' in cart
    placed = _checkout(shop, points="300", wallet="alipay")
    order = Order.objects.get(member_id=member.pk)
    assert placed.url == f"/shop/orders/{order.number}/pay/"
    assert order.channel == "online" and order.fulfilment_mode == "pickup"
    assert order.status == "awaiting_payment"
    member.refresh_from_db()
    assert member.points_balance == 200  # 300 points = ¥3.00 taken at once
    wallet = shop.get(placed.url).content.decode()
    assert "¥57.00" in wallet
    assert "pickup-code" not in shop.get(f"/shop/orders/{order.number}/").content.decode()
    done = shop.post(placed.url)
    assert done.url == f"/shop/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == "paid"
    kinds = sorted(Payment.objects.filter(order=order).values_list("kind", "status"))
    assert kinds == [("alipay", "captured"), ("points", "captured")]
    page = shop.get(done.url).content.decode()
    assert f'data-testid="pickup-code">{order.pickup_code}<' in page
    assert "<svg" in page
    assert StockLevel.objects.get(sku=baijiu, location=org["floor"]["S1"]).reserved == 2
    assert shop.session.get("shop_cart", {}) == {}
    # The paid online order earns points like a till sale (on its net: ¥60 → 60 points).
    events.dispatch_due()
    member.refresh_from_db()
    assert member.points_balance == 260
    # Confirming again changes nothing.
    assert shop.post(placed.url).url == f"/shop/orders/{order.number}/"


def test_checkout_makes_one_order_when_the_form_is_submitted_twice(shop, shopper, make_sku):
    _user, member = shopper
    sku = make_sku("DUP", price="10", stock={"S1": 5})
    shop.post("/shop/cart/add/", {"sku": sku.pk})
    first = _checkout(shop, points="100", token="same")
    shop.post("/shop/cart/add/", {"sku": sku.pk})  # the browser still shows the cart
    _checkout(shop, points="100", token="same")
    assert Order.objects.filter(member_id=member.pk).count() == 1
    assert PointsEntry.objects.filter(member=member, kind="redeem").count() == 1
    assert first.status_code == 302


def test_points_above_the_balance_are_refused_with_nothing_charged(shop, shopper, make_sku):
    _user, member = shopper
    sku = make_sku("BIG", price="100", stock={"S1": 5})
    shop.post("/shop/cart/add/", {"sku": sku.pk})
    response = _checkout(shop, points="900")
    assert response.url == "/shop/checkout/"
    assert "at most 500 points" in shop.get("/shop/checkout/").content.decode()
    assert not Payment.objects.exists()
    member.refresh_from_db()
    assert member.points_balance == 500


def test_order_paid_entirely_with_points_needs_no_wallet_when_balance_covers_it(
    shop, shopper, make_sku
):
    _user, member = shopper
    sku = make_sku("CHEAP", price="4", stock={"S1": 5})
    shop.post("/shop/cart/add/", {"sku": sku.pk})
    response = _checkout(shop, points="400")
    order = Order.objects.get(member_id=member.pk)
    assert response.url == f"/shop/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == "paid" and order.total == Decimal("4.00")


def test_coupon_of_another_member_is_explained_and_not_applied_in_cart(shop, make_sku):
    sku = make_sku("CPN", price="50", stock={"S1": 5})
    shop.post("/shop/cart/add/", {"sku": sku.pk})
    shop.post("/shop/cart/update/", {"coupon": "NOSUCHCODE"})
    page = shop.get("/shop/cart/").content.decode()
    assert 'data-testid="coupon-error"' in page
    assert 'data-testid="cart-total">¥50.00' in page


def test_checkout_asks_for_login_when_anonymous(client, org):
    client.post("/shop/stores/choose/", {"store": org["stores"]["S1"].pk})
    response = client.get("/shop/checkout/")
    assert response.status_code == 302 and response.url.startswith("/shop/login/")


def test_other_shoppers_order_is_404_when_opened_by_number(shop, make_sku, place, org):
    sku = make_sku("OTHER", price="5", stock={"S1": 5})
    theirs = place((sku, 1))
    assert shop.get(f"/shop/orders/{theirs.number}/").status_code == 404
    assert shop.post(f"/shop/orders/{theirs.number}/pay/").status_code == 404


def test_points_come_back_when_an_unpaid_shop_order_is_cancelled(shop, shopper, make_sku):
    from omniretail.orders import services as orders

    _user, member = shopper
    sku = make_sku("LEFT", price="20", stock={"S1": 5})
    shop.post("/shop/cart/add/", {"sku": sku.pk})
    _checkout(shop, points="500", token="abandon")
    member.refresh_from_db()
    assert member.points_balance == 0
    order = Order.objects.get(member_id=member.pk)
    orders.cancel(order, reason="not paid in time")  # as the 30-minute job does
    events.dispatch_due()
    events.dispatch_due()  # redelivery refunds nothing twice
    member.refresh_from_db()
    assert member.points_balance == 500
    assert Payment.objects.get(order=order, kind="points").status == "refunded"


def test_cart_and_order_agree_on_a_wallet_coupon_whether_or_not_orders_price_coupons(
    shop, shopper, make_sku, org
):
    import datetime as dt

    from omniretail.core import clock
    from omniretail.promotions import coupons
    from omniretail.promotions.models import CouponTemplate
    from omniretail.storefront import services

    _user, member = shopper
    tpl = CouponTemplate.objects.create(
        brand=org["brand"],
        code="TEN",
        name="减10元",
        kind="amount_off",
        params={"amount": "10"},
        valid_from=clock.now() - dt.timedelta(days=1),
        valid_until=clock.now() + dt.timedelta(days=30),
        created_at=clock.now(),
    )
    code = coupons.issue(tpl, member=member)[0].code
    sku = make_sku("CPW", price="50", stock={"S1": 5})
    shop.post("/shop/cart/add/", {"sku": sku.pk})
    shop.post("/shop/cart/update/", {"coupon": code})
    page = shop.get("/shop/cart/").content.decode()
    expected = "40.00" if services.coupons_supported() else "50.00"
    assert f'data-testid="cart-total">¥{expected}' in page
    assert ('data-testid="coupon-error"' in page) is not services.coupons_supported()
    _checkout(shop, token="cpn")
    assert str(Order.objects.get(member_id=member.pk).total) == expected
