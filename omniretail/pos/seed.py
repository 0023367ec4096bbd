"""Demo tills: every store gets its registers, more for busy convenience stores."""

from __future__ import annotations

from omniretail.core.seeding import SeedContext, seed_step

from .services import create_register


@seed_step("pos", order=70)
def seed_registers(ctx: SeedContext) -> None:
    stores = ctx.objects["stores"]
    task = ctx.track("pos: registers", len(stores))
    made = 0
    for store in stores:
        count = 3 if store.store_type == "convenience" else 2
        for n in range(1, count + 1):
            create_register(store_id=store.pk, code=f"R{n}", name=f"{n}号收银台")
            made += 1
        ctx.progress.advance(task)
    ctx.truth["pos"] = {"registers": made}


DEMO_PIN = "2468"


@seed_step("pos-pins", order=71)
def seed_supervisor_pins(ctx: SeedContext) -> None:
    """Every demo store and regional manager approves at the till with PIN 2468 (one argon2
    hash shared by all, as the demo passwords are: hashing per user would dominate seeding)."""
    from django.contrib.auth.hashers import make_password

    from omniretail.accounts.models import RoleAssignment
    from omniretail.core import clock

    from .models import SupervisorPin

    user_ids = sorted(
        set(
            RoleAssignment.objects.filter(
                role__in=["store_manager", "regional_manager"]
            ).values_list("user_id", flat=True)
        )
    )
    pin_hash = make_password(DEMO_PIN, hasher="argon2")
    now = clock.now()
    SupervisorPin.objects.bulk_create(
        [SupervisorPin(user_id=uid, pin_hash=pin_hash, updated_at=now) for uid in user_ids],
        batch_size=2000,
        ignore_conflicts=True,
    )
    ctx.truth.setdefault("pos", {})["supervisor_pin"] = DEMO_PIN
