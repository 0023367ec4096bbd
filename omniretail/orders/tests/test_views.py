from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_manager_sees_list_and_timeline_when_order_in_store(client, make_user, make_sku, place):
    order = place((make_sku("A"), 1))
    user = make_user("store_manager", store="S1")
    client.force_login(user)
    listing = client.get("/orders/")
    assert listing.status_code == 200 and order.number in listing.content.decode()
    detail = client.get(f"/orders/{order.pk}/")
    assert detail.status_code == 200 and order.pickup_code in detail.content.decode()


def test_detail_is_404_when_order_of_another_store(client, make_user, make_sku, place):
    order = place((make_sku("A", stock={"S2": 3}), 1), store="S2")
    user = make_user("store_manager", store="S1")
    client.force_login(user)
    assert client.get(f"/orders/{order.pk}/").status_code == 404
