"""The web till registers a shopper whose phone finds no member, and attaches them to the cart."""

from __future__ import annotations

from omniretail.members import identity
from omniretail.members.models import Consent, Member
from omniretail.pos.models import PosCart

PHONE = "13812341234"


def _open(register):
    from omniretail.pos import services

    return services.open_shift(register=register, cashier_id=None, opening_float="0")


def test_unknown_phone_offers_registration_form(client, make_user, register, frozen_now):
    shift = _open(register)
    client.force_login(make_user("cashier", store="S1"))

    page = client.post(f"/pos/shift/{shift.pk}/member/", {"q": PHONE}).content.decode()

    assert f"/pos/shift/{shift.pk}/register-member/" in page
    assert f'value="{PHONE}"' in page and 'name="terms"' in page


def test_register_from_till_creates_member_and_attaches_it(client, make_user, register, frozen_now):
    shift = _open(register)
    client.force_login(make_user("cashier", store="S1"))

    response = client.post(
        f"/pos/shift/{shift.pk}/register-member/",
        {"phone": PHONE, "terms": "1", "marketing": "1"},
    )

    assert response.status_code == 200
    member = Member.objects.get()
    assert PHONE not in member.phone_cipher and identity.phone_of(member) == PHONE
    assert member.brand_id == register.store.brand_id
    assert member.registered_store_id == register.store_id
    assert PosCart.objects.get(shift=shift, status="active").member_id == member.pk
    consent = Consent.objects.get(member=member, purpose="marketing")
    assert consent.granted is True


def test_register_without_terms_saves_nothing(client, make_user, register, frozen_now):
    shift = _open(register)
    client.force_login(make_user("cashier", store="S1"))

    response = client.post(f"/pos/shift/{shift.pk}/register-member/", {"phone": PHONE})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Member.objects.exists() and not Consent.objects.exists()


def test_duplicate_phone_shows_error_and_keeps_one_member(client, make_user, register, frozen_now):
    shift = _open(register)
    client.force_login(make_user("cashier", store="S1"))
    url = f"/pos/shift/{shift.pk}/register-member/"
    client.post(url, {"phone": PHONE, "terms": "1"})

    response = client.post(url, {"phone": PHONE, "terms": "1"})

    assert 'role="alert"' in response.content.decode()
    assert Member.objects.count() == 1


def test_cashier_of_other_store_gets_404(client, make_user, register, frozen_now):
    shift = _open(register)
    client.force_login(make_user("cashier", store="S2"))

    response = client.post(
        f"/pos/shift/{shift.pk}/register-member/", {"phone": PHONE, "terms": "1"}
    )

    assert response.status_code == 404
    assert not Member.objects.exists()
