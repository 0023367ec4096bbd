"""Bearer tokens are resolved once per process and then served from a cache checked against the
access version: the second request with a token reads no token row, and every way a token stops
being valid (revoked, expired, user deactivated or closed, password changed, a change made by
another process) is refused on the very next request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.accounts import scope as scope_module
from omniretail.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"


def _bearer(user, **kwargs) -> dict[str, str]:
    from omniretail.accounts.services import issue_token

    _token, raw = issue_token(user, name="till", **kwargs)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _token_reads(client, auth) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(ME, **auth).status_code
    return status, sum("accounts_apitoken" in q["sql"] for q in ctx.captured_queries)


def test_second_request_reads_no_token_row_when_the_token_is_cached(client, make_user):
    auth = _bearer(make_user("cashier", store="S1"))
    status, reads = _token_reads(client, auth)  # the row, and its last-used stamp
    assert status == 200 and reads >= 1
    assert _token_reads(client, auth) == (200, 0)


def test_revoked_token_is_refused_at_once_when_it_was_cached(client, make_user):
    from omniretail.accounts.services import revoke_token

    user = make_user("cashier", store="S1")
    auth = _bearer(user)
    assert client.get(ME, **auth).status_code == 200
    revoke_token(ApiToken.objects.get(user=user).pk, by=user, manage_scope=None)
    assert client.get(ME, **auth).status_code == 401


def test_cached_token_is_refused_when_it_expires(client, make_user, frozen_now):
    from omniretail.accounts.services import issue_token

    user = make_user("cashier", store="S1")
    _token, raw = issue_token(
        user, name="short", expires_at=dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(ME, **auth).status_code == 200
    with time_machine.travel(dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC), tick=False):
        assert client.get(ME, **auth).status_code == 401


def test_cached_token_is_refused_when_its_user_is_deactivated(client, make_user):
    user = make_user("cashier", store="S1")
    auth = _bearer(user)
    assert client.get(ME, **auth).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(ME, **auth).status_code == 401


def test_cached_token_is_refused_when_the_password_changes(client, make_user):
    from omniretail.accounts.services import set_password

    user = make_user("cashier", store="S1")
    auth = _bearer(user)
    assert client.get(ME, **auth).status_code == 200
    set_password(user, "A-new-Passw0rd-2026!")
    assert client.get(ME, **auth).status_code == 401


def test_cached_token_is_refused_when_another_process_revokes_it(
    client, make_user, monkeypatch, tmp_path
):
    monkeypatch.setattr(scope_module, "_stamp_path", lambda: tmp_path / "scope-version-db")
    user = make_user("cashier", store="S1")
    auth = _bearer(user)
    assert client.get(ME, **auth).status_code == 200
    # Another worker revokes it: the row changes without a signal in this process, and that
    # process moves the shared stamp.
    ApiToken.objects.filter(user=user).update(revoked_at=dt.datetime.now(dt.UTC))
    assert client.get(ME, **auth).status_code == 200  # nothing told this process yet
    scope_module._bump_shared()
    assert client.get(ME, **auth).status_code == 401


def test_device_token_acts_for_its_store_only_when_its_locations_are_cached(client, make_user, org):
    from omniretail.accounts.services import issue_token

    user = make_user("store_manager", store="S1")
    _token, raw = issue_token(
        user, name="till-1", kind="device", store=org["stores"]["S1"], device_type="pos"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    s1, s2 = org["stores"]["S1"].pk, org["stores"]["S2"].pk
    assert client.get(f"/api/v1/pos/registers?store_id={s1}", **auth).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/api/v1/pos/registers?store_id={s1}", **auth).status_code == 200
    assert not any('FROM "core_location"' in q["sql"] for q in ctx.captured_queries)
    assert client.get(f"/api/v1/pos/registers?store_id={s2}", **auth).status_code == 404
