"""Stored value (储值) and gift cards: prepaid balances with a ledger.

Each operation locks the account row, writes one entry with ``balance_after`` and moves the
balance in the same transaction; a CHECK constraint refuses any negative balance. Top-ups,
spends and refunds are idempotent on their reference (per brand and kind): a retried request
returns the first entry, the same reference with another amount is a 409.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.core.models import Brand, Store
from omniretail.core.money import MoneyError, MoneyLike, from_fen, to_fen

from .errors import MemberError
from .identity import luhn_digit
from .models import (
    Member,
    StoredValueAccount,
    StoredValueEntry,
    StoredValueEntryKind,
    StoredValueKind,
)

MAX_FEN = 10**11  # ¥1,000,000,000 — far above any real card


def new_card_number() -> str:
    body = "".join(str(secrets.randbelow(10)) for _ in range(15))
    return f"8{body}{luhn_digit('8' + body)}"


def _positive_fen(amount: MoneyLike) -> int:
    try:
        fen = to_fen(amount)
    except MoneyError as exc:
        raise ValidationFailed(MemberError.INVALID_AMOUNT, str(exc), {"field": "amount"}) from exc
    if fen <= 0 or fen > MAX_FEN:
        raise ValidationFailed(
            MemberError.INVALID_AMOUNT,
            _("The amount must be positive."),
            {"field": "amount"},
        )
    return fen


def _reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise ValidationFailed(
            MemberError.INVALID_AMOUNT,
            _("A reference (1–100 characters) is required."),
            {"field": "reference"},
        )
    return reference


def open_account(
    brand: Brand, member: Member | None = None, kind: str = StoredValueKind.MEMBER_WALLET
) -> StoredValueAccount:
    """A new zero-balance account (a member wallet, or an unassigned gift card)."""
    with transaction.atomic():
        account = StoredValueAccount.objects.create(
            brand=brand, member=member, number=new_card_number(), kind=kind, created_at=clock.now()
        )
        audit.record("members.stored_value_open", account, brand_id=brand.pk)
    return account


def wallet_for(member: Member) -> StoredValueAccount:
    account = (
        StoredValueAccount.objects.filter(member=member, kind=StoredValueKind.MEMBER_WALLET)
        .order_by("pk")
        .first()
    )
    return account or open_account(member.brand, member)


def _apply(
    account: StoredValueAccount,
    kind: str,
    fen: int,
    reference: str,
    *,
    store: Store | None = None,
    original_reference: str = "",
) -> StoredValueEntry:
    reference = _reference(reference)
    with transaction.atomic():
        locked = StoredValueAccount.objects.select_for_update().filter(pk=account.pk).first()
        if locked is None:
            raise NotFound(_("stored-value account"), code=MemberError.ACCOUNT_NOT_FOUND)
        prior = StoredValueEntry.objects.filter(
            brand_id=locked.brand_id, kind=kind, reference=reference
        ).first()
        if prior is not None:
            if prior.account_id != locked.pk or to_fen(prior.amount) != fen:
                raise Conflict(
                    MemberError.REFERENCE_REUSED,
                    _("This reference was already used with another account or amount."),
                    {"reference": reference},
                )
            return prior
        if kind == StoredValueEntryKind.REFUND:
            _check_refund(locked, -fen if fen < 0 else fen, original_reference)
        balance = to_fen(locked.balance) + fen
        if balance < 0:
            raise ValidationFailed(
                MemberError.INSUFFICIENT_BALANCE,
                _("The stored-value balance is too low."),
                {"balance": str(locked.balance), "requested": str(from_fen(-fen))},
            )
        entry = StoredValueEntry.objects.create(
            brand_id=locked.brand_id,
            account=locked,
            kind=kind,
            amount=from_fen(fen),
            balance_after=from_fen(balance),
            reference=reference,
            original_reference=original_reference,
            store=store,
            created_at=clock.now(),
        )
        StoredValueAccount.objects.filter(pk=locked.pk).update(balance=from_fen(balance))
        if locked.member_id:
            Member.objects.filter(pk=locked.member_id).update(last_activity_at=entry.created_at)
        events.publish(
            f"members.stored_value_{kind}",
            {"account_id": locked.pk, "amount": str(from_fen(fen)), "reference": reference},
            aggregate_type="stored_value",
            aggregate_id=locked.pk,
            store_id=store.pk if store else None,
        )
    account.balance = from_fen(balance)
    return entry


def _check_refund(account: StoredValueAccount, fen: int, original_reference: str) -> None:
    """A refund goes back to the account a spend came from, never more than was spent."""
    spend = StoredValueEntry.objects.filter(
        account=account, kind=StoredValueEntryKind.SPEND, reference=original_reference
    ).first()
    if spend is None:
        raise NotFound(_("spend"), code=MemberError.SALE_NOT_FOUND)
    refunded = (
        StoredValueEntry.objects.filter(
            account=account, kind=StoredValueEntryKind.REFUND, original_reference=original_reference
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    refunded_fen = refunded if isinstance(refunded, int) else to_fen(refunded)
    if refunded_fen + fen > -to_fen(spend.amount):
        raise ValidationFailed(
            MemberError.REFUND_EXCEEDS_SPEND,
            _("The refund is larger than what was spent."),
            {"spent": str(-spend.amount), "refunded": str(from_fen(refunded_fen))},
        )


def top_up(
    account: StoredValueAccount, amount: MoneyLike, reference: str, store: Store | None = None
) -> StoredValueEntry:
    return _apply(
        account, StoredValueEntryKind.TOP_UP, _positive_fen(amount), reference, store=store
    )


def spend(
    account: StoredValueAccount, amount: MoneyLike, reference: str, store: Store | None = None
) -> StoredValueEntry:
    return _apply(
        account, StoredValueEntryKind.SPEND, -_positive_fen(amount), reference, store=store
    )


def refund(
    account: StoredValueAccount,
    amount: MoneyLike,
    reference: str,
    original_reference: str,
    store: Store | None = None,
) -> StoredValueEntry:
    return _apply(
        account,
        StoredValueEntryKind.REFUND,
        _positive_fen(amount),
        reference,
        store=store,
        original_reference=_reference(original_reference),
    )


def balance_of(member: Member) -> Decimal:
    total = StoredValueAccount.objects.filter(member=member).aggregate(s=Sum("balance"))["s"] or 0
    return from_fen(total) if isinstance(total, int) else Decimal(total)
