from __future__ import annotations

import pytest

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.members import privacy, stored_value
from omniretail.members.errors import MemberError
from omniretail.members.models import Member, MemberStatus

pytestmark = pytest.mark.django_db


def test_top_up_is_idempotent_when_reference_is_retried(member):
    wallet = stored_value.wallet_for(member)
    first = stored_value.top_up(wallet, "100.00", "TU-1")
    again = stored_value.top_up(wallet, "100.00", "TU-1")
    assert first.pk == again.pk
    wallet.refresh_from_db()
    assert str(wallet.balance) == "100.00"
    with pytest.raises(Conflict):
        stored_value.top_up(wallet, "50.00", "TU-1")


def test_spend_is_refused_when_balance_is_too_low(member):
    wallet = stored_value.wallet_for(member)
    stored_value.top_up(wallet, "10.00", "TU-1")
    with pytest.raises(ValidationFailed) as exc:
        stored_value.spend(wallet, "10.01", "SP-1")
    assert exc.value.code == MemberError.INSUFFICIENT_BALANCE


def test_top_up_is_refused_when_amount_is_negative_or_float(member):
    wallet = stored_value.wallet_for(member)
    for bad in ["-1", "0", 1.5]:
        with pytest.raises(ValidationFailed):
            stored_value.top_up(wallet, bad, "TU-X")


def test_refund_is_capped_at_the_spend_when_refunded_twice(member):
    wallet = stored_value.wallet_for(member)
    stored_value.top_up(wallet, "100", "TU-1")
    stored_value.spend(wallet, "60", "SP-1")
    stored_value.refund(wallet, "40", "RF-1", "SP-1")
    with pytest.raises(ValidationFailed) as exc:
        stored_value.refund(wallet, "20.01", "RF-2", "SP-1")
    assert exc.value.code == MemberError.REFUND_EXCEEDS_SPEND
    wallet.refresh_from_db()
    assert str(wallet.balance) == "80.00"


def test_retention_anonymises_members_when_inactive_for_years(member, frozen_now):
    import datetime as dt

    frozen_now.move_to(dt.datetime(2030, 1, 1, 2, 0, tzinfo=dt.UTC))
    assert privacy.anonymise_inactive() == 1
    member.refresh_from_db()
    assert member.status == MemberStatus.ANONYMISED
    assert member.phone_cipher == "" and member.phone_index is None
    assert Member.objects.filter(pk=member.pk, consents__granted=False).exists()
