"""Supervisor approval by PIN: price overrides, manual discounts and line voids."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.core.models import AuditLog
from omniretail.payments.models import RiskFlag, RiskRule
from omniretail.pos import approvals, carts, selectors, services
from omniretail.pos.models import PosCartLine, PosOverride, SupervisorPin


@pytest.fixture
def till(org, make_user, make_sku, register, frozen_now):
    cashier = make_user("cashier", store="S1")
    manager = make_user("store_manager", store="S1", username="mgr")
    approvals.set_pin(manager, "2468")
    shift = services.open_shift(register=register, cashier_id=cashier.pk, opening_float="0")
    sku = make_sku("WINE", price="100.00")
    cart = carts.active_cart(shift)
    carts.add_line(cart, sku.pk, 2)
    return {"shift": shift, "cart": cart, "sku": sku, "manager": manager, "cashier": cashier}


def _line(till):
    return PosCartLine.objects.get(cart=till["cart"])


def test_pin_is_stored_as_argon2_hash_when_set(till):
    row = SupervisorPin.objects.get(user=till["manager"])
    assert row.pin_hash.startswith("argon2") and "2468" not in row.pin_hash


def test_price_override_changes_cart_and_is_audited_when_pin_right(till):
    override = approvals.override_price(
        shift=till["shift"],
        line_id=_line(till).pk,
        unit_price="80",
        supervisor="mgr",
        pin="2468",
        reason="破损包装",
    )

    priced = selectors.price_pos_cart(till["cart"], till["shift"].register.store)
    assert priced.total == Decimal("160.00") and priced.discount_total == Decimal("40.00")
    assert priced.lines[0].promotions[0]["key"] == "override"
    assert (override.supervisor, override.cashier) == (till["manager"], till["cashier"])
    assert AuditLog.objects.filter(action="pos.override.price_override").exists()


def test_wrong_pin_is_typed_error_and_changes_nothing_when_entered(till):
    with pytest.raises(PermissionDenied) as caught:
        approvals.manual_discount(
            shift=till["shift"],
            line_id=_line(till).pk,
            amount="10",
            supervisor="mgr",
            pin="1111",
            reason="熟客",
        )

    assert caught.value.code == "pos_supervisor_pin_invalid"
    assert _line(till).manual_discount == 0 and not PosOverride.objects.exists()
    assert SupervisorPin.objects.get(user=till["manager"]).failed_attempts == 1


def test_pin_locks_when_wrong_five_times(till):
    for _ in range(approvals.MAX_FAILURES):
        with pytest.raises(PermissionDenied):
            approvals.void_line(
                shift=till["shift"],
                line_id=_line(till).pk,
                supervisor="mgr",
                pin="0000",
                reason="x",
            )
    with pytest.raises(PermissionDenied) as caught:
        approvals.void_line(
            shift=till["shift"], line_id=_line(till).pk, supervisor="mgr", pin="2468", reason="x"
        )
    assert caught.value.code == "pos_supervisor_pin_locked"


def test_cashier_cannot_approve_when_not_a_supervisor(till, make_user):
    with pytest.raises(PermissionDenied):
        approvals.set_pin(till["cashier"], "1357")
    with pytest.raises(PermissionDenied):
        approvals.void_line(
            shift=till["shift"],
            line_id=_line(till).pk,
            supervisor=till["cashier"].username,
            pin="1357",
            reason="x",
        )


def test_manager_of_another_store_cannot_approve_when_pin_right(till, make_user):
    other = make_user("store_manager", store="S2", username="mgr2")
    approvals.set_pin(other, "9753")
    with pytest.raises(PermissionDenied):
        approvals.void_line(
            shift=till["shift"], line_id=_line(till).pk, supervisor="mgr2", pin="9753", reason="x"
        )


def test_void_removes_line_and_records_it_when_approved(till):
    approvals.void_line(
        shift=till["shift"], line_id=_line(till).pk, supervisor="mgr", pin="2468", reason="扫错"
    )
    assert not PosCartLine.objects.exists()
    assert PosOverride.objects.get().kind == "line_void"


def test_reason_and_pin_format_are_required(till):
    with pytest.raises(ValidationFailed):
        approvals.void_line(
            shift=till["shift"], line_id=_line(till).pk, supervisor="mgr", pin="2468", reason=" "
        )
    with pytest.raises(ValidationFailed):
        approvals.set_pin(till["manager"], "12ab")


def test_overrides_raise_risk_flag_when_above_threshold(till):
    RiskRule.objects.create(code="price_override", threshold=2, window_minutes=60)
    for n in range(4):
        approvals.manual_discount(
            shift=till["shift"],
            line_id=_line(till).pk,
            amount=str(n + 1),
            supervisor="mgr",
            pin="2468",
            reason="熟客",
        )
    flag = RiskFlag.objects.get(rule="price_override")
    assert flag.subject == f"cashier:{till['cashier'].pk}" and flag.hits == 2
    assert flag.observed == 4
