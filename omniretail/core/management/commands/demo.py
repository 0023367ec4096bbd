from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from omniretail.core.models import Brand

from .serve import serve


class Command(BaseCommand):
    help = "Migrate, load the demo data if the database is empty, and serve on 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--no-serve", action="store_true", help="prepare the data only")

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not Brand.objects.exists():
            self.stdout.write("Loading demo data …")
            call_command("seed", seed=opts["seed"])
        from omniretail.accounts.seed import DEMO_PASSWORD

        url = f"http://{opts['host']}:{opts['port']}"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"omniretail demo: {url}   (API docs: {url}/api/v1/docs)",
                    f"Demo logins (password for all: {DEMO_PASSWORD}):",
                    "  admin          HQ administrator (总部管理员), whole chain; Django admin at /admin/",
                    "  east.manager   regional manager (区域经理), 华东 stores",
                    "  sh001.manager  store manager (店长), SH001 only",
                    "  sh001.cashier  cashier (收银员), SH001 only",
                    "  sh001.clerk    warehouse clerk (仓管), SH001; wh-central.clerk for the central warehouse",
                    "  marketer / finance / analyst / supplier   HQ roles",
                    "",
                ]
            )
        )
        if not opts["no_serve"]:
            serve(
                self.stdout.write,
                host=opts["host"],
                port=opts["port"],
                workers=3,
                threads=4,
                timeout=60,
                no_worker=False,
            )
