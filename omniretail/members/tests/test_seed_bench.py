from __future__ import annotations

import random

import pytest
from rich.progress import Progress

from omniretail.core.benchmarking import BenchOptions
from omniretail.core.seeding import SeedContext
from omniretail.members import bench, crypto
from omniretail.members.identity import find_by_phone, phone_of
from omniretail.members.seed import fake_phone, seed_members

pytestmark = pytest.mark.django_db


def test_seed_writes_members_consistent_with_their_ledgers_when_run_small(org, frozen_now):
    ctx = SeedContext(seed=1, scale=0.01, rng=random.Random(1), progress=Progress(disable=True))
    ctx.objects.update(brand=org["brand"], stores=list(org["stores"].values()))
    seed_members(ctx)
    assert ctx.truth["members"]["count"] == 20
    member = find_by_phone(org["brand"].pk, fake_phone(1))
    assert member is not None and phone_of(member) == fake_phone(1)
    assert crypto.is_valid_phone(fake_phone(20))
    # the autouse invariant check verifies balances = ledgers after this test


def test_benchmarks_report_figures_when_run_quick(frozen_now):
    lookup = bench.member_lookup(BenchOptions(quick=True))
    assert lookup["found"] == lookup["ops"] and lookup["p95_ms"] >= 0
    accrual = bench.points_accrual(BenchOptions(quick=True))
    assert accrual["ops"] == accrual["rows"] == 2000 and accrual["rows_per_s"] > 0
