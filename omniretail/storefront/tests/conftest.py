"""Storefront fixtures: a linked shopper (customer login + member) and a logged-in client."""

from __future__ import annotations

from typing import Any

import pytest

from omniretail.testing.constants import PASSWORD


@pytest.fixture
def shopper(org: dict[str, Any], frozen_now: Any) -> Any:
    """A shopper registered online: (user, member), 500 points on the books."""
    from omniretail.members import online, points

    user, member = online.register_online(
        org["brand"],
        phone="13900001111",
        username="shopper1",
        password=PASSWORD,
        accepted_policy=True,
        consents={"marketing": True},
    )
    points.adjust_points(member, 500, "welcome gift", reference="welcome-1")
    member.refresh_from_db()
    return user, member


@pytest.fixture
def shop(client: Any, shopper: Any, org: dict[str, Any]) -> Any:
    """A browser-like client logged in as the shopper, store S1 chosen."""
    client.force_login(shopper[0])
    client.post("/shop/stores/choose/", {"store": org["stores"]["S1"].pk})
    return client


@pytest.fixture(autouse=True)
def _english_pages(client: Any) -> None:
    """Page assertions read the English texts (the zh-hans ones are covered by the browser
    test); the default language is zh-hans."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
