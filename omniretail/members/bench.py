"""Members benchmarks: phone lookup through the blind index, and points accrual throughput.

Both write their members under a separate brand (``BENCHM``) with the same rows the services
write, so ``check-invariants`` still holds afterwards.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

from django.db import transaction

from omniretail.core import clock
from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark

from . import crypto
from .identity import NAME_FIELD, PHONE_FIELD, luhn_digit
from .models import Channel, Member
from .tiers import ensure_default_tiers, next_review


def _brand() -> Any:
    from omniretail.core.models import Brand

    brand, _ = Brand.objects.get_or_create(code="BENCHM", defaults={"name": "会员基准"})
    ensure_default_tiers(brand)
    return brand


def _phone(run: int, i: int) -> str:
    return f"198{run:02d}{i:06d}"


def make_members(brand: Any, n: int, run: int, rng: random.Random, start: int = 0) -> int:
    """Bulk-insert ``n`` members (committed in chunks of 5,000)."""
    tier = ensure_default_tiers(brand)[0]
    now = clock.now()
    review = next_review(clock.today())
    done = start
    while done < n:
        rows = []
        for i in range(done, min(done + 5000, n)):
            phone = _phone(run, i)
            body = f"{rng.randrange(10**11):011d}"
            rows.append(
                Member(
                    brand=brand,
                    code=f"M{body}{luhn_digit(body)}",
                    phone_cipher=crypto.encrypt(phone, PHONE_FIELD),
                    phone_index=crypto.phone_index(phone),
                    phone_masked=crypto.mask_phone(phone),
                    name_cipher=crypto.encrypt("测试", NAME_FIELD),
                    name_masked="测*",
                    tier=tier,
                    tier_review_on=review,
                    registered_channel=Channel.IMPORT,
                    registered_at=now,
                    last_activity_at=now,
                )
            )
        with transaction.atomic():
            Member.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
        done += len(rows)
    return done - start


@benchmark("member-lookup")
def member_lookup(options: BenchOptions) -> dict[str, Any]:
    """Find a member by phone among N (1,000,000 full, 5,000 quick) via the blind index."""
    from .identity import find_by_phone

    brand = _brand()
    n = 5_000 if options.quick else int(1_000_000 * options.scale)
    lookups = 300 if options.quick else 2_000
    rng = random.Random(7)
    run = 99
    existing = Member.objects.filter(brand=brand, phone_masked__startswith="19899").count()
    if existing < n:
        make_members(brand, n, run, rng, start=existing)
    lat = Latencies()
    found = 0
    for _ in range(lookups):
        phone = _phone(run, rng.randrange(n))
        with lat.measure():
            found += find_by_phone(brand.pk, phone) is not None
    return {
        "ops": lookups,
        "members": Member.objects.filter(brand=brand).count(),
        "found": found,
        **lat.summary(),
    }


@benchmark("points-accrual")
def points_accrual(options: BenchOptions) -> dict[str, Any]:
    """Points earned for 100,000 orders in a batch (quick: 2,000) through
    ``earn_points_batch``: ledger rows per second. The one-sale service is measured on a
    sample for comparison (``single_rows_per_s``)."""
    from .points import BatchSale, earn_points_batch, earn_points_for_sale

    brand = _brand()
    orders = 2_000 if options.quick else int(100_000 * options.scale)
    sample = 200 if options.quick else 1_000
    rng = random.Random(11)
    run = uuid.uuid4().hex[:8]
    members = list(
        Member.objects.filter(brand=brand, status="active").select_related("tier")[:1000]
    )
    if len(members) < 50:
        make_members(brand, 1000, 98, rng)
        members = list(Member.objects.filter(brand=brand).select_related("tier")[:1000])

    def amount() -> str:
        return f"{rng.randint(1, 2000)}.{rng.randint(0, 99):02d}"

    sales = [
        BatchSale(members[i % len(members)].pk, amount(), f"B{run}-{i}") for i in range(orders)
    ]
    start = time.perf_counter()
    result = earn_points_batch(sales)
    batch_s = time.perf_counter() - start

    lat = Latencies()
    start = time.perf_counter()
    for i in range(sample):
        member = Member.objects.select_related("tier").get(pk=members[i % len(members)].pk)
        with lat.measure():
            earn_points_for_sale(member, amount(), f"S{run}-{i}")
    single_s = time.perf_counter() - start
    return {
        "ops": orders,
        "rows": result.earned,
        "rows_per_s": round(result.earned / batch_s, 1) if batch_s else 0.0,
        "seconds": round(batch_s, 3),
        "single_sample": sample,
        "single_rows_per_s": round(sample / single_s, 1) if single_s else 0.0,
        **{f"single_{k}": v for k, v in lat.summary().items()},
    }
