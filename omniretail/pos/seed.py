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
