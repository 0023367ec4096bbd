"""Members invariants, checked by ``omniretail check-invariants`` and after every test."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.db.models import Sum

from omniretail.core.integrity import invariant

from .models import Member, PointsEntry, StoredValueAccount, StoredValueEntry

_CLEAR_PHONE = re.compile(r"1[3-9]\d{9}")


@invariant("members.points_balance_equals_ledger")
def points_balance_equals_ledger() -> Iterator[str]:
    """Balance = Σ ledger = Σ remaining of lots, never negative."""
    ledger = {
        r["member_id"]: (r["s"] or 0, r["r"] or 0)
        for r in PointsEntry.objects.values("member_id").annotate(
            s=Sum("points"), r=Sum("remaining")
        )
    }
    for pk, code, balance in Member.objects.values_list("pk", "code", "points_balance").iterator(
        chunk_size=5000
    ):
        total, remaining = ledger.get(pk, (0, 0))
        if balance < 0:
            yield f"member {code}: negative points balance {balance}"
        if balance != total:
            yield f"member {code}: points balance {balance} ≠ ledger sum {total}"
        if balance != remaining:
            yield f"member {code}: points balance {balance} ≠ unspent lots {remaining}"


@invariant("members.stored_value_equals_ledger")
def stored_value_equals_ledger() -> Iterator[str]:
    ledger = {
        r["account_id"]: r["s"]
        for r in StoredValueEntry.objects.values("account_id").annotate(s=Sum("amount"))
    }
    for pk, number, balance in StoredValueAccount.objects.values_list("pk", "number", "balance"):
        total = ledger.get(pk) or 0
        if balance < 0:
            yield f"stored value {number}: negative balance {balance}"
        if balance != total:
            yield f"stored value {number}: balance {balance} ≠ ledger sum {total}"


@invariant("members.no_phone_in_clear")
def no_phone_in_clear() -> Iterator[str]:
    """No mobile number readable in any member text column (ciphertexts are base64url)."""
    for pk, cipher, masked, name in Member.objects.values_list(
        "pk", "phone_cipher", "phone_masked", "name_masked"
    ).iterator(chunk_size=5000):
        for value in (cipher, masked, name):
            if value and _CLEAR_PHONE.search(value) and not value.startswith("v1:"):
                yield f"member {pk}: phone-like text stored in clear"
                break
        if cipher and not cipher.startswith("v1:"):
            yield f"member {pk}: phone column is not a ciphertext"
