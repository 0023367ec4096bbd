"""``omniretail export products FILE``: every SKU of the brand in the import format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from omniretail.catalog.importer import write_export
from omniretail.catalog.management.commands._catalog_io import add_common, pick_brand


class Command(BaseCommand):
    help = "Export products to CSV or Excel (re-importable: same file → all rows unchanged)."

    def add_arguments(self, parser: Any) -> None:
        add_common(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        n = write_export(pick_brand(opts.get("brand")), Path(opts["file"]))
        self.stdout.write(f"exported {n} SKUs to {opts['file']}")
