"""Scheduled analytics work: the incremental extract every five minutes, alert rules and
data-quality checks every hour, scheduled reports every morning."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from omniretail.core import clock


@db_periodic_task(crontab(minute="*/5"))
def analytics_extract() -> dict[str, Any]:
    """Bring the Parquet extract up to date (one run at a time; chunked reads, no lock held)."""
    from .extract import run_extract

    with HUEY.lock_task("analytics-extract"):
        return run_extract().to_json()


@db_periodic_task(crontab(minute="12"))
def analytics_alerts() -> dict[str, int]:
    """Evaluate the alert rules for today and yesterday, then the data-quality checks."""
    import datetime as dt

    from .alerts import run_rules
    from .quality import run_checks

    today = clock.today()
    raised = run_rules(today) + run_rules(today - dt.timedelta(days=1))
    checks = run_checks(days=7)
    return {"alerts": len(raised), "checks_failed": sum(1 for c in checks if not c.ok)}


@db_periodic_task(crontab(minute="30", hour="7"))
def analytics_scheduled_reports() -> int:
    """Send the reports whose subscriptions are due today."""
    from .reports import send_due_reports

    return send_due_reports()
