from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniretail.accounts.scope import invalidate_scopes
from omniretail.core.maintenance import refresh_statistics
from omniretail.core.models import Brand
from omniretail.core.seeding import SCALE_PRESETS, run_seed


class Command(BaseCommand):
    help = "Load deterministic, realistic demo data (same --seed → same data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--scale",
            default="1.0",
            help="a factor for stores, SKUs, members and days, or a large-catalog size: "
            + ", ".join(f"{k} ({s:,} SKUs, {n:,} stores)" for k, (s, n) in SCALE_PRESETS.items()),
        )
        parser.add_argument(
            "--skus", type=int, default=None, help="top the catalog up to this many active SKUs"
        )
        parser.add_argument(
            "--stores", type=int, default=None, help="top the chain up to this many stores"
        )
        parser.add_argument("--flush", action="store_true", help="erase all data first")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        skus, stores = opts["skus"], opts["stores"]
        if opts["scale"] in SCALE_PRESETS:
            preset_skus, preset_stores = SCALE_PRESETS[opts["scale"]]
            skus, stores, scale = skus or preset_skus, stores or preset_stores, 1.0
        else:
            try:
                scale = float(opts["scale"])
            except ValueError as exc:
                raise CommandError(
                    f"--scale must be a number or one of {', '.join(SCALE_PRESETS)}"
                ) from exc
        if scale <= 0 or scale > 1000:
            raise CommandError("--scale must be in (0, 1000]")
        for name, value, most in (("--skus", skus, 5_000_000), ("--stores", stores, 20_000)):
            if value is not None and not 1 <= value <= most:
                raise CommandError(f"{name} must be between 1 and {most:,}")
        if opts["flush"]:
            call_command("flush", interactive=False, verbosity=0)
        elif Brand.objects.exists():
            raise CommandError("The database already has data; use --flush to replace it.")
        start = time.perf_counter()
        truth_path = settings.DATA_DIR / "seed-truth.json"
        run_seed(
            seed=opts["seed"],
            scale=scale,
            quiet=opts["quiet"],
            truth_path=truth_path,
            skus=skus,
            stores=stores,
        )
        refresh_statistics()
        # Bulk loads (and --flush) bypass the model signals a running server listens to.
        invalidate_scopes()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {time.perf_counter() - start:.1f} s; planted signals in {truth_path}"
            )
        )
