"""A campaign with a known effect, planted through real till checkouts.

Treatment and control members buy at different planted rates (the campaign's member-only
满减 applies to the treatment group only, through pricing's ``campaign:<code>`` segment); every
sale goes through ``pos.services.checkout`` — priced by the engine, paid in cash, stock sold —
so the campaign page measures the lift from the same orders any report would read. The lift
the seeder planted (from its own checkouts' totals) is written to the seed truth, and the
measured one must come out the same.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from omniretail.core import clock
from omniretail.core.errors import DomainError
from omniretail.core.models import Brand, Store

from . import campaigns, coupons, segments, selectors, services
from .engine import price_cart
from .models import CampaignGroup, CampaignMember, Segment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Planted:
    campaign_id: int
    treatment_members: int
    control_members: int
    treatment_buyers: int
    control_buyers: int
    treatment_rate: float
    control_rate: float
    treatment_spend: Decimal
    control_spend: Decimal
    lift_pct: Decimal | None
    failed_checkouts: int

    def as_truth(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


def _segment(brand: Brand, code: str) -> Segment:
    found = Segment.objects.filter(brand=brand, code=code).first()
    return found or segments.create_segment(
        brand, code=code, name="全部有效会员", kind="rules", rules={}
    )


def _register_shift(store: Store) -> Any:
    from omniretail.pos import services as pos
    from omniretail.pos.models import Register

    register = Register.objects.filter(store=store, active=True).order_by("-code").first()
    if register is None:
        register = pos.create_register(store_id=store.pk, code="R9", name="活动收银台")
    return pos.open_shift(register=register, cashier_id=None, opening_float="0")


def plant_campaign(
    brand: Brand,
    store: Store,
    baskets: list[list[tuple[int, int]]],
    *,
    rng: random.Random,
    code: str = "CRM-DEMO",
    treatment_rate: float = 0.15,
    control_rate: float = 0.10,
    holdout_bp: int = 2000,
    max_orders: int = 300,
    reference_prefix: str = "crm-demo",
) -> Planted:
    """Create, launch and feed a campaign over the brand's active members. Buyer counts are
    scaled down together (their ratio kept) so at most ``max_orders`` checkouts run."""
    now = clock.now()
    segment = _segment(brand, f"{code}-ALL")
    promo = services.create_promotion(
        brand,
        code=f"{code}-MJ",
        name="会员活动 满100减15",
        kind="spend_threshold",
        params={"tiers": [{"threshold": "100", "discount": "15"}]},
        scope={"member_segments": [f"campaign:{code}"]},
        status="active",
        starts_at=now,
        ends_at=now + dt.timedelta(days=28),
    )
    template = coupons.create_template(
        brand,
        code=f"{code}-CPN",
        name="会员活动券 满80减8",
        kind="amount_off",
        params={"amount": "8", "min_spend": "80"},
        valid_from=now,
        valid_until=now + dt.timedelta(days=28),
    )
    campaign = campaigns.create_campaign(
        brand,
        code=code,
        name="会员唤醒活动（含对照组）",
        segment=segment,
        starts_at=now,
        ends_at=now + dt.timedelta(days=28),
        budget="20000",
        holdout_bp=holdout_bp,
        promotion_ids=[promo.pk],
        template_ids=[template.pk],
        seed=f"{code}-{rng.randrange(10**9)}",
    )
    campaigns.launch(campaign)
    groups: dict[str, list[int]] = {CampaignGroup.TREATMENT: [], CampaignGroup.CONTROL: []}
    for member_id, group in (
        CampaignMember.objects.filter(campaign=campaign)
        .order_by("member_id")
        .values_list("member_id", "group")
    ):
        groups[group].append(member_id)
    t_ids, c_ids = groups[CampaignGroup.TREATMENT], groups[CampaignGroup.CONTROL]
    wanted = treatment_rate * len(t_ids) + control_rate * len(c_ids)
    shrink = min(1.0, max_orders / wanted) if wanted else 1.0
    t_rate, c_rate = treatment_rate * shrink, control_rate * shrink
    t_buyers = rng.sample(t_ids, round(t_rate * len(t_ids)))
    c_buyers = rng.sample(c_ids, round(c_rate * len(c_ids)))
    buyers = [(m, CampaignGroup.TREATMENT) for m in t_buyers] + [
        (m, CampaignGroup.CONTROL) for m in c_buyers
    ]
    rng.shuffle(buyers)
    spend = {CampaignGroup.TREATMENT: ZERO, CampaignGroup.CONTROL: ZERO}
    failed = 0
    shift = _register_shift(store)
    from omniretail.payments.services import TenderIn
    from omniretail.pos import services as pos

    try:
        for n, (member_id, group) in enumerate(buyers, start=1):
            basket = baskets[n % len(baskets)]
            at = clock.now()
            cart = selectors.build_cart(
                brand.pk, basket, channel="pos", store=store, at=at, member_id=member_id
            )
            total = price_cart(cart, selectors.active_promotions(brand.pk, at)).total
            try:
                done = pos.checkout(
                    shift=shift,
                    lines=[pos.CheckoutLine(sku_id, qty) for sku_id, qty in basket],
                    tenders=[TenderIn(kind="cash", amount=total, tendered=total)],
                    reference=f"{reference_prefix}-{n}",
                    member_id=member_id,
                    age_verified=True,
                )
            except DomainError:
                failed += 1
                continue
            spend[group] += done.order.total
    finally:
        from omniretail.pos import reports

        pos.close_shift(shift_id=shift.pk, counted_cash=reports.expected_cash(shift.pk))
    t_spm = spend[CampaignGroup.TREATMENT] / len(t_ids) if t_ids else ZERO
    c_spm = spend[CampaignGroup.CONTROL] / len(c_ids) if c_ids else ZERO
    lift = ((t_spm - c_spm) * 100 / c_spm).quantize(Decimal("0.01")) if c_spm else None
    return Planted(
        campaign_id=campaign.pk,
        treatment_members=len(t_ids),
        control_members=len(c_ids),
        treatment_buyers=len(t_buyers),
        control_buyers=len(c_buyers),
        treatment_rate=round(t_rate, 4),
        control_rate=round(c_rate, 4),
        treatment_spend=spend[CampaignGroup.TREATMENT],
        control_spend=spend[CampaignGroup.CONTROL],
        lift_pct=lift,
        failed_checkouts=failed,
    )
