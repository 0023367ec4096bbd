"""Analytics fixtures: an extract directory per test, and sales built through the real
services (orders, payments, POS, returns) — never written into their tables directly."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def analytics_dir(settings: Any, tmp_path: Any) -> Any:
    from omniretail.analytics import engine

    settings.ANALYTICS_DIR = str(tmp_path / "analytics")
    engine.invalidate()
    yield tmp_path / "analytics"
    engine.invalidate()


@pytest.fixture
def member(org: dict[str, Any], frozen_now: Any) -> Any:
    from omniretail.members.identity import register_member

    return register_member(org["brand"], "13812345678", store=org["stores"]["S1"], consents={})


@pytest.fixture
def sell(org: dict[str, Any], place: Callable[..., Any]) -> Callable[..., Any]:
    """sell((sku, qty), ..., store="S1", channel="pos", member_id=None) → a paid order
    (till orders paid in cash through payments; online pickups paid too)."""
    from omniretail.payments import services as payments

    counter = {"n": 0}

    def make(*items: Any, store: str = "S1", channel: str = "pos", **kw: Any) -> Any:
        counter["n"] += 1
        mode = "pos_carry_out" if channel == "pos" else "pickup"
        order = place(*items, channel=channel, mode=mode, store=store, **kw)
        result = payments.take_payment(
            order_id=order.pk,
            tenders=[payments.TenderIn("cash", Decimal(order.total), tendered=None)]
            if channel == "pos"
            else [
                payments.TenderIn("wechat", Decimal(order.total), auth_code="134567890123456789")
            ],
            reference=f"pay-{counter['n']}",
        )
        assert result.status == "paid", result
        order.refresh_from_db()
        return order

    return make
