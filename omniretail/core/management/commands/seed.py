from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniretail.core.maintenance import refresh_statistics
from omniretail.core.models import Brand
from omniretail.core.seeding import run_seed


class Command(BaseCommand):
    help = "Load deterministic, realistic demo data (same --seed → same data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply stores, SKUs, members and days"
        )
        parser.add_argument("--flush", action="store_true", help="erase all data first")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["scale"] <= 0 or opts["scale"] > 1000:
            raise CommandError("--scale must be in (0, 1000]")
        if opts["flush"]:
            call_command("flush", interactive=False, verbosity=0)
        elif Brand.objects.exists():
            raise CommandError("The database already has data; use --flush to replace it.")
        start = time.perf_counter()
        truth_path = settings.DATA_DIR / "seed-truth.json"
        run_seed(seed=opts["seed"], scale=opts["scale"], quiet=opts["quiet"], truth_path=truth_path)
        refresh_statistics()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {time.perf_counter() - start:.1f} s; planted signals in {truth_path}"
            )
        )
