from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniretail.core.integrity import check_all


class Command(BaseCommand):
    help = "Verify every registered ledger and data invariant; exit non-zero on any breach."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        results = check_all()
        breaches = sum(len(v) for v in results.values())
        if opts["json"]:
            self.stdout.write(
                json.dumps({"ok": breaches == 0, "checks": results}, ensure_ascii=False)
            )
        else:
            for name, lines in results.items():
                mark = self.style.SUCCESS("ok  ") if not lines else self.style.ERROR("FAIL")
                self.stdout.write(f"{mark} {name}")
                for line in lines:
                    self.stdout.write(f"       {line}")
        if breaches:
            raise CommandError(f"{breaches} invariant breach(es)")
