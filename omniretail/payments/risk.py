"""Risk rules and their review queue.

Each rule is a small, explainable check run right after the event it watches (a captured
payment, a refund, a supervisor override); when it fires it opens a ``RiskFlag`` — at most one
open flag per rule and subject, later hits only count up — for a reviewer to clear or confirm.
Thresholds live in ``RiskRule`` rows (editable on the review page and the API); a missing row
means the default below. Rules never block the sale: they flag it for people to look at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import InvalidState, NotFound, ValidationFailed
from omniretail.core.money import quantize

from .errors import PaymentError
from .models import (
    CAPTURED_STATUSES,
    Payment,
    Refund,
    RefundStatus,
    RiskFlag,
    RiskFlagStatus,
    RiskRule,
    RiskRuleCode,
)


@dataclass(frozen=True)
class Threshold:
    threshold: Decimal
    window_minutes: int
    enabled: bool = True


# velocity: captured payments per tender account (e.g. one 付款码 wallet, one member's stored
# value) within the window; refund_no_receipt: refunds without a receipt per cashier per
# window; refund_ratio: refunded ÷ sold per cashier over the window (needs REFUND_RATIO_MIN_SALES
# sales); price_override: approved overrides per cashier per window; amount_outlier: one
# payment above this many yuan.
DEFAULTS: dict[str, Threshold] = {
    RiskRuleCode.VELOCITY: Threshold(Decimal("5"), 10),
    RiskRuleCode.REFUND_NO_RECEIPT: Threshold(Decimal("2"), 24 * 60),
    RiskRuleCode.REFUND_RATIO: Threshold(Decimal("0.30"), 24 * 60),
    RiskRuleCode.PRICE_OVERRIDE: Threshold(Decimal("5"), 8 * 60),
    RiskRuleCode.AMOUNT_OUTLIER: Threshold(Decimal("20000"), 0),
}
REFUND_RATIO_MIN_SALES = 5


def thresholds() -> dict[str, Threshold]:
    found = {
        r.code: Threshold(r.threshold, r.window_minutes, r.enabled) for r in RiskRule.objects.all()
    }
    return {code: found.get(code, default) for code, default in DEFAULTS.items()}


def set_threshold(
    code: str, *, threshold: Any, window_minutes: int, enabled: bool = True
) -> RiskRule:
    """Change a rule's threshold (audited)."""
    if code not in DEFAULTS:
        raise NotFound(_("risk rule"), code=PaymentError.UNKNOWN_RISK_RULE)
    try:
        value = quantize(Decimal(str(threshold)))
    except (ArithmeticError, ValueError) as exc:
        raise ValidationFailed(
            PaymentError.INVALID_AMOUNT, _("The threshold must be a number.")
        ) from exc
    if value <= 0 or value >= Decimal("10000000000") or not 0 <= window_minutes <= 60 * 24 * 90:
        raise ValidationFailed(
            PaymentError.INVALID_AMOUNT,
            _("The threshold must be positive and the window at most 90 days."),
        )
    with transaction.atomic():
        rule, _created = RiskRule.objects.update_or_create(
            code=code,
            defaults={"threshold": value, "window_minutes": window_minutes, "enabled": enabled},
        )
        audit.record(
            "payments.risk.threshold",
            rule,
            changes={"threshold": str(value), "window_minutes": window_minutes, "enabled": enabled},
        )
    return rule


def _raise(
    rule: str,
    subject: str,
    observed: Decimal,
    limit: Threshold,
    *,
    store_id: int | None,
    detail: dict[str, Any],
) -> RiskFlag:
    """Open a flag, or count one more hit on the open one for the same rule and subject."""
    observed = quantize(observed)
    try:
        with transaction.atomic():
            flag = RiskFlag.objects.create(
                rule=rule,
                subject=subject[:120],
                store_id=store_id,
                observed=observed,
                threshold=limit.threshold,
                detail=detail,
                created_at=clock.now(),
            )
    except IntegrityError:
        RiskFlag.objects.filter(rule=rule, subject=subject[:120], status="open").update(
            hits=F("hits") + 1, observed=observed, detail=detail
        )
        flag = RiskFlag.objects.get(rule=rule, subject=subject[:120], status="open")
    return flag


def _since(limit: Threshold) -> dt.datetime:
    return clock.now() - dt.timedelta(minutes=limit.window_minutes)


def check_payment(payment: Payment) -> list[RiskFlag]:
    """After a capture: amount outlier, and velocity on the paying account (the member's
    stored value or points, or the wallet behind a 付款码 — seen by its last digits)."""
    if payment.status not in CAPTURED_STATUSES:
        return []
    limits = thresholds()
    flags: list[RiskFlag] = []
    store_id = _store_of(payment)
    outlier = limits[RiskRuleCode.AMOUNT_OUTLIER]
    if outlier.enabled and payment.amount > outlier.threshold:
        flags.append(
            _raise(
                RiskRuleCode.AMOUNT_OUTLIER,
                f"payment:{payment.pk}",
                payment.amount,
                outlier,
                store_id=store_id,
                detail={"payment": payment.reference, "kind": payment.kind},
            )
        )
    velocity = limits[RiskRuleCode.VELOCITY]
    account = _account(payment)
    if velocity.enabled and account:
        field, value = account
        count = Payment.objects.filter(
            kind=payment.kind,
            status__in=CAPTURED_STATUSES,
            captured_at__gte=_since(velocity),
            **{field: value},
        ).count()
        if count > velocity.threshold:
            flags.append(
                _raise(
                    RiskRuleCode.VELOCITY,
                    f"{payment.kind}:{field}:{value}",
                    Decimal(count),
                    velocity,
                    store_id=store_id,
                    detail={"kind": payment.kind, "window_minutes": velocity.window_minutes},
                )
            )
    return flags


def _account(payment: Payment) -> tuple[str, Any] | None:
    if payment.member_id:
        return "member_id", payment.member_id
    if payment.auth_hint and payment.kind not in ("cash", "card"):
        return "auth_hint", payment.auth_hint
    return None


def _store_of(payment: Payment) -> int | None:
    from omniretail.orders.models import Order

    return Order.objects.filter(pk=payment.order_id).values_list("store_id", flat=True).first()


def check_refund(
    *, cashier_id: int | None, store_id: int | None, with_receipt: bool, amount: Decimal
) -> list[RiskFlag]:
    """After a till refund: refunds without receipt and the refunded ÷ sold ratio, per cashier
    (payments and refunds carry the shift; the shift's cashier is the cashier)."""
    if cashier_id is None:
        return []
    limits = thresholds()
    flags: list[RiskFlag] = []
    from omniretail.pos.selectors import cashier_shift_ids

    no_receipt = limits[RiskRuleCode.REFUND_NO_RECEIPT]
    if no_receipt.enabled and not with_receipt:
        from omniretail.pos.selectors import refunds_without_receipt

        count = refunds_without_receipt(cashier_id, _since(no_receipt))
        if count >= no_receipt.threshold:
            flags.append(
                _raise(
                    RiskRuleCode.REFUND_NO_RECEIPT,
                    f"cashier:{cashier_id}",
                    Decimal(count),
                    no_receipt,
                    store_id=store_id,
                    detail={"last_amount": str(amount)},
                )
            )
    ratio_rule = limits[RiskRuleCode.REFUND_RATIO]
    if ratio_rule.enabled:
        since = _since(ratio_rule)
        shifts = cashier_shift_ids(cashier_id, since)
        sold = Payment.objects.filter(
            shift_id__in=shifts, status__in=CAPTURED_STATUSES, captured_at__gte=since
        ).aggregate(n=Count("id"), s=Sum("amount"))
        refunded = Refund.objects.filter(
            payment__shift_id__in=shifts,
            status=RefundStatus.SUCCEEDED,
            completed_at__gte=since,
        ).aggregate(s=Sum("amount"))["s"]
        sold_fen, refunded_fen = sold["s"] or 0, refunded or 0
        if sold["n"] >= REFUND_RATIO_MIN_SALES and sold_fen:
            ratio = Decimal(refunded_fen) / Decimal(sold_fen)
            if ratio > ratio_rule.threshold:
                flags.append(
                    _raise(
                        RiskRuleCode.REFUND_RATIO,
                        f"cashier:{cashier_id}",
                        ratio,
                        ratio_rule,
                        store_id=store_id,
                        detail={"sales": sold["n"], "window_minutes": ratio_rule.window_minutes},
                    )
                )
    return flags


def check_overrides(*, cashier_id: int | None, store_id: int | None, count: int) -> list[RiskFlag]:
    """After a supervisor-approved override: ``count`` is the cashier's overrides in the
    rule's window (``override_window_start`` tells the caller where it starts)."""
    rule = thresholds()[RiskRuleCode.PRICE_OVERRIDE]
    if cashier_id is None or not rule.enabled or count <= rule.threshold:
        return []
    return [
        _raise(
            RiskRuleCode.PRICE_OVERRIDE,
            f"cashier:{cashier_id}",
            Decimal(count),
            rule,
            store_id=store_id,
            detail={"window_minutes": rule.window_minutes},
        )
    ]


def override_window_start() -> dt.datetime:
    return _since(thresholds()[RiskRuleCode.PRICE_OVERRIDE])


def review(flag_id: int, *, status: str, note: str, reviewer_id: int, store_ids: Any) -> RiskFlag:
    """Clear (a false alarm) or confirm (fraud) an open flag; audited."""
    if status not in (RiskFlagStatus.CLEARED, RiskFlagStatus.CONFIRMED):
        raise ValidationFailed(
            PaymentError.INVALID_REVIEW, _("A review clears or confirms the flag.")
        )
    with transaction.atomic():
        flag = visible_flags(store_ids).select_for_update().filter(pk=flag_id).first()
        if flag is None:
            raise NotFound(_("risk flag"), code=PaymentError.UNKNOWN_RISK_FLAG)
        if flag.status != RiskFlagStatus.OPEN:
            raise InvalidState(PaymentError.INVALID_REVIEW, _("This flag was already reviewed."))
        flag.status = status
        flag.note = note[:300]
        flag.reviewed_by_id = reviewer_id
        flag.reviewed_at = clock.now()
        flag.save(update_fields=["status", "note", "reviewed_by_id", "reviewed_at"])
        audit.record(
            "payments.risk.review",
            flag,
            changes={"status": status},
            reason=note[:300],
            store_id=flag.store_id,
        )
    return flag


def visible_flags(store_ids: Any) -> Any:
    """Flags of the caller's stores (``None`` = every store, for brand-wide reviewers)."""
    qs = RiskFlag.objects.all()
    if store_ids is not None:
        qs = qs.filter(store_id__in=list(store_ids))
    return qs
