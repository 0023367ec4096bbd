from __future__ import annotations

import random

import pytest
from django.contrib.auth import authenticate
from rich.progress import Progress

from omniretail.accounts.seed import DEMO_PASSWORD
from omniretail.core.seeding import SeedContext
from omniretail.members.models import Member
from omniretail.members.seed import seed_members
from omniretail.storefront.seed import DEMO_POINTS, seed_demo_shopper

pytestmark = pytest.mark.django_db


def test_demo_shopper_logs_in_with_points_when_seeded_after_members(org, frozen_now, rf):
    ctx = SeedContext(seed=1, scale=0.01, rng=random.Random(1), progress=Progress(disable=True))
    ctx.objects.update(brand=org["brand"], stores=list(org["stores"].values()))
    seed_members(ctx)
    seed_demo_shopper(ctx)
    seed_demo_shopper(ctx)  # a second run changes nothing
    user = authenticate(rf.post("/shop/login/"), username="shopper", password=DEMO_PASSWORD)
    assert user is not None
    member = Member.objects.get(user=user)
    assert member.points_balance >= DEMO_POINTS
    assert ctx.truth["storefront"]["member_code"] == member.code
    assert user.assignments.get().role == "customer"
