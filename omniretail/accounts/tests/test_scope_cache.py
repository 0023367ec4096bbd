"""The caller's scope is resolved once and reused across requests until something that can move
it changes (a role assignment, a user, the organisation)."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.accounts import scope as scope_module
from omniretail.accounts.models import RoleAssignment, User
from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import invalidate_scopes, resolve_scope

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    """The user as the next request sees it: a new object, no per-request cache."""
    return User.objects.get(pk=user.pk)


def _queries(fn) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries]


def test_scope_is_reused_without_queries_when_the_next_request_asks_again(make_user, org):
    user = make_user("store_manager", store="S1")
    first = resolve_scope(_fresh(user), Perm.ORG_VIEW)
    again = _fresh(user)
    assert _queries(lambda: resolve_scope(again, Perm.ORG_VIEW)) == []
    assert resolve_scope(again, Perm.ORG_VIEW) == first
    assert first.store_ids == {org["stores"]["S1"].pk}


def test_scope_widens_when_a_role_assignment_is_added(make_user, org):
    user = make_user("store_manager", store="S1")
    assert resolve_scope(_fresh(user), Perm.ORG_VIEW).store_ids == {org["stores"]["S1"].pk}
    RoleAssignment.objects.create(
        user=user, role="store_manager", brand=org["brand"], store=org["stores"]["S2"]
    )
    widened = resolve_scope(_fresh(user), Perm.ORG_VIEW).store_ids
    assert widened == {org["stores"]["S1"].pk, org["stores"]["S2"].pk}


def test_scope_empties_when_the_role_assignment_is_deleted(make_user, org):
    user = make_user("cashier", store="S1")
    assert not resolve_scope(_fresh(user), Perm.POS_OPERATE).empty
    RoleAssignment.objects.filter(user=user).delete()
    assert resolve_scope(_fresh(user), Perm.POS_OPERATE).empty


def test_brand_wide_scope_includes_a_new_store_when_the_store_is_created(make_user, org):
    from omniretail.core.models import Location, Store

    admin = make_user("hq_admin")
    assert len(resolve_scope(_fresh(admin), Perm.ORG_VIEW).store_ids) == 3
    store = Store.objects.create(
        brand=org["brand"],
        region=org["east"],
        code="S4",
        name="新店",
        store_type="convenience",
        city="上海",
        address="x",
    )
    Location.objects.create(
        brand=org["brand"],
        region=org["east"],
        store=store,
        code="S4-FL",
        name="卖场",
        kind="store_floor",
    )
    assert store.pk in resolve_scope(_fresh(admin), Perm.ORG_VIEW).store_ids


def test_regional_scope_follows_a_store_when_it_moves_region(make_user, org):
    manager = make_user("regional_manager", region="east")
    s2 = org["stores"]["S2"]
    assert s2.pk in resolve_scope(_fresh(manager), Perm.ORG_VIEW).store_ids
    s2.region = org["south"]
    s2.save(update_fields=["region"])
    assert s2.pk not in resolve_scope(_fresh(manager), Perm.ORG_VIEW).store_ids


def test_deactivated_user_has_no_scope_when_cached_before(make_user, org):
    user = make_user("store_manager", store="S1")
    assert not resolve_scope(_fresh(user), Perm.ORG_VIEW).empty
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert resolve_scope(_fresh(user), Perm.ORG_VIEW).empty


def test_cached_scope_is_dropped_when_another_process_bumps_the_shared_version(
    make_user, org, monkeypatch, tmp_path
):
    monkeypatch.setattr(scope_module, "_stamp_path", lambda: tmp_path / "scope-version-db")
    user = make_user("cashier", store="S1")
    # A change made by another worker process: the database row changes without a signal
    # here, and that process moves the shared stamp.
    resolve_scope(_fresh(user), Perm.POS_OPERATE)
    RoleAssignment.objects.filter(user=user).update(store=org["stores"]["S2"])
    assert resolve_scope(_fresh(user), Perm.POS_OPERATE).store_ids == {org["stores"]["S1"].pk}
    scope_module._bump_shared()
    assert resolve_scope(_fresh(user), Perm.POS_OPERATE).store_ids == {org["stores"]["S2"].pk}


def test_shared_stamp_changes_on_every_bump_when_it_is_a_file(monkeypatch, tmp_path):
    monkeypatch.setattr(scope_module, "_stamp_path", lambda: tmp_path / "scope-version-db")
    before = scope_module._shared_stamp()
    scope_module._bump_shared()
    first = scope_module._shared_stamp()
    scope_module._bump_shared()
    assert before is None and first is not None and scope_module._shared_stamp() != first
    assert [p.name for p in tmp_path.iterdir()] == ["scope-version-db"]
    assert os.path.getsize(tmp_path / "scope-version-db") == 32


def test_stamp_is_per_database_and_absent_when_the_database_is_in_memory(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    path = scope_module._stamp_path()
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        assert path is None
    else:
        assert path is not None and path.parent == tmp_path
        assert path.name.startswith("scope-version-")


def test_cached_scope_expires_when_older_than_the_time_limit(make_user, org, settings):
    user = make_user("cashier", store="S1")
    settings.OMNIRETAIL_SCOPE_CACHE_SECONDS = 0
    resolve_scope(_fresh(user), Perm.POS_OPERATE)
    sql = _queries(lambda: resolve_scope(_fresh(user), Perm.POS_OPERATE))
    assert any("accounts_roleassignment" in q for q in sql)


def test_api_call_skips_scope_queries_when_the_scope_is_cached(api_as, make_user, org):
    api = api_as(make_user("store_manager", store="S1"))
    first = _queries(lambda: api.get("org/stores"))
    second = _queries(lambda: api.get("org/stores"))
    assert any("accounts_roleassignment" in q for q in first)
    assert not any("accounts_roleassignment" in q for q in second)
    assert len(first) - len(second) >= 4


def test_invalidate_scopes_forces_a_fresh_resolve_when_called_after_a_bulk_load(make_user, org):
    user = make_user("cashier", store="S1")
    resolve_scope(_fresh(user), Perm.POS_OPERATE)
    invalidate_scopes()
    sql = _queries(lambda: resolve_scope(_fresh(user), Perm.POS_OPERATE))
    assert any("accounts_roleassignment" in q for q in sql)
