from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def brand(org: dict[str, Any]) -> Any:
    return org["brand"]


@pytest.fixture
def member(org: dict[str, Any], frozen_now: Any) -> Any:
    from omniretail.members.identity import register_member

    return register_member(
        org["brand"],
        "13812341234",
        store=org["stores"]["S1"],
        name="张三",
        consents={"marketing": True, "analytics": False},
    )
