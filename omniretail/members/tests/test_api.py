from __future__ import annotations

import pytest

from omniretail.accounts.permissions import Role
from omniretail.core.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user, api_as):
    return api_as(make_user("hq_admin"))


@pytest.fixture
def desk_cashier(make_user, api_as):
    """A cashier at the member desk: registers and looks up members, sees them masked."""
    return api_as(make_user("cashier", store="S2"))


def _register(client, phone="13812341234", **extra):
    return client.post(
        "members/register",
        {"phone": phone, "consents": {"marketing": True}, **extra},
    )


def test_register_and_lookup_return_masked_member_when_called_by_store_staff(
    desk_cashier, frozen_now
):
    created = _register(desk_cashier)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["phone_masked"] == "138****1234" and body["phone"] is None
    found = desk_cashier.post("members/lookup", {"phone": "13812341234"})
    assert found.status_code == 200 and found.json()["id"] == body["id"]
    assert desk_cashier.get(f"members/{body['id']}?reveal=true").json()["phone"] is None


def test_register_answers_409_when_phone_is_already_registered(admin, frozen_now):
    assert _register(admin).status_code == 201
    again = _register(admin)
    assert again.status_code == 409
    assert again.json()["code"] == "members.duplicate_member"


def test_register_answers_422_when_phone_is_invalid(admin):
    response = _register(admin, phone="12345")
    assert response.status_code == 422
    assert response.json()["code"] == "members.invalid_phone"


def test_reveal_and_unmask_are_audited_when_caller_holds_pii(admin, frozen_now):
    member_id = _register(admin, name="李四").json()["id"]
    revealed = admin.get(f"members/{member_id}?reveal=true").json()
    assert revealed["phone"] == "13812341234" and revealed["name"] == "李四"
    clear = admin.post(f"members/{member_id}/unmask", {"reason": "call back"})
    assert clear.json() == {"phone": "13812341234", "name": "李四"}
    assert AuditLog.objects.filter(action="members.unmask", is_pii_read=True).count() == 2


def test_member_answers_404_when_caller_belongs_to_another_brand(admin, frozen_now):
    from omniretail.accounts.models import RoleAssignment, User
    from omniretail.accounts.services import issue_token
    from omniretail.core.models import Brand

    member_id = _register(admin).json()["id"]
    other = Brand.objects.create(code="OB", name="别家")
    user = User.objects.create_user(username="other-admin", password="x-very-long-pass-1")
    RoleAssignment.objects.create(user=user, role=Role.HQ_ADMIN, brand=other)
    _token, raw = issue_token(user, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    from django.test import Client

    client = Client()
    assert client.get(f"/api/v1/members/{member_id}", **headers).status_code == 404
    looked = client.post(
        "/api/v1/members/lookup",
        {"phone": "13812341234"},
        content_type="application/json",
        **headers,
    )
    assert looked.status_code == 404


def test_points_history_and_stored_value_show_ledgers_when_member_has_activity(admin, frozen_now):
    from omniretail.members import points
    from omniretail.members.models import Member

    member_id = _register(admin).json()["id"]
    points.earn_points_for_sale(Member.objects.get(pk=member_id), "88.80", "S1-9")
    history = admin.get(f"members/{member_id}/points").json()
    assert history["balance"] == 88 and history["items"][0]["reference"] == "S1-9"
    top = admin.post(
        f"members/{member_id}/stored-value/top-up", {"amount_fen": 10000, "reference": "TU-1"}
    )
    assert top.status_code == 200 and top.json()["balance_fen"] == 10000
    again = admin.post(
        f"members/{member_id}/stored-value/top-up", {"amount_fen": 10000, "reference": "TU-1"}
    )
    assert again.json()["balance_fen"] == 10000
    negative = admin.post(
        f"members/{member_id}/stored-value/top-up", {"amount_fen": -5, "reference": "TU-2"}
    )
    assert negative.status_code == 422


def test_export_and_delete_are_audited_and_anonymise_when_privacy_officer_calls(admin, frozen_now):
    member_id = _register(admin, name="王五").json()["id"]
    exported = admin.get(f"members/{member_id}/export").json()
    assert exported["member"]["phone"] == "13812341234"
    deleted = admin.delete(f"members/{member_id}")
    assert deleted.status_code == 200 and deleted.json()["status"] == "anonymised"
    assert admin.post("members/lookup", {"phone": "13812341234"}).status_code == 404
    assert AuditLog.objects.filter(action="members.export", is_pii_read=True).exists()
    assert AuditLog.objects.filter(action="members.anonymise").exists()
    assert admin.get(f"members/{member_id}/export").status_code == 409


def test_me_endpoints_answer_404_when_user_has_no_linked_member(make_user, api_as, frozen_now):
    customer = make_user("customer")
    client = api_as(customer)
    assert client.get("members/me").status_code == 404
    from omniretail.members.identity import register_member

    register_member(customer.assignments.first().brand, "13700001111", user=customer)
    assert client.get("members/me").json()["phone_masked"] == "137****1111"
    assert client.get("members/me/tier").json()["tier"]["code"] == "regular"
    assert client.get("members/me/points").json()["balance"] == 0


def test_consent_withdrawal_is_recorded_when_member_opts_out(admin, frozen_now):
    member_id = _register(admin).json()["id"]
    response = admin.post(
        f"members/{member_id}/consents", {"purpose": "marketing", "granted": False}
    )
    assert response.status_code == 200
    rows = admin.get(f"members/{member_id}/consents").json()
    assert [(r["purpose"], r["granted"]) for r in rows] == [
        ("marketing", True),
        ("marketing", False),
    ]
    assert AuditLog.objects.filter(action="members.consent_withdrawn").exists()


def test_lookup_refuses_a_phone_number_in_the_url_when_asked_by_get(desk_cashier, frozen_now):
    created = _register(desk_cashier).json()
    refused = desk_cashier.get("members/lookup?phone=13812341234")
    assert refused.status_code == 422
    assert refused.json()["code"] == "members.phone_in_url"
    by_code = desk_cashier.get(f"members/lookup?code={created['code']}")
    assert by_code.status_code == 200 and by_code.json()["id"] == created["id"]


def test_lookup_body_rejects_unknown_fields_when_posted(desk_cashier, frozen_now):
    response = desk_cashier.post("members/lookup", {"phone": "13812341234", "name": "x"})
    assert response.status_code == 422
