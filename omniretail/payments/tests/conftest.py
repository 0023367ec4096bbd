"""Payments test fixtures: orders to pay and a member with a wallet (make_sku and place come
from omniretail.testing.sales)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def order(make_sku: Callable[..., Any], place: Callable[..., Any]) -> Any:
    """A till order of 100.00 awaiting payment (two units at 50.00)."""
    sku = make_sku("PAY1", price="50", stock={"S1": 10})
    return place((sku, 2), channel="pos", mode="pos_carry_out")


@pytest.fixture
def web_order(make_sku: Callable[..., Any], place: Callable[..., Any]) -> Any:
    """An online pickup order of 88.00 awaiting payment."""
    sku = make_sku("PAY2", price="88", stock={"S1": 10})
    return place((sku, 1))


@pytest.fixture
def member(org: dict[str, Any], frozen_now: Any) -> Any:
    """A member of the brand with 30.00 on the wallet."""
    from omniretail.members import stored_value
    from omniretail.members.identity import register_member

    m = register_member(
        org["brand"], "13812341234", store=org["stores"]["S1"], name="张三", consents={}
    )
    stored_value.top_up(stored_value.wallet_for(m), "30.00", "topup-1")
    return m
