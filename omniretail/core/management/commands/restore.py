from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from .backup import pg_env


class Command(BaseCommand):
    help = "Replace the database with a backup made by `omniretail backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["path"])
        if not path.is_file():
            raise CommandError(f"no backup at {path}")
        if not opts["yes"]:
            raise CommandError("restore replaces all data; pass --yes to confirm")
        db = settings.DATABASES["default"]
        connections.close_all()
        if db["ENGINE"].endswith("sqlite3"):
            source = sqlite3.connect(str(path))
            target = sqlite3.connect(str(db["NAME"]), timeout=30)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            env, conn_args = pg_env()
            cmd = [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *conn_args,
                "-d",
                str(db["NAME"]),
                str(path),
            ]
            result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        self.stdout.write(self.style.SUCCESS(f"restored {path}"))
