"""Orders in a real browser: the detail page's HTMX buttons move an order without a reload,
the dispatch board draws its routes chart, the pickup counter hands over by code."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_order_moves_through_htmx_buttons_and_dispatch_board_renders(
    session_factory: Any, make_user: Any, make_sku: Any, org: Any
) -> None:
    from omniretail.orders import routing, services
    from omniretail.orders.models import Courier, Order

    store = org["stores"]["S1"]
    sku = make_sku("A", stock={"S1": 10})
    Courier.objects.create(store=store, name="小王", capacity=10)
    [pickup_order] = routing.place_routed_order(
        store=store,
        channel="online",
        fulfilment_mode="pickup",
        lines=[services.LineRequest(sku.pk, 1)],
        reference="b-1",
    )
    services.mark_paid(pickup_order)
    [delivery_order] = routing.place_routed_order(
        store=store,
        channel="online",
        fulfilment_mode="delivery",
        lines=[services.LineRequest(sku.pk, 1)],
        reference="b-2",
        latitude=31.235,
        longitude=121.475,
    )
    services.mark_paid(delivery_order)
    user = make_user("store_manager", store="S1")
    s = session_factory("en")
    s.login(user.username)
    page = s.page

    page.goto(f"/orders/{pickup_order.pk}/")
    for action, label in [("allocate", "Allocated"), ("pick", "Picking"), ("ready", "Ready")]:
        page.locator(f'button[data-action="{action}"]').click()
        page.wait_for_function(
            "label => document.querySelector('#order-status').textContent.includes(label)",
            arg=label,
        )
    assert Order.objects.get(pk=pickup_order.pk).status == "ready_for_pickup"

    page.goto("/orders/pickup/")
    page.fill("input[name=code]", Order.objects.get(pk=pickup_order.pk).pickup_code)
    page.get_by_role("button", name="Verify and hand over").click()
    page.wait_for_selector("#pickup-result [role=status]")
    assert Order.objects.get(pk=pickup_order.pk).status == "completed"

    page.goto("/orders/dispatch/")
    with page.expect_navigation():
        page.locator("#plan-routes").click()
    assert "小王" in page.content()
    if page.locator("#dispatch-chart").count():
        page.wait_for_selector("#dispatch-chart canvas")
    assert s.problems == []
