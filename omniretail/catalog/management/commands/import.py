"""``omniretail import products FILE [--dry-run]``: validate, then apply in ≤1,000-row chunks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from omniretail.catalog.importer import run_import
from omniretail.catalog.management.commands._catalog_io import add_common, pick_brand


class Command(BaseCommand):
    help = "Import products from CSV or Excel (idempotent by SKU code; --dry-run validates only)."

    def add_arguments(self, parser: Any) -> None:
        add_common(parser)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        brand = pick_brand(opts.get("brand"))
        console = Console(stderr=True)
        with Progress(
            TextColumn("[bold]import"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=opts["json"],
        ) as progress:
            task = progress.add_task("rows", total=None)
            report = run_import(
                brand,
                path.name,
                path.read_bytes(),
                dry_run=opts["dry_run"],
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        summary = report.summary()
        if opts["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            for e in summary["errors"]:
                self.stdout.write(
                    f"row {e['row']} {e['sku_code']} [{e['field']}] {e['code']}: {e['message']}"
                )
            counts = {
                k: summary[k]
                for k in (
                    "rows",
                    "created",
                    "updated",
                    "unchanged",
                    "would_create",
                    "would_update",
                    "error",
                    "not_applied",
                )
            }
            self.stdout.write(json.dumps(counts))
        if report.errors:
            raise CommandError(f"{len(report.errors)} row(s) have errors; nothing was applied")
