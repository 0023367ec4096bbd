"""Demo members: ~2,000 per run (scaled) with Chinese names, generated phone numbers in the
never-allocated 19900xxxxxx range (valid-looking, never real), consents, and points histories
whose ledgers match the balances — the same rows the services would write, bulk-inserted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from omniretail.core import clock
from omniretail.core.seeding import SeedContext, seed_step

from . import conf, crypto
from .identity import NAME_FIELD, PHONE_FIELD, luhn_digit
from .models import Channel, Consent, ConsentPurpose, Member, PointsEntry, PointsKind
from .points import expiry_for
from .tiers import ensure_default_tiers, next_review

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉丹宁"
BATCH = 2000


def fake_phone(i: int) -> str:
    """199 + 00 + six digits of ``i``: a valid pattern in a block no carrier has assigned."""
    return f"19900{i:06d}"


def build_members(ctx: SeedContext, brand: Any, stores: list[Any], count: int) -> int:
    rng = ctx.rng
    tiers = ensure_default_tiers(brand)
    now = clock.now()
    today = clock.today()
    policy = conf.get("POLICY_VERSION")
    task = ctx.track("members", count)
    made = 0
    for start in range(0, count, BATCH):
        members: list[Member] = []
        plans: list[list[tuple[dt.datetime, int]]] = []
        for i in range(start, min(start + BATCH, count)):
            phone = fake_phone(i + 1)
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))
            )
            registered = now - dt.timedelta(days=rng.randint(1, 700))
            sales = sorted(
                registered + dt.timedelta(days=rng.randint(0, max((now - registered).days, 1)))
                for _ in range(rng.choice([0, 1, 2, 3, 5, 8]))
            )
            amounts = [rng.randint(2000, 300000) for _ in sales]  # fen
            body = f"{rng.randrange(10**11):011d}"
            members.append(
                Member(
                    brand=brand,
                    code=f"M{body}{luhn_digit(body)}",
                    phone_cipher=crypto.encrypt(phone, PHONE_FIELD),
                    phone_index=crypto.phone_index(phone),
                    phone_masked=crypto.mask_phone(phone),
                    name_cipher=crypto.encrypt(name, NAME_FIELD),
                    name_masked=crypto.mask_name(name),
                    birthday=dt.date(
                        rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)
                    ),
                    tier=tiers[0],
                    tier_review_on=next_review(today),
                    registered_channel=rng.choice(list(Channel.values[:3])),
                    registered_store=rng.choice(stores) if stores else None,
                    registered_at=registered,
                    last_activity_at=sales[-1] if sales else registered,
                )
            )
            plans.append(list(zip(sales, amounts, strict=True)))
        with transaction.atomic():
            Member.objects.bulk_create(members, batch_size=BATCH)
            entries: list[PointsEntry] = []
            consents: list[Consent] = []
            for member, plan in zip(members, plans, strict=True):
                for purpose in ConsentPurpose.values:
                    consents.append(
                        Consent(
                            member=member,
                            purpose=purpose,
                            granted=rng.random() < (0.7 if purpose == "marketing" else 0.4),
                            policy_version=policy,
                            channel=member.registered_channel,
                            at=member.registered_at,
                        )
                    )
                balance = 0
                spend_window = 0
                for n, (at, fen) in enumerate(plan):
                    earned = fen // 100  # regular tier, one point per CNY (as points_for)
                    expires = expiry_for(timezone.localdate(at))
                    balance += earned
                    entries.append(
                        PointsEntry(
                            brand=brand,
                            member=member,
                            kind=PointsKind.EARN,
                            points=earned,
                            remaining=earned,
                            expires_on=expires,
                            balance_after=balance,
                            reference=f"SEED-{member.code}-{n}",
                            net_amount=Decimal(fen) / 100,
                            store=member.registered_store,
                            created_at=at,
                        )
                    )
                    if at >= now - dt.timedelta(days=365):
                        spend_window += fen
                member.points_balance = balance
                fitting = [t for t in tiers if spend_window >= int(t.threshold * 100)]
                member.tier = fitting[-1] if fitting else tiers[0]
            PointsEntry.objects.bulk_create(entries, batch_size=5000)
            Consent.objects.bulk_create(consents, batch_size=5000)
            Member.objects.bulk_update(members, ["points_balance", "tier"], batch_size=BATCH)
        made += len(members)
        ctx.progress.update(task, completed=made)
    return made


@seed_step("members", order=50)
def seed_members(ctx: SeedContext) -> None:
    brand = ctx.objects["brand"]
    stores = ctx.objects.get("stores") or []
    stores = list(stores.values()) if isinstance(stores, dict) else list(stores)
    count = ctx.scaled(2000, minimum=20)
    made = build_members(ctx, brand, stores, count)
    # Points of past years expire exactly as the nightly job would make them.
    from .points import expire_due_points

    expire_due_points()
    ctx.truth["members"] = {
        "count": made,
        "example_phone": fake_phone(1),
        "phone_range": "19900000001…",
    }
