from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from omniretail.core import clock


def pg_env() -> tuple[dict[str, str], list[str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [
        "-h",
        str(db.get("HOST") or "127.0.0.1"),
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        str(db.get("USER") or "postgres"),
    ]
    return env, args


class Command(BaseCommand):
    help = "Write a consistent online snapshot of the database (SQLite backup API, or pg_dump)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", help="output file (default: var/backups/<time>.<ext>)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        vendor = connection.vendor
        ext = "sqlite3" if vendor == "sqlite" else "dump"
        default = settings.DATA_DIR / "backups" / f"omniretail-{clock.now():%Y%m%dT%H%M%SZ}.{ext}"
        path = Path(opts["path"] or default)
        path.parent.mkdir(parents=True, exist_ok=True)
        if vendor == "sqlite":
            source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=30)
            target = sqlite3.connect(str(path))
            try:
                # One step: a read snapshot (WAL lets writers go on) copied whole, so the
                # backup is consistent and never restarts under a steady stream of writes.
                source.backup(target)
            finally:
                target.close()
                source.close()
        elif vendor == "postgresql":
            env, conn_args = pg_env()
            cmd = [
                "pg_dump",
                "-Fc",
                "--no-owner",
                *conn_args,
                "-f",
                str(path),
                str(settings.DATABASES["default"]["NAME"]),
            ]
            result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"backup does not support {vendor}")
        self.stdout.write(str(path))
