"""``omniretail analytics <subcommand>``:

* ``basket --transactions FILE --min-support S --min-confidence C [--json]`` — association
  rules (FP-growth) on a file with one transaction per line, items separated by commas;
  prints the rule count and the rules. Malformed lines stop the run with their line number.
* ``extract [--full]`` — bring the Parquet extract up to date now.
* ``alerts [--day YYYY-MM-DD]`` — evaluate the alert rules.
* ``quality [--days N]`` — data-quality checks; non-zero exit when one fails.
* ``segment --brand ID --segment CODE`` — member ids of an RFM segment.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Analytics: basket rules on a file, extract, alerts, data-quality checks, segments."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        b = sub.add_parser("basket", help="association rules on a transactions file")
        b.add_argument(
            "--transactions", required=True, help="one transaction per line, items comma-separated"
        )
        b.add_argument("--min-support", type=float, required=True)
        b.add_argument("--min-confidence", type=float, required=True)
        b.add_argument("--max-len", type=int, default=4, help="largest itemset (default 4)")
        b.add_argument("--json", action="store_true", help="print JSON")
        e = sub.add_parser("extract", help="update the Parquet extract")
        e.add_argument("--full", action="store_true", help="rebuild every day")
        a = sub.add_parser("alerts", help="evaluate the alert rules")
        a.add_argument("--day", help="business day (default today)")
        q = sub.add_parser("quality", help="data-quality checks")
        q.add_argument("--days", type=int, default=7)
        s = sub.add_parser("segment", help="member ids of an RFM segment")
        s.add_argument("--brand", type=int, required=True)
        s.add_argument("--segment", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _basket(self, options: dict[str, Any]) -> None:
        import time

        from omniretail.analytics import basket
        from omniretail.core.errors import ValidationFailed

        try:
            transactions = basket.read_file(options["transactions"])
        except FileNotFoundError:
            raise CommandError(f"{options['transactions']}: no such file") from None
        except basket.BasketFileError as exc:
            raise CommandError(f"{options['transactions']}: {exc}") from None
        started = time.perf_counter()
        try:
            result = basket.mine(
                transactions, options["min_support"], options["min_confidence"], options["max_len"]
            )
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None
        seconds = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "transactions": result.transactions,
                        "items": result.items,
                        "min_support": options["min_support"],
                        "min_confidence": options["min_confidence"],
                        "rule_count": len(result.rules),
                        "truncated": result.truncated,
                        "counting": "single-item consequent, non-empty antecedent (arules minlen=2)",
                        "seconds": round(seconds, 3),
                        "rules": [r.as_dict() for r in result.rules],
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(f"{len(result.rules)} rules from {result.transactions} transactions")
        for r in result.rules:
            self.stdout.write(
                f"{{{', '.join(r.antecedent)}}} => {{{r.consequent}}}  support={r.support:.4f} "
                f"confidence={r.confidence:.4f} lift={r.lift:.4f}"
            )

    def _extract(self, options: dict[str, Any]) -> None:
        from omniretail.analytics.extract import run_extract

        state = run_extract(full=options["full"])
        self.stdout.write(json.dumps(state.to_json()))

    def _alerts(self, options: dict[str, Any]) -> None:
        from omniretail.analytics.alerts import run_rules

        day = dt.date.fromisoformat(options["day"]) if options["day"] else None
        raised = run_rules(day)
        for a in raised:
            self.stdout.write(f"{a.kind} {a.store_id or '-'} {a.message}")
        self.stdout.write(f"{len(raised)} alerts raised")

    def _quality(self, options: dict[str, Any]) -> None:
        from omniretail.analytics.quality import as_rows, run_checks

        checks = run_checks(days=max(1, min(options["days"], 366)))
        for row in as_rows(checks):
            self.stdout.write("  ".join(row))
        if any(not c.ok for c in checks):
            raise CommandError("data-quality checks failed")

    def _segment(self, options: dict[str, Any]) -> None:
        from omniretail.analytics.segments import member_ids_in_rfm_segment
        from omniretail.core.errors import ValidationFailed

        try:
            ids = member_ids_in_rfm_segment(options["brand"], options["segment"])
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps(sorted(ids)))
