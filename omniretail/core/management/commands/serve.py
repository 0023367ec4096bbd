from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


class Command(BaseCommand):
    help = "Run the production server (gunicorn workers) and the background-job worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) + 1))
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-worker", action="store_true", help="do not start the job worker")
        parser.add_argument("--timeout", type=int, default=60)

    def handle(self, *args: Any, **opts: Any) -> None:
        serve(self.stdout.write, **opts)


def serve(write: Any, **opts: Any) -> None:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "omniretail.settings"),
    )
    bind = f"{opts['host']}:{opts['port']}"
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "omniretail.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(opts["workers"]),
        "--threads",
        str(opts["threads"]),
        "--timeout",
        str(opts["timeout"]),
        "--graceful-timeout",
        "10",
        "--access-logfile",
        "-",
        # The path without its query string: lookups such as ?phone=… never reach a log.
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--worker-tmp-dir",
        "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",  # noqa: S108
    ]
    procs = [subprocess.Popen(gunicorn, env=env)]  # noqa: S603
    if not opts.get("no_worker"):
        procs.append(subprocess.Popen([sys.executable, "-m", "omniretail.cli", "worker"], env=env))
    write(f"omniretail serving at http://{bind}  (health: http://{bind}/healthz)")

    def stop(*_: Any) -> None:
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        stop()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
