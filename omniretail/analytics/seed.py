"""Demo: after every other step (including the sales history), build the analytics extract
so the dashboards show the seeded year at once, and evaluate the alert rules for today."""

from __future__ import annotations

from omniretail.core.seeding import SeedContext, seed_step


@seed_step("analytics", order=990)
def seed_analytics(ctx: SeedContext) -> None:
    from .alerts import run_rules
    from .extract import run_extract

    task = ctx.track("analytics extract", 2)
    state = run_extract(full=True)
    ctx.progress.advance(task)
    raised = run_rules()
    ctx.progress.advance(task)
    ctx.truth["analytics"] = {
        "days_extracted": state.days_rebuilt,
        "data_as_of": state.data_as_of.isoformat() if state.data_as_of else None,
        "alerts_raised": len(raised),
    }
