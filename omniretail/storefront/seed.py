"""Demo shopper: the login ``shopper`` (the demo password) linked to a seeded member who has
points and coupons, so the online shop can be tried at once: browse, pay with points, see
the pickup code, and find the same points at the till."""

from __future__ import annotations

from omniretail.core.errors import DomainError
from omniretail.core.seeding import SeedContext, seed_step

DEMO_USERNAME = "shopper"
DEMO_POINTS = 3000


@seed_step("storefront", order=75)
def seed_demo_shopper(ctx: SeedContext) -> None:
    from omniretail.accounts.models import User
    from omniretail.accounts.permissions import Role
    from omniretail.accounts.seed import DEMO_PASSWORD
    from omniretail.accounts.services import ScopeTarget, create_user
    from omniretail.members import identity, points
    from omniretail.members.models import Member
    from omniretail.members.seed import fake_phone
    from omniretail.promotions import coupons
    from omniretail.promotions.models import CouponTemplate

    brand = ctx.objects["brand"]
    if User.objects.filter(username=DEMO_USERNAME).exists():
        return
    member = identity.find_by_phone(brand.pk, fake_phone(1))
    if member is None:  # the members step did not run: register one the normal way
        member = identity.register_member(brand, fake_phone(1), channel="online", consents={})
    user = create_user(
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
        display_name="演示顾客",
        role=Role.CUSTOMER,
        target=ScopeTarget(brand=brand),
    )
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    if member.points_balance < DEMO_POINTS:
        points.adjust_points(
            member,
            DEMO_POINTS - member.points_balance,
            "demo shopper welcome points",
            reference="demo-shopper-welcome",
        )
    issued = []
    for tpl in CouponTemplate.objects.filter(brand=brand, status="active").order_by("pk")[:3]:
        try:
            issued += [c.code for c in coupons.issue(tpl, member=member)]
        except DomainError:
            continue  # an expired or capped template gives the demo shopper nothing
    member.refresh_from_db()
    ctx.truth["storefront"] = {
        "username": DEMO_USERNAME,
        "member_code": member.code,
        "phone": fake_phone(1),
        "points": member.points_balance,
        "coupons": issued,
    }
