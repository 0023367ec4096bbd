"""Payments JSON API under /api/v1/payments/. Thin: parse, check scope, call a service.

Orders and payments of stores outside the caller's scope answer 404 like unknown ones. The
provider notification endpoint is public but accepts only signed, fresh, first-seen messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.access import PUBLIC, access
from omniretail.accounts.permissions import Perm
from omniretail.core.errors import NotFound
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut
from omniretail.orders.services import get_order

from . import reconcile as recon
from . import risk, services, settlement
from .errors import PaymentError
from .models import Payment, Refund
from .notify import handle_notification
from .providers.base import SettlementRow
from .providers.signing import NONCE_HEADER, SIG_HEADER, TS_HEADER, SignedMessage
from .schemas import (
    NotifyOut,
    PaymentOut,
    PaymentResultOut,
    ReconcileIn,
    ReconcileOut,
    RefundIn,
    RefundOut,
    RiskFlagOut,
    RiskReviewIn,
    RiskRuleIn,
    RiskRuleOut,
    RuleCode,
    SettlementImportIn,
    SettlementImportOut,
    TakePaymentIn,
)

router = Router(tags=["payments"])


def _stores(request: HttpRequest) -> frozenset[int]:
    return request.scope.store_ids  # type: ignore[attr-defined,no-any-return]


@router.post(
    "/orders/{order_id}/pay",
    auth=access(Perm.PAYMENTS_TAKE),
    response={200: PaymentResultOut, **WRITE_ERRORS},
)
def take_payment(request: HttpRequest, order_id: int, body: TakePaymentIn) -> Any:
    order = get_order(order_id, _stores(request))
    return services.take_payment(
        order_id=order.pk,
        tenders=[
            services.TenderIn(
                t.kind,
                Decimal(t.amount),
                t.auth_code,
                Decimal(t.tendered) if t.tendered is not None else None,
                t.member_id,
            )
            for t in body.tenders
        ],
        reference=body.reference,
        register_id=body.register_id,
        shift_id=body.shift_id,
    )


@router.get(
    "/orders/{order_id}",
    auth=access(Perm.PAYMENTS_VIEW),
    response={200: list[PaymentOut], **READ_ERRORS},
)
def order_payments(request: HttpRequest, order_id: int) -> Any:
    order = get_order(order_id, _stores(request))
    return list(Payment.objects.filter(order=order).order_by("pk")[:500])


@router.post(
    "/{payment_id}/refunds",
    auth=access(Perm.PAYMENTS_REFUND),
    response={200: RefundOut, **WRITE_ERRORS},
)
def refund(request: HttpRequest, payment_id: int, body: RefundIn) -> Refund:
    payment = (
        Payment.objects.filter(pk=payment_id, order__store_id__in=_stores(request)).first()
        if 0 < payment_id < 2**62
        else None
    )
    if payment is None:
        raise NotFound(_("payment"), code=PaymentError.PAYMENT_NOT_FOUND)
    return services.refund(
        payment_id=payment.pk,
        amount=Decimal(body.amount),
        reason=body.reason,
        reference=body.reference,
    )


@router.post(
    "/reconcile",
    auth=access(Perm.PAYMENTS_RECONCILE),
    response={200: ReconcileOut, **WRITE_ERRORS},
)
def reconcile(request: HttpRequest, body: ReconcileIn) -> dict[str, Any]:
    """Against the rows given, or — when none are — the provider's own settlement file."""
    from . import providers

    providers.get(body.provider)  # unknown provider → 404
    rows = (
        [SettlementRow(r.txn_id, Decimal(r.amount), Decimal(r.fee)) for r in body.rows]
        if body.rows is not None
        else recon.provider_settlement(body.provider, body.day)
    )
    report = recon.reconcile(body.provider, body.day, rows)
    return {
        "provider": report.provider,
        "day": report.day,
        "clean": report.clean,
        "matched": report.matched,
        "missing_ours": report.missing_ours,
        "missing_theirs": report.missing_theirs,
        "mismatches": [
            {"txn_id": m.txn_id, "ours": str(m.ours), "theirs": str(m.theirs)}
            for m in report.mismatches
        ],
        "our_total": str(report.our_total),
        "their_total": str(report.their_total),
        "fees": str(report.fees),
    }


@router.post(
    "/notify/{provider}",
    auth=PUBLIC,
    response={200: NotifyOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
)
def notify(request: HttpRequest, provider: str) -> dict[str, Any]:
    """Asynchronous payment results from a gateway; repeated deliveries change nothing."""
    message = SignedMessage(
        body=request.body.decode("utf-8", errors="replace")[:20_000],
        timestamp=request.headers.get(TS_HEADER, "")[:20],
        nonce=request.headers.get(NONCE_HEADER, "")[:100],
        signature=request.headers.get(SIG_HEADER, "")[:200],
    )
    payment = handle_notification(provider[:30], message)
    return {"code": "ok", "payment_id": payment.pk, "status": payment.status}


@router.get(
    "/risk/flags", auth=access(Perm.RISK_REVIEW), response={200: list[RiskFlagOut], **READ_ERRORS}
)
def risk_flags(request: HttpRequest, status: str = "open") -> Any:
    """The review queue: flags of the caller's stores, newest first (at most 500)."""
    return list(risk.visible_flags(_stores(request)).filter(status=status[:10])[:500])


@router.post(
    "/risk/flags/{flag_id}/review",
    auth=access(Perm.RISK_REVIEW),
    response={200: RiskFlagOut, **WRITE_ERRORS},
)
def risk_review(request: HttpRequest, flag_id: int, body: RiskReviewIn) -> Any:
    return risk.review(
        flag_id if 0 < flag_id < 2**62 else 0,
        status=body.status,
        note=body.note,
        reviewer_id=request.user.pk,
        store_ids=_stores(request),
    )


def _rule_out(code: str, limit: risk.Threshold) -> dict[str, Any]:
    return {
        "code": code,
        "threshold": str(limit.threshold),
        "window_minutes": limit.window_minutes,
        "enabled": limit.enabled,
    }


@router.get(
    "/risk/rules", auth=access(Perm.RISK_REVIEW), response={200: list[RiskRuleOut], **READ_ERRORS}
)
def risk_rules(request: HttpRequest) -> Any:
    return [_rule_out(code, limit) for code, limit in risk.thresholds().items()]


@router.put(
    "/risk/rules/{code}",
    auth=access(Perm.PAYMENTS_RECONCILE),
    response={200: RiskRuleOut, **WRITE_ERRORS},
)
def set_risk_rule(request: HttpRequest, code: RuleCode, body: RiskRuleIn) -> Any:
    rule = risk.set_threshold(
        code, threshold=body.threshold, window_minutes=body.window_minutes, enabled=body.enabled
    )
    return _rule_out(rule.code, risk.Threshold(rule.threshold, rule.window_minutes, rule.enabled))


@router.post(
    "/settlements/{provider}",
    auth=access(Perm.PAYMENTS_RECONCILE),
    response={200: SettlementImportOut, **WRITE_ERRORS},
)
def import_settlement(request: HttpRequest, provider: str, body: SettlementImportIn) -> Any:
    """A provider's settlement CSV (txn_id, amount[, fee, day]); all rows or none."""
    result = settlement.import_csv(provider[:30], body.day, body.csv.encode())
    return {"provider": result.provider, "rows": result.rows, "days": result.days}
