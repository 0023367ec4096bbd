"""The ``omniretail`` command: Django's management commands behind one entry point.

``omniretail demo``, ``serve``, ``seed``, ``bench``, ``check-invariants``, ``backup`` …
are management commands of the domain apps; this only points Django at our settings.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["omniretail", *argv])
    if len(args) > 1:
        args[1] = {"worker": "run_huey"}.get(args[1], args[1].replace("-", "_"))
    if "--database-url" in args:
        # Benchmarks and tools may target another database; settings read it at import.
        i = args.index("--database-url")
        if i + 1 < len(args):
            os.environ["OMNIRETAIL_DATABASE_URL"] = args[i + 1]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
