"""The members services other domains call (orders, POS, promotions).

One import point: ``from omniretail.members import services`` then
``services.earn_points_for_sale(member, net_amount, reference, store, lines=...)``.
"""

from __future__ import annotations

from .identity import (
    find_by_code,
    find_by_phone,
    find_by_qr,
    merge_members,
    register_member,
    set_consent,
    unmask,
)
from .points import (
    SaleLine,
    adjust_points,
    earn_points_for_sale,
    expire_due_points,
    redeem_points,
    reverse_points_for_return,
)
from .privacy import anonymise_inactive, anonymise_member, export_member
from .stored_value import open_account, refund, spend, top_up, wallet_for
from .tiers import review_due_tiers

__all__ = [
    "SaleLine",
    "adjust_points",
    "anonymise_inactive",
    "anonymise_member",
    "earn_points_for_sale",
    "expire_due_points",
    "export_member",
    "find_by_code",
    "find_by_phone",
    "find_by_qr",
    "merge_members",
    "open_account",
    "redeem_points",
    "refund",
    "register_member",
    "reverse_points_for_return",
    "review_due_tiers",
    "set_consent",
    "spend",
    "top_up",
    "unmask",
    "wallet_for",
]
