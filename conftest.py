"""Shared test fixtures: a small organisation, users per role, API clients.

Tests build only what they need (never the demo seed) so the suite stays fast.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hyp_settings

hyp_settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hyp_settings.register_profile(
    "dev",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from omniretail.testing.constants import PASSWORD  # noqa: E402

pytest_plugins = ["omniretail.testing.sales", "omniretail.testing.browser"]


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "allow_invariant_breach: the test breaks an invariant on purpose (skips the after-test check)",
    )


@pytest.fixture(autouse=True)
def _invariants_hold_after_each_database_test(request: Any) -> Iterator[None]:
    """Run every registered invariant when a database test ends, so `check-invariants`
    holds on whatever data the whole suite creates."""
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or request.node.get_closest_marker("allow_invariant_breach"):
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so torn down after this check
    yield
    from omniretail.core.integrity import check_all

    breaches = {name: lines for name, lines in check_all().items() if lines}
    assert not breaches, f"invariants broken after the test: {breaches}"


@pytest.fixture
def org(db: Any) -> dict[str, Any]:
    """One brand, two regions, three stores (two in EAST, one in SOUTH), each with a floor
    and back room, plus a central and a regional warehouse."""
    from omniretail.core.models import Brand, Location, LocationKind, Region, Store

    brand = Brand.objects.create(code="TB", name="测试连锁", gs1_prefix="2")
    east = Region.objects.create(brand=brand, code="EAST", name="华东")
    south = Region.objects.create(brand=brand, code="SOUTH", name="华南")
    stores = {}
    for code, region, lat, lng in [
        ("S1", east, 31.23, 121.47),
        ("S2", east, 30.27, 120.16),
        ("S3", south, 23.13, 113.26),
    ]:
        store = Store.objects.create(
            brand=brand,
            region=region,
            code=code,
            name=f"门店{code}",
            store_type="convenience",
            city="上海",
            address="某路1号",
            latitude=lat,
            longitude=lng,
            opens_at=dt.time(8),
            closes_at=dt.time(22),
        )
        Location.objects.create(
            brand=brand,
            region=region,
            store=store,
            code=f"{code}-FL",
            name=f"{code} 卖场",
            kind=LocationKind.STORE_FLOOR,
            latitude=lat,
            longitude=lng,
            fulfils_online=True,
        )
        Location.objects.create(
            brand=brand,
            region=region,
            store=store,
            code=f"{code}-BR",
            name=f"{code} 后仓",
            kind=LocationKind.STORE_BACKROOM,
            latitude=lat,
            longitude=lng,
        )
        stores[code] = store
    central = Location.objects.create(
        brand=brand,
        code="WH-C",
        name="中央仓",
        kind=LocationKind.CENTRAL_WAREHOUSE,
        latitude=31.3,
        longitude=120.6,
    )
    regional = Location.objects.create(
        brand=brand,
        region=east,
        code="WH-E",
        name="华东仓",
        kind=LocationKind.REGIONAL_WAREHOUSE,
        latitude=30.7,
        longitude=120.7,
    )
    return {
        "brand": brand,
        "east": east,
        "south": south,
        "stores": stores,
        "central": central,
        "regional": regional,
        "floor": {c: s.locations.get(kind="store_floor") for c, s in stores.items()},
    }


@pytest.fixture
def make_user(org: dict[str, Any]) -> Callable[..., Any]:
    """make_user("store_manager", store="S1") → a user holding that role in that scope."""
    from omniretail.accounts.models import RoleAssignment, User
    from omniretail.accounts.permissions import BRAND_ROLES, REGION_ROLES, Role

    counter = {"n": 0}

    def make(
        role: str,
        store: str | None = None,
        region: str | None = None,
        location: Any = None,
        username: str | None = None,
    ) -> Any:
        counter["n"] += 1
        user = User.objects.create_user(
            username=username or f"{role}{counter['n']}", password=PASSWORD
        )
        scope: dict[str, Any] = {}
        r = Role(role)
        if location is not None:
            scope["location"] = location
        elif r in REGION_ROLES:
            scope["region"] = org[region or "east"]
        elif r not in BRAND_ROLES:
            scope["store"] = org["stores"][store or "S1"]
        RoleAssignment.objects.create(user=user, role=r, brand=org["brand"], **scope)
        return user

    return make


class ApiClient:
    """A Django test client speaking JSON with a bearer token."""

    def __init__(self, client: Any, token: str | None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, data: Any = None, **headers: Any) -> Any:
        import json

        kwargs: dict[str, Any] = {**self.headers, **headers}
        if data is not None:
            kwargs["data"] = data if isinstance(data, (str, bytes)) else json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(
            path if path.startswith("/") else f"/api/v1/{path}", **kwargs
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self._call("get", path, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("post", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("patch", path, data, **kw)

    def put(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("put", path, data, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self._call("delete", path, **kw)


@pytest.fixture
def api_as(client: Any) -> Callable[[Any], ApiClient]:
    """api_as(user) → an API client authenticated with a fresh token for that user."""
    from omniretail.accounts.services import issue_token

    def make(user: Any) -> ApiClient:
        if user is None:
            return ApiClient(client, None)
        _token, raw = issue_token(user, name="test")
        return ApiClient(client, raw)

    return make


@pytest.fixture
def frozen_now() -> Iterator[Any]:
    """Freeze the clock at 2026-11-23 10:00 Asia/Shanghai (02:00 UTC)."""
    import time_machine

    with time_machine.travel(
        dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC), tick=False
    ) as traveller:
        yield traveller
