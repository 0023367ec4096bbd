"""omniretail reconcile-payments --provider sandbox --day YYYY-MM-DD"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from omniretail.payments.reconcile import provider_settlement, reconcile


class Command(BaseCommand):
    help = "Compare a provider's settlement for a business day with our captured payments."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--provider", default="sandbox")
        parser.add_argument("--day", required=True, help="business day, YYYY-MM-DD")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            day = dt.date.fromisoformat(opts["day"])
        except ValueError as exc:
            raise CommandError("--day must be YYYY-MM-DD") from exc
        report = reconcile(opts["provider"], day, provider_settlement(opts["provider"], day))
        out = self.stdout.write
        out(f"provider {report.provider}  day {report.day}")
        out(f"ours {report.our_total}  theirs {report.their_total}  fees {report.fees}")
        out(f"matched {len(report.matched)}")
        for txn in report.missing_ours:
            out(f"MISSING IN OUR BOOKS  {txn}")
        for txn in report.missing_theirs:
            out(f"MISSING IN SETTLEMENT {txn}")
        for m in report.mismatches:
            out(f"AMOUNT MISMATCH       {m.txn_id} ours {m.ours} theirs {m.theirs}")
        out("clean" if report.clean else "DIFFERENCES FOUND")
