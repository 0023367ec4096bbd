"""A store manager and a cashier see and change only their own store."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_store_manager_lists_only_own_store_when_listing_stores(api_as, make_user, org):
    api = api_as(make_user("store_manager", store="S1"))
    codes = [s["code"] for s in api.get("org/stores").json()]
    assert codes == ["S1"]


def test_other_store_answers_404_when_out_of_scope(api_as, make_user, org):
    api = api_as(make_user("cashier", store="S1"))
    assert api.get(f"org/stores/{org['stores']['S1'].pk}").status_code == 200
    response = api.get(f"org/stores/{org['stores']['S2'].pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_regional_manager_sees_region_stores_and_its_warehouse(api_as, make_user, org):
    api = api_as(make_user("regional_manager", region="east"))
    assert sorted(s["code"] for s in api.get("org/stores").json()) == ["S1", "S2"]
    locations = {loc["code"] for loc in api.get("org/locations").json()}
    assert "WH-E" in locations and "S3-FL" not in locations and "WH-C" not in locations


def test_hq_admin_sees_whole_chain(api_as, make_user, org):
    api = api_as(make_user("hq_admin"))
    assert len(api.get("org/stores").json()) == 3
    assert len(api.get("org/locations").json()) == 8


def test_store_manager_cannot_change_store_without_org_manage(api_as, make_user, org):
    api = api_as(make_user("store_manager", store="S1"))
    response = api.patch(f"org/stores/{org['stores']['S1'].pk}", {"phone": "123"})
    assert response.status_code == 403


def test_hq_admin_changes_store_and_it_is_audited(api_as, make_user, org):
    from omniretail.core.models import AuditLog

    api = api_as(make_user("hq_admin"))
    response = api.patch(f"org/stores/{org['stores']['S1'].pk}", {"phone": "021-1234"})
    assert response.status_code == 200
    entry = AuditLog.objects.get(action="org.store_updated")
    assert entry.changes == {"phone": ["", "021-1234"]}
    assert entry.actor_label.startswith("hq_admin")


def test_store_manager_lists_only_users_of_own_store(api_as, make_user, org):
    manager = make_user("store_manager", store="S1")
    make_user("cashier", store="S1", username="s1cash")
    make_user("cashier", store="S2", username="s2cash")
    names = {u["username"] for u in api_as(manager).get("accounts/users").json()}
    assert "s1cash" in names and "s2cash" not in names


def test_user_in_other_store_answers_404(api_as, make_user, org):
    manager = make_user("store_manager", store="S1")
    other = make_user("cashier", store="S2")
    assert api_as(manager).get(f"accounts/users/{other.pk}").status_code == 404


def test_regional_manager_cannot_create_user_in_other_region(api_as, make_user, org):
    from omniretail.accounts.models import User

    boss = make_user("hq_admin")
    regional = make_user("regional_manager", region="east")
    # regional managers hold accounts.view only; the HQ admin may create anywhere
    response = api_as(regional).post(
        "accounts/users",
        {
            "username": "newbie",
            "password": "a-long-passphrase-1",
            "role": "cashier",
            "store_id": org["stores"]["S3"].pk,
        },
    )
    assert response.status_code == 403
    response = api_as(boss).post(
        "accounts/users",
        {
            "username": "newbie",
            "password": "a-long-passphrase-1",
            "role": "cashier",
            "store_id": org["stores"]["S3"].pk,
        },
    )
    assert response.status_code == 201
    assert User.objects.filter(username="newbie").exists()


def test_weak_password_is_refused_with_reasons(api_as, make_user, org):
    response = api_as(make_user("hq_admin")).post(
        "accounts/users",
        {
            "username": "weak",
            "password": "123",
            "role": "cashier",
            "store_id": org["stores"]["S1"].pk,
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"
    assert response.json()["details"]["reasons"]


def test_device_token_acts_only_for_its_store(api_as, make_user, org, client):
    manager = make_user("regional_manager", region="east")
    issued = api_as(manager).post(
        "auth/devices", {"store_id": org["stores"]["S2"].pk, "name": "POS-1", "device_type": "pos"}
    )
    assert issued.status_code == 201
    device = client.get("/api/v1/org/stores", HTTP_AUTHORIZATION=f"Bearer {issued.json()['token']}")
    assert [s["code"] for s in device.json()] == ["S2"]


def test_device_registration_refused_for_store_outside_scope(api_as, make_user, org):
    manager = make_user("store_manager", store="S1")
    response = api_as(manager).post(
        "auth/devices", {"store_id": org["stores"]["S3"].pk, "name": "POS-1", "device_type": "pos"}
    )
    assert response.status_code == 404
