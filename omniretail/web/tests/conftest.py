"""Fixtures shared by the web tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def audit_rows(org: dict[str, Any]) -> dict[str, Any]:
    """One audit row per store (S1, S3) and one chain-level row, written like services do."""
    from omniretail.core import audit
    from omniretail.core.context import Actor, acting_as

    stores = org["stores"]
    with acting_as(Actor(label="auditor.s1")):
        s1 = audit.record(
            "org.store_updated",
            stores["S1"],
            changes={"phone": ["", "021-1234"]},
            store_id=stores["S1"].pk,
            brand_id=org["brand"].pk,
        )
    with acting_as(Actor(label="auditor.s3")):
        s3 = audit.record(
            "inventory.adjusted",
            stores["S3"],
            changes={"qty": [5, 3]},
            reason="破损",
            store_id=stores["S3"].pk,
            brand_id=org["brand"].pk,
        )
    chain = audit.record("events.webhook_created", org["brand"], brand_id=org["brand"].pk)
    return {"s1": s1, "s3": s3, "chain": chain}
