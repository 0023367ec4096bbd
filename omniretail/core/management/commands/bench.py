from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniretail.core.benchmarking import BenchOptions, registered, run


class Command(BaseCommand):
    help = "Run a benchmark and print its figures as one JSON object (see docs/benchmarks.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="benchmark name; omit to list them")
        parser.add_argument("--json", action="store_true", help="print only the JSON object")
        parser.add_argument("--quick", action="store_true", help="small smoke run (CI)")
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
        parser.add_argument(
            "--database-url", default=None, help="run against this database instead"
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="benchmark-specific option",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        benches = registered()
        if not opts["name"]:
            for name, bench in benches.items():
                self.stdout.write(f"{name:24} {bench.description}")
            return
        if opts["name"] not in benches:
            raise CommandError(f"unknown benchmark {opts['name']!r}; known: {', '.join(benches)}")
        extra = dict(item.split("=", 1) for item in opts["set"] if "=" in item)
        options = BenchOptions(
            quick=opts["quick"],
            scale=opts["scale"],
            workers=max(1, opts["workers"]),
            database_url=opts["database_url"],
            extra=extra,
        )
        result = run(opts["name"], options)
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
