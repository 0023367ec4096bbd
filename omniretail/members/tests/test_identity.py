from __future__ import annotations

import pytest
from django.core import signing
from django.db import connection

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.models import AuditLog
from omniretail.members import crypto, identity, points
from omniretail.members.errors import MemberError
from omniretail.members.models import Member, MemberStatus

pytestmark = pytest.mark.django_db


def test_phone_is_never_stored_in_clear_when_reading_the_raw_table(member):
    with connection.cursor() as cur:
        assert Member._meta.db_table == "members_member"
        cur.execute("SELECT * FROM members_member")
        rows = cur.fetchall()
    raw = " ".join(str(v) for row in rows for v in row)
    assert "13812341234" not in raw
    assert "张三" not in raw
    assert "138****1234" in raw


def test_phone_decrypts_and_masks_when_registered(member):
    assert identity.phone_of(member) == "13812341234"
    assert member.phone_masked == "138****1234"
    assert member.name_masked == "张*"
    assert identity.is_valid_code(member.code)


@pytest.mark.parametrize("phone", ["12812341234", "1381234123", "abc", "", "23812341234"])
def test_registration_is_refused_when_phone_is_invalid(org, phone):
    with pytest.raises(ValidationFailed) as exc:
        identity.register_member(org["brand"], phone)
    assert exc.value.code == MemberError.INVALID_PHONE


def test_registration_is_a_conflict_when_phone_already_registered(member, org):
    with pytest.raises(Conflict) as exc:
        identity.register_member(org["brand"], "+86 138 1234 1234")
    assert exc.value.code == MemberError.DUPLICATE_MEMBER
    assert exc.value.details["member_code"] == member.code


def test_lookup_finds_member_when_searched_by_phone_code_or_qr(member, org):
    brand_id = org["brand"].pk
    assert identity.find_by_phone(brand_id, "138-1234-1234").pk == member.pk
    assert identity.find_by_code([brand_id], member.code).pk == member.pk
    payload = crypto.qr_payload(member.code, brand_id)
    assert identity.find_by_qr([brand_id], payload).pk == member.pk


def test_qr_lookup_fails_clearly_when_payload_is_tampered(member, org):
    payload = crypto.qr_payload(member.code, org["brand"].pk)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    with pytest.raises(ValidationFailed) as exc:
        identity.find_by_qr([org["brand"].pk], tampered)
    assert exc.value.code == MemberError.QR_INVALID
    forged = signing.dumps({"c": member.code, "b": org["brand"].pk}, salt="other")
    with pytest.raises(ValidationFailed):
        identity.find_by_qr([org["brand"].pk], forged)


def test_qr_lookup_fails_when_payload_is_older_than_max_age(member, org, frozen_now):
    import datetime as dt

    payload = crypto.qr_payload(member.code, org["brand"].pk)
    frozen_now.shift(dt.timedelta(hours=1))
    with pytest.raises(ValidationFailed) as exc:
        identity.find_by_qr([org["brand"].pk], payload)
    assert exc.value.code == MemberError.QR_EXPIRED


def test_unmask_is_audited_as_pii_read_when_called(member):
    clear = identity.unmask(member, reason="customer at desk")
    assert clear == {"phone": "13812341234", "name": "张三"}
    log = AuditLog.objects.get(action="members.unmask")
    assert log.is_pii_read and log.object_id == str(member.pk)


def test_merge_moves_points_and_audits_when_duplicates_are_merged(member, org):
    other = identity.register_member(org["brand"], "13912345678", name="张三")
    points.earn_points_for_sale(other, "100.00", "S1-0001")
    points.earn_points_for_sale(member, "50.00", "S1-0002")
    merged = identity.merge_members(member, other, reason="same person")
    other.refresh_from_db()
    assert merged.points_balance == 150
    assert other.points_balance == 0 and other.status == MemberStatus.MERGED
    assert identity.find_by_phone(org["brand"].pk, "13912345678").pk == member.pk
    assert AuditLog.objects.filter(action="members.merge").exists()


def test_rotation_reencrypts_with_newest_key_when_a_key_is_added(member, monkeypatch):
    from django.core.management import call_command

    old = crypto.current_key()
    import base64

    old_b64 = base64.urlsafe_b64encode(old.key).decode()
    monkeypatch.setenv(
        "OMNIRETAIL_FIELD_KEYS", f"{old.key_id}:{old_b64},k2:{crypto.generate_key()}"
    )
    call_command("rotate_member_keys", verbosity=0)
    member.refresh_from_db()
    assert crypto.key_id_of(member.phone_cipher) == "k2"
    assert identity.phone_of(member) == "13812341234"
    assert identity.find_by_phone(member.brand_id, "13812341234").pk == member.pk
